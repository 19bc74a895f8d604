"""Configuration and project records: stage limits, 立项, fees, assessments, the residential checks of C12."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.policy import parameters
from countyhall.core.services.audit import audit_record, model_snapshot
from countyhall.permits import access
from countyhall.permits.models import Category, Project, ProjectAssessment, StageLimit
from countyhall.permits.rules import REGIONALLY_ASSESSED, stages_for


@transaction.atomic
def stage_limit_set(*, actor, category: str, stage: str, working_days: int, lead: Organisation,
                    participants: list[Organisation], basis: str, review_working_days: int | None = None,
                    items: str = "", materials: str = "") -> StageLimit:
    """An administrator configures a stage; the stages of a category may not exceed its total (C3)."""
    actor = as_actor(actor)
    require(access.can_configure_stages(actor), "只有系统管理员或县行政审批服务局可以配置阶段时限。")
    if category not in Category.values:
        raise ServiceError("category", "未知的项目类别。")
    if stage not in stages_for(category):
        raise ServiceError("stage", f"{Category(category).label}的审批阶段为：{'、'.join(stages_for(category))}。")
    if not basis.strip():
        raise ServiceError("basis", "请填写依据（阶段时限见未刊印的审批流程图，由管理员据实录入）。")
    if working_days < 1:
        raise ServiceError("working_days", "阶段时限至少为 1 个工作日。")
    if review_working_days is not None and not 1 <= review_working_days <= working_days:
        raise ServiceError("review_working_days", f"部门审查时限应在 1 至 {working_days} 个工作日之间（不超过阶段时限）。")
    total = parameters().at(f"permit.total_working_days.{category}", business_date()).value
    others = sum(StageLimit.objects.filter(category=category).exclude(stage=stage).values_list("working_days",
                                                                                                flat=True))
    if others + working_days > total:
        raise ServiceError("working_days", f"各阶段时限之和（{others + working_days}）超过该类项目总时限 {total} 个工作日。")
    existing = StageLimit.objects.filter(category=category, stage=stage).first()
    before = model_snapshot(existing) if existing else None
    limit, _ = StageLimit.objects.update_or_create(category=category, stage=stage, defaults={
        "working_days": working_days, "lead": lead, "basis": basis.strip(), "review_working_days": review_working_days,
        "items": items.strip(), "materials": materials.strip()})
    limit.participants.set(participants)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
                 instance=limit, before=before,
                 after={**model_snapshot(limit), "participants": [p.pk for p in participants]})
    return limit


@transaction.atomic
def project_register(*, actor, code: str, name: str, category: str, site: Division, applicant: Organisation,
                     in_assessed_zone: bool = False, land_supply: str = Project.LandSupply.TRANSFER,
                     investment: Decimal | None = None, legal_representative: str = "", project_manager: str = "",
                     contact_phone: str = "", households: int | None = None,
                     in_area_completed_before_2014_06: bool = False) -> Project:
    """立项: the project gets its unified code here, and every later approval uses it (C5)."""
    actor = as_actor(actor)
    require(access.can_register_project(actor), "只有县行政审批服务局、县发展和改革局或系统管理员可以登记项目。")
    code = code.strip()
    for field, value in (("code", code), ("name", name), ("legal_representative", legal_representative),
                         ("project_manager", project_manager), ("contact_phone", contact_phone)):
        limit = Project._meta.get_field(field).max_length
        if len(value.strip()) > limit:
            label = Project._meta.get_field(field).verbose_name
            raise ServiceError(field, f"{label}不能超过 {limit} 个字符。")
    if not code:
        raise ServiceError("code", "请填写全国统一项目代码。")
    if Project.objects.filter(code=code).exists():
        raise ServiceError("code", "该项目代码已登记，同一项目各阶段审批使用同一代码。")
    if not name.strip():
        raise ServiceError("name", "请填写项目名称。")
    if category not in Category.values:
        raise ServiceError("category", "未知的项目类别。")
    if land_supply not in Project.LandSupply.values:
        raise ServiceError("land_supply", "未知的土地供应方式。")
    # 拿地即开工 (二、（四）): land sold with a design scheme is its own category with merged stages.
    if (land_supply == Project.LandSupply.TRANSFER_WITH_SCHEME) != (category == Category.LAND_WITH_SCHEME):
        raise ServiceError("land_supply", "带方案出让土地的项目应选择“社会投资带方案出让土地类”，反之亦然。")
    if applicant.kind != Organisation.Kind.ENTERPRISE and not category.startswith("gov_"):
        raise ServiceError("applicant", "社会投资项目的建设单位应为企业。")
    project = Project.objects.create(
        code=code, name=name.strip(), category=category, site=site, applicant=applicant,
        in_assessed_zone=in_assessed_zone, land_supply=land_supply, investment=investment,
        legal_representative=legal_representative.strip(), project_manager=project_manager.strip(),
        contact_phone=contact_phone.strip(), households=households or None,
        in_area_completed_before_2014_06=in_area_completed_before_2014_06)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=project, after=model_snapshot(project))
    return project


@transaction.atomic
def fees_record(*, actor, project: Project, paid_on: dt.date, proof: str) -> Project:
    """C4: building fees paid in full at the one-stop window; the construction permit checks the proof."""
    actor = as_actor(actor)
    require(access.can_record_fees(actor, project), "建设规费缴清由县行政审批服务局综合服务窗口登记。")
    if not proof.strip():
        raise ServiceError("proof", "请填写缴费凭证号。")
    before = model_snapshot(project)
    project.fees_paid_on, project.fees_proof = paid_on, proof.strip()
    project.save(update_fields=["fees_paid_on", "fees_proof"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=project, before=before,
                 after=model_snapshot(project), note="建设规费缴清")
    return project


@transaction.atomic
def assessment_record(*, actor, project: Project, kind: str, completed_on: dt.date, reference: str) -> ProjectAssessment:
    actor = as_actor(actor)
    require(access.can_record_assessment(actor, project), "只有综合服务窗口或参与本项目审批的部门可以登记评估评价。")
    if kind not in REGIONALLY_ASSESSED:
        raise ServiceError("kind", f"未知的评估事项：{kind}。")
    if not reference.strip():
        raise ServiceError("reference", "请填写批复或报告文号。")
    assessment, created = ProjectAssessment.objects.update_or_create(
        project=project, kind=kind, defaults={"completed_on": completed_on, "reference": reference.strip()})
    audit_record(actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                 instance=assessment, after=model_snapshot(assessment), object_repr=f"{project.code} {kind}")
    return assessment


@transaction.atomic
def residential_record(*, actor, project: Project, households: int | None, elderly_room_m2: Decimal | None,
                       in_area_completed_before_2014_06: bool = False, completion_filed_on: dt.date | None = None,
                       elderly_room_handed_over_on: dt.date | None = None) -> Project:
    """C12 figures of a residential project: households, the rooms planned, completion filing and hand-over."""
    actor = as_actor(actor)
    require(access.can_record_residential(actor, project),
            "只有综合服务窗口或参与本项目审批的住建、自然资源部门可以更新住宅项目信息。")
    if elderly_room_m2 is not None and elderly_room_m2 < 0:
        raise ServiceError("elderly_room_m2", "面积不能为负数。")
    if elderly_room_handed_over_on and not completion_filed_on:
        raise ServiceError("elderly_room_handed_over_on", "请先填写竣工验收备案日期。")
    before = model_snapshot(project)
    project.households, project.elderly_room_m2 = households or None, elderly_room_m2
    project.in_area_completed_before_2014_06 = in_area_completed_before_2014_06
    project.completion_filed_on, project.elderly_room_handed_over_on = completion_filed_on, elderly_room_handed_over_on
    project.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=project, before=before,
                 after=model_snapshot(project), note="住宅项目养老服务用房")
    return project


def handover_deadline(filed: dt.date) -> dt.date:
    """Three months after completion filing (C12), on the same day of the month or the month's last day."""
    month = filed.month + 3
    year = filed.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(filed.day, calendar.monthrange(year, month)[1]))


def elderly_room_handover_overdue(*, on: dt.date | None = None) -> list[Project]:
    """C12: rooms not handed to 民政 within three months of completion filing."""
    on = on or business_date()
    return [project for project in Project.objects.filter(households__gt=0, completion_filed_on__isnull=False,
                                                          elderly_room_handed_over_on__isnull=True)
            if on > handover_deadline(project.completion_filed_on)]
