"""Collect the parameter values a rule reads, so its result can cite them."""

from __future__ import annotations

import datetime as dt

from countyhall.core.policy import Citation, governed, parameters
from countyhall.core.policy.citations import ADOPTED

from .registry import RuleResult


class ParameterTrace:
    """What a rule read: each parameter's value with its citation, each reading with the answer in force, and the
    approved policy changes (core.models.PolicyChange) behind them — so the result can say why."""

    def __init__(self, on: dt.date):
        self.on = on
        self.citations: list[Citation] = []
        self.readings: list[str] = []
        self.answers: dict[str, str] = {}
        self.changes: set[int] = set()
        # name → the first day of the value used (its version: the file's dated value or an approved change), so a
        # stored figure can say which version of each parameter it was computed with (issue 13).
        self.versions: dict[str, str] = {}

    def get(self, name: str, *, on: dt.date | None = None):
        """The value of `name` in force on the trace's date (or `on`), recorded with its citation and reading."""
        value = parameters().at(name, on or self.on)
        self.citations.append(value.citation)
        self.versions[name] = value.valid_from.isoformat()
        if value.reading:
            self._record_answer(value.reading, value.answer, on or self.on)
        if value.change_id is not None:
            self.changes.add(value.change_id)
        return value.value

    def answer(self, reading_id: str, *, on: dt.date | None = None) -> str:
        """The answer in force of a reading the rule applies in code ("adopted" or "alternative"), recorded with
        the reading's citation."""
        registry = parameters()
        answer = registry.answer(reading_id, on or self.on)
        reading = registry.reading(reading_id)
        if reading.citation is not None:
            self.citations.append(reading.citation)
        self._record_answer(reading_id, answer, on or self.on)
        return answer

    def adopted(self, reading_id: str, *, on: dt.date | None = None) -> bool:
        return self.answer(reading_id, on=on) == ADOPTED

    def _record_answer(self, reading_id: str, answer: str, on: dt.date) -> None:
        self.readings.append(reading_id)
        self.answers[reading_id] = answer
        entry = governed.current().reading_entry(reading_id, on)
        if entry is not None and entry.change_id is not None:
            self.changes.add(entry.change_id)

    def result(self, data: dict) -> RuleResult:
        return RuleResult(
            data=data,
            citations=self.citations,
            readings=self.readings,
            answers=dict(self.answers),
            changes=sorted(self.changes),
            versions=dict(self.versions),
        )
