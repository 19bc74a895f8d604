"""Write services of the approval system: stage limits, projects, stage cases, parallel reviews, the clock."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.policy import parameters
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.audit import audit_record, model_snapshot
from countyhall.permits.models import (
    Case,
    Category,
    Commitment,
    CreditRecord,
    Project,
    ProjectAssessment,
    Review,
    StageLimit,
    Suspension,
)
from countyhall.permits.rules import REGIONALLY_ASSESSED, assessments_terms, elderly_rooms_terms, stages_for

ANSWERED = [Review.Opinion.APPROVE, Review.Opinion.APPROVE_WITH_CONDITIONS, Review.Opinion.REFUSE]


def _organisation_of(actor) -> Organisation | None:
    return None if isinstance(actor, str) else actor.organisation


@transaction.atomic
def stage_limit_set(*, actor, category: str, stage: str, working_days: int, lead: Organisation,
                    participants: list[Organisation], basis: str) -> StageLimit:
    """An administrator configures a stage; the stages of a category may not exceed its total (C3)."""
    if category not in Category.values:
        raise ServiceError("category", "未知的项目类别。")
    if stage not in stages_for(category):
        raise ServiceError("stage", f"{Category(category).label}的审批阶段为：{'、'.join(stages_for(category))}。")
    if not basis.strip():
        raise ServiceError("basis", "请填写依据（阶段时限见未刊印的审批流程图，由管理员据实录入）。")
    total = parameters().at(f"permit.total_working_days.{category}", business_date()).value
    others = sum(StageLimit.objects.filter(category=category).exclude(stage=stage).values_list("working_days",
                                                                                                flat=True))
    if others + working_days > total:
        raise ServiceError("working_days", f"各阶段时限之和（{others + working_days}）超过该类项目总时限 {total} 个工作日。")
    limit, _ = StageLimit.objects.update_or_create(category=category, stage=stage, defaults={
        "working_days": working_days, "lead": lead, "basis": basis.strip()})
    limit.participants.set(participants)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=limit, after={
        **model_snapshot(limit), "participants": [p.pk for p in participants]})
    return limit


@transaction.atomic
def project_register(*, actor, code: str, name: str, category: str, site: Division, applicant: Organisation,
                     in_assessed_zone: bool = False) -> Project:
    """立项: the project gets its unified code here, and every later approval uses it (C5)."""
    code = code.strip()
    if not code:
        raise ServiceError("code", "请填写全国统一项目代码。")
    if Project.objects.filter(code=code).exists():
        raise ServiceError("code", "该项目代码已登记，同一项目各阶段审批使用同一代码。")
    if category not in Category.values:
        raise ServiceError("category", "未知的项目类别。")
    project = Project.objects.create(code=code, name=name.strip(), category=category, site=site, applicant=applicant,
                                     in_assessed_zone=in_assessed_zone)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=project, after=model_snapshot(project))
    return project


@transaction.atomic
def permit_stage_submit(*, actor, project: Project, stage: str, accepted_on: dt.date) -> Case:
    """Accept one stage's application (one form, one set of materials) and send it to every department."""
    stages = stages_for(project.category)
    if stage not in stages:
        raise ServiceError("stage", f"该项目的审批阶段为：{'、'.join(stages)}。")
    order = stages.index(stage)
    if order > 0:
        previous = project.cases.filter(stage=stages[order - 1]).first()
        if previous is None or previous.status != Case.Status.APPROVED:
            raise ServiceError("stage", f"须先完成“{stages[order - 1]}”阶段。")
    if project.cases.filter(stage=stage).exists():
        raise ServiceError("stage", "该阶段已受理，同一阶段不重复申报（C9）。")
    if blacklisted(project.applicant, on=accepted_on):
        raise ServiceError("applicant", f"{project.applicant} 已列入失信名单，依法实施联合惩戒（C10）。")
    required = assessments_terms(stage=stage, in_assessed_zone=project.in_assessed_zone).data["required"]
    done = set(project.assessments.filter(completed_on__lte=accepted_on).values_list("kind", flat=True))
    missing = [a for a in required if a not in done]
    if missing:
        raise ServiceError("assessments", f"受理“{stage}”前须完成：{'、'.join(missing)}（C5）。")
    if "施工许可" in stage and (project.fees_paid_on is None or project.fees_paid_on > accepted_on):
        raise ServiceError("fees", "建设规费须在施工许可前缴清，请提交缴费凭证（C4）。")
    limit = StageLimit.objects.filter(category=project.category, stage=stage).first()
    if limit is None:
        raise ServiceError("stage", "该阶段的时限和牵头部门尚未由管理员配置。")
    case = Case.objects.create(project=project, stage=stage, stage_order=order, lead=limit.lead,
                               accepted_on=accepted_on, working_days=limit.working_days)
    departments = [limit.lead, *limit.participants.exclude(pk=limit.lead_id)]
    Review.objects.bulk_create(Review(case=case, department=d) for d in departments)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=case,
                 after={**model_snapshot(case), "reviewers": [d.pk for d in departments]})
    return case


