"""Governed policy hooks of the approval system (core.programs.Program.policy_impact / policy_locks).

No lock: a decided case keeps its decision whatever a reading says later, and an open case's deadline is
recomputed by its clock on every read — there is no approved settlement whose figures a change would rewrite.
The impact preview says what a change of C3, C3b or C11 moves: which open cases' deadlines, which projects'
stages, which monthly reports' deadlines. Pure reads: nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.utils.dateformat import format as date_format

from countyhall.core.clock import business_date
from countyhall.core.policy import parameters
from countyhall.core.policy.governed import governed_as
from countyhall.core.selectors.calendar import DatabaseCalendar

# The open cases and projects a preview lists at most (the page is read by a person, not exported).
LIMIT = 200


def policy_locks(*, kind: str, key: str) -> list:
    return []


def policy_impact(*, change, proposal) -> list[dict]:
    if change.kind != "reading" or change.key not in ("C3", "C3b", "C11"):
        return []
    return {"C3": _c3, "C3b": _c3b, "C11": _c11}[change.key](change=change, proposal=proposal)


def _c3(*, change, proposal) -> list[dict]:
    """Open cases accepted on or after the change's date: their due date today and under the proposal."""
    from countyhall.permits.models import Case
    from countyhall.permits.services.clock import case_clock

    calendar = DatabaseCalendar()
    cases = (
        Case.objects.filter(
            status__in=[Case.Status.IN_REVIEW, Case.Status.AWAITING_APPLICANT],
            accepted_on__gte=change.valid_from,
        )
        .select_related("project", "lead")
        .prefetch_related("suspensions", "extensions")
        .order_by("accepted_on", "pk")[:LIMIT]
    )
    rows = []
    for case in cases:
        now = case_clock(case, calendar=calendar)
        with governed_as(proposal):
            then = case_clock(case, calendar=calendar)
        if now.due != then.due:
            rows.append(
                [
                    f"{case.project.code} {case.project.name}",
                    case.stage,
                    str(case.lead),
                    case.accepted_on.isoformat(),
                    _day(now.due),
                    _day(then.due),
                ]
            )
    return [
        {
            "title": "在办审批事项的到期日（3号 二、（四））",
            "columns": ["项目", "阶段", "牵头部门", "受理日期", "现行到期日", "变更后到期日"],
            "rows": rows,
            "note": f"{date_format(change.valid_from, 'Y年n月j日')} 起受理、尚未办结的事项；到期日随时限按工作日或自然日计算而变化"
            f"（最多列出 {LIMIT} 件）。已办结的事项不受影响。"
            if rows
            else "没有受影响的在办事项（变更只适用于生效日及以后受理的事项）。",
        }
    ]


def _c3b(*, change, proposal) -> list[dict]:
    """Projects on land sold with a scheme not yet beyond 立项: three stages or four, today and under the proposal."""
    from countyhall.permits.models import Project
    from countyhall.permits.services.setup import project_stage_plan

    on = max(business_date(), change.valid_from)
    projects = (
        Project.objects.filter(category="land_with_scheme")
        .exclude(cases__stage_order__gt=0)
        .select_related("applicant")
        .order_by("code")[:LIMIT]
    )
    rows = []
    for project in projects:
        now = project_stage_plan(project, on=on).data["stages"]
        with governed_as(proposal):
            then = project_stage_plan(project, on=on).data["stages"]
        if now != then:
            rows.append(
                [
                    f"{project.code} {project.name}",
                    str(project.applicant),
                    "是" if project.industrial else "否",
                    " → ".join(now),
                    " → ".join(then),
                ]
            )
    return [
        {
            "title": "带方案出让土地类项目的审批阶段（3号 二、（四））",
            "columns": ["项目", "建设单位", "工业项目", "现行阶段", "变更后阶段"],
            "rows": rows,
            "note": "尚未申报工程建设许可或后续阶段的项目；已申报的项目阶段不变。"
            if rows
            else "没有审批阶段会变化的项目。",
        }
    ]


def _c11(*, change, proposal) -> list[dict]:
    """The monthly reports due from the change's date on: the last day to report today and under the proposal,
    per lead department not yet reported."""
    from countyhall.permits.models import ProgressReport, StageLimit
    from countyhall.permits.selectors import progress_report_deadline

    leads = sorted({limit.lead for limit in StageLimit.objects.select_related("lead")}, key=lambda o: o.pk)
    rows = []
    year, month = change.valid_from.year, change.valid_from.month
    for _ in range(3):
        try:
            now, _value = progress_report_deadline(year=year, month=month)
            with governed_as(proposal):
                then, _value = progress_report_deadline(year=year, month=month)
        except LookupError:
            break
        if now >= change.valid_from or then >= change.valid_from:
            filed = set(
                ProgressReport.objects.filter(year=year, month=month).values_list("lead_id", flat=True)
            )
            waiting = [str(lead) for lead in leads if lead.pk not in filed]
            rows.append([f"{year}年{month}月", _day(now), _day(then), "、".join(waiting) or "均已报送"])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    citation = parameters().at("permit.progress_report.last_day", change.valid_from).citation
    return [
        {
            "title": f"牵头部门月度进展报送期限（{citation.document} {citation.clause}）",
            "columns": ["月份", "现行最后报送日", "变更后最后报送日", "尚未报送的牵头部门"],
            "rows": rows,
            "note": "已报送的报告保留报送时的按期或逾期认定。",
        }
    ]


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "（停止计时中）"
