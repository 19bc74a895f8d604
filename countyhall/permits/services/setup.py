"""Configuration and project records: stage limits, 立项, fees, assessments, the residential checks of C12."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal

from django.db import transaction

from countyhall.core.access import AccessDenied, require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date, business_now
from countyhall.core.errors import ServiceError
from countyhall.core.figures import model_decimal, model_integer
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.policy import Citation
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import actor_user, audit_record, model_snapshot
from countyhall.permits import access
from countyhall.permits.models import Category, Project, ProjectAssessment, ProjectCorrection, StageLimit
from countyhall.permits.rules import SOLD_WITH_SCHEME, possible_stages, regionally_assessed_terms


@transaction.atomic
def stage_limit_set(
    *,
    actor,
    category: str,
    stage: str,
    lead: Organisation,
    participants: list[Organisation],
    basis: str,
    working_days: int | None = None,
    review_working_days: int | None = None,
    items: str = "",
    materials: str = "",
    valid_from: dt.date | None = None,
    reason: str = "",
) -> StageLimit:
    """The program's administrator configures a stage (lead, participants, items, materials, basis). Its limits
    are governed administered figures (permits.policy): a working_days / review_working_days other than the ones
    in force on `valid_from` (tomorrow by default) is proposed as a change, which a second system administrator
    approves on /policy/changes/ (four eyes); the stages must stay within the category's total (C3), checked at
    proposal and at approval."""
    from countyhall.core.rules.trace import ParameterTrace
    from countyhall.core.services.policy import policy_change_propose
    from countyhall.permits.policy import stage_figures, stage_limit_key

    actor = as_actor(actor)
    require(access.can_configure_stages(actor), "只有系统管理员或县行政审批服务局可以配置阶段时限。")
    if category not in Category.values:
        raise ServiceError("category", "未知的项目类别。")
    if stage not in possible_stages(category):
        raise ServiceError(
            "stage", f"{Category(category).label}的审批阶段为：{'、'.join(possible_stages(category))}。"
        )
    if not basis.strip():
        raise ServiceError("basis", "请填写依据（阶段时限见未刊印的审批流程图，由管理员据实录入）。")
    start = valid_from or business_date() + dt.timedelta(days=1)
    trace = ParameterTrace(start)
    in_force = stage_figures(category, stage, start, trace)
    if working_days is not None and working_days < 1:
        raise ServiceError("working_days", "阶段时限至少为 1 个工作日。")
    days = working_days if working_days is not None else in_force[0]
    if review_working_days is not None and days is not None and not 1 <= review_working_days <= days:
        raise ServiceError(
            "review_working_days", f"部门审查时限应在 1 至 {days} 个工作日之间（不超过阶段时限）。"
        )
    total = trace.get(f"permit.total_working_days.{category}")
    if days is not None and days > total:
        raise ServiceError("working_days", f"阶段时限（{days}）超过该类项目总时限 {total} 个工作日。")
    existing = StageLimit.objects.filter(category=category, stage=stage).first()
    before = model_snapshot(existing) if existing else None
    limit, _ = StageLimit.objects.update_or_create(
        category=category,
        stage=stage,
        defaults={
            "lead": lead,
            "basis": basis.strip(),
            "items": items.strip(),
            "materials": materials.strip(),
        },
    )
    limit.participants.set(participants)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
        instance=limit,
        before=before,
        after={**model_snapshot(limit), "participants": [p.pk for p in participants]},
    )
    why = reason.strip() or f"{basis.strip()}：{Category(category).label}“{stage}”阶段时限"
    for figure, value, now in (
        ("working_days", working_days, in_force[0]),
        ("review_working_days", review_working_days, in_force[1]),
    ):
        if value is not None and value != now:
            try:
                policy_change_propose(
                    actor=actor,
                    kind="parameter",
                    key=stage_limit_key(category, stage, figure),
                    value=value,
                    valid_from=start,
                    reason=why,
                    basis=basis.strip(),
                )
            except AccessDenied:
                raise
            except ServiceError as exc:
                # The proposal's "value" is this form's figure (the sum of the stages, the review within the stage).
                raise ServiceError(figure if exc.field == "value" else exc.field, exc.message) from None
    return limit


# 全国统一项目代码 (C5: given at 立项 by the 投资项目在线审批监管平台, used by every later approval). The
# platform's code is 24 characters in five parts joined by hyphens, e.g. 2022-370322-26-03-000123:
#   YYYY    the year the code was given (the national platform issues codes since 2014);
#   XXXXXX  the six-digit administrative division code of the place (370322 高青县; a city or provincial
#           project carries its own, so any six digits are accepted);
#   XX      the two-digit industry (国民经济行业分类 major category, 01–97);
#   XX      how the project is handled: 01 审批, 02 核准, 03 备案;
#   XXXXXX  the six-digit serial number.
PROJECT_CODE = re.compile(
    r"(?P<year>\d{4})-(?P<division>\d{6})-(?P<industry>\d{2})-(?P<kind>0[123])-(?P<serial>\d{6})"
)
PROJECT_CODE_HINT = "格式应为“年份-行政区划代码-行业代码-类型代码-流水号”，如 2022-370322-26-03-000123"


def project_code_problem(code: str) -> str:
    """Why `code` is not a 全国统一项目代码, in Chinese; empty when it is well formed."""
    match = PROJECT_CODE.fullmatch(code)
    if match is None:
        return f"全国统一项目代码{PROJECT_CODE_HINT}（类型代码 01 审批、02 核准、03 备案）。"
    year = int(match["year"])
    if not 2014 <= year <= business_date().year + 1:
        return f"全国统一项目代码的年份 {year} 不正确（应在 2014 年至 {business_date().year + 1} 年之间）。"
    if not 1 <= int(match["industry"]) <= 97:
        return f"全国统一项目代码的行业代码 {match['industry']} 不正确（国民经济行业门类代码为 01 至 97）。"
    return ""


# An input guard, not policy: more households than any project has (10^12 failed PostgreSQL's integer column).
MAX_HOUSEHOLDS = 1_000_000


def _households_checked(households) -> int | None:
    return model_integer(Project, "households", households, high=MAX_HOUSEHOLDS) or None


def _decimal_checked(field: str, value) -> Decimal | None:
    return model_decimal(Project, field, value)


@transaction.atomic
def project_register(
    *,
    actor,
    code: str,
    name: str,
    category: str,
    site: Division,
    applicant: Organisation,
    in_assessed_zone: bool = False,
    land_supply: str = Project.LandSupply.TRANSFER,
    investment: Decimal | None = None,
    legal_representative: str = "",
    project_manager: str = "",
    contact_phone: str = "",
    households: int | None = None,
    in_area_completed_before_2014_06: bool = False,
    industrial: bool | None = None,
    merge_elected: bool = True,
) -> Project:
    """立项: the project gets its unified code here, and every later approval uses it (C5)."""
    actor = as_actor(actor)
    require(
        access.can_register_project(actor), "只有县行政审批服务局、县发展和改革局或系统管理员可以登记项目。"
    )
    code = code.strip()
    for field, value in (
        ("code", code),
        ("name", name),
        ("legal_representative", legal_representative),
        ("project_manager", project_manager),
        ("contact_phone", contact_phone),
    ):
        limit = Project._meta.get_field(field).max_length
        if len(value.strip()) > limit:
            label = Project._meta.get_field(field).verbose_name
            raise ServiceError(field, f"{label}不能超过 {limit} 个字符。")
    if not code:
        raise ServiceError("code", "请填写全国统一项目代码。")
    problem = project_code_problem(code)
    if problem:
        raise ServiceError("code", problem)
    households, investment = _households_checked(households), _decimal_checked("investment", investment)
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
    _check_builder(applicant, category)
    if category == Category.SOCIAL_INDUSTRIAL:
        industrial = True
    industrial = bool(industrial)
    if category != SOLD_WITH_SCHEME:
        merge_elected = False  # C3b: only land sold with a scheme may merge its stages
    project = Project.objects.create(
        industrial=industrial,
        merge_elected=merge_elected,
        code=code,
        name=name.strip(),
        category=category,
        site=site,
        applicant=applicant,
        in_assessed_zone=in_assessed_zone,
        land_supply=land_supply,
        investment=investment,
        legal_representative=legal_representative.strip(),
        project_manager=project_manager.strip(),
        contact_phone=contact_phone.strip(),
        households=households or None,
        in_area_completed_before_2014_06=in_area_completed_before_2014_06,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=project, after=model_snapshot(project)
    )
    return project


# Who may be a project's 建设单位: a firm (企业) for social investment; a government-invested project may also be
# built by the county government, a department or a town office. Never a canteen operator, a care organisation, a
# gas company or a village committee: a correction could set any organisation (walk finding), and the firm that
# is the 建设单位 is the one whose accounts then act for the project.
GOVERNMENT_BUILDER_KINDS = frozenset(
    {
        Organisation.Kind.ENTERPRISE,
        Organisation.Kind.GOVERNMENT,
        Organisation.Kind.DEPARTMENT,
        Organisation.Kind.TOWN_OFFICE,
    }
)
BUILDER_KINDS = GOVERNMENT_BUILDER_KINDS


def _check_builder(applicant, category: str) -> None:
    if applicant is None:
        raise ServiceError("applicant", "请选择建设单位。")
    if not category.startswith("gov_"):
        if applicant.kind != Organisation.Kind.ENTERPRISE:
            raise ServiceError("applicant", "社会投资项目的建设单位应为企业。")
    elif applicant.kind not in GOVERNMENT_BUILDER_KINDS:
        raise ServiceError(
            "applicant", "政府投资项目的建设单位应为企业、县政府、县直部门或镇（街道）办事处。"
        )


# What a project's particulars may be corrected to after registration. The code itself is not here: it is the
# key every approval and the national platform use (C5), so a wrong code is a new registration, not an edit.
CORRECTABLE = (
    "name",
    "site",
    "applicant",
    "land_supply",
    "investment",
    "legal_representative",
    "project_manager",
    "contact_phone",
    "in_assessed_zone",
    "industrial",
    "merge_elected",
)


def _shown(project: Project, field: str) -> str:
    value = getattr(project, field)
    if field == "land_supply":
        return project.get_land_supply_display()
    if field in ("in_assessed_zone", "industrial", "merge_elected"):
        return "是" if value else "否"
    if field == "site":
        return value.full_name() or value.name
    return "" if value is None else str(value)


@transaction.atomic
def project_correct(*, actor, project: Project, reason: str, **changes) -> list[ProjectCorrection]:
    """Correct a project's particulars. Never an erasure: each changed field is kept as old → new with the
    reason and who changed it (shown on the project's page), and the change is audited in the same transaction."""
    actor = as_actor(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(
        access.can_correct_project(actor, project),
        "只有县行政审批服务局、县发展和改革局或系统管理员可以更正项目信息。",
    )
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise ServiceError(unknown[0], "该项不能更正（项目代码不可更改，代码有误请重新立项）。")
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason", "请写明更正理由。")
    if len(reason) > 300:
        raise ServiceError("reason", "更正理由不能超过 300 个字符。")
    for field in ("name", "legal_representative", "project_manager", "contact_phone"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
            limit = Project._meta.get_field(field).max_length
            if len(changes[field]) > limit:
                raise ServiceError(
                    field, f"{Project._meta.get_field(field).verbose_name}不能超过 {limit} 个字符。"
                )
    if "name" in changes and not changes["name"]:
        raise ServiceError("name", "请填写项目名称。")
    if "land_supply" in changes:
        if changes["land_supply"] not in Project.LandSupply.values:
            raise ServiceError("land_supply", "未知的土地供应方式。")
        if (changes["land_supply"] == Project.LandSupply.TRANSFER_WITH_SCHEME) != (
            project.category == Category.LAND_WITH_SCHEME
        ):
            raise ServiceError(
                "land_supply", "带方案出让土地的项目应为“社会投资带方案出让土地类”，反之亦然。"
            )
    if "investment" in changes:
        changes["investment"] = _decimal_checked("investment", changes["investment"])
    if "applicant" in changes:
        _check_builder(changes["applicant"], project.category)
    staging = [
        field
        for field in ("industrial", "merge_elected")
        if field in changes and bool(changes[field]) != getattr(project, field)
    ]
    if staging and project.cases.filter(stage_order__gt=0).exists():
        # C3b: the stages of a project are fixed once it applies beyond 立项用地规划许可.
        label = Project._meta.get_field(staging[0]).verbose_name
        raise ServiceError(
            staging[0],
            f"项目已申报工程建设许可或后续阶段，审批阶段已确定，不能再更改“{label}”"
            "（合并与否决定审批阶段，高政办发〔2021〕3号 二、（四））。",
        )
    if "merge_elected" in staging and changes["merge_elected"] and project.category != SOLD_WITH_SCHEME:
        raise ServiceError("merge_elected", "只有带方案出让土地类项目可以合并工程建设许可和施工许可。")
    before = model_snapshot(project)
    at = business_now()
    corrections = []
    for field in CORRECTABLE:
        if field not in changes or getattr(project, field) == changes[field]:
            continue
        old = _shown(project, field)
        setattr(project, field, changes[field])
        corrections.append(
            ProjectCorrection(
                project=project,
                field=field,
                label=str(Project._meta.get_field(field).verbose_name),
                old=old,
                new=_shown(project, field),
                reason=reason,
                corrected_by=actor_user(actor),
                corrected_at=at,
            )
        )
    if not corrections:
        raise ServiceError("reason", "没有修改任何内容。")
    project.save()
    ProjectCorrection.objects.bulk_create(corrections)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=project,
        before=before,
        after=model_snapshot(project),
        note=f"更正项目信息：{reason}",
    )
    return corrections


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
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=project,
        before=before,
        after=model_snapshot(project),
        note="建设规费缴清",
    )
    return project


@transaction.atomic
def assessment_record(
    *, actor, project: Project, kind: str, completed_on: dt.date, reference: str
) -> ProjectAssessment:
    actor = as_actor(actor)
    require(
        access.can_record_assessment(actor, project),
        "只有综合服务窗口或参与本项目审批的部门可以登记评估评价。",
    )
    kinds, cited = regionally_assessed_terms(completed_on)
    if kind not in kinds:
        raise ServiceError(
            "kind", f"未知的评估事项：{kind}（可登记的事项见{cited.document} {cited.clause}）。"
        )
    if not reference.strip():
        raise ServiceError("reference", "请填写批复或报告文号。")
    assessment, created = ProjectAssessment.objects.update_or_create(
        project=project, kind=kind, defaults={"completed_on": completed_on, "reference": reference.strip()}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=assessment,
        after=model_snapshot(assessment),
        object_repr=f"{project.code} {kind}",
    )
    return assessment


@transaction.atomic
def residential_record(
    *,
    actor,
    project: Project,
    households: int | None,
    elderly_room_m2: Decimal | None,
    in_area_completed_before_2014_06: bool = False,
    completion_filed_on: dt.date | None = None,
    elderly_room_handed_over_on: dt.date | None = None,
) -> Project:
    """C12 figures of a residential project: households, the rooms planned, completion filing and hand-over."""
    actor = as_actor(actor)
    require(
        access.can_record_residential(actor, project),
        "只有综合服务窗口或参与本项目审批的住建、自然资源部门可以更新住宅项目信息。",
    )
    households, elderly_room_m2 = (
        _households_checked(households),
        _decimal_checked("elderly_room_m2", elderly_room_m2),
    )
    if elderly_room_handed_over_on and not completion_filed_on:
        raise ServiceError("elderly_room_handed_over_on", "请先填写竣工验收备案日期。")
    before = model_snapshot(project)
    project.households, project.elderly_room_m2 = households or None, elderly_room_m2
    project.in_area_completed_before_2014_06 = in_area_completed_before_2014_06
    project.completion_filed_on, project.elderly_room_handed_over_on = (
        completion_filed_on,
        elderly_room_handed_over_on,
    )
    project.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=project,
        before=before,
        after=model_snapshot(project),
        note="住宅项目养老服务用房",
    )
    return project


