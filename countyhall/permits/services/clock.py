"""The statutory clocks of cases and department reviews, and the sweep that reminds and escalates.

The clock itself is core's (decision 0012): `StatutoryClock` checks every stop, restart and extension and
computes the due date, `clock_alert` says when to remind or escalate, `clock_notice_send` keeps one notice per
clock. What is the permits' own: which dates start and finish a case's and a department's clock, reading C3
(working or calendar days), and who is told."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date
from countyhall.core.clocks import ESCALATION, REMINDER, UNLIMITED, ClockState, StatutoryClock, clock_alert
from countyhall.core.models import AuditEntry
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.audit import audit_record
from countyhall.core.services.clocks import clock_notice_send
from countyhall.permits import access
from countyhall.permits.models import Case, ClockNotice, Extension, Review, Suspension
from countyhall.permits.rules import counts_working_days

ANSWERED = [Review.Opinion.APPROVE, Review.Opinion.APPROVE_WITH_CONDITIONS, Review.Opinion.REFUSE]
FINISHED = (Case.Status.APPROVED, Case.Status.REFUSED, Case.Status.REVOKED)
# 高政办发〔2021〕3号 sets no bound on extending a stage's time: any number of approved extensions of any length
# count (decision 0005). A program whose text bounds it passes its own core.clocks.ExtensionLimit.
EXTENSION_LIMIT = UNLIMITED


@dataclass(frozen=True)
class ClockParts:
    """What a case's clock reads beyond the case row: its stops (补正) and its approved extensions' days."""

    stops: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    extension_days: int = 0


def clock_parts(cases) -> dict[int, ClockParts]:
    """The ClockParts of many cases (a Case queryset, or case ids) in two queries.

    For lists of thousands of cases (the desk, the reports): prefetching `suspensions` and `extensions` sends
    every case id as a parameter and builds a related manager per case; here the cases are a subquery and the
    rows plain tuples. A case without stops or extensions is absent: use ``parts.get(pk, NO_PARTS)``."""
    ids = cases.values("pk") if hasattr(cases, "values") else list(cases)
    stops: dict[int, list] = defaultdict(list)
    for case_id, start, end in Suspension.objects.filter(case__in=ids).values_list("case_id", "start", "end"):
        stops[case_id].append((start, end))
    days = dict(
        Extension.objects.filter(case__in=ids, approved_on__isnull=False)
        .values("case_id")
        .order_by()
        .annotate(days=Sum("working_days"))
        .values_list("case_id", "days")
    )
    return {
        pk: ClockParts(stops=stops.get(pk, []), extension_days=days.get(pk) or 0) for pk in {*stops, *days}
    }


NO_PARTS = ClockParts()


def case_limit(case: Case, parts: ClockParts | None = None) -> int:
    """The stage's working days plus every approved extension (prefetch `extensions` when listing, or pass the
    case's `clock_parts`)."""
    if parts is not None:
        return case.working_days + parts.extension_days
    return case.working_days + sum(e.working_days for e in case.extensions.all() if e.approved_on)


@functools.cache
def _every_day(year: int) -> tuple[dt.date, ...]:
    first = dt.date(year, 1, 1)
    return tuple(first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days))


def _day_basis(started: dt.date, calendar: DatabaseCalendar) -> dict:
    """Reading C3 in force when the clock started: working days on the official calendar (adopted), or calendar
    days (alternative, every day counts)."""
    if counts_working_days(started):
        return {"is_workday": calendar.is_workday, "workdays_in_year": calendar.workdays_in_year}
    return {"is_workday": lambda day: True, "workdays_in_year": _every_day}


def _stops(case: Case, parts: ClockParts | None = None) -> list[tuple[dt.date, dt.date | None]]:
    if parts is not None:
        return parts.stops
    return [(s.start, s.end) for s in case.suspensions.all()]


def case_clock(
    case: Case,
    *,
    on: dt.date | None = None,
    calendar: DatabaseCalendar | None = None,
    parts: ClockParts | None = None,
) -> ClockState | None:
    """Working days used and left on `on`; None before the case is accepted (the clock has not started).

    `parts`: the case's ClockParts from `clock_parts` (many cases); without it the case's suspensions and
    extensions are read (prefetch them when listing)."""
    if case.accepted_on is None:
        return None
    return clock_of(
        accepted_on=case.accepted_on,
        limit=case_limit(case, parts),
        stops=_stops(case, parts),
        status=case.status,
        decided_on=case.decided_on,
        on=on,
        calendar=calendar,
    )


def statutory_clock(case: Case) -> StatutoryClock | None:
    """The case's clock as core's value, with its stops' reasons and its extensions (requested and approved): what
    a transition is checked on, and the clock's history. None before acceptance."""
    if case.accepted_on is None:
        return None
    suspensions = list(case.suspensions.all())
    return StatutoryClock(
        started=case.accepted_on,
        limit=case.working_days,
        stops=tuple(s.as_stop() for s in suspensions),
        reasons=tuple(s.reason for s in suspensions),
        extensions=tuple(e.as_extension() for e in case.extensions.all()),
        finished=case.decided_on if case.status in FINISHED else None,
    )


