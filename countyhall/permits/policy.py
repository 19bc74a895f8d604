"""Governed policy hooks of the approval system (core.programs.Program.policy_impact / policy_locks / policy_check
/ policy_apply).

Readings C3, C3b, C11: no lock — a decided case keeps its decision whatever a reading says later, and an open
case's deadline is recomputed by its clock on every read. The impact preview says what a change moves: which open
cases' deadlines, which projects' stages, which monthly reports' deadlines.

Per-stage limits (permit.stage_limit.<category>.<stage>.working_days / .review_working_days, administered, the
flow charts were not printed): a stage takes the figures in force on the day it is applied for (申报日) and its
case keeps them (Case.working_days, review_working_days: the clock). "Used" means: a decided case (approved,
refused, revoked) ran its clock on the figure of its application day, so a change must start after the latest
application day of a decided case of that category and stage (the lock). Open cases applied for on or after the
change's start take the approved figure (policy_apply, audited per case): the impact preview lists them with their
due date today and under the proposal. At proposal and approval the stages of the category must stay within its
total (C3, policy_check).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.dateformat import format as date_format

from countyhall.core.clock import business_date, chinese_date
from countyhall.core.policy import parameters
from countyhall.core.policy.governed import governed_as
from countyhall.core.selectors.calendar import DatabaseCalendar

# The open cases and projects a preview lists at most (the page is read by a person, not exported).
LIMIT = 200


STAGE_LIMIT_PREFIX = "permit.stage_limit."
FIGURES = ("working_days", "review_working_days")
# Each stage's name part in the parameter keys (permits.rules.possible_stages).
STAGE_SLUGS = {
    "立项用地规划许可": "land_use_planning",
    "工程建设许可": "works_permit",
    "施工许可": "construction_permit",
    "工程建设许可和施工许可": "works_and_construction",
    "竣工验收": "completion",
}
OPEN = ("submitted", "in_review", "awaiting_applicant")
DECIDED = ("approved", "refused", "revoked")


def stage_limit_key(category: str, stage: str, figure: str) -> str:
    return f"permit.stage_limit.{category}.{STAGE_SLUGS[stage]}.{figure}"


def parse_stage_limit_key(key: str) -> tuple[str, str, str] | None:
    """(category, stage name, figure) of a per-stage limit's key, or None."""
    if not key.startswith(STAGE_LIMIT_PREFIX):
        return None
    category, slug, figure = key.removeprefix(STAGE_LIMIT_PREFIX).split(".")
    stage = next(name for name, s in STAGE_SLUGS.items() if s == slug)
    return category, stage, figure


def stage_figures(category: str, stage: str, on: dt.date, trace=None) -> tuple[int | None, int | None]:
    """The stage's limit and its departments' review limit in force on `on` (None: not entered yet; the review
    limit None: the same as the stage's). Read through a ParameterTrace, so a caller may keep the citations."""
    from countyhall.core.policy import NoPolicyInForce
    from countyhall.core.rules.trace import ParameterTrace

    trace = trace or ParameterTrace(on)
    found = []
    for figure in FIGURES:
        try:
            found.append(trace.get(f"permit.stage_limit.{category}.{STAGE_SLUGS[stage]}.{figure}"))
        except NoPolicyInForce:
            found.append(None)
    return found[0], found[1]


def policy_locks(*, kind: str, key: str) -> list:
    from countyhall.core.services.policy import PolicyLock
    from countyhall.permits.models import Case

    parsed = parse_stage_limit_key(key) if kind == "parameter" else None
    if parsed is None:
        return []
    category, stage, _figure = parsed
    latest = (
        Case.objects.filter(project__category=category, stage=stage, status__in=DECIDED)
        .order_by("-applied_on")
        .values_list("applied_on", flat=True)
        .first()
    )
    if latest is None:
        return []
    return [PolicyLock(through=latest, what=f"“{stage}”阶段已办结的事项按申报日的时限计时")]


def _plan_sums(category: str, on: dt.date) -> list[tuple[list[str], int]]:
    from countyhall.permits.rules import SOLD_WITH_SCHEME, stages_for

    plans = (
        [stages_for(category, merged=m) for m in (True, False)]
        if category == SOLD_WITH_SCHEME
        else [stages_for(category)]
    )
    return [(plan, sum(stage_figures(category, stage, on)[0] or 0 for stage in plan)) for plan in plans]


def policy_check(*, change, on_approval: bool) -> None:
    """C3: the stages of a category within its total, on the change's start date (under the proposal); a review
    limit within its stage's limit. Checked at proposal and again at approval (other changes may have been
    approved in between)."""
    from countyhall.core.errors import ServiceError
    from countyhall.core.rules.trace import ParameterTrace
    from countyhall.core.services.policy import proposal_snapshot

    parsed = parse_stage_limit_key(change.key) if change.kind == "parameter" else None
    if parsed is None:
        return
    category, stage, figure = parsed
    if int(change.value) < 1:
        # The figure's own page reaches the policy service without stage_limit_set's own check.
        name = "阶段时限" if figure == "working_days" else "部门审查时限"
        raise ServiceError("value", f"{name}至少为 1 个工作日，实际为 {change.value}。")
    on = change.valid_from
    when = "审核时" if on_approval else ""
    with governed_as(proposal_snapshot(change)):
        days, review = stage_figures(category, stage, on)
        if days is not None and review is not None and review > days:
            raise ServiceError(
                "value", f"{when}部门审查时限（{review} 个工作日）不能超过该阶段时限（{days} 个工作日）。"
            )
        total = ParameterTrace(on).get(f"permit.total_working_days.{category}")
        if days is None and review is not None and review > total:
            # The stage's own limit not entered yet: a review of 10^12 working days was approved (and then no
            # stage limit could ever be entered below it). It stays within the category's total (C3).
            raise ServiceError(
                "value", f"{when}部门审查时限（{review} 个工作日）不能超过该类项目总时限 {total} 个工作日。"
            )
        if figure == "working_days":
            for plan, used in _plan_sums(category, on):
                if stage in plan and used > total:
                    raise ServiceError(
                        "value",
                        f"{when}各阶段时限之和（{used}）超过该类项目总时限 {total} 个工作日"
                        f"（{'、'.join(plan)}）。",
                    )


