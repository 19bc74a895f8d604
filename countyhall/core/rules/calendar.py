"""Rules of the working-day calendar."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.selectors.calendar import DatabaseCalendar

from .registry import RuleInputError, RuleResult, StrictInput, rule


class AddWorkingDaysInput(StrictInput):
    start = serializers.DateField(help_text="起算日（不计入）")
    days = serializers.IntegerField(min_value=0, max_value=3650, help_text="工作日天数")


@rule(
    name="calendar.add_working_days",
    title="N 个工作日后的日期",
    input=AddWorkingDaysInput,
    example={"start": "2021-09-29", "days": 5},
    description="按国家法定节假日与调休安排（含调休上班日）计算起算日之后第 N 个工作日的日期；起算日本身不计入。",
)
def add_working_days_rule(*, start: dt.date, days: int) -> RuleResult:
    """The date of the N-th working day after `start` on the official calendar (调休 make-up days count; the start day does not)."""
    try:
        basis = parameters().at("calendar.statutory_day_basis", start)
    except NoPolicyInForce as exc:
        raise RuleInputError("start", str(exc)) from exc
    calendar = DatabaseCalendar()
    end = calendar.add_working_days(start, days)
    skipped = []
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if not calendar.is_workday(day) or day.weekday() >= 5:
            skipped.append(day)
    return RuleResult(
        data={
            "date": end,
            "start": start,
            "days": days,
            "calendar_days": (end - start).days,
            "non_working_days": [d for d in skipped if not calendar.is_workday(d)],
            "makeup_working_days": [d for d in skipped if calendar.is_workday(d)],
        },
        citations=[basis.citation],
        readings=[basis.reading] if basis.reading else [],
    )
