"""Elders by name, not by number (issue 12): 孙*芳（河口村 · 青城镇）, masked for roles without unmasked access.

One query for any number of elders (their person and village) and one for the towns, so a page of lunches, a
settlement's statement or a fraud report names everyone for the price of two queries. The record number stays
available as a secondary reference (#N) where the page links to the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from countyhall.canteens.models import Elder
from countyhall.core.identity import mask_name
from countyhall.core.models import Division
from countyhall.core.roles import Capability

TOWN_KINDS = (Division.Kind.TOWN, Division.Kind.STREET, Division.Kind.DEVELOPMENT_ZONE)


@dataclass(frozen=True)
class ElderName:
    pk: int
    name: str  # masked unless the user may see names unmasked (length kept: 孙*芳)
    village: str
    town: str

    @property
    def place(self) -> str:
        return " · ".join(part for part in (self.village, self.town) if part)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.place}）" if self.place else self.name

    def __str__(self) -> str:
        return self.label


def unmasked_for(user) -> bool:
    return bool(getattr(user, "can", None)) and user.can(Capability.PERSON_VIEW_UNMASKED)


def town_names() -> dict[str, str]:
    return dict(Division.objects.filter(kind__in=TOWN_KINDS).values_list("code", "name"))


def town_of(division: Division, towns: dict[str, str]) -> str:
    """The town (镇/街道/开发区) above a division, read from its path (/county/town/…/)."""
    if division.kind in TOWN_KINDS:
        return division.name
    parts = (division.path or "").strip("/").split("/")
    return towns.get(parts[1], "") if len(parts) > 1 else ""


def present(elder: Elder, *, unmasked: bool, towns: dict[str, str]) -> ElderName:
    person = elder.person
    division = person.division
    return present_values(
        elder.pk,
        person.name,
        division_name=division.name,
        division_kind=division.kind,
        division_path=division.path,
        unmasked=unmasked,
        towns=towns,
    )


def present_values(
    pk: int,
    name: str,
    *,
    division_name: str,
    division_kind: str,
    division_path: str,
    unmasked: bool,
    towns: dict[str, str],
) -> ElderName:
    """`present` from plain columns: an export joins the person and village into its own rows instead of
    building an Elder, Person and Division per row (docs/benchmarks.md)."""
    if division_kind in TOWN_KINDS:
        village, town = "", division_name
    else:
        parts = (division_path or "").strip("/").split("/")
        village, town = division_name, (towns.get(parts[1], "") if len(parts) > 1 else "")
    return ElderName(pk=pk, name=name if unmasked else mask_name(name), village=village, town=town)


def elder_names(user, elder_ids: Iterable[int | None]) -> dict[int, ElderName]:
    ids = {pk for pk in elder_ids if pk}
    if not ids:
        return {}
    unmasked = unmasked_for(user)
    towns = town_names()
    # Plain columns, not Elder and Person instances: select_related over the one-to-one person caches each on the
    # other, a reference cycle per elder that only the garbage collector frees, so a long export calling this per
    # chunk grew with its rows (docs/benchmarks.md, "Exports: memory").
    rows = Elder.objects.filter(pk__in=ids).values_list(
        "pk", "person__name", "person__division__name", "person__division__kind", "person__division__path"
    )
    return {
        pk: present_values(
            pk,
            name,
            division_name=division_name,
            division_kind=division_kind,
            division_path=division_path,
            unmasked=unmasked,
            towns=towns,
        )
        for pk, name, division_name, division_kind, division_path in rows
    }


def name_of(names: dict[int, ElderName], elder_id: int | None, fallback: str = "") -> str:
    if not elder_id:
        return fallback
    found = names.get(elder_id)
    return found.label if found else f"#{elder_id}"
