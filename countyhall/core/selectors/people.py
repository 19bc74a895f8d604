"""The one place that decides which people a user may see, and how much of them.

Scope: a user sees the people living in their scope division and below it; a user without a
scope division, or without the person.view capability, sees nobody. Masking: only roles with
person.view_unmasked see full names and ID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from countyhall.core.errors import ServiceError
from countyhall.core.identity import mask_address, mask_birth_date, mask_id_number, mask_name, mask_phone
from countyhall.core.models import AuditEntry, Division, Person
from countyhall.core.roles import Capability
from countyhall.core.services.audit import audit_personal_read, audit_record
from countyhall.core.web import is_ascii_int


def division_scope_for_user(user) -> Division | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.scope_division


def person_scope_filter(user, *, prefix: str = "") -> Q:
    """The scope rule as a condition on a person relation (`prefix`, e.g. "person__" from Elder), so a list of
    elders filters its own join instead of `person__in=<subquery>`: the town's elder list walked the county's
    divisions in path order to find the town's (843 ms at county scale, docs/benchmarks.md). The divisions in
    scope go to the database as ids (a few hundred at most), which PostgreSQL plans on the person's division
    index. A user who may see nobody gets a condition that matches nothing."""
    scope = division_scope_for_user(user)
    if scope is None or not user.can(Capability.PERSON_VIEW):
        return Q(pk__in=[])
    ids = list(Division.objects.filter(path__startswith=scope.path).values_list("pk", flat=True))
    if len(ids) == Division.objects.count():
        # The scope holds every division (a county-wide role): the list of every id would match every row, and
        # PostgreSQL tested it on each of the county's 93,000 people (140 ms of a 200 ms search). The same rows,
        # said as the always-true condition it is; the planner drops it.
        return Q(**{f"{prefix}division_id__isnull": False})
    return Q(**{f"{prefix}division_id__in": ids})


def person_queryset_for_user(user) -> QuerySet[Person]:
    """All people `user` may see; empty when the role or the scope does not allow any."""
    scope = division_scope_for_user(user)
    if scope is None or not user.can(Capability.PERSON_VIEW):
        return Person.objects.none()
    # Up to the county: person_present() shows division.full_name(), which walks the parents (4 queries a row
    # without the joins; the people and elder lists show 50 rows).
    return Person.objects.filter(person_scope_filter(user)).select_related("division__parent__parent__parent")


def person_list_for_user(user, *, query: str = "", within: Division | None = None) -> QuerySet[Person]:
    people = person_queryset_for_user(user)
    if within is not None:
        people = people.filter(division__path__startswith=within.path)
    if query:
        query = query.strip()
        # ID numbers are stored upper-case (parse_id_number, on every write), so the uppercased query is matched
        # exactly, on the unique index: UPPER(id_number) = … beside the name's trigram index (migration core
        # 0007) turned the whole search into a scan of every person.
        if user.can(Capability.PERSON_VIEW_UNMASKED):
            people = people.filter(_name_matches(query) | Q(id_number=query.upper()))
        else:
            # A masked role may still find a person by the full ID number presented at the counter.
            people = people.filter(id_number=query.upper())
    return people.order_by("division__path", "name", "pk")


def _name_matches(query: str) -> Q:
    """icontains is UPPER(name) LIKE UPPER(query): the trigram index answers it for three characters or more. A
    shorter query has no trigram to look up and scans every name; when it has no letters with a case (a Chinese
    surname: 王), plain LIKE finds the same rows without upper-casing the county's 93,000 names first."""
    if len(query) < 3 and query.upper() == query.lower():
        return Q(name__contains=query)
    return Q(name__icontains=query)


def division_filter_for_user(user, raw: str | None) -> Division | None:
    """The `?division=` filter of a people list: None when absent; ServiceError("division") when it is not
    a number or names a division outside the user's scope (never a 500, never another town's people)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not is_ascii_int(raw):
        raise ServiceError("division", "区划参数应为区划编号（整数）。")
    scope = division_scope_for_user(user)
    division = Division.objects.filter(pk=int(raw)).first()
    if division is None or scope is None or not division.path.startswith(scope.path):
        raise ServiceError("division", "该区划不存在或不在您的数据范围内。")
    return division


def person_list_read_log(
    user, *, what: str, count: int, query: str = "", within: Division | None = None, **filters
) -> None:
    """One audit row for a list or search of people as `user` saw it (page, API page, export)."""
    audit_personal_read(
        actor=user,
        what=what,
        object_type="core.Person",
        count=count,
        filters={"q": query.strip(), "division": within.pk if within else None, **filters},
        masked=not user.can(Capability.PERSON_VIEW_UNMASKED),
    )


@dataclass(frozen=True)
class PersonView:
    """A person as a given user is allowed to see them."""

    pk: int
    name: str
    id_number: str
    sex: str
    birth_date: str
    division: str
    address: str
    phone: str
    masked: bool


def person_present(person: Person, user) -> PersonView:
    unmasked = user.can(Capability.PERSON_VIEW_UNMASKED)
    return PersonView(
        pk=person.pk,
        name=person.name if unmasked else mask_name(person.name),
        id_number=person.id_number if unmasked else mask_id_number(person.id_number),
        sex=person.get_sex_display(),
        birth_date=person.birth_date.isoformat() if unmasked else mask_birth_date(person.birth_date),
        division=person.division.full_name(),
        address=person.address if unmasked else (mask_address(person.address) or "（已脱敏）"),
        phone=person.phone if unmasked else mask_phone(person.phone),
        masked=not unmasked,
    )


@transaction.atomic
def person_get_for_user(user, *, person_id: int, purpose: str = "") -> PersonView:
    """One person's record for `user`, with the read logged; Person.DoesNotExist when out of scope."""
    person = person_queryset_for_user(user).get(pk=person_id)
    view = person_present(person, user)
    audit_record(
        actor=user,
        action=AuditEntry.Action.READ,
        instance=person,
        note=(purpose or "查看人员详情") + ("（脱敏）" if view.masked else "（未脱敏）"),
    )
    return view