def handover_deadline(filed: dt.date) -> dt.date:
    """Three months after completion filing (C12, 35号 一、（一）3), on the same day of the month or the month's
    last day."""
    return handover_deadline_terms(filed)[0]


def handover_deadline_terms(filed: dt.date) -> tuple[dt.date, Citation]:
    """handover_deadline with the citation of its months (permit.elderly_rooms.handover_months), for the page
    that shows the date."""
    trace = ParameterTrace(filed)
    month = filed.month + trace.get("permit.elderly_rooms.handover_months")
    year = filed.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(filed.day, calendar.monthrange(year, month)[1])), trace.citations[0]


def elderly_room_handover_overdue(*, on: dt.date | None = None) -> list[Project]:
    """C12: rooms not handed to 民政 within three months of completion filing."""
    on = on or business_date()
    return [
        project
        for project in Project.objects.filter(
            households__gt=0, completion_filed_on__isnull=False, elderly_room_handed_over_on__isnull=True
        )
        if on > handover_deadline(project.completion_filed_on)
    ]


def project_stage_plan(project: Project, *, on: dt.date | None = None):
    """C3b: the stages of this project. Once it has applied for 工程建设许可, 施工许可 or the merged stage, those
    cases fix them; before, the reading's answer in force on `on` (the business date) decides."""
    from countyhall.permits.rules import MERGED_STAGE, STAGES, stage_plan_terms

    on = on or business_date()
    applied = set(project.cases.values_list("stage", flat=True)) if project.pk else set()
    result = stage_plan_terms(
        category=project.category, industrial=project.industrial, elected=project.merge_elected, on=on
    )
    if MERGED_STAGE in applied or (applied & {STAGES[1], STAGES[2]}):
        merged = MERGED_STAGE in applied
        result.data.update(
            {
                "merged": merged,
                "stages": [STAGES[0], MERGED_STAGE, STAGES[3]] if merged else list(STAGES),
                "fixed_by_cases": True,
            }
        )
    return result


def project_stages(project: Project, *, on: dt.date | None = None) -> list[str]:
    return list(project_stage_plan(project, on=on).data["stages"])
