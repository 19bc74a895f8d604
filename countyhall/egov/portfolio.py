"""Reads of the e-government portfolio and of operation and performance (1号 三、（五）, 四、; SPEC sections 4–7):
every project of a plan year with its gates, the evidence behind each gate and its age (stale evidence flagged),
planned vs approved vs paid, its baselines with their history; the ranking of assessed units with its formula and an
"as of" date; the next-year recommendations (6.9, 7.5) a person confirms.

Gates are built from what exists: application, admissibility, review, co-signature, plan. The construction and
acceptance gates come from `selectors.construction_gates(application)` when that selector exists (one line below,
in `gates`), and "paid" from `selectors.paid_total(application)` — 0 until payments exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from countyhall.core.clock import business_date, chinese_date
from countyhall.core.money import format_money
from countyhall.core.policy import Citation, NoPolicyInForce, parameters
from countyhall.core.rules.trace import ParameterTrace
from countyhall.egov import citations as cite
from countyhall.egov import selectors
from countyhall.egov.models import (
    AnnualPlan,
    Application,
    NextYearDecision,
    PerformanceEvaluation,
    PlanEntry,
    Review,
    SupplierRating,
)
from countyhall.egov.rules import next_year_flag_terms

Status = Application.Status
APPLICATION_DUE = Citation("高政办发〔2021〕1号", "三、（一）", 441)  # 3.1 每年9月底前申报下一年度项目
# 3.9 the eight kinds (the migration/sharing gates of 4.3 sit in 三、（二）1, not yet resolvable: decision 0011)
ADMISSIBILITY = Citation("高政办发〔2021〕1号", "三、（一）", 513)
PERFORMANCE = Citation("高政办发〔2021〕1号", "四、", 873)  # 7.3 建设进度、资金使用、运行情况、应用效果
ASSESSMENT = Citation("高政办发〔2021〕1号", "四、", 879)  # 7.4 承建单位、监理单位、评估咨询机构和运维机构
RECTIFICATION = Citation("高政办发〔2021〕1号", "四、", 891)  # 7.5 建设单位要限期整改

# Not a figure of 1号: how old a gate's evidence may grow while the next gate waits before the portfolio flags it
# (a working convention of the portfolio page, set per installation; default 90 days).
STALE_DAYS_DEFAULT = 90

GATE_STATES = {
    "passed": "已通过",
    "failed": "未通过",
    "pending": "待办理",
    "waiting": "尚未开始",
    "refused": "不通过",
    "n/a": "不适用",
}
# The construction gates (selectors.construction_gates) speak their own words: 'open' is the cycle's 'pending' (a
# gate still to be passed), read as such so the staleness rule sees a construction gate waiting after a passed one;
# 'refused' (held back: 暂缓拨付, not yet accepted) and 'n/a' keep their codes and get their words above.
CONSTRUCTION_STATES = {"open": "pending"}
# Statuses in the portfolio: every project that reached the competent department (a draft is the unit's own).
PORTFOLIO_EXCLUDES = (Status.DRAFT,)


def stale_days() -> int:
    return int(getattr(settings, "COUNTYHALL_EGOV_STALE_DAYS", STALE_DAYS_DEFAULT))


def _gate(code: str, label: str, state: str, evidence: str, evidence_date, citation: Citation) -> dict:
    return {
        "code": code,
        "label": label,
        "state": state,
        "evidence": evidence,
        "evidence_date": evidence_date,
        "citation": citation.as_dict(),
    }


def _date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        from countyhall.core.clock import local

        return local(value).date()
    return value


def _review(application: Application) -> Review | None:
    try:
        return application.review
    except Review.DoesNotExist:
        return None


def _plan_entries(application: Application) -> list[PlanEntry]:
    cached = getattr(application, "portfolio_entries", None)
    if cached is not None:
        return cached
    return list(application.plan_entries.select_related("plan").order_by("plan__version"))


def cycle_gates(application: Application) -> list[dict]:
    """The gates of the yearly cycle (三、（一）—（二）) with the evidence behind each."""
    review = _review(application)
    gates = []
    if application.submitted_on is None:
        gates.append(_gate("application", "申报", "waiting", "尚未提交", None, APPLICATION_DUE))
    elif application.status in (Status.REFUSED_LATE, Status.DEFERRED):
        gates.append(
            _gate(
                "application",
                "申报",
                "failed",
                f"{application.get_status_display()}（{chinese_date(application.submitted_on)}提交）",
                application.submitted_on,
                APPLICATION_DUE,
            )
        )
    else:
        timely = application.timeliness.get("timely")
        note = "按时申报" if timely else ("经县委、县政府研究确定" if application.county_decided else "申报")
        gates.append(
            _gate(
                "application",
                "申报",
                "passed",
                f"{note}（{chinese_date(application.submitted_on)}）",
                application.submitted_on,
                APPLICATION_DUE,
            )
        )
    if review is None:
        gates.append(_gate("admissibility", "准予评审", "waiting", "尚未审查", None, ADMISSIBILITY))
        gates.append(_gate("review", "评审报告", "waiting", "", None, cite.REVIEW_REPORT))
        gates.append(_gate("cosign", "审核会签", "waiting", "", None, cite.COSIGN))
    else:
        started = _date(review.started_at)
        if review.admissible:
            gates.append(_gate("admissibility", "准予评审", "passed", "准予评审", started, ADMISSIBILITY))
        else:
            from countyhall.egov.services import REASON_LABELS

            reasons = "；".join(REASON_LABELS.get(r, r) for r in review.admissibility.get("reasons", []))
            gates.append(
                _gate("admissibility", "准予评审", "failed", f"不予审批：{reasons}", started, ADMISSIBILITY)
            )
        if review.report_uploaded_at:
            gates.append(
                _gate(
                    "review",
                    "评审报告",
                    "passed",
                    review.report_conclusion or "已上传评审报告",
                    _date(review.report_uploaded_at),
                    cite.REVIEW_REPORT,
                )
            )
        else:
            state = "pending" if review.admissible else "waiting"
            gates.append(_gate("review", "评审报告", state, "", None, cite.REVIEW_REPORT))
        if review.cosigned:
            supported = review.technical_supported and review.fiscal_supported
            approved = (
                f"，核定投资{format_money(review.approved_investment, symbol=False)}元"
                if review.approved_investment is not None
                else ""
            )
            evidence = (
                f"技术：{'支持' if review.technical_supported else '不予支持'}；"
                f"财政：{'支持' if review.fiscal_supported else '不予支持'}{approved}"
            )
            signed = max(_date(review.technical_signed_at), _date(review.fiscal_signed_at))
            gates.append(
                _gate(
                    "cosign", "审核会签", "passed" if supported else "failed", evidence, signed, cite.COSIGN
                )
            )
        else:
            state = "pending" if review.report_uploaded_at else "waiting"
            signed = [
                side
                for side, at in (("技术", review.technical_signed_at), ("财政", review.fiscal_signed_at))
                if at
            ]
            gates.append(
                _gate(
                    "cosign",
                    "审核会签",
                    state,
                    f"已会签：{'、'.join(signed)}" if signed else "",
                    None,
                    cite.COSIGN,
                )
            )
    gates.append(_plan_gate(application))
    return gates


def _plan_gate(application: Application) -> dict:
    entries = _plan_entries(application)
    approved = [e for e in entries if e.plan.status != AnnualPlan.Status.DRAFT]
    current = next((e for e in reversed(approved) if e.plan.status == AnnualPlan.Status.APPROVED), None)
    if current is not None:
        plan = current.plan
        evidence = f"第{plan.version}版年度建设计划，县政府审定（{plan.approval_reference}），安排{format_money(current.investment, symbol=False)}元"
        return _gate(
            "plan", "列入年度建设计划", "passed", evidence, _date(plan.approved_at), cite.COUNTY_APPROVAL
        )
    if application.status == Status.NOT_IN_PLAN:
        return _gate(
            "plan",
            "列入年度建设计划",
            "failed",
            application.outcome or "未列入年度建设计划",
            None,
            cite.COUNTY_APPROVAL,
        )
    if any(e.plan.status == AnnualPlan.Status.DRAFT for e in entries):
        return _gate(
            "plan", "列入年度建设计划", "pending", "已编入计划，待县政府审定", None, cite.COUNTY_APPROVAL
        )
    return _gate("plan", "列入年度建设计划", "waiting", "", None, cite.COUNTY_APPROVAL)


def gates(application: Application, *, today: dt.date | None = None) -> list[dict]:
    """Every gate of the project in order, each with its evidence's age in days and whether it is stale: a passed
    gate whose evidence is older than stale_days() while the gate after it still waits."""
    found = cycle_gates(application) + list(selectors.construction_gates(application))
    today = today or business_date()
    limit = stale_days()
    for index, gate in enumerate(found):
        evidence_date = gate.get("evidence_date")
        gate["state"] = CONSTRUCTION_STATES.get(gate["state"], gate["state"])
        gate["state_label"] = GATE_STATES.get(gate["state"], gate["state"])
        # Review.started_at is the real clock (auto_now_add): under a pinned business date (demo, training) it can
        # lie after "today"; such evidence is as fresh as can be, never a negative age.
        gate["age_days"] = max((today - evidence_date).days, 0) if evidence_date else None
        following = found[index + 1]["state"] if index + 1 < len(found) else None
        gate["stale"] = bool(
            gate["state"] == "passed"
            and gate["age_days"] is not None
            and gate["age_days"] > limit
            and following in ("pending", "waiting")
        )
    return found


def money(application: Application) -> dict:
    """Planned (the unit's), approved (财政局's co-signature), the baseline (the approved plan in force) and paid."""
    review = _review(application)
    entries = _plan_entries(application)
    baseline = next(
        (e.investment for e in reversed(entries) if e.plan.status == AnnualPlan.Status.APPROVED), None
    )
    paid = selectors.paid_total(application)
    return {
        "planned": application.planned_investment,
        "approved": review.approved_investment if review is not None else None,
        "baseline": baseline,
        "paid": paid,
    }


def baselines(application: Application) -> list[dict]:
    """Every plan version the project is in, oldest first: the full history of its baseline (never overwritten)."""
    rows = []
    previous = None
    for entry in _plan_entries(application):
        plan = entry.plan
        rows.append(
            {
                "version": plan.version,
                "status": plan.get_status_display(),
                "investment": entry.investment,
                "change": None if previous is None else entry.investment - previous,
                "compiled_on": plan.compiled_on,
                "approved_at": plan.approved_at,
                "reference": plan.approval_reference,
                "reason": plan.change_reason,
            }
        )
        previous = entry.investment
    return rows


@dataclass
class PortfolioRow:
    application: Application
    gates: list[dict] = field(default_factory=list)
    money: dict = field(default_factory=dict)
    baselines: list[dict] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return any(gate["stale"] for gate in self.gates)

    @property
    def failed(self) -> bool:
        return any(gate["state"] == "failed" for gate in self.gates)

    @property
    def gate_summary(self) -> str:
        return "；".join(
            f"{g['label']}：{g['state_label']}{'（证据过期）' if g['stale'] else ''}" for g in self.gates
        )


def portfolio_queryset(plan_year) -> QuerySet[Application]:
    entries = PlanEntry.objects.select_related("plan").order_by("plan__version")
    return (
        Application.objects.filter(plan_year=plan_year)
        .exclude(status__in=PORTFOLIO_EXCLUDES)
        .select_related("plan_year", "unit", "review")
        .prefetch_related(Prefetch("plan_entries", queryset=entries, to_attr="portfolio_entries"))
    )


def portfolio_rows(applications, *, today: dt.date | None = None) -> list[PortfolioRow]:
    today = today or business_date()
    return [
        PortfolioRow(application=a, gates=gates(a, today=today), money=money(a), baselines=baselines(a))
        for a in applications
    ]


def stale_ids(queryset) -> list[int]:
    """The projects with stale evidence (computed per project: the gates are not columns)."""
    return [row.application.pk for row in portfolio_rows(queryset) if row.stale]


# ---------------------------------------------------------------- performance


def scale_max(on: dt.date) -> int | None:
    """The administered full mark in force, or None while no administrator has entered it."""
    try:
        return int(ParameterTrace(on).get("egov.performance.scale_max"))
    except NoPolicyInForce:
        return None


def evaluations_for(applications) -> QuerySet[PerformanceEvaluation]:
    return PerformanceEvaluation.objects.filter(application__in=applications).select_related(
        "application__unit", "application__plan_year", "evaluated_by"
    )


def poor_after_rectification(application: Application) -> bool:
    """7.5: the latest re-evaluation after rectification still finds the performance poor."""
    latest = (
        application.evaluations.filter(round=PerformanceEvaluation.Round.AFTER_RECTIFICATION)
        .order_by("-evaluated_on", "-pk")
        .first()
    )
    return latest is not None and latest.verdict == PerformanceEvaluation.Verdict.POOR


def acceptance_inputs(application: Application) -> dict[str, bool]:
    """6.9's two facts (acceptance overdue, acceptance failed) from the project's final acceptance."""
    return selectors.acceptance_flags(application)


def next_year_result(application: Application):
    """The rule egov.next_year_flag on the project's facts (a recommendation; people decide)."""
    return next_year_flag_terms(
        **acceptance_inputs(application),
        poor_performance_after_rectification=poor_after_rectification(application),
    )


