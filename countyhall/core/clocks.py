"""Statutory clocks in working days, with stops while a case waits on the applicant.

Shared by every program that keeps a 限时办结 clock (construction permits now, e-government projects
next). Pure: the calendar is passed in as `is_workday`, so the arithmetic is testable without a database.

The reading (POLICIES.md C3): the day of acceptance does not count; the clock starts on the next working
day. A working day inside a stop (补正), both ends included, does not count. A stop still open has no
end yet: every day from its start is stopped, and the due date is unknown until the clock restarts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from countyhall.core.workdays import ONE_DAY, IsWorkday

Stop = tuple[dt.date, dt.date | None]


@dataclass(frozen=True)
class ClockState:
    limit: int
    used: int
    remaining: int
    due: dt.date | None  # None while a stop is open: the due date moves when the clock restarts
    running: bool
    overdue: bool
    stopped_working_days: int

    @property
    def days_over(self) -> int:
        return max(self.used - self.limit, 0)


def _stopped(day: dt.date, stops: Sequence[Stop]) -> bool:
    return any(start <= day <= (end or dt.date.max) for start, end in stops)


def clock_state(*, started: dt.date, limit: int, on: dt.date, stops: Sequence[Stop], is_workday: IsWorkday,
                finished: dt.date | None = None) -> ClockState:
    """The clock of a case accepted on `started` with `limit` working days, read on `on` (or when it finished)."""
    end = min(on, finished) if finished else on
    used = stopped = 0
    day = started
    while day < end:
        day += ONE_DAY
        if not is_workday(day):
            continue
        if _stopped(day, stops):
            stopped += 1
        else:
            used += 1
    open_stop = any(stop_end is None for _, stop_end in stops)
    due = None
    if not open_stop:
        counted, day = 0, started
        while counted < limit:
            day += ONE_DAY
            if is_workday(day) and not _stopped(day, stops):
                counted += 1
        due = day
    running = finished is None and not open_stop
    return ClockState(limit=limit, used=used, remaining=max(limit - used, 0), due=due, running=running,
                      overdue=used > limit or (due is not None and end > due), stopped_working_days=stopped)
