from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from countyhall.core.models import CalendarDay, CalendarYear
from countyhall.core.workdays import CalendarYearUnknown, add_working_days, working_days_between


class DatabaseCalendar:
    """The administrators' working-day calendar, loaded a year at a time on first use.

    Asking about a year without a CalendarYear row raises CalendarYearUnknown naming the year.
    """

    def __init__(self) -> None:
        self._workdays: dict[int, set[dt.date]] = {}
        self._sorted: dict[int, list[dt.date]] = {}

    def _year(self, year: int) -> set[dt.date]:
        if year not in self._workdays:
            if not CalendarYear.objects.filter(year=year).exists():
                raise CalendarYearUnknown(year)
            self._workdays[year] = set(
                CalendarDay.objects.filter(year_id=year, is_workday=True).values_list("date", flat=True)
            )
        return self._workdays[year]

    def is_workday(self, day: dt.date) -> bool:
        return day in self._year(day.year)

    def workdays_in_year(self, year: int) -> list[dt.date]:
        """The year's working days in order (for clocks that count by bisection)."""
        if year not in self._sorted:
            self._sorted[year] = sorted(self._year(year))
        return self._sorted[year]

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        return add_working_days(start, days, is_workday=self.is_workday)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        return working_days_between(start, end, is_workday=self.is_workday)


def calendar_year_list():
    return CalendarYear.objects.order_by("year")


def calendar_month(*, year: int, month: int) -> list[CalendarDay]:
    if not CalendarYear.objects.filter(year=year).exists():
        raise CalendarYearUnknown(year)
    return list(CalendarDay.objects.filter(date__year=year, date__month=month).order_by("date"))


# The month the administrators are warned from: the State Council usually publishes the next year's
# holidays in October–November, and a deadline running into January needs them before the year turns.
NEXT_YEAR_WARNING_FROM_MONTH = 11


def calendar_next_year_missing(*, on: dt.date) -> int | None:
    """The next year, if it is 1 November or later and the database calendar has no row for it; else None."""
    if on.month < NEXT_YEAR_WARNING_FROM_MONTH:
        return None
    following = on.year + 1
    return None if CalendarYear.objects.filter(year=following).exists() else following


def year_grid(year: int, days: dict) -> list[dict]:
    """Twelve months as weeks of (date, day or None) from Monday, for a whole-year view or a preview.

    `days` maps each date to anything with `kind` and `holiday_name` (a CalendarDay or a planned day).
    """
    months = []
    for month in range(1, 13):
        weeks = [
            [(d, days.get(d) if d.month == month else None) for d in week]
            for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        in_month = [days[d] for d in days if d.month == month]
        months.append(
            {
                "month": month,
                "weeks": weeks,
                "workdays": sum(1 for d in in_month if d.kind in ("workday", "makeup_workday")),
            }
        )
    return months