@transaction.atomic
def review_give(*, actor, case: Case, opinion: str, reasons: str = "", on: dt.date | None = None) -> Review:
    """A department's opinion. Asking for 补正 stops the clock until the applicant answers."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in (Case.Status.IN_REVIEW,):
        raise ServiceError("status", f"当前状态为“{case.get_status_display()}”，不能出具意见。")
    review = case.reviews.filter(department=_organisation_of(actor)).first()
    if review is None:
        raise ServiceError("actor", "您的部门不是本事项的审查部门。")
    if opinion not in Review.Opinion.values or opinion == Review.Opinion.PENDING:
        raise ServiceError("opinion", "意见应为同意、附条件同意、需补正或不同意。")
    if opinion != Review.Opinion.APPROVE and not reasons.strip():
        raise ServiceError("reasons", "除“同意”外须写明理由。")
    on = on or business_date()
    before = model_snapshot(review)
    review.opinion, review.reasons, review.decided_on, review.decided_by = opinion, reasons, on, actor
    review.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=review, before=before,
                 after=model_snapshot(review))
    if opinion == Review.Opinion.REQUEST_CORRECTION:
        case.status = Case.Status.AWAITING_APPLICANT
        case.save(update_fields=["status"])
        Suspension.objects.create(case=case, start=on, reason=f"{review.department}：{reasons}")
    return review


@transaction.atomic
def case_resume(*, actor, case: Case, on: dt.date) -> Case:
    """The applicant has corrected: the clock runs again from the next day; the reviewer answers again."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.AWAITING_APPLICANT:
        raise ServiceError("status", "本事项不在待补正状态。")
    suspension = case.suspensions.filter(end__isnull=True).first()
    if on < suspension.start:
        raise ServiceError("on", "补正日期不能早于停止计时日期。")
    suspension.end = on
    suspension.save()
    case.reviews.filter(opinion=Review.Opinion.REQUEST_CORRECTION).update(opinion=Review.Opinion.PENDING)
    case.status = Case.Status.IN_REVIEW
    case.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=case, after={"resumed_on": on},
                 note="申请人补正，恢复计时")
    return case