def target_year(today: dt.date | None = None) -> int:
    """ "下一年度": the plan year whose applications are filed this year (3.1: by 30 September for the next year)."""
    return (today or business_date()).year + 1


def next_year_recommendations(*, today: dt.date | None = None) -> list[dict]:
    """Projects in a plan whose facts raise the flag and that nobody has decided on for the target year."""
    year = target_year(today)
    decided = set(NextYearDecision.objects.filter(target_year=year).values_list("application_id", flat=True))
    candidates = (
        Application.objects.filter(status=Status.IN_PLAN)
        .exclude(pk__in=decided)
        .select_related("unit", "plan_year")
        .order_by("unit__name", "name")
    )
    found = []
    for application in candidates:
        result = next_year_result(application)
        if result.data["flag"]:
            found.append(
                {
                    "application": application,
                    "reasons": result.data["reasons"],
                    "result": result,
                    "target_year": year,
                }
            )
    return found


# ---------------------------------------------------------------- ratings of the assessed units (四、, L879–885)

FORMULA = "综合得分 = Σ（各项目得分 ÷ 该次评估的满分 × 100）÷ 评估项目数（百分制，保留两位小数）"


@dataclass
class RankedSupplier:
    kind: str
    kind_label: str
    supplier: str
    projects: int
    average: Decimal
    rank: int | None
    ratings: list = field(default_factory=list)


