"""Stage cases: application with one set of materials, acceptance, parallel review, 补正, decision, extension."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import File
from django.db import transaction
from django.db.models import Max

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date, business_now, chinese_date
from countyhall.core.db import policy_lock
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation
from countyhall.core.policy import Citation
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import actor_user, audit_record, model_snapshot
from countyhall.permits import access
from countyhall.permits.models import (
    Case,
    CaseNote,
    ElderlyCareStep,
    Extension,
    Material,
    Project,
    Review,
    StageLimit,
    Suspension,
)
from countyhall.permits.rules import assessments_terms, elderly_rooms_terms
from countyhall.permits.services.clock import ANSWERED, EXTENSION_LIMIT, statutory_clock
from countyhall.permits.services.credit import blacklisted
from countyhall.permits.services.notices import tell_applicant
from countyhall.permits.services.setup import project_stages


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _stages_of(parameter: str, on: dt.date) -> tuple[list[str], Citation]:
    """A stage set of permit.yaml (C4 fees, C12 rooms, 35号 consultation and invitation) in force on `on`, with its
    citation (the refusal that applies the set names it)."""
    trace = ParameterTrace(on)
    return list(trace.get(parameter)), trace.citations[0]


def materials_on_file(project: Project) -> dict[str, Material]:
    """The newest version of every material the project has given, by name."""
    latest: dict[str, Material] = {}
    for material in project.materials.order_by("name", "-version"):
        latest.setdefault(material.name, material)
    return latest


def stage_materials(*, project: Project, stage: str) -> dict:
    """What the stage's one set of materials needs: what is already on file is shared, never asked again (C9)."""
    limit = StageLimit.objects.filter(category=project.category, stage=stage).first()
    required = limit.material_list if limit else []
    on_file = materials_on_file(project)
    # Materials first given for this very stage (an application returned to complete them): a new version may
    # be uploaded; only what an earlier stage gave is shared and never asked again.
    own = [
        name
        for name in required
        if name in on_file
        and on_file[name].first_case_id is not None
        and on_file[name].first_case.stage == stage
    ]
    return {
        "required": required,
        "reused": [name for name in required if name in on_file],
        "missing": [name for name in required if name not in on_file],
        "on_file": on_file,
        "own": own,
    }


def _gates(project: Project, stage: str, on: dt.date) -> None:
    required = assessments_terms(
        stage=stage, in_assessed_zone=project.in_assessed_zone, category=project.category, on=on
    ).data["required"]
    done = set(project.assessments.filter(completed_on__lte=on).values_list("kind", flat=True))
    missing = [a for a in required if a not in done]
    if missing:
        raise ServiceError("assessments", f"受理“{stage}”前须完成：{'、'.join(missing)}。")
    fee_stages, cited = _stages_of("permit.stages.fees_checked", on)
    if stage in fee_stages and (project.fees_paid_on is None or project.fees_paid_on > on):
        raise ServiceError(
            "fees", f"建设规费须在施工许可前缴清（{cited.document} {cited.clause}），请提交缴费凭证。"
        )


def _store_materials(*, actor, project: Project, case: Case, files: dict[str, File]) -> list[Material]:
    stored = []
    for name, upload in files.items():
        version = (project.materials.filter(name=name).aggregate(v=Max("version"))["v"] or 0) + 1
        material = Material(
            project=project, name=name, first_case=case, version=version, uploaded_by=actor_user(actor)
        )
        material.file.save(upload.name, upload, save=False)
        material.save()
        stored.append(material)
    return stored


