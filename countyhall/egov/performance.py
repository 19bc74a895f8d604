"""Writes of operation and performance (1号 三、（五）, 四、; SPEC section 7), each checked by its access predicate and
audited in its transaction: the O&M arrangement, the performance evaluation on the administered scale, the
assessment of contractors, supervisors, consultants and O&M bodies, and a person's decision on the next-year flag
(三、（四）2, 四、). The platform never derives a verdict of 绩效低下 nor reduces a unit's projects on its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from countyhall.core.access import require
from countyhall.core.clock import business_date, business_now, chinese_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.notifications import notify
from countyhall.core.policy import Citation, NoPolicyInForce
from countyhall.core.policy.basis import basis_of
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import actor_user, audit_record, model_snapshot
from countyhall.egov import access, portfolio
from countyhall.egov.models import (
    Application,
    NextYearDecision,
    OperationArrangement,
    PerformanceEvaluation,
    SupplierRating,
)

OM_CLOUD = Citation(
    "高政办发〔2021〕1号", "三、（五）", 855
)  # 7.1 依托政务云：主管部门统一协调，政府采购服务委托专业公司
OM_UNIT = Citation("高政办发〔2021〕1号", "三、（五）", 861)  # 7.2 部门业务应用系统由项目建设单位运行维护
Round = PerformanceEvaluation.Round
Verdict = PerformanceEvaluation.Verdict
SCALE_MISSING = (
    "评分量表的满分尚未录入（1号 四、未印发评分量表）：请管理员在“政策解读与管理数据”中录入"
    "“绩效评估和参建单位评估考核评分量表的满分”后再登记评分。"
)
NEXT_YEAR_REASONS = {
    "acceptance_overdue": "未按期验收",
    "acceptance_failed": "验收不合格",
    "poor_performance": "整改后仍达不到应有绩效",
}


@transaction.atomic  # its own savepoint inside the caller's transaction keeps the audit rule checkable
def _audit(actor, instance, before: dict | None, *, action=AuditEntry.Action.UPDATE, note: str = "") -> None:
    audit_record(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=model_snapshot(instance),
        note=note,
    )


def _text(field: str, value, label: str, *, max_length: int = 2000, minimum: int = 1) -> str:
    text = str(value or "").strip()
    if len(text) < minimum:
        raise ServiceError(field, f"请填写{label}" + (f"（至少{minimum}个字）。" if minimum > 1 else "。"))
    if len(text) > max_length:
        raise ServiceError(field, f"{label}不能超过{max_length}个字。")
    return text


def _day(field: str, value, label: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ServiceError(field, f"{label}应为日期（YYYY-MM-DD）。")
    if value > business_date():
        raise ServiceError(field, f"{label}不能晚于今天。")
    return value


def _in_plan(application: Application) -> None:
    if application.status != Application.Status.IN_PLAN:
        raise ServiceError("application", "只有列入年度建设计划的项目才能登记运行维护、绩效评估和评估考核。")


def _scale(trace: ParameterTrace) -> int:
    try:
        return int(trace.get("egov.performance.scale_max"))
    except NoPolicyInForce:
        raise ServiceError("score", SCALE_MISSING) from None


def _score(value, scale: int) -> Decimal:
    """A score on the scale: a decimal string or integer (a float is refused), 0 to the full mark, two decimals."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ServiceError("score", '得分应写成数字字符串（如 "86.5"），不能是浮点数。')
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError("score", "得分应为数字。") from None
    if not score.is_finite() or score < 0 or score > scale:
        raise ServiceError("score", f"得分应在0到{scale}分（评分量表的满分）之间。")
    if score != score.quantize(Decimal("0.01")):
        raise ServiceError("score", "得分最多两位小数。")
    return score.quantize(Decimal("0.01"))


