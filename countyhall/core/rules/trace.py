"""Collect the parameter values a rule reads, so its result can cite them."""

from __future__ import annotations

import datetime as dt

from countyhall.core.policy import Citation, parameters

from .registry import RuleResult


class ParameterTrace:
    def __init__(self, on: dt.date):
        self.on = on
        self.citations: list[Citation] = []
        self.readings: list[str] = []

    def get(self, name: str, *, on: dt.date | None = None):
        """The value of `name` in force on the trace's date (or `on`), recorded with its citation and reading."""
        value = parameters().at(name, on or self.on)
        self.citations.append(value.citation)
        if value.reading:
            self.readings.append(value.reading)
        return value.value

    def result(self, data: dict) -> RuleResult:
        return RuleResult(data=data, citations=self.citations, readings=self.readings)