@transaction.atomic
def permit_stage_apply(
    *, actor, project: Project, stage: str, on: dt.date, files: dict[str, File] | None = None
) -> Case:
    """One form and one set of materials per stage (C9); the case waits for the lead department to accept it."""
    files = files or {}
    actor = as_actor(actor)
    require(access.can_apply(actor, project), "只有本项目的建设单位或综合服务窗口可以申报。")
    stages = project_stages(project, on=on)
    if stage not in stages:
        raise ServiceError("stage", f"该项目的审批阶段为：{'、'.join(stages)}。")
    order = stages.index(stage)
    if order > 0:
        previous = project.cases.filter(stage=stages[order - 1]).first()
        if previous is None or previous.status != Case.Status.APPROVED:
            raise ServiceError("stage", f"须先完成“{stages[order - 1]}”阶段。")
    existing = project.cases.filter(stage=stage).first()
    # A returned or not-accepted application is applied for again on the same case (one case per stage): its
    # earlier answer stays in the case's notes and the audit log.
    if existing is not None and existing.status not in (Case.Status.RETURNED, Case.Status.NOT_ACCEPTED):
        raise ServiceError("stage", "该阶段已申报，同一阶段不重复申报。")
    limit = StageLimit.objects.filter(category=project.category, stage=stage).first()
    if limit is None:
        raise ServiceError("stage", "该阶段的时限和牵头部门尚未由管理员配置。")
    # The stage's limits in force on the application day (governed figures, permits.policy): the case keeps them.
    working_days, review_working_days = limit.figures_on(on)
    basis = limits_basis(category=project.category, stage=stage, on=on)
    if working_days is None:
        raise ServiceError(
            "stage", f"“{stage}”阶段时限尚未录入（由管理员提出、另一位管理员审核后生效），暂不能申报。"
        )
    _gates(project, stage, on)
    needed = stage_materials(project=project, stage=stage)
    for name in files:
        if name in needed["reused"] and name not in needed["own"]:
            raise ServiceError(f"materials.{name}", f"“{name}”已在前一阶段提交，系统共享使用，无需重复提交。")
        if name not in needed["required"]:
            raise ServiceError(f"materials.{name}", f"“{name}”不在本阶段申报材料清单内。")
    missing = [name for name in needed["missing"] if name not in files]
    if missing:
        raise ServiceError("materials", f"缺少申报材料：{'、'.join(missing)}。")
    if existing is not None:
        case, before = existing, model_snapshot(existing)
        case.lead, case.applied_on, case.status = limit.lead, on, Case.Status.SUBMITTED
        case.working_days, case.review_working_days = working_days, review_working_days
        case.policy_basis = basis
        case.save()
    else:
        before = None
        case = Case.objects.create(
            project=project,
            stage=stage,
            stage_order=order,
            lead=limit.lead,
            applied_on=on,
            status=Case.Status.SUBMITTED,
            working_days=working_days,
            review_working_days=review_working_days,
            policy_basis=basis,
        )
    stored = _store_materials(actor=actor, project=project, case=case, files=files)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        instance=case,
        before=before,
        note="重新申报" if before else "",
        after={**model_snapshot(case), "materials": [m.name for m in stored], "reused": needed["reused"]},
    )
    return case


def limits_basis(*, category: str, stage: str, on: dt.date) -> dict:
    """What a case keeps of the limits it takes on (issue 13): the approved changes and the version of each
    per-stage figure in force on the application day, and reading C3's answer then."""
    from countyhall.core.policy.basis import basis_of
    from countyhall.permits.policy import stage_figures
    from countyhall.permits.rules import counts_working_days

    trace = ParameterTrace(on)
    stage_figures(category, stage, on, trace)
    counts_working_days(on, trace=trace)
    return basis_of(trace.result({}))


def clock_basis(basis: dict | None, *, on: dt.date) -> dict:
    """`basis` with reading C3's answer on the day the clock started (and its change, if one is in force)."""
    from countyhall.core.policy.basis import basis_of
    from countyhall.permits.rules import counts_working_days

    trace = ParameterTrace(on)
    counts_working_days(on, trace=trace)
    found = basis_of(trace.result({}))
    basis = dict(basis or {})
    basis["readings"] = {**(basis.get("readings") or {}), **found["readings"]}
    basis["changes"] = sorted({*(basis.get("changes") or []), *found["changes"]})
    basis.setdefault("parameters", {})
    return basis


