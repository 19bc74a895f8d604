"""Reads of governed policy: every reading and administered figure with the answer or value in force, and each one's
history of changes (core.models.PolicyChange)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from countyhall.core.models import PolicyChange
from countyhall.core.policy import ANSWER_LABELS, NoPolicyInForce, Parameter, Reading, parameters
from countyhall.core.programs import program_of_parameter_file


@dataclass
class EffectRow:
    label: str
    unit: str
    adopted: object
    alternative: object
    parameter: Parameter | None = None

    @property
    def adopted_shown(self) -> str:
        return self.parameter.display(self.adopted) if self.parameter else f"{self.adopted} {self.unit}"

    @property
    def alternative_shown(self) -> str:
        return (
            self.parameter.display(self.alternative) if self.parameter else f"{self.alternative} {self.unit}"
        )


@dataclass
class ReadingItem:
    reading: Reading
    answer: str  # in force on the date asked about
    program: str
    pending: PolicyChange | None = None
    effects: list[EffectRow] = field(default_factory=list)

    @property
    def answer_label(self) -> str:
        return ANSWER_LABELS[self.answer]

    @property
    def answer_text(self) -> str:
        return self.reading.answer_text(self.answer)


@dataclass
class FigureItem:
    parameter: Parameter
    value: object  # None: not yet entered
    since: dt.date | None
    program: str
    pending: PolicyChange | None = None


def _pending() -> dict[tuple[str, str], PolicyChange]:
    return {
        (c.kind, c.key): c
        for c in PolicyChange.objects.filter(state=PolicyChange.State.PROPOSED).select_related("proposed_by")
    }


def reading_item(reading: Reading, *, on: dt.date, pending=None) -> ReadingItem:
    registry = parameters()
    effects = []
    names = sorted({name for changes in reading.effects.values() for name in changes})
    for name in names:
        parameter = registry.parameters[name]
        try:
            adopted = reading.effects.get("adopted", {}).get(name, parameter.at(on).value)
        except NoPolicyInForce:
            adopted = reading.effects.get("adopted", {}).get(name)
        effects.append(
            EffectRow(
                label=parameter.label,
                unit=parameter.unit_label,
                adopted=adopted,
                alternative=reading.effects.get("alternative", {}).get(name, adopted),
                parameter=parameter,
            )
        )
    return ReadingItem(
        reading=reading,
        answer=registry.answer(reading.id, on),
        program=program_of_parameter_file(reading.source_file),
        pending=pending,
        effects=effects,
    )


def figure_item(parameter: Parameter, *, on: dt.date, pending=None) -> FigureItem:
    try:
        value = parameters().at(parameter.name, on)
    except NoPolicyInForce:
        return FigureItem(
            parameter=parameter,
            value=None,
            since=None,
            program=program_of_parameter_file(parameter.source_file),
            pending=pending,
        )
    return FigureItem(
        parameter=parameter,
        value=value.value,
        since=value.valid_from,
        program=program_of_parameter_file(parameter.source_file),
        pending=pending,
    )


def governed_overview(*, on: dt.date) -> dict:
    """Every reading and every administered figure, with what is in force on `on` and any proposal waiting."""
    registry = parameters()
    pending = _pending()
    readings = [
        reading_item(r, on=on, pending=pending.get(("reading", r.id)))
        for r in sorted(registry.readings.values(), key=lambda r: (r.source_file, r.id))
    ]
    figures = [
        figure_item(p, on=on, pending=pending.get(("parameter", p.name))) for p in registry if p.administered
    ]
    return {"readings": readings, "figures": figures, "pending": list(pending.values())}


def policy_history(*, kind: str, key: str):
    return (
        PolicyChange.objects.filter(kind=kind, key=key)
        .select_related("proposed_by", "decided_by")
        .order_by("-valid_from", "-proposed_at")
    )


def pending_changes_for(user):
    """Proposals another administrator made, waiting for this one's decision (four eyes)."""
    return (
        PolicyChange.objects.filter(state=PolicyChange.State.PROPOSED)
        .exclude(proposed_by=user)
        .select_related("proposed_by")
    )
