"""The approval system's part of the home page: what waits for the user, scoped to role and organisation.

A few COUNT queries per user (the home page runs this on every view): the statutory clocks are not recomputed
here; the daily sweep's reminders and escalations (ClockNotice) say which clocks are near or past their end, and
their due dates give the deadline shown."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q
from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.programs import Todo
from countyhall.core.rules.trace import ParameterTrace
from countyhall.permits import access
from countyhall.permits.models import Case, ClockNotice, ElderlyCareStep, Extension, Review

MENU = "permits:projects"
# How long a decision stays on the firm's list of things to read.
DECISION_FRESH_DAYS = 14
OPEN = [Review.Opinion.PENDING, Review.Opinion.REQUEST_CORRECTION]


def _cases(query: str) -> str:
    return reverse("permits:cases") + "?" + query


def _item(label: str, url: str, count: int, *, deadline=None, urgent=False) -> list[Todo]:
    if not count:
        return []
    return [Todo(label=label, url=url, count=count, deadline=deadline, urgent=urgent, menu=MENU)]


def _days_left(due: dt.date | None, today: dt.date) -> str:
    if due is None:
        return ""
    if due < today:
        return f"（最早已超期，{due.month}月{due.day}日到期）"
    return f"（最早 {due.month}月{due.day}日到期）"


def _consultations_due(lead_id, today: dt.date) -> list[Todo]:
    """35号 一、（一）1: a residential project's design scheme is reviewed only after 县民政部门 and the town were
    consulted in writing; open cases of that stage still without both consultations (the window's, or the lead
    department's own). Linked to the earliest project's consultation table."""
    trace = ParameterTrace(today)
    stages = trace.get("permit.stages.scheme_consultation")
    consulted = (
        ElderlyCareStep.objects.filter(kind=ElderlyCareStep.Kind.SCHEME_CONSULTATION)
        .values("project")
        .annotate(parties=Count("party", distinct=True))
        .filter(parties__gte=len(ElderlyCareStep.Party.values))
        .values("project")
    )
    waiting = Case.objects.filter(
        stage__in=stages, status__in=[Case.Status.SUBMITTED, Case.Status.IN_REVIEW], project__households__gt=0
    ).exclude(project__in=consulted)
    if lead_id is not None:
        waiting = waiting.filter(lead_id=lead_id)
    first = waiting.order_by("applied_on", "pk").values_list("project_id", flat=True).first()
    if first is None:
        return []
    cited = trace.citations[0]
    return _item(
        f"住宅项目设计方案审查前须书面征求县民政部门、镇办意见（{cited.document} {cited.clause}），尚未记录",
        reverse("permits:project", args=[first]) + "#elderly-care",
        waiting.count(),
    )


def todos_for(user) -> list[Todo]:
    if not user.role_codes & access.USERS:
        return []
    today = business_date()
    items: list[Todo] = []
    org = user.organisation_id
    if access.is_firm(user):
        if org is None:
            return []
        mine = Case.objects.filter(project__applicant_id=org)
        items += _item(
            "补正：审批部门要求补正材料",
            _cases("status=awaiting_applicant"),
            mine.filter(status=Case.Status.AWAITING_APPLICANT).count(),
            urgent=True,
        )
        items += _item(
            "退回或不予受理的申请",
            _cases("status=returned"),
            mine.filter(
                status__in=[Case.Status.RETURNED, Case.Status.NOT_ACCEPTED],
                intake_answered_on__gte=today - dt.timedelta(days=DECISION_FRESH_DAYS),
            ).count(),
        )
        items += _item(
            "近期作出的审批决定（可下载决定书）",
            _cases("decided=recent"),
            mine.filter(
                status__in=[Case.Status.APPROVED, Case.Status.REFUSED],
                decided_on__gte=today - dt.timedelta(days=DECISION_FRESH_DAYS),
            ).count(),
        )
        return items
    window = access.is_window(user)
    if window or org is not None and user.role_codes & access.DEPARTMENTS:
        # Applications waiting to be accepted: every one at the window, the department's own as lead.
        waiting = Case.objects.filter(status=Case.Status.SUBMITTED)
        if not window:
            waiting = waiting.filter(lead_id=org)
        counted = waiting.aggregate(n=Count("pk"), first=Min("applied_on"))  # one query for both
        items += _item("待受理的申请", _cases("status=submitted"), counted["n"], deadline=counted["first"])
        items += _consultations_due(None if window else org, today)
    if org is not None and user.role_codes & access.DEPARTMENTS:
        held = Review.objects.filter(department_id=org, case__status=Case.Status.IN_REVIEW, opinion__in=OPEN)
        notices = ClockNotice.objects.filter(organisation_id=org, review__in=held).aggregate(
            first_due=Min("due"),
            urgent=Count("pk", filter=Q(kind=ClockNotice.Kind.ESCALATION) | Q(due__lte=today)),
        )
        due, urgent = notices["first_due"], bool(notices["urgent"])
        items += _item(
            "待出具审查意见" + _days_left(due, today),
            reverse("permits:desk"),
            held.count(),
            deadline=due,
            urgent=urgent,
        )
        resumed = held.filter(case__suspensions__end__isnull=False).values("case").distinct()
        items += _item("补正后待复查的申请", _cases("resumed=1&mine=1"), resumed.count())
        ready = Case.objects.filter(lead_id=org, status=Case.Status.IN_REVIEW).exclude(
            reviews__opinion__in=OPEN
        )
        items += _item("意见已齐、待作出统一决定", _cases("ready=1"), ready.count())
        led = ClockNotice.objects.filter(
            organisation_id=org, review__isnull=True, case__status=Case.Status.IN_REVIEW
        ).aggregate(first_due=Min("due"), cases=Count("case", distinct=True))
        items += _item(
            "本部门牵头的临期或超期事项" + _days_left(led["first_due"], today),
            _cases("due=soon&mine=1"),
            led["cases"],
            deadline=led["first_due"],
            urgent=True,
        )
    if window:
        overdue = ClockNotice.objects.filter(
            kind=ClockNotice.Kind.ESCALATION, review__isnull=True, case__status=Case.Status.IN_REVIEW
        ).aggregate(first_due=Min("due"), cases=Count("case", distinct=True))
        items += _item(
            "全县超期督办事项",
            _cases("due=overdue"),
            overdue["cases"],
            deadline=overdue["first_due"],
            urgent=True,
        )
        resumed = Case.objects.filter(
            status=Case.Status.IN_REVIEW,
            suspensions__end__isnull=False,
            reviews__opinion=Review.Opinion.PENDING,
        ).distinct()
        items += _item("补正答复待核对", _cases("resumed=1"), resumed.count())
        extensions = (
            Extension.objects.filter(approved_on__isnull=True)
            .exclude(requested_by_id=user.pk)
            .aggregate(n=Count("pk"), first=Min("requested_on"))
        )
        items += _item(
            "待批准的延期申请", _cases("extension=pending"), extensions["n"], deadline=extensions["first"]
        )
    return items