@transaction.atomic
def _answer_intake(*, actor, case: Case, reason: str, on: dt.date | None, status: str, verb: str) -> Case:
    actor = as_actor(actor)
    case = Case.objects.select_for_update().select_related("project__applicant").get(pk=case.pk)
    require(access.can_answer_intake(actor, case), f"只有牵头部门或综合服务窗口可以{verb}。")
    if case.status != Case.Status.SUBMITTED:
        raise ServiceError(
            "status", f"当前状态为“{case.get_status_display()}”，不能{verb}（只有待受理的申请可以）。"
        )
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason", f"{verb}须写明理由（告知建设单位）。")
    on = on or business_date()
    if case.applied_on and on < case.applied_on:
        raise ServiceError("on", "日期不能早于申报日期。")
    before = model_snapshot(case)
    case.status, case.intake_reason, case.intake_answered_on = status, reason, on
    case.save()
    # The reason is also a message the applicant reads on the case, kept after it applies again.
    note = CaseNote.objects.create(
        case=case, author=actor_user(actor), internal=False, text=f"{Case.Status(status).label}：{reason}"
    )
    CaseNote.objects.filter(pk=note.pk).update(written_at=business_now())
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=case,
        before=before,
        after=model_snapshot(case),
        note=verb,
    )
    return case


@transaction.atomic
def case_return(*, actor, case: Case, reason: str, on: dt.date | None = None) -> Case:
    """退回: the application lacks something; the firm completes it and applies again on the same case."""
    case = _answer_intake(
        actor=actor, case=case, reason=reason, on=on, status=Case.Status.RETURNED, verb="退回申请"
    )
    tell_applicant(
        case,
        subject="申请已退回，请补齐材料",
        body=f"{_day(case.intake_answered_on)}退回，理由：{case.intake_reason}。补齐后可重新申报。",
    )
    return case


@transaction.atomic
def case_refuse_intake(*, actor, case: Case, reason: str, on: dt.date | None = None) -> Case:
    """不予受理: the application is not accepted, with the reason written and told to the firm."""
    case = _answer_intake(
        actor=actor, case=case, reason=reason, on=on, status=Case.Status.NOT_ACCEPTED, verb="不予受理"
    )
    tell_applicant(
        case,
        subject="申请不予受理",
        body=f"{_day(case.intake_answered_on)}决定不予受理，理由：{case.intake_reason}。",
    )
    return case


@transaction.atomic
def case_accept(*, actor, case: Case, on: dt.date) -> Case:
    """受理: the clock starts on the next working day and every department receives the case at once (C6).

    An applicant on the blacklist is not refused here: the case is flagged to every reviewer (C10 joint
    punishment is for the departments to apply, item by item)."""
    actor = as_actor(actor)
    case = Case.objects.select_for_update().select_related("project__applicant").get(pk=case.pk)
    require(access.can_accept(actor, case), "只有牵头部门或综合服务窗口可以受理。")
    if case.status != Case.Status.SUBMITTED:
        raise ServiceError("status", f"当前状态为“{case.get_status_display()}”，不能受理。")
    if case.applied_on and on < case.applied_on:
        raise ServiceError("on", "受理日期不能早于申报日期。")
    _gates(case.project, case.stage, on)
    limit = StageLimit.objects.get(category=case.project.category, stage=case.stage)
    before = model_snapshot(case)
    case.accepted_on, case.status = on, Case.Status.IN_REVIEW
    # The clock starts: reading C3 (working or calendar days) is the answer in force today (services/clock.py).
    case.policy_basis = clock_basis(case.policy_basis, on=on)
    project = case.project
    case.applicant_listed = blacklisted(
        project.applicant, on=on, people=(project.legal_representative, project.project_manager)
    )
    case.save()
    departments = [limit.lead, *limit.participants.exclude(pk=limit.lead_id)]
    Review.objects.bulk_create(Review(case=case, department=d) for d in departments)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=case,
        before=before,
        after={**model_snapshot(case), "reviewers": [d.pk for d in departments]},
        note="受理",
    )
    return case


@transaction.atomic
def permit_stage_submit(
    *, actor, project: Project, stage: str, accepted_on: dt.date, files: dict[str, File] | None = None
) -> Case:
    """Intake at the one window: the application is received and accepted on the same day."""
    case = permit_stage_apply(actor=actor, project=project, stage=stage, on=accepted_on, files=files)
    return case_accept(actor=actor, case=case, on=accepted_on)


