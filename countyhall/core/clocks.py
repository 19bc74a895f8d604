"""Statutory clocks in working days, with stops while a case waits on the applicant.

Shared by every program that keeps a 限时办结 clock (construction permits, e-government acceptance). Pure: the
calendar is passed in as `is_workday`, so the arithmetic is testable without a database. Decision 0012: the
clock's arithmetic and its transitions (suspend, resume, extend, remind) live here; each program stores its
clock's stops and extensions in its own tables built on `core.models.clocks` (abstract), and sends its
reminders with `core.services.clocks.clock_notice_send`.

The reading (POLICIES.md C3): the day of acceptance does not count; the clock starts on the next working
day. A working day inside a stop (补正), both ends included, does not count. A stop still open has no
end yet: every day from its start is stopped, and the due date is unknown until the clock restarts.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from countyhall.core.errors import ServiceError
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


def clock_state(
    *,
    started: dt.date,
    limit: int,
    on: dt.date,
    stops: Sequence[Stop],
    is_workday: IsWorkday,
    finished: dt.date | None = None,
    workdays_in_year: Callable[[int], Sequence[dt.date]] | None = None,
) -> ClockState:
    """The clock of a case accepted on `started` with `limit` working days, read on `on` (or when it finished).

    With `workdays_in_year` (a year's working days, sorted) the count jumps by bisection instead of walking
    day by day: the same answer, much faster on a desk or report with thousands of clocks."""
    end = min(on, finished) if finished else on
    open_stop = any(stop_end is None for _, stop_end in stops)
    if workdays_in_year is not None:
        used, stopped, due = _by_index(started, limit, end, stops, open_stop, workdays_in_year)
    else:
        used, stopped, due = _by_walking(started, limit, end, stops, open_stop, is_workday)
    running = finished is None and not open_stop
    return ClockState(
        limit=limit,
        used=used,
        remaining=max(limit - used, 0),
        due=due,
        running=running,
        overdue=used > limit or (due is not None and end > due),
        stopped_working_days=stopped,
    )


def _by_walking(started, limit, end, stops, open_stop, is_workday):
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
    due = None
    if not open_stop:
        counted, day = 0, started
        while counted < limit:
            day += ONE_DAY
            if is_workday(day) and not _stopped(day, stops):
                counted += 1
        due = day
    return used, stopped, due


def _workdays_after_until(after: dt.date, until: dt.date, workdays_in_year) -> int:
    """Working days d with after < d <= until."""
    if until <= after:
        return 0
    count = 0
    for year in range(after.year, until.year + 1):
        days = workdays_in_year(year)
        low = bisect_right(days, after) if year == after.year else 0
        high = bisect_right(days, until) if year == until.year else len(days)
        count += max(high - low, 0)
    return count


def _merged(stops: Sequence[Stop]) -> list[tuple[dt.date, dt.date]]:
    merged: list[list[dt.date]] = []
    for start, stop_end in sorted((s, e or dt.date.max) for s, e in stops):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop_end)
        else:
            merged.append([start, stop_end])
    return [(start, stop_end) for start, stop_end in merged]


def _by_index(started, limit, end, stops, open_stop, workdays_in_year):
    intervals = _merged(stops)
    total = _workdays_after_until(started, end, workdays_in_year)
    stopped = sum(
        _workdays_after_until(max(start - ONE_DAY, started), min(stop_end, end), workdays_in_year)
        for start, stop_end in intervals
    )
    due = None
    if not open_stop:
        year, day, counted = started.year, started, 0
        days = workdays_in_year(year)
        index = bisect_right(days, started)
        while counted < limit:
            if index >= len(days):
                year += 1
                days, index = workdays_in_year(year), 0
                continue
            day = days[index]
            index += 1
            if not any(start <= day <= stop_end for start, stop_end in intervals):
                counted += 1
        due = day
    return total - stopped, stopped, due


# ---- the clock as a value: its transitions, validated (decision 0012) ------------------------------------------


class ClockRefused(ServiceError):
    """A transition the clock does not allow (resume a running clock, extend twice…): names the field and rule."""


@dataclass(frozen=True)
class ClockExtension:
    """More working days, counted once approved. `basis`: what allows it (a citation's text, or a platform rule)."""

    working_days: int
    reason: str
    requested_on: dt.date
    approved_on: dt.date | None = None
    basis: str = ""


@dataclass(frozen=True)
class ExtensionLimit:
    """How far a program's clock may be extended: at most `times` extensions (None: no limit), each of at most
    `max_days` working days (None: no limit), on the `basis` that says so (shown with the refusal)."""

    times: int | None = None
    max_days: int | None = None
    basis: str = ""


UNLIMITED = ExtensionLimit()


@dataclass(frozen=True)
class ClockEvent:
    """One line of a clock's history, in date order: started, suspended, resumed, extension asked/approved,
    finished."""

    on: dt.date
    kind: str  # started | suspended | resumed | extension_requested | extension_approved | finished
    text: str


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class StatutoryClock:
    """A 限时办结 clock: `limit` working days from the day after `started`, stopped by `stops` (both ends not
    counted, an open stop has no end), lengthened by approved `extensions`, ending on `finished`.

    Immutable: `suspended`, `resumed` and `extended` return the next clock or raise ClockRefused, so a program's
    service checks a transition here and then writes the row it stands for."""

    started: dt.date
    limit: int
    stops: tuple[Stop, ...] = ()
    extensions: tuple[ClockExtension, ...] = ()
    finished: dt.date | None = None
    reasons: tuple[str, ...] = field(default=(), compare=False)  # the stops' reasons, for the history

    @property
    def extension_days(self) -> int:
        return sum(e.working_days for e in self.extensions if e.approved_on)

    @property
    def total_limit(self) -> int:
        """The working days allowed now: the limit plus every approved extension (an unapproved one moves nothing)."""
        return self.limit + self.extension_days

    @property
    def is_suspended(self) -> bool:
        return any(end is None for _, end in self.stops)

    def state(
        self,
        *,
        on: dt.date,
        is_workday: IsWorkday,
        workdays_in_year: Callable[[int], Sequence[dt.date]] | None = None,
    ) -> ClockState:
        return clock_state(
            started=self.started,
            limit=self.total_limit,
            on=on,
            stops=self.stops,
            is_workday=is_workday,
            finished=self.finished,
            workdays_in_year=workdays_in_year,
        )

    def _running_check(self, field_name: str) -> None:
        if self.finished is not None:
            raise ClockRefused(field_name, f"已于{_day(self.finished)}办结，时限不再变动。")

    def suspended(self, *, on: dt.date, reason: str = "") -> StatutoryClock:
        """Stop the clock from `on` (补正, materials incomplete): that day and every day until it resumes do not
        count."""
        self._running_check("on")
        if self.is_suspended:
            raise ClockRefused("status", "已停止计时，恢复计时后才能再次停止。")
        if on < self.started:
            raise ClockRefused("on", f"停止计时日期不能早于起算日期（{_day(self.started)}）。")
        last_end = max((end for _, end in self.stops if end is not None), default=None)
        # The restart day itself may stop again (a second 补正 asked that day): it is a stopped day either way.
        if last_end is not None and on < last_end:
            raise ClockRefused("on", f"停止计时日期不能早于上次恢复计时日期（{_day(last_end)}）。")
        return replace(self, stops=(*self.stops, (on, None)), reasons=(*self.reasons, reason))

    def resumed(self, *, on: dt.date) -> StatutoryClock:
        """Restart the clock: `on` (the day the applicant answers) still does not count; the next working day does."""
        self._running_check("on")
        if not self.is_suspended:
            raise ClockRefused("status", "未停止计时，无需恢复。")
        start = next(start for start, end in self.stops if end is None)
        if on < start:
            raise ClockRefused("on", f"恢复计时（补正）日期不能早于停止计时日期（{_day(start)}）。")
        return replace(self, stops=tuple((s, on if e is None else e) for s, e in self.stops))

    def extended(
        self,
        *,
        working_days: int,
        reason: str,
        on: dt.date,
        limit: ExtensionLimit = UNLIMITED,
        approved_on: dt.date | None = None,
        basis: str = "",
    ) -> StatutoryClock:
        """Ask for more working days (counted once approved); refused past the program's `limit` — the basis of
        the limit is named in the refusal."""
        self._running_check("working_days")
        if working_days < 1:
            raise ClockRefused("working_days", "延长的工作日至少为 1 天。")
        if not reason.strip():
            raise ClockRefused("reason", "延期须写明理由。")
        cited = f"（{limit.basis}）" if limit.basis else ""
        if limit.times is not None and len(self.extensions) >= limit.times:
            raise ClockRefused("working_days", f"时限只能延长 {limit.times} 次，已延长过{cited}。")
        if limit.max_days is not None and working_days > limit.max_days:
            raise ClockRefused("working_days", f"延长不得超过 {limit.max_days} 个工作日{cited}。")
        extension = ClockExtension(
            working_days=working_days,
            reason=reason.strip(),
            requested_on=on,
            approved_on=approved_on,
            basis=basis or limit.basis,
        )
        return replace(self, extensions=(*self.extensions, extension))

    def history(self) -> list[ClockEvent]:
        """What happened to the clock, oldest first (the stops and extensions are never deleted, so this is whole)."""
        events = [
            ClockEvent(
                self.started,
                "started",
                f"开始计时（{_day(self.started)}当日不计入），时限 {self.limit} 个工作日",
            )
        ]
        reasons = list(self.reasons) + [""] * (len(self.stops) - len(self.reasons))
        for (start, end), reason in zip(self.stops, reasons, strict=True):
            events.append(ClockEvent(start, "suspended", "停止计时" + (f"：{reason}" if reason else "")))
            if end is not None:
                events.append(ClockEvent(end, "resumed", "恢复计时（当日不计入）"))
        for e in self.extensions:
            events.append(
                ClockEvent(
                    e.requested_on,
                    "extension_requested",
                    f"申请延长 {e.working_days} 个工作日：{e.reason}" + (f"（{e.basis}）" if e.basis else ""),
                )
            )
            if e.approved_on:
                events.append(
                    ClockEvent(e.approved_on, "extension_approved", f"批准延长 {e.working_days} 个工作日")
                )
        if self.finished:
            events.append(ClockEvent(self.finished, "finished", "办结"))
        order = {
            "started": 0,
            "resumed": 1,
            "suspended": 2,
            "extension_requested": 3,
            "extension_approved": 4,
            "finished": 5,
        }
        return sorted(events, key=lambda e: (e.on, order[e.kind]))


REMINDER, ESCALATION = "reminder", "escalation"


def clock_alert(state: ClockState, *, remind_within: int) -> str | None:
    """Which notice a running clock calls for on the day it is read: an escalation once overdue, a reminder when
    `remind_within` working days or fewer remain, else none. A stopped clock (补正) reminds nobody: it is the
    applicant's turn, and its due date is not yet known."""
    if state.overdue:
        return ESCALATION
    if state.due is not None and state.remaining <= remind_within:
        return REMINDER
    return None
