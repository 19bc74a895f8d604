"""Who sees which project and review, the department desk, the monthly report (C11) and time statistics.

Scope, in one place:
- 行政审批服务局 (runs the system and the one window), auditors and administrators see every project;
- a department sees the projects in which it leads a stage or holds a review, and in a case only the
  reviews it holds — unless it leads that case, when it sees every opinion it must combine (C6);
- an applicant firm sees only its own projects, every official opinion on them, and no internal note.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from countyhall.core.clock import business_date
from countyhall.core.clocks import ClockState
from countyhall.core.models import AuditEntry, Organisation
from countyhall.core.policy import parameters
from countyhall.core.policy.basis import basis_of
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.audit import audit_record

# The role sets and predicates live in permits.access, defined once; is_firm/sees_all are re-exported.
from countyhall.permits.access import SEE_ALL, can_view_progress, is_firm, sees_all  # noqa: F401
from countyhall.permits.models import (
    Case,
    CaseNote,
    Category,
    ClockNotice,
    Commitment,
    Material,
    Project,
    Review,
    StageLimit,
)
from countyhall.permits.rules import possible_stages
from countyhall.permits.services.clock import (
    ANSWERED,
    NO_PARTS,
    case_clock,
    clock_of,
    clock_parts,
    review_clock,
    review_clock_of,
)


def project_list_for_user(user) -> QuerySet[Project]:
    projects = Project.objects.select_related("applicant", "site")
    if sees_all(user):
        return projects
    if user.organisation_id is None:
        return projects.none()
    if is_firm(user):
        return projects.filter(applicant_id=user.organisation_id)
    held = Case.objects.filter(
        Q(lead_id=user.organisation_id) | Q(reviews__department_id=user.organisation_id)
    )
    return projects.filter(pk__in=held.values("project_id"))


def material_get_for_user(user, *, material_id: int) -> Material:
    """One applicant's document, if `user` may see its project; a staff read is logged like a person's record."""
    material = Material.objects.select_related("project").get(pk=material_id)
    if not project_list_for_user(user).filter(pk=material.project_id).exists():
        raise Material.DoesNotExist
    if not is_firm(user):
        # A read view runs outside any transaction, and audit_record refuses to: the row gets its own.
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditEntry.Action.READ,
                instance=material,
                note=f"下载申报材料 {material.project.code} {material}",
            )
    return material


def case_reviews_for_user(user, case: Case) -> list[Review]:
    reviews = list(case.reviews.all())
    if sees_all(user) or is_firm(user) or user.organisation_id == case.lead_id:
        return reviews
    return [r for r in reviews if r.department_id == user.organisation_id]


def case_notes_for_user(user, case: Case) -> list[CaseNote]:
    return [n for n in case.notes.all() if not (n.internal and is_firm(user))]


# The opinions not in ANSWERED: a review still waiting (as the lead's list counts them).
WAITING = [o for o in Review.Opinion.values if o not in ANSWERED]


@dataclass(frozen=True)
class DeskRow:
    case: Case
    review: Review | None
    clock: ClockState


def department_desk(
    *,
    organisation: Organisation,
    on: dt.date | None = None,
    due_soon_within: int = 3,
    answered_shown: int = 50,
    shown: int | None = None,
    calendar: DatabaseCalendar | None = None,
) -> dict:
    """The reviews a department holds and the cases it leads, each with its clock: overdue, due soon, the rest.

    `shown`: each list holds at most its first `shown` rows (the page lists 50 and links to the rest), the
    lists' full lengths are in "counts"; None: every row (the API). Either way every waiting review's clock is
    computed (the lists are made by it), from plain columns: the Review, Case and Project objects are built for
    the rows listed only (hundreds of them per request made a full garbage collection every few requests, the
    desk's slow request in ten; docs/benchmarks.md). `calendar`: shared with the page's review table."""
    on = on or business_date()
    calendar = calendar or DatabaseCalendar()
    kinds = ("overdue", "due_soon", "open")
    held = Review.objects.filter(department=organisation).exclude(case__status=Case.Status.SUBMITTED)
    waiting = held.exclude(opinion__in=ANSWERED).order_by("case__accepted_on", "pk")
    # The stops of every case on the desk in two queries, the cases as a subquery (no list of ids).
    parts = clock_parts(Case.objects.filter(pk__in=held.values("case_id")))
    listed: dict[str, list[tuple[int, ClockState | None]]] = {kind: [] for kind in kinds}
    for (
        pk,
        case_id,
        opinion,
        decided_on,
        accepted_on,
        review_days,
        working_days,
        status,
        case_decided_on,
    ) in waiting.values_list(
        "pk",
        "case_id",
        "opinion",
        "decided_on",
        "case__accepted_on",
        "case__review_working_days",
        "case__working_days",
        "case__status",
        "case__decided_on",
    ):
        clock = (
            None
            if accepted_on is None
            else review_clock_of(
                accepted_on=accepted_on,
                limit=review_days or working_days,
                stops=parts.get(case_id, NO_PARTS).stops,
                opinion=opinion,
                decided_on=decided_on,
                case_status=status,
                case_decided_on=case_decided_on,
                on=on,
                calendar=calendar,
            )
        )
        if status != Case.Status.IN_REVIEW:
            kind = "open"
        elif clock.overdue:
            kind = "overdue"
        elif clock.remaining <= due_soon_within:
            kind = "due_soon"
        else:
            kind = "open"
        listed[kind].append((pk, clock))
    counts = {kind: len(listed[kind]) for kind in kinds}
    if shown is not None:
        listed = {kind: listed[kind][:shown] for kind in kinds}
        waiting = waiting.filter(pk__in=[pk for kind in kinds for pk, _ in listed[kind]])
    reviews = {review.pk: review for review in waiting.select_related("case__project", "case__lead")}
    rows: dict[str, list[DeskRow]] = {
        kind: [DeskRow(reviews[pk].case, reviews[pk], clock) for pk, clock in listed[kind] if pk in reviews]
        for kind in kinds
    }
    # Only the latest answered ones: the desk is for today's work.
    answered = (
        held.filter(opinion__in=ANSWERED)
        .select_related("case__project", "case__lead")
        .order_by("-decided_on", "-pk")[:answered_shown]
    )
    rows["answered"] = [
        DeskRow(
            review.case,
            review,
            review_clock(review, on=on, calendar=calendar, parts=parts.get(review.case_id, NO_PARTS)),
        )
        for review in answered
    ]
    counts["answered"] = len(rows["answered"])
    led_cases = Case.objects.filter(lead=organisation).exclude(
        status__in=[Case.Status.APPROVED, Case.Status.REFUSED, Case.Status.REVOKED]
    )
    led = led_cases.select_related("project").annotate(
        reviews_waiting=Count("reviews", filter=Q(reviews__opinion__in=WAITING))
    )
    if shown is not None:
        counts["leading"] = led_cases.count()
        led = led[:shown]
    led_parts = clock_parts(led_cases)
    leading = []
    for case in led:
        # The reviews still waiting counted in the query (was every review of every led case prefetched).
        leading.append(
            {
                "case": case,
                "clock": case_clock(case, on=on, calendar=calendar, parts=led_parts.get(case.pk, NO_PARTS)),
                "waiting": case.reviews_waiting,
                "ready": case.status == Case.Status.IN_REVIEW and not case.reviews_waiting,
            }
        )
    if shown is None:
        counts["leading"] = len(leading)
    notices = ClockNotice.objects.filter(organisation=organisation).select_related("case__project")[:50]
    # C8: approvals granted on a commitment are checked afterwards; the lead keeps the follow-up list.
    commitments = (
        Commitment.objects.filter(case__lead=organisation, checked_on__isnull=True)
        .select_related("case__project")
        .order_by("check_due")
    )
    return {
        **rows,
        "leading": leading,
        "counts": counts,
        "notices": notices,
        "commitments": commitments,
        "on": on,
    }


def progress_leads_for_user(user) -> QuerySet[Organisation]:
    """The lead departments whose monthly progress (C11) `user` may read: all for the county-wide roles,
    otherwise only its own department, if it leads a stage."""
    leads = Organisation.objects.filter(pk__in=StageLimit.objects.values("lead_id")).order_by("name")
    if sees_all(user):
        return leads
    if is_firm(user) or user.organisation_id is None:
        return leads.none()
    return (
        leads.filter(pk=user.organisation_id) if can_view_progress(user, user.organisation) else leads.none()
    )


def progress_report_deadline(*, year: int, month: int) -> tuple[dt.date, object]:
    """The last day to report for a month (C11: "每月25日前", reading C11 says whether the 25th is still in time),
    and the parameter lookup it came from."""
    value = parameters().at("permit.progress_report.last_day", dt.date(year, month, 1))
    return dt.date(year, month, int(value.value)), value


def _report_day_basis(*, year: int, month: int) -> dict:
    """The policy basis of a month's report day (issue 13): reading C11's answer, the parameter's version and any
    approved change behind either, recorded by core's ParameterTrace as a rule's result would be."""
    trace = ParameterTrace(dt.date(year, month, 1))
    trace.get("permit.progress_report.last_day")
    trace.answer("C11")
    return basis_of(trace.result({}))


def monthly_progress(*, lead: Organisation, year: int, month: int, on: dt.date | None = None) -> dict:
    """C11: a lead department's progress for one month, built from its cases — what it must report before the 25th."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, month_calendar.monthrange(year, month)[1])
    on = min(on or business_date(), last)
    calendar = DatabaseCalendar()
    month_cases = (
        Case.objects.filter(lead=lead)
        .filter(Q(applied_on__lte=last) | Q(accepted_on__lte=last))
        .exclude(decided_on__lt=first)
    )
    # A lead's month can hold hundreds of open cases: their stops and extensions by clock_parts (two queries).
    parts = clock_parts(month_cases)
    cases = month_cases.select_related("project").order_by("accepted_on")
    rows = []
    totals = {
        "received": 0,
        "accepted": 0,
        "decided": 0,
        "approved": 0,
        "refused": 0,
        "in_progress": 0,
        "overdue": 0,
        "awaiting_applicant": 0,
    }
    for case in cases:
        clock = case_clock(case, on=on, calendar=calendar, parts=parts.get(case.pk, NO_PARTS))
        decided_in_month = case.decided_on is not None and first <= case.decided_on <= last
        totals["received"] += bool(case.applied_on and first <= case.applied_on <= last)
        totals["accepted"] += bool(case.accepted_on and first <= case.accepted_on <= last)
        totals["decided"] += decided_in_month
        totals["approved"] += decided_in_month and case.status in (Case.Status.APPROVED, Case.Status.REVOKED)
        totals["refused"] += decided_in_month and case.status == Case.Status.REFUSED
        totals["in_progress"] += case.decided_on is None or case.decided_on > last
        totals["awaiting_applicant"] += case.status == Case.Status.AWAITING_APPLICANT
        totals["overdue"] += bool(clock and clock.overdue)
        rows.append(
            {
                "case": case,
                "clock": clock,
                "code": case.project.code,
                "project": case.project.name,
                "category": case.project.get_category_display(),
                "stage": case.stage,
                "status": case.get_status_display(),
                "accepted_on": case.accepted_on,
                "decided_on": case.decided_on,
                "used": clock.used if clock else None,
                "limit": clock.limit if clock else case.working_days,
                "overdue": bool(clock and clock.overdue),
            }
        )
    deadline, basis = progress_report_deadline(year=year, month=month)
    reading = parameters().reading("C11")
    return {
        "lead": lead,
        "year": year,
        "month": month,
        "rows": rows,
        "totals": totals,
        "deadline": deadline,
        "policy_basis": _report_day_basis(year=year, month=month),
        "citation": basis.citation,
        "as_of": on,
        # "why this deadline": the reading of "每月25日前" in force for the month, in words.
        "reading": {
            "id": "C11",
            "question": reading.question,
            "answer": basis.answer,
            "text": reading.answer_text(basis.answer),
        },
    }


def time_used_statistics(*, category: str | None = None) -> list[dict]:
    """Working days used by decided cases, per category and stage: count, mean, longest, over the limit."""
    calendar = DatabaseCalendar()
    cases = Case.objects.filter(decided_on__isnull=False, accepted_on__isnull=False)
    if category:
        cases = cases.filter(project__category=category)
    # Every decided case of the county (thousands): the stops and extensions in two queries (clock_parts), the
    # cases as plain rows of the columns a clock reads (case_clock's arithmetic, clock_of).
    parts = clock_parts(cases)
    on = business_date()
    groups: dict[tuple[str, str], list[ClockState]] = defaultdict(list)
    for pk, cat, stage, accepted_on, decided_on, status, working_days in cases.order_by().values_list(
        "pk", "project__category", "stage", "accepted_on", "decided_on", "status", "working_days"
    ):
        part = parts.get(pk, NO_PARTS)
        groups[(cat, stage)].append(
            clock_of(
                accepted_on=accepted_on,
                limit=working_days + part.extension_days,
                stops=part.stops,
                status=status,
                decided_on=decided_on,
                on=on,
                calendar=calendar,
            )
        )
    stats = []
    for cat in Category.values:
        for stage in possible_stages(cat):
            clocks = groups.get((cat, stage))
            if not clocks:
                continue
            used = [c.used for c in clocks]
            stats.append(
                {
                    "category": Category(cat).label,
                    "stage": stage,
                    "decided": len(clocks),
                    "mean_used": round(sum(used) / len(used), 1),
                    "max_used": max(used),
                    "over_limit": sum(c.overdue for c in clocks),
                    "stopped": sum(c.stopped_working_days for c in clocks),
                }
            )
    return stats