@transaction.atomic
def review_give(
    *,
    actor,
    case: Case,
    opinion: str,
    reasons: str = "",
    on: dt.date | None = None,
    attachment: File | None = None,
) -> Review:
    """A department's opinion. Asking for 补正 stops the clock until the applicant answers."""
    actor = as_actor(actor)
    policy_lock()  # a stage-limit change being approved decides first whether it reaches this case
    case = Case.objects.select_for_update().get(pk=case.pk)
    require(access.can_give_review(actor, case), "您的部门不是本事项的审查部门。")
    if case.status != Case.Status.IN_REVIEW:
        raise ServiceError("status", f"当前状态为“{case.get_status_display()}”，不能出具意见。")
    review = case.reviews.get(department_id=actor.organisation_id)
    if opinion not in Review.Opinion.values or opinion == Review.Opinion.PENDING:
        raise ServiceError("opinion", "意见应为同意、附条件同意、需补正或不同意。")
    if opinion != Review.Opinion.APPROVE and not reasons.strip():
        raise ServiceError("reasons", "除“同意”外须写明理由。")
    on = on or business_date()
    if on < case.accepted_on:
        raise ServiceError("on", "意见日期不能早于受理日期。")
    before = model_snapshot(review)
    review.opinion, review.reasons, review.decided_on, review.decided_by = (
        opinion,
        reasons.strip(),
        on,
        actor_user(actor),
    )
    if attachment is not None:
        review.attachment.save(attachment.name, attachment, save=False)
    review.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=review,
        before=before,
        after=model_snapshot(review),
    )
    if opinion == Review.Opinion.REQUEST_CORRECTION:
        reason = f"{review.department}：{reasons.strip()}"
        statutory_clock(case).suspended(
            on=on, reason=reason
        )  # core's check: running, not before the last restart
        case.status = Case.Status.AWAITING_APPLICANT
        case.save(update_fields=["status"])
        Suspension.objects.create(case=case, start=on, reason=reason)
        case.project = Project.objects.select_related("applicant").get(pk=case.project_id)
        tell_applicant(
            case,
            subject="请补正材料",
            body=f"{review.department}于{_day(on)}要求补正：{reasons.strip()}。补正期间停止计时，"
            "请登录系统提交补正材料。",
        )
    return review


@transaction.atomic
def case_resume(*, actor, case: Case, on: dt.date, files: dict[str, File] | None = None) -> Case:
    """The applicant has corrected (补正): new versions of the materials are kept beside the old ones, the
    clock runs again from the next working day, and the department that asked answers again."""
    actor = as_actor(actor)
    case = Case.objects.select_for_update().select_related("project").get(pk=case.pk)
    require(access.can_resume(actor, case), "只有本项目的建设单位或综合服务窗口可以提交补正。")
    if case.status != Case.Status.AWAITING_APPLICANT:
        raise ServiceError("status", "本事项不在待补正状态。")
    statutory_clock(case).resumed(on=on)  # core's check: stopped, and not resumed before the stop began
    suspension = case.suspensions.get(end__isnull=True)
    stored = _store_materials(actor=actor, project=case.project, case=case, files=files or {})
    suspension.end = on
    suspension.save()
    case.reviews.filter(opinion=Review.Opinion.REQUEST_CORRECTION).update(
        opinion=Review.Opinion.PENDING, decided_on=None
    )
    case.status = Case.Status.IN_REVIEW
    case.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=case,
        after={"resumed_on": on, "materials": [str(m) for m in stored]},
        note="申请人补正，恢复计时",
    )
    return case