def clock_of(
    *,
    accepted_on: dt.date,
    limit: int,
    stops,
    status: str,
    decided_on: dt.date | None,
    on: dt.date | None = None,
    calendar: DatabaseCalendar | None = None,
) -> ClockState:
    """A case's clock from its columns (case_clock's arithmetic, for lists read as plain rows; `limit` with the
    approved extensions' days already added)."""
    calendar = calendar or DatabaseCalendar()
    clock = StatutoryClock(
        started=accepted_on,
        limit=limit,
        stops=tuple(stops),
        finished=decided_on if status in FINISHED else None,
    )
    return clock.state(on=on or business_date(), **_day_basis(accepted_on, calendar))


def review_clock(
    review: Review,
    *,
    on: dt.date | None = None,
    calendar: DatabaseCalendar | None = None,
    parts: ClockParts | None = None,
) -> ClockState | None:
    """A department's own clock: from acceptance to its opinion, stopped with the case while it waits on 补正."""
    case = review.case
    if case.accepted_on is None:
        return None
    return review_clock_of(
        accepted_on=case.accepted_on,
        limit=case.review_working_days or case.working_days,
        stops=_stops(case, parts),
        opinion=review.opinion,
        decided_on=review.decided_on,
        case_status=case.status,
        case_decided_on=case.decided_on,
        on=on,
        calendar=calendar,
    )


def review_clock_of(
    *,
    accepted_on: dt.date,
    limit: int,
    stops,
    opinion: str,
    decided_on: dt.date | None,
    case_status: str,
    case_decided_on: dt.date | None,
    on: dt.date | None = None,
    calendar: DatabaseCalendar | None = None,
) -> ClockState:
    """A review's clock from its and its case's columns (review_clock's arithmetic, for lists read as plain
    rows; `limit`: the case's review_working_days, else its working_days)."""
    calendar = calendar or DatabaseCalendar()
    clock = StatutoryClock(
        started=accepted_on,
        limit=limit,
        stops=tuple(stops),
        finished=decided_on
        if opinion in ANSWERED
        else (case_decided_on if case_status in FINISHED else None),
    )
    return clock.state(on=on or business_date(), **_day_basis(accepted_on, calendar))


@transaction.atomic
def clock_sweep(
    *, actor="system", on: dt.date | None = None, remind_within: int | None = None
) -> dict[str, int]:
    """Remind a department before its deadline and escalate to the lead once it passes; one notice per clock.

    Run daily (``countyhall manage permit_clock_sweep``); running it twice on a day adds nothing.
    """
    actor = as_actor(actor)
    require(access.can_run_sweep(actor), "时限提醒由每日系统任务运行。")
    on = on or business_date()
    remind_within = settings.PERMIT_REMINDER_WORKING_DAYS if remind_within is None else remind_within
    calendar = DatabaseCalendar()
    created = {"reminder": 0, "escalation": 0}

    def notice(case, review, kind, organisation, due, message):
        created[kind] += clock_notice_send(
            ClockNotice,
            key={"case": case, "review": review},
            kind=kind,
            organisation=organisation,
            due=due,
            message=message,
            on=on,
        )

    cases = (
        Case.objects.filter(status=Case.Status.IN_REVIEW)
        .select_related("project", "lead")
        .prefetch_related("suspensions", "extensions", "reviews__department")
    )
    for case in cases:
        clock = case_clock(case, on=on, calendar=calendar)
        alert = clock_alert(clock, remind_within=remind_within)
        if alert == ESCALATION:
            notice(
                case,
                None,
                ESCALATION,
                case.lead,
                clock.due,
                f"{case}：已超过办理时限 {clock.days_over or 1} 个工作日（到期日 {clock.due}），请督办。",
            )
        elif alert == REMINDER:
            notice(
                case,
                None,
                REMINDER,
                case.lead,
                clock.due,
                f"{case}：剩余 {clock.remaining} 个工作日，{clock.due} 到期。",
            )
        for review in case.reviews.all():
            if review.opinion in ANSWERED:
                continue
            review.case = case
            mine = review_clock(review, on=on, calendar=calendar)
            alert = clock_alert(mine, remind_within=remind_within)
            if alert == ESCALATION:
                message = f"{case}：{review.department}的审查意见已超期（到期日 {mine.due}）。"
                notice(case, review, ESCALATION, review.department, mine.due, message)
                if review.department_id != case.lead_id:
                    notice(case, review, ESCALATION, case.lead, mine.due, message)
            elif alert == REMINDER:
                notice(
                    case,
                    review,
                    REMINDER,
                    review.department,
                    mine.due,
                    f"{case}：请于 {mine.due} 前出具审查意见（剩余 {mine.remaining} 个工作日）。",
                )
    if any(created.values()):
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            object_type="permits.ClockNotice",
            object_repr=f"时限提醒 {on}",
            after={"on": on.isoformat(), **created},
        )
    return created