def _affected_cases(category: str, stage: str, since: dt.date):
    from countyhall.permits.models import Case

    return (
        Case.objects.filter(project__category=category, stage=stage, status__in=OPEN, applied_on__gte=since)
        .select_related("project", "lead")
        .prefetch_related("suspensions", "extensions")
        .order_by("applied_on", "pk")
    )


@transaction.atomic  # called inside the approval's transaction; atomic of its own wherever else it is called
def policy_apply(*, actor, change) -> None:
    """The approved figure reaches the open cases applied for from its start (their clock), each audited."""
    from countyhall.core.models import AuditEntry
    from countyhall.core.services.audit import audit_record, model_snapshot
    from countyhall.core.services.policy import proposal_snapshot

    parsed = parse_stage_limit_key(change.key) if change.kind == "parameter" else None
    if parsed is None:
        return
    category, stage, figure = parsed
    snapshot = proposal_snapshot(change)
    for case in _affected_cases(category, stage, change.valid_from).select_for_update(of=("self",)):
        with governed_as(snapshot):
            days, review = stage_figures(category, stage, case.applied_on)
        if days is None or (case.working_days, case.review_working_days) == (days, review):
            continue
        from countyhall.permits.services.cases import clock_basis, limits_basis

        before = model_snapshot(case)
        case.working_days, case.review_working_days = days, review
        # the limits' basis under the approved change (issue 13), with C3 as the clock started
        with governed_as(snapshot):
            basis = limits_basis(category=category, stage=stage, on=case.applied_on)
        case.policy_basis = clock_basis(basis, on=case.accepted_on) if case.accepted_on else basis
        case.save(update_fields=["working_days", "review_working_days", "policy_basis"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=case,
            before=before,
            after=model_snapshot(case),
            note=f"阶段时限按已批准的政策变更（编号 {change.pk}）调整",
        )


def _stage_limit_impact(*, change, proposal) -> list[dict]:
    from copy import copy

    from countyhall.core.models import Division
    from countyhall.permits.services.clock import case_clock

    category, stage, figure = parse_stage_limit_key(change.key)
    calendar = DatabaseCalendar()
    kinds = (Division.Kind.TOWN, Division.Kind.STREET, Division.Kind.DEVELOPMENT_ZONE)
    towns = dict(Division.objects.filter(kind__in=kinds).values_list("code", "name"))
    rows, per_town = [], {}
    for case in _affected_cases(category, stage, change.valid_from).select_related("project__site")[:LIMIT]:
        with governed_as(proposal):
            days, review = stage_figures(category, stage, case.applied_on)
        moved = copy(case)
        moved.working_days, moved.review_working_days = days or case.working_days, review
        now, then = case_clock(case, calendar=calendar), case_clock(moved, calendar=calendar)
        site = case.project.site
        parts = (site.path or "").strip("/").split("/")
        town = site.name if site.kind in kinds else (towns.get(parts[1], "") if len(parts) > 1 else "")
        town = town or "（未归属镇街）"
        per_town[town] = per_town.get(town, 0) + 1
        rows.append(
            [
                f"{case.project.code} {case.project.name}",
                town,
                chinese_date(case.applied_on),
                f"{case.working_days} / {case.review_working_days or case.working_days}",
                f"{moved.working_days} / {moved.review_working_days or moved.working_days}",
                _day(now.due) if now else "（待受理）",
                _day(then.due) if then else "（待受理）",
            ]
        )
    with governed_as(proposal):
        sums = _plan_sums(category, change.valid_from)
    from countyhall.core.rules.trace import ParameterTrace

    total = ParameterTrace(change.valid_from).get(f"permit.total_working_days.{category}")
    return [
        {
            "title": f"“{stage}”阶段时限变更影响的在办事项",
            "columns": [
                "项目",
                "镇街",
                "申报日期",
                "现行时限（阶段/审查）",
                "变更后时限（阶段/审查）",
                "现行到期日",
                "变更后到期日",
            ],
            "rows": rows,
            "note": (
                f"{chinese_date(change.valid_from)} 起申报、尚未办结的事项，批准后按新时限计时（最多列出 {LIMIT} 件）；"
                "已办结的事项不受影响。"
            )
            if rows
            else "没有受影响的在办事项（变更适用于生效日及以后申报的阶段）。",
        },
        {
            "title": "各镇街受影响的在办事项",
            "columns": ["镇街", "事项数"],
            "rows": [[town, str(n)] for town, n in sorted(per_town.items())],
            "note": "",
        },
        {
            "title": "变更后各阶段时限之和（3号 附件）",
            "columns": ["阶段", "时限之和（工作日）", "总时限"],
            "rows": [["、".join(plan), str(used), str(total)] for plan, used in sums],
            "note": "各阶段之和不得超过总时限。",
        },
    ]


def policy_impact(*, change, proposal) -> list[dict]:
    if change.kind == "parameter" and change.key.startswith(STAGE_LIMIT_PREFIX):
        return _stage_limit_impact(change=change, proposal=proposal)
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
                    chinese_date(case.accepted_on),
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
    return chinese_date(day) if day else "（停止计时中）"