@transaction.atomic
def case_decide(*, actor, case: Case, approve: bool, reasons: str = "", on: dt.date | None = None) -> Case:
    """The lead department's one combined decision, only once every department has answered (C6)."""
    actor = as_actor(actor)
    case = Case.objects.select_for_update().get(pk=case.pk)
    require(access.can_decide(actor, case), "只有牵头部门可以作出决定。")
    if case.status != Case.Status.IN_REVIEW:
        raise ServiceError("status", f"当前状态为“{case.get_status_display()}”，不能作出决定。")
    waiting = case.reviews.exclude(opinion__in=ANSWERED)
    if waiting.exists():
        raise ServiceError("reviews", "尚有部门未出具意见：" + "、".join(str(r.department) for r in waiting))
    if approve and case.reviews.filter(opinion=Review.Opinion.REFUSE).exists():
        raise ServiceError("approve", "有部门不同意，不能准予许可。")
    if not approve and not reasons.strip():
        raise ServiceError("reasons", "不予许可须写明理由。")
    on = on or business_date()
    if on < case.accepted_on:
        raise ServiceError("on", "决定日期不能早于受理日期。")
    if approve and case.stage in _stages_of("permit.stages.elderly_room_checked", on)[0]:
        _check_elderly_rooms(case.project, on=on)
    if approve:
        missing = elderly_care_steps_missing(case.project, stage=case.stage, on=on)
        if missing:
            raise ServiceError(
                "elderly_care_steps", "、".join(missing) + "，尚未记录（高政办字〔2021〕35号 一、（一））。"
            )
    before = model_snapshot(case)
    case.status = Case.Status.APPROVED if approve else Case.Status.REFUSED
    case.decided_on, case.decision_reasons = on, reasons.strip()
    case.decision_number = _decision_number(on)
    case.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=case, before=before, after=model_snapshot(case)
    )
    case.project = Project.objects.select_related("applicant").get(pk=case.project_id)
    tell_applicant(
        case,
        subject=f"审批决定：{case.get_status_display()}",
        body=f"{case.lead}于{_day(on)}作出决定：{case.get_status_display()}"
        + (f"，理由：{case.decision_reasons}" if case.decision_reasons else "")
        + "。可在系统中查看并下载决定书。",
    )
    return case


DECISION_PREFIX = "高审批决字"


def _decision_number(on: dt.date) -> str:
    """The decision document's number, 高审批决字〔2022〕第3号: counted per year of decision. The unique
    constraint makes two decisions racing for one number fail (and roll back) rather than share it."""
    prefix = f"{DECISION_PREFIX}〔{on.year}〕第"
    taken = Case.objects.filter(decision_number__startswith=prefix).values_list("decision_number", flat=True)
    numbers = [
        int(n.removeprefix(prefix).removesuffix("号"))
        for n in taken
        if n.removeprefix(prefix).removesuffix("号").isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}号"


def _check_elderly_rooms(project: Project, *, on: dt.date) -> None:
    if not project.households:
        return
    required = Decimal(
        elderly_rooms_terms(
            households=project.households,
            completed_before_2014_06=project.in_area_completed_before_2014_06,
            on=on,
        ).data["required_m2"]
    )
    if project.elderly_room_m2 is None or project.elderly_room_m2 < required:
        raise ServiceError(
            "elderly_room_m2",
            f"住宅项目须配建社区养老服务用房不少于 {required} 平方米"
            f"（现为 {project.elderly_room_m2 or 0}，高政办字〔2021〕35号）。",
        )


MAX_EXTENSION_WORKING_DAYS = 250


@transaction.atomic
def extension_request(
    *, actor, case: Case, working_days: int, reason: str, on: dt.date | None = None
) -> Extension:
    """The lead department asks for more time; it counts only once another official approves it."""
    actor = as_actor(actor)
    require(access.can_request_extension(actor, case), "只有牵头部门可以申请延期。")
    if case.status not in (Case.Status.IN_REVIEW, Case.Status.AWAITING_APPLICANT):
        raise ServiceError("status", f"当前状态为“{case.get_status_display()}”，不能申请延期。")
    if isinstance(working_days, bool) or not isinstance(working_days, int):
        raise ServiceError("working_days", "延长的工作日须为整数。")
    # At least one day and a reason are core's check (StatutoryClock.extended, below); this is only an input guard.
    if working_days > MAX_EXTENSION_WORKING_DAYS:
        # An input guard, not policy: 10^12 failed PostgreSQL's integer column, and a clock would count for ever.
        raise ServiceError(
            "working_days", f"延长的工作日不能超过 {MAX_EXTENSION_WORKING_DAYS} 天（约一年）。"
        )
    on = on or business_date()
    # core's check: at least one day, a reason, within the limit (3号 sets none: EXTENSION_LIMIT is unlimited)
    statutory_clock(case).extended(working_days=working_days, reason=reason, on=on, limit=EXTENSION_LIMIT)
    extension = Extension.objects.create(
        case=case, working_days=working_days, reason=reason.strip(), requested_by=actor, requested_on=on
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=extension, after=model_snapshot(extension)
    )
    return extension


