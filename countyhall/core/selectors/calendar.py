from __future__ import annotations

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
