"""The approval system's tables (RuoYi-style: a filter bar with 查询/重置, sortable headers, pages, export of
exactly what is filtered with the columns chosen): the case list, and the filters the project list, the
department desk and the blacklist share. Scope comes from permits.selectors, never from the query string."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from countyhall.core.clock import business_date
from countyhall.core.models import Organisation
from countyhall.core.params import BadParameter, answers_bad_parameters, choice_param, date_param, int_param
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.tables import Column, Table
from countyhall.permits import access, selectors
from countyhall.permits.models import Case, Category, ClockNotice, CreditRecord, Extension, Review
from countyhall.permits.rules import possible_stages
from countyhall.permits.services.clock import FINISHED, case_clock

STAGES = list(dict.fromkeys(stage for category in Category.values for stage in possible_stages(category)))
OPEN = [Review.Opinion.PENDING, Review.Opinion.REQUEST_CORRECTION]


def clock_text(case: Case) -> str:
    """The clock as a clerk says it: 剩 N 个工作日, 已超期 N 个工作日, 停止计时, 已办结."""
    clock = getattr(case, "clock", None)
    if case.status in FINISHED:
        return "已办结"
    if case.status in (Case.Status.RETURNED, Case.Status.NOT_ACCEPTED):
        return "—"
    if clock is None:
        return "待受理"
    if case.status == Case.Status.AWAITING_APPLICANT:
        return f"停止计时（待补正，已用 {clock.used} 个工作日）"
    if clock.overdue:
        return f"已超期 {clock.days_over or 1} 个工作日"
    return f"剩 {clock.remaining} 个工作日"


def _with_clocks(cases):
    calendar = DatabaseCalendar()
    cases = list(cases)
    for case in cases:
        case.clock = case_clock(case, calendar=calendar)
        case.clock_label = clock_text(case)
    return cases


CASE_COLUMNS = [
    Column("project__code", "项目代码", sort="project__code"),
    Column("project__name", "项目名称", sort="project__name"),
    Column("project__applicant__name", "建设单位", sort="project__applicant__name"),
    Column("stage", "审批阶段", sort="stage_order"),
    Column("lead__name", "牵头部门", sort="lead__name"),
    Column("status", "状态", value=lambda c: c.get_status_display(), sort="status"),
    Column("applied_on", "申报日期", sort="applied_on"),
    Column("accepted_on", "受理日期", sort="accepted_on"),
    Column("clock", "办理时限", value=lambda c: c.clock_label),
    Column("decided_on", "决定日期", sort="decided_on"),
]


def case_filters(request, cases):
    """Apply the case list's filters; returns (queryset, the filter values for the bar)."""
    user = request.user
    today = business_date()
    f = {
        "q": request.GET.get("q", "").strip()[:50],
        "status": choice_param(request, "status", "状态", Case.Status.choices),
        "stage": choice_param(request, "stage", "审批阶段", [(s, s) for s in STAGES]),
        "lead": int_param(request, "lead", "牵头部门", minimum=1),
        "applied_from": date_param(request, "applied_from", "申报日期起"),
        "applied_to": date_param(request, "applied_to", "申报日期止"),
        "due": choice_param(request, "due", "时限", [("soon", "临期"), ("overdue", "已超期")]),
        "mine": request.GET.get("mine", "") == "1",
        "resumed": request.GET.get("resumed", "") == "1",
        "ready": request.GET.get("ready", "") == "1",
        "extension": choice_param(request, "extension", "延期", [("pending", "待批准")]),
        "decided": choice_param(request, "decided", "决定", [("recent", "近期")]),
    }
    if f["applied_from"] and f["applied_to"] and f["applied_from"] > f["applied_to"]:
        raise BadParameter("applied_to", "申报日期止", "不能早于申报日期起。")
    if f["q"]:
        cases = cases.filter(
            Q(project__name__icontains=f["q"])
            | Q(project__code__icontains=f["q"])
            | Q(project__applicant__name__icontains=f["q"])
        )
    if f["status"] == Case.Status.RETURNED:  # the firm's to-do lists both answers before acceptance
        cases = cases.filter(status__in=[Case.Status.RETURNED, Case.Status.NOT_ACCEPTED])
    elif f["status"]:
        cases = cases.filter(status=f["status"])
    if f["stage"]:
        cases = cases.filter(stage=f["stage"])
    if f["lead"]:
        cases = cases.filter(lead_id=f["lead"])
    if f["applied_from"]:
        cases = cases.filter(applied_on__gte=f["applied_from"])
    if f["applied_to"]:
        cases = cases.filter(applied_on__lte=f["applied_to"])
    org = user.organisation_id
    if f["mine"] and org:
        cases = cases.filter(Q(lead_id=org) | Q(reviews__department_id=org)).distinct()
    if f["due"]:
        notices = ClockNotice.objects.filter(case__status=Case.Status.IN_REVIEW)
        if f["due"] == "overdue":
            notices = notices.filter(kind=ClockNotice.Kind.ESCALATION)
        if f["mine"] and org:
            notices = notices.filter(organisation_id=org)
        cases = cases.filter(pk__in=notices.values("case_id"))
    if f["resumed"]:
        held = Review.objects.filter(opinion=Review.Opinion.PENDING)
        if f["mine"] and org:
            held = held.filter(department_id=org)
        cases = cases.filter(
            status=Case.Status.IN_REVIEW, suspensions__end__isnull=False, pk__in=held.values("case_id")
        ).distinct()
    if f["ready"]:
        cases = cases.filter(lead_id=org, status=Case.Status.IN_REVIEW).exclude(reviews__opinion__in=OPEN)
    if f["extension"]:
        cases = cases.filter(pk__in=Extension.objects.filter(approved_on__isnull=True).values("case_id"))
    if f["decided"]:
        cases = cases.filter(
            status__in=[Case.Status.APPROVED, Case.Status.REFUSED],
            decided_on__gte=today - dt.timedelta(days=14),
        )
    return cases, f