@transaction.atomic
def extension_approve(*, actor, extension: Extension, on: dt.date | None = None) -> Extension:
    actor = as_actor(actor)
    user = actor_user(actor)
    require(user is not None and access.is_window(user), "延期须由县行政审批服务局批准。")
    require(access.can_approve_extension(user, extension), "申请人不能批准自己的延期申请。")
    if extension.approved_on:
        raise ServiceError("status", "该延期已批准。")
    before = model_snapshot(extension)
    extension.approved_by, extension.approved_on = user, on or business_date()
    extension.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=extension,
        before=before,
        after=model_snapshot(extension),
        note="批准延期",
    )
    case = Case.objects.select_related("project__applicant", "lead").get(pk=extension.case_id)
    tell_applicant(
        case,
        subject="办理时限延长",
        body=f"经批准延长 {extension.working_days} 个工作日（{_day(extension.approved_on)}批准），"
        f"理由：{extension.reason}。",
    )
    return extension


@transaction.atomic
def case_note_add(*, actor, case: Case, text: str, internal: bool = True) -> CaseNote:
    """Staff notes are internal unless addressed to the applicant; an applicant's own notes are never internal."""
    actor = as_actor(actor)
    require(
        access.can_add_note(actor, case), "只有建设单位、牵头部门、审查部门或综合服务窗口可以留言或备注。"
    )
    applicant = access.is_applicant(actor, case.project)
    if not text.strip():
        raise ServiceError("text", "请填写内容。")
    if applicant:
        internal = False
    note = CaseNote.objects.create(case=case, author=actor_user(actor), text=text.strip(), internal=internal)
    # written_at is auto_now_add (the real clock); a note is read beside the case's business dates, so it is
    # dated on the business date — set after the insert because auto_now_add overrides a value passed in.
    note.written_at = business_now()
    CaseNote.objects.filter(pk=note.pk).update(written_at=note.written_at)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=note, after=model_snapshot(note))
    return note


# ---------------------------------------------------------------- 35号 一、（一）1–2


# Each 35号 step and the permit.yaml stage set of the stages it gates.
STEP_STAGE_SETS = {
    ElderlyCareStep.Kind.SCHEME_CONSULTATION: "permit.stages.scheme_consultation",
    ElderlyCareStep.Kind.ACCEPTANCE_INVITATION: "permit.stages.acceptance_invitation",
}


def _step_kind_for(stage: str, on: dt.date) -> str | None:
    for kind, stage_set in STEP_STAGE_SETS.items():
        if stage in _stages_of(stage_set, on)[0]:
            return kind
    return None


def elderly_care_steps_due(
    project: Project, *, stage: str, on: dt.date | None = None
) -> list[tuple[str, str]]:
    """The (kind, party) steps a residential project's `stage` needs: the written consultation of 县民政部门 and
    the town before its design scheme is reviewed (一、（一）1, L4549–4553), their invitation to the completion
    acceptance (一、（一）2, L4595–4599). None for a project without households, or a stage without either step
    (the merged stage has no design-scheme review, 3号 二、（四））."""
    on = on or business_date()
    kind = _step_kind_for(stage, on)
    if kind is None or not project.households:
        return []
    return [(kind, party) for party in ElderlyCareStep.Party.values]


def elderly_care_steps_missing(project: Project, *, stage: str, on: dt.date) -> list[str]:
    """What still blocks the stage's approval, in Chinese: a step not recorded, or recorded after `on`."""
    done = {(s.kind, s.party): s for s in project.elderly_care_steps.all()}
    missing = []
    for kind, party in elderly_care_steps_due(project, stage=stage, on=on):
        step = done.get((kind, party))
        if step is None or step.sent_on > on:
            missing.append(f"{ElderlyCareStep.Kind(kind).label}（{ElderlyCareStep.Party(party).label}）")
    return missing


