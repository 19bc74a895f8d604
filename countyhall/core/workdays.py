"""Working-day arithmetic on the official calendar. Pure functions: the calendar is passed in.

Statutory limits in the gazette are counted in 工作日 on the official PRC calendar, including the
调休 make-up working days (a Saturday such as 2021-10-09 counts). "N working days after D" never
counts D itself: the clock starts on the next working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

IsWorkday = Callable[[dt.date], bool]
ONE_DAY = dt.timedelta(days=1)


class CalendarYearUnknown(LookupError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"工作日历中没有 {year} 年的数据，无法计算工作日。请系统管理员在“工作日历”中录入 {year} 年"
            f"（国务院办公厅公布的节假日与调休安排）后再试。"
        )


def add_working_days(start: dt.date, days: int, *, is_workday: IsWorkday) -> dt.date:
    """The date on which the `days`-th working day after `start` falls (start itself never counts)."""
    if days < 0:
        raise ValueError("工作日天数不能为负数。")
    current = start
    counted = 0
    while counted < days:
        current += ONE_DAY
        if is_workday(current):
            counted += 1
    return current


def working_days_between(start: dt.date, end: dt.date, *, is_workday: IsWorkday) -> int:
    """Working days in (start, end]: how many working days of a clock started on `start` have elapsed by `end`."""
    if end <= start:
        return 0
    count = 0
    current = start
    while current < end:
        current += ONE_DAY
        if is_workday(current):
            count += 1
    return count