@transaction.atomic
def operation_record(
    *,
    actor,
    application: Application,
    mode: str,
    provider: str,
    start_on: dt.date,
    contract_reference: str = "",
    note: str = "",
) -> OperationArrangement:
    """三、（五）: who runs and maintains the project, from when; a change is an update kept in the history."""
    require(
        access.can_record_operation(actor, application), "只有县大数据局或项目建设单位可以登记运行维护安排。"
    )
    _in_plan(application)
    if mode not in OperationArrangement.Mode.values:
        raise ServiceError("mode", "运行维护方式应为“依托政务云”或“部门业务应用系统”。")
    provider = _text("provider", provider, "运维机构", max_length=120)
    start_on = _day("start_on", start_on, "运维开始日期")
    contract_reference = str(contract_reference or "").strip()[:200]
    if mode == OperationArrangement.Mode.CLOUD and not contract_reference:
        raise ServiceError(
            "contract_reference",
            "依托政务云的项目以政府采购服务形式委托专业公司运维：请填写采购合同或委托说明。",
        )
    existing = OperationArrangement.objects.select_for_update().filter(application=application).first()
    before = model_snapshot(existing) if existing else None
    arrangement = existing or OperationArrangement(application=application)
    arrangement.mode, arrangement.provider, arrangement.start_on = mode, provider, start_on
    arrangement.contract_reference, arrangement.note = contract_reference, str(note or "").strip()[:200]
    arrangement.citations = [(OM_CLOUD if mode == OperationArrangement.Mode.CLOUD else OM_UNIT).as_dict()]
    arrangement.recorded_by = actor_user(actor)
    arrangement.save()
    _audit(
        actor,
        arrangement,
        before,
        action=AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
        note="登记运行维护安排" if existing is None else "修改运行维护安排",
    )
    return arrangement


@transaction.atomic
def evaluation_record(
    *,
    actor,
    application: Application,
    evaluated_on: dt.date,
    score,
    progress: str,
    funds: str,
    operation: str,
    effect: str,
    verdict: str,
    round: str = Round.REGULAR,
    rectification_due: dt.date | None = None,
) -> PerformanceEvaluation:
    """四、: the four aspects the text names, a score on the administered scale and the evaluator's verdict. A poor
    verdict sets a rectification deadline (限期整改); a re-evaluation after rectification follows a poor one."""
    require(
        access.can_evaluate_performance(actor, application),
        "绩效评估由县大数据局（县电子政务主管部门）组织。",
    )
    application = Application.objects.select_for_update().get(pk=application.pk)
    _in_plan(application)
    evaluated_on = _day("evaluated_on", evaluated_on, "评估日期")
    if round not in Round.values:
        raise ServiceError("round", "评估类别应为“绩效评估”或“整改后复评”。")
    if verdict not in Verdict.values:
        raise ServiceError("verdict", "评估结论应为“达到应有绩效”或“绩效低下，限期整改”。")
    trace = ParameterTrace(evaluated_on)
    scale = _scale(trace)
    score = _score(score, scale)
    texts = {
        name: _text(name, value, label)
        for name, value, label in (
            ("progress", progress, "建设进度"),
            ("funds", funds, "资金使用"),
            ("operation", operation, "运行情况"),
            ("effect", effect, "应用效果"),
        )
    }
    citations = [portfolio.PERFORMANCE]
    if round == Round.AFTER_RECTIFICATION:
        poor = application.evaluations.filter(verdict=Verdict.POOR, evaluated_on__lte=evaluated_on)
        if not poor.exists():
            raise ServiceError("round", "整改后复评须在此前的评估认定绩效低下、限期整改之后。")
        citations.append(portfolio.RECTIFICATION)
    if verdict == Verdict.POOR and round == Round.REGULAR:
        if rectification_due is None:
            raise ServiceError("rectification_due", "绩效低下的项目，建设单位要限期整改：请填写整改期限。")
        if not isinstance(rectification_due, dt.date) or rectification_due <= evaluated_on:
            raise ServiceError("rectification_due", "整改期限应晚于评估日期。")
        citations.append(portfolio.RECTIFICATION)
    elif rectification_due is not None and verdict != Verdict.POOR:
        raise ServiceError("rectification_due", "达到应有绩效的项目无需整改期限。")
    result = trace.result({"scale_max": scale})
    evaluation = PerformanceEvaluation.objects.create(
        application=application,
        round=round,
        evaluated_on=evaluated_on,
        score=score,
        scale_max=scale,
        verdict=verdict,
        rectification_due=rectification_due if verdict == Verdict.POOR else None,
        citations=[c.as_dict() for c in citations] + [c.as_dict() for c in trace.citations],
        policy_basis=basis_of(result),
        evaluated_by=actor_user(actor),
        **texts,
    )
    _audit(actor, evaluation, None, action=AuditEntry.Action.CREATE, note=evaluation.get_verdict_display())
    if verdict == Verdict.POOR:
        due = f"，整改期限{chinese_date(rectification_due)}" if evaluation.rectification_due else ""
        notify(
            channel="in_app",
            recipient=str(application.unit),
            organisation=application.unit,
            subject=f"电子政务项目绩效评估：{application.name}",
            body=f"{evaluation.get_round_display()}结论为{evaluation.get_verdict_display()}{due}。",
            source=application,
        )
    return evaluation