@login_required
@answers_bad_parameters(nav="permits/_nav.html")
def case_list(request):
    """Every stage application the user may see, with its clock; the to-dos link here with their filters."""
    from countyhall.permits.views import _need

    _need(request.user)
    projects = selectors.project_list_for_user(request.user)
    cases = (
        Case.objects.filter(project__in=projects)
        .select_related("project__applicant", "lead")
        .prefetch_related("suspensions", "extensions")
    )
    cases, f = case_filters(request, cases)
    table = Table(request, cases, columns=CASE_COLUMNS, default_sort="-applied_on", rows=_with_clocks)
    if table.export_requested:
        return table.export(filename="审批事项.xlsx")
    firm = access.is_firm(request.user)
    return render(
        request,
        "permits/case_list.html",
        {
            "table": table,
            "f": f,
            "statuses": Case.Status.choices,
            "stages": STAGES,
            "firm": firm,
            "leads": Organisation.objects.filter(
                kind=Organisation.Kind.DEPARTMENT, pk__in=Case.objects.values("lead_id")
            ).order_by("name"),
        },
    )


def _progress(project) -> str:
    return "；".join(f"{c.stage}：{c.get_status_display()}" for c in project.cases.all()) or "尚未申报"


PROJECT_COLUMNS = [
    Column("code", "项目代码", sort="code"),
    Column("name", "项目名称", sort="name"),
    Column("category", "项目类别", value=lambda p: p.get_category_display(), sort="category"),
    Column("applicant__name", "建设单位", sort="applicant__name"),
    Column("site", "建设地点", value=lambda p: p.site.full_name() or p.site.name, sort="site__path"),
    Column("investment", "总投资（万元）", sort="investment", default=False),
    Column("progress", "进度", value=_progress),
    Column(
        "registered_at",
        "登记时间",
        value=lambda p: timezone.localtime(p.registered_at).strftime("%Y-%m-%d"),
        sort="registered_at",
        default=False,
    ),
]


def project_filters(request, projects):
    """The project list's filters beyond name/code and category: stage status, registration dates, overdue."""
    f = {
        "stage": choice_param(request, "stage", "审批阶段", [(s, s) for s in STAGES]),
        "status": choice_param(request, "status", "状态", Case.Status.choices),
        "from": date_param(request, "from", "登记日期起"),
        "to": date_param(request, "to", "登记日期止"),
        "overdue": request.GET.get("overdue", "") == "1",
    }
    if f["from"] and f["to"] and f["from"] > f["to"]:
        raise BadParameter("to", "登记日期止", "不能早于登记日期起。")
    if f["stage"] or f["status"]:
        cases = Case.objects.all()
        if f["stage"]:
            cases = cases.filter(stage=f["stage"])
        if f["status"]:
            cases = cases.filter(status=f["status"])
        projects = projects.filter(pk__in=cases.values("project_id"))
    if f["from"]:
        projects = projects.filter(registered_at__date__gte=f["from"])
    if f["to"]:
        projects = projects.filter(registered_at__date__lte=f["to"])
    if f["overdue"]:
        escalated = ClockNotice.objects.filter(
            kind=ClockNotice.Kind.ESCALATION, case__status=Case.Status.IN_REVIEW
        )
        projects = projects.filter(pk__in=escalated.values("case__project_id"))
    return projects, f


def project_table(request, projects) -> Table:
    # The progress column reads each project's cases: prefetched for the page (and the export's chunks).
    return Table(
        request, projects.prefetch_related("cases"), columns=PROJECT_COLUMNS, default_sort="-registered_at"
    )