@transaction.atomic
def case_decide(*, actor, case: Case, approve: bool, reasons: str = "", on: dt.date | None = None) -> Case:
    """The lead department's one combined decision, only once every department has answered (C6)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if _organisation_of(actor) != case.lead:
        raise ServiceError("actor", "只有牵头部门可以作出决定。")
    if case.status != Case.Status.IN_REVIEW:
        raise ServiceError("status", f"当前状态为“{case.get_status_display()}”，不能作出决定。")
    waiting = case.reviews.exclude(opinion__in=ANSWERED)
    if waiting.exists():
        raise ServiceError("reviews", "尚有部门未出具意见：" + "、".join(str(r.department) for r in waiting))
    if approve and case.reviews.filter(opinion=Review.Opinion.REFUSE).exists():
        raise ServiceError("approve", "有部门不同意，不能准予许可。")
    if not approve and not reasons.strip():
        raise ServiceError("reasons", "不予许可须写明理由。")
    if approve and case.stage in ELDERLY_ROOM_CHECKPOINTS:
        _check_elderly_rooms(case.project, on=on or business_date())
    before = model_snapshot(case)
    case.status = Case.Status.APPROVED if approve else Case.Status.REFUSED
    case.decided_on, case.decision_reasons = on or business_date(), reasons
    case.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=case, before=before,
                 after=model_snapshot(case))
    return case


# C12: the rooms are checked at design-scheme review (in 工程建设许可) and at completion acceptance.
ELDERLY_ROOM_CHECKPOINTS = {"工程建设许可", "工程建设许可和施工许可", "竣工验收"}


def _check_elderly_rooms(project: Project, *, on: dt.date) -> None:
    if not project.households:
        return
    required = Decimal(elderly_rooms_terms(households=project.households,
                                           completed_before_2014_06=project.in_area_completed_before_2014_06,
                                           on=on).data["required_m2"])
    if project.elderly_room_m2 is None or project.elderly_room_m2 < required:
        raise ServiceError("elderly_room_m2", f"住宅项目须配建社区养老服务用房不少于 {required} 平方米"
                                              f"（现为 {project.elderly_room_m2 or 0}，高政办字〔2021〕35号）。")


def elderly_room_handover_overdue(*, on: dt.date | None = None) -> list[Project]:
    """C12: rooms not handed to 民政 within three months of completion filing."""
    on = on or business_date()
    overdue = []
    for project in Project.objects.filter(households__gt=0, completion_filed_on__isnull=False,
                                          elderly_room_handed_over_on__isnull=True):
        filed = project.completion_filed_on
        month = filed.month + 3
        year = filed.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        last_day = calendar.monthrange(year, month)[1]
        if on > dt.date(year, month, min(filed.day, last_day)):
            overdue.append(project)
    return overdue


@dataclass(frozen=True)
class ClockState:
    used: int
    remaining: int
    due: dt.date | None  # None while the clock is stopped: the due date moves when it restarts
    running: bool


def case_clock(case: Case, *, on: dt.date | None = None) -> ClockState:
    """Working days used and left on `on`; suspended days (both ends) do not count."""
    on = on or case.decided_on or business_date()
    official = DatabaseCalendar()
    periods = [(s.start, s.end or dt.date.max) for s in case.suspensions.all()]

    def counts(day: dt.date) -> bool:
        return official.is_workday(day) and not any(a <= day <= b for a, b in periods)

    used = 0
    day = case.accepted_on
    while day < on:
        day += dt.timedelta(days=1)
        used += counts(day)
    running = case.status == Case.Status.IN_REVIEW
    due = None
    if running or case.status in (Case.Status.APPROVED, Case.Status.REFUSED):
        counted, day = 0, case.accepted_on
        while counted < case.working_days:
            day += dt.timedelta(days=1)
            counted += counts(day)
        due = day
    return ClockState(used=used, remaining=max(case.working_days - used, 0), due=due, running=running)


def blacklisted(organisation: Organisation, *, on: dt.date) -> bool:
    return CreditRecord.objects.filter(organisation=organisation, listed_on__lte=on).exclude(until__lt=on).exists()


@transaction.atomic
def credit_record_add(*, actor, reason: str, detail: str, listed_on: dt.date, organisation: Organisation | None = None,
                      practitioner: str = "", until: dt.date | None = None) -> CreditRecord:
    if organisation is None and not practitioner.strip():
        raise ServiceError("organisation", "请指明失信的单位或从业人员。")
    if reason not in CreditRecord.Reason.values:
        raise ServiceError("reason", "未知的失信原因。")
    if not detail.strip():
        raise ServiceError("detail", "请写明失信情况。")
    record = CreditRecord.objects.create(organisation=organisation, practitioner=practitioner.strip(), reason=reason,
                                         detail=detail.strip(), listed_on=listed_on, until=until)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=record, after=model_snapshot(record))
    return record


@transaction.atomic
def fees_record(*, actor, project: Project, paid_on: dt.date, proof: str) -> Project:
    if not proof.strip():
        raise ServiceError("proof", "请填写缴费凭证号。")
    before = model_snapshot(project)
    project.fees_paid_on, project.fees_proof = paid_on, proof.strip()
    project.save(update_fields=["fees_paid_on", "fees_proof"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=project, before=before,
                 after=model_snapshot(project))
    return project


@transaction.atomic
def commitment_accept(*, actor, case: Case, item: str, area: str, committed_on: dt.date,
                      check_due: dt.date) -> Commitment:
    """C8: notify-and-commit, except where public safety, the ecology or health are directly concerned."""
    if area not in Commitment.Area.values:
        raise ServiceError("area", "未知的领域。")
    if area != Commitment.Area.GENERAL:
        raise ServiceError("area", f"直接涉及{Commitment.Area(area).label}的事项不适用告知承诺制（C8）。")
    if check_due < committed_on:
        raise ServiceError("check_due", "核查期限不能早于承诺日期。")
    commitment = Commitment.objects.create(case=case, item=item.strip(), area=area, committed_on=committed_on,
                                           check_due=check_due)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=commitment, after=model_snapshot(commitment))
    return commitment


@transaction.atomic
def commitment_check(*, actor, commitment: Commitment, kept: bool, findings: str, on: dt.date) -> Commitment:
    """A broken commitment revokes the approval and puts the applicant on the blacklist (C8, C10)."""
    if not findings.strip():
        raise ServiceError("findings", "请写明核查意见。")
    before = model_snapshot(commitment)
    commitment.checked_on, commitment.kept, commitment.findings = on, kept, findings.strip()
    commitment.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=commitment, before=before,
                 after=model_snapshot(commitment))
    if not kept:
        case = commitment.case
        case_before = model_snapshot(case)
        case.status = Case.Status.REVOKED
        case.save(update_fields=["status"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=case, before=case_before,
                     after=model_snapshot(case), note=f"未履行承诺“{commitment.item}”，撤销许可")
        credit_record_add(actor=actor, organisation=case.project.applicant, reason=CreditRecord.Reason.BROKEN_COMMITMENT,
                          detail=f"{case}：未履行承诺“{commitment.item}”。{findings}", listed_on=on)
    return commitment


@transaction.atomic
def assessment_record(*, actor, project: Project, kind: str, completed_on: dt.date, reference: str) -> ProjectAssessment:
    if kind not in REGIONALLY_ASSESSED:
        raise ServiceError("kind", f"未知的评估事项：{kind}。")
    if not reference.strip():
        raise ServiceError("reference", "请填写批复或报告文号。")
    assessment, created = ProjectAssessment.objects.update_or_create(
        project=project, kind=kind, defaults={"completed_on": completed_on, "reference": reference.strip()})
    audit_record(actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                 instance=assessment, after=model_snapshot(assessment), object_repr=f"{project.code} {kind}")
    return assessment