def town_office_for(project: Project) -> Organisation | None:
    """The 镇（街道）办事处 or development-zone office of the division the project is built in."""
    division = project.site
    while division is not None and division.kind not in ("town", "street", "development_zone"):
        division = division.parent
    if division is None:
        return None
    return (
        Organisation.objects.filter(division=division, kind=Organisation.Kind.TOWN_OFFICE)
        .order_by("pk")
        .first()
    )


def civil_affairs_office() -> Organisation | None:
    return (
        Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, name__contains="民政")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def elderly_care_step_record(
    *,
    actor,
    project: Project,
    kind: str,
    party: str,
    sent_on: dt.date,
    reference: str,
    answered_on: dt.date | None = None,
    opinion: str = "",
    organisation: Organisation | None = None,
) -> ElderlyCareStep:
    """Record that 县民政部门 or the town was consulted in writing on the design scheme, or invited to the
    completion acceptance (35号 一、（一）1–2); a later answer or attendance updates the same row."""
    actor = as_actor(actor)
    require(
        access.can_record_elderly_care_step(actor, project),
        "只有综合服务窗口或参与本项目审批的住建、自然资源部门可以记录征求意见和验收邀请。",
    )
    if kind not in ElderlyCareStep.Kind.values:
        raise ServiceError("kind", "事项应为设计方案审查前书面征求意见或邀请参与竣工验收。")
    if party not in ElderlyCareStep.Party.values:
        raise ServiceError("party", "对象应为县民政部门或所在镇办。")
    if not project.households:
        raise ServiceError("kind", "只有住宅项目（填写了住宅户数）需要征求民政、镇办意见。")
    if not reference.strip():
        raise ServiceError("reference", "请填写征求意见函或邀请通知的文号。")
    if answered_on is not None and answered_on < sent_on:
        raise ServiceError("answered_on", "回复或参加日期不能早于征求或邀请日期。")
    today = business_date()
    for field, day, label in (
        ("sent_on", sent_on, "书面征求或邀请日期"),
        ("answered_on", answered_on, "回复或参加日期"),
    ):
        if day is not None and day > today:
            raise ServiceError(
                field, f"{label}不能晚于今天（{today.isoformat()}），实际为 {day.isoformat()}。"
            )
    if organisation is None:
        organisation = (
            civil_affairs_office()
            if party == ElderlyCareStep.Party.CIVIL_AFFAIRS
            else town_office_for(project)
        )
    if organisation is None:
        raise ServiceError("party", f"机构名录中没有{ElderlyCareStep.Party(party).label}，请先登记该单位。")
    existing = ElderlyCareStep.objects.filter(project=project, kind=kind, party=party).first()
    if existing is not None:
        # The step is the evidence an approval relied on (35号 一、（一）1–2): once a stage it gates is approved, the
        # record stays as the approval saw it; the audit trail keeps every earlier state.
        gated = _stages_of(STEP_STAGE_SETS[kind], existing.sent_on)[0]
        decided = (
            Case.objects.filter(
                project=project, stage__in=gated, status__in=(Case.Status.APPROVED, Case.Status.REVOKED)
            )
            .order_by("decided_on")
            .first()
        )
        if decided is not None:
            raise ServiceError(
                "kind",
                f"“{decided.stage}”已于{chinese_date(decided.decided_on)}准予许可，"
                f"审批所依据的{ElderlyCareStep.Kind(kind).label}记录不能再修改。",
            )
    before = model_snapshot(existing) if existing else None
    step, created = ElderlyCareStep.objects.update_or_create(
        project=project,
        kind=kind,
        party=party,
        defaults={
            "organisation": organisation,
            "sent_on": sent_on,
            "reference": reference.strip()[:100],
            "answered_on": answered_on,
            "opinion": opinion.strip(),
            "recorded_by": actor_user(actor),
        },
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=step,
        before=before,
        after=model_snapshot(step),
        object_repr=f"{project.code} {step}",
    )
    return step