def _review_rows(reviews, calendar=None):
    from countyhall.permits.services.clock import review_clock

    calendar = calendar or DatabaseCalendar()
    reviews = list(reviews)
    for review in reviews:
        clock = review_clock(review, calendar=calendar)
        review.clock = clock
        if review.opinion not in OPEN or review.case.status in FINISHED:
            review.clock_label = "已出具意见" if review.opinion not in OPEN else "已办结"
        elif clock is None:
            review.clock_label = "待受理"
        elif review.case.status == Case.Status.AWAITING_APPLICANT:
            review.clock_label = "停止计时（待补正）"
        elif clock.overdue:
            review.clock_label = f"已超期 {clock.days_over or 1} 个工作日"
        else:
            review.clock_label = f"剩 {clock.remaining} 个工作日"
    return reviews


REVIEW_COLUMNS = [
    Column("case__project__code", "项目代码", sort="case__project__code"),
    Column("case__project__name", "项目名称", sort="case__project__name"),
    Column("case__project__applicant__name", "建设单位", sort="case__project__applicant__name"),
    Column("case__stage", "审批阶段", sort="case__stage_order"),
    Column("case__lead__name", "牵头部门", sort="case__lead__name"),
    Column("case__accepted_on", "受理日期", sort="case__accepted_on"),
    Column("opinion", "本部门意见", value=lambda r: r.get_opinion_display(), sort="opinion"),
    Column("decided_on", "出具日期", sort="decided_on"),
    Column("clock", "部门时限", value=lambda r: r.clock_label),
]


def desk_table(request, organisation, *, calendar=None):
    """Every review the department holds, filtered (opinion, stage, acceptance dates, overdue), for the desk
    (`calendar`: the desk's own, read once for the page)."""
    f = {
        "opinion": choice_param(
            request, "opinion", "本部门意见", [("open", "待出具"), *Review.Opinion.choices]
        ),
        "stage": choice_param(request, "stage", "审批阶段", [(s, s) for s in STAGES]),
        "from": date_param(request, "from", "受理日期起"),
        "to": date_param(request, "to", "受理日期止"),
        "overdue": request.GET.get("overdue", "") == "1",
    }
    reviews = (
        Review.objects.filter(department=organisation)
        .exclude(case__accepted_on__isnull=True)
        .select_related("case__project__applicant", "case__lead")
        .prefetch_related("case__suspensions", "case__extensions")
    )
    if f["opinion"] == "open":
        reviews = reviews.filter(
            opinion__in=OPEN, case__status__in=[Case.Status.IN_REVIEW, Case.Status.AWAITING_APPLICANT]
        )
    elif f["opinion"]:
        reviews = reviews.filter(opinion=f["opinion"])
    if f["stage"]:
        reviews = reviews.filter(case__stage=f["stage"])
    if f["from"]:
        reviews = reviews.filter(case__accepted_on__gte=f["from"])
    if f["to"]:
        reviews = reviews.filter(case__accepted_on__lte=f["to"])
    if f["overdue"]:
        reviews = reviews.filter(
            pk__in=ClockNotice.objects.filter(
                kind=ClockNotice.Kind.ESCALATION, organisation=organisation
            ).values("review_id")
        )
    return Table(
        request,
        reviews,
        columns=REVIEW_COLUMNS,
        default_sort="case__accepted_on",
        rows=functools.partial(_review_rows, calendar=calendar),
    ), f


CREDIT_COLUMNS = [
    Column(
        "who",
        "单位或从业人员",
        value=lambda r: str(r.organisation) if r.organisation_id else r.practitioner,
        sort="organisation__name",
    ),
    Column("reason", "原因", value=lambda r: r.get_reason_display(), sort="reason"),
    Column("detail", "情况"),
    Column("source", "认定部门或信息来源", sort="source"),
    Column("listed_on", "列入日期", sort="listed_on"),
    Column("until", "移出日期", sort="until"),
]


def credit_filters(request, records):
    f = {
        "q": request.GET.get("q", "").strip()[:50],
        "reason": choice_param(request, "reason", "原因", CreditRecord.Reason.choices),
        "from": date_param(request, "from", "列入日期起"),
        "to": date_param(request, "to", "列入日期止"),
    }
    if f["q"]:
        records = records.filter(Q(organisation__name__icontains=f["q"]) | Q(practitioner__icontains=f["q"]))
    if f["reason"]:
        records = records.filter(reason=f["reason"])
    if f["from"]:
        records = records.filter(listed_on__gte=f["from"])
    if f["to"]:
        records = records.filter(listed_on__lte=f["to"])
    return records, f


def credit_table(request, records) -> Table:
    return Table(request, records, columns=CREDIT_COLUMNS, default_sort="-listed_on")