@transaction.atomic
def supplier_rate(
    *, actor, application: Application, kind: str, supplier: str, score, rated_on: dt.date, note: str
) -> SupplierRating:
    """四、 L879–885: one assessed unit on one project, on the administered scale."""
    require(access.can_rate_supplier(actor, application), "参建单位的评估考核由县大数据局组织。")
    _in_plan(application)
    if kind not in SupplierRating.Kind.values:
        raise ServiceError("kind", "单位类别应为承建单位、监理单位、评估咨询机构或运维机构。")
    supplier = _text("supplier", supplier, "单位名称", max_length=120)
    rated_on = _day("rated_on", rated_on, "评估日期")
    trace = ParameterTrace(rated_on)
    scale = _scale(trace)
    score = _score(score, scale)
    note = _text("note", note, "评估意见", max_length=200, minimum=4)
    rating = SupplierRating(
        application=application,
        kind=kind,
        supplier=supplier,
        score=score,
        scale_max=scale,
        rated_on=rated_on,
        note=note,
        citations=[portfolio.ASSESSMENT.as_dict()] + [c.as_dict() for c in trace.citations],
        rated_by=actor_user(actor),
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise ServiceError("supplier", "该单位在本项目的评估考核已登记。") from None
    _audit(actor, rating, None, action=AuditEntry.Action.CREATE, note=f"评估考核{rating.get_kind_display()}")
    return rating


@transaction.atomic
def next_year_decide(*, actor, application: Application, decision: str, note: str) -> NextYearDecision:
    """A person confirms (reduce or refuse) or dismisses the platform's next-year recommendation for the unit of the
    project; the rule's result is kept with the decision. Final: a decision is not edited."""
    require(access.can_decide_next_year(actor), "压缩或不予安排下一年度项目由县大数据局决定。")
    if decision not in NextYearDecision.Decision.values:
        raise ServiceError("decision", "处理决定应为压缩、不予安排或不予处理。")
    note = _text("note", note, "决定理由", max_length=1000, minimum=4)
    application = Application.objects.select_for_update().get(pk=application.pk)
    result = portfolio.next_year_result(application)
    if not result.data["flag"]:
        raise ServiceError(
            "application", "该项目没有未按期验收、验收不合格或整改后仍达不到应有绩效的情形，无需处理。"
        )
    year = portfolio.target_year()
    made = NextYearDecision(
        application=application,
        unit=application.unit,
        target_year=year,
        reasons=result.data["reasons"],
        rule_result=result.as_json(),
        decision=decision,
        note=note,
        decided_at=business_now(),
        decided_by=actor_user(actor),
    )
    try:
        with transaction.atomic():
            made.save()
    except IntegrityError:
        raise ServiceError("application", f"该项目涉及{year}年度的提示已经处理。") from None
    _audit(actor, made, None, action=AuditEntry.Action.CREATE, note=made.get_decision_display())
    if decision != NextYearDecision.Decision.DISMISS:
        reasons = "、".join(NEXT_YEAR_REASONS[r] for r in made.reasons)
        notify(
            channel="in_app",
            recipient=str(application.unit),
            organisation=application.unit,
            subject=f"{year}年度电子政务建设项目安排",
            body=f"因{application.name}{reasons}，{made.get_decision_display()}。理由：{note}",
            source=application,
        )
    return made