def rank_suppliers(ratings, *, min_projects: int | None) -> list[RankedSupplier]:
    """Pure: the ratings grouped per (kind, supplier), averaged on 100 points; within each kind the suppliers with at
    least `min_projects` assessed projects are ranked (ties share a rank), the others are listed unranked. With no
    minimum entered (None) nobody is ranked."""
    groups: dict[tuple[str, str], list] = {}
    for rating in ratings:
        groups.setdefault((rating.kind, rating.supplier), []).append(rating)
    labels = dict(SupplierRating.Kind.choices)
    rows = []
    for (kind, supplier), items in groups.items():
        total = sum((r.score * 100 / r.scale_max for r in items), start=Decimal("0"))
        rows.append(
            RankedSupplier(
                kind=kind,
                kind_label=labels.get(kind, kind),
                supplier=supplier,
                projects=len(items),
                average=(total / len(items)).quantize(Decimal("0.01")),
                rank=None,
                ratings=items,
            )
        )
    order = {kind: index for index, kind in enumerate(SupplierRating.Kind.values)}
    rows.sort(key=lambda r: (order.get(r.kind, 99), -r.average, r.supplier))
    if min_projects is not None:
        for kind in order:
            eligible = [r for r in rows if r.kind == kind and r.projects >= min_projects]
            previous, rank = None, 0
            for position, row in enumerate(eligible, start=1):
                if row.average != previous:
                    rank, previous = position, row.average
                row.rank = rank
    return rows


def ratings_as_of(as_of: dt.date, *, kind: str = "") -> dict:
    """The ranking as of a date: the ratings given up to that day, the minimum count in force that day (or None and
    the text of what happens while it is not entered), the formula and the clauses."""
    trace = ParameterTrace(as_of)
    try:
        minimum = int(trace.get("egov.rating.min_projects"))
    except NoPolicyInForce:
        minimum = None
    ratings = SupplierRating.objects.filter(rated_on__lte=as_of).select_related("application__unit")
    if kind:
        ratings = ratings.filter(kind=kind)
    rows = rank_suppliers(list(ratings), min_projects=minimum)
    parameter = parameters().get("egov.rating.min_projects")
    citations = [ASSESSMENT.as_dict(), *[c.as_dict() for c in trace.citations]]
    return {
        "as_of": as_of,
        "rows": rows,
        "min_projects": minimum,
        "unentered": parameter.unentered if minimum is None else "",
        "formula": FORMULA,
        "citations": citations,
    }
