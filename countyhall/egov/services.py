"""Writes of the e-government program's yearly cycle (高政办发〔2021〕1号 三、（一）—（二）, SPEC sections 3–4), each
checked by its access predicate and audited in its transaction. Every decision stores the rule result it rests on:
the output, its citations and the readings applied ({id: answer}), so a later change of policy never rewrites it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import PurePath

from django.db import transaction
from django.db.models import Max

from countyhall.core.access import require
from countyhall.core.clock import business_date, business_now, chinese_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation, User
from countyhall.core.notifications import notify
from countyhall.core.policy import Citation
from countyhall.core.policy.basis import basis_of
from countyhall.core.roles import Role
from countyhall.core.rules.registry import RuleResult
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import actor_user, audit_record, model_snapshot
from countyhall.egov import access
from countyhall.egov import citations as cite
from countyhall.egov.models import (
    AnnualPlan,
    Application,
    ApplicationDocument,
    OnsiteStep,
    PlanEntry,
    PlanYear,
    Review,
    Template,
)
from countyhall.egov.rules import (
    application_timely_terms,
    consulting_firm_required_terms,
    cycle_deadlines_terms,
    document_start,
    review_admissible_terms,
    review_mode_terms,
)

Status = Application.Status
UPLOAD_SUFFIXES = {".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".et", ".zip", ".rar"}
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
EIGHT_KINDS = [str(kind) for kind in range(1, 9)]
# Applications still on their way to a 审核意见: the plan waits for them (every applicant gets an outcome, 4.7).
OPEN_STATUSES = (Status.SUBMITTED, Status.SECRECY_REVIEW, Status.UNDER_REVIEW)


def _json(result: RuleResult) -> dict:
    return result.as_json()


def _with(result: dict, *extra: Citation) -> dict:
    """A stored decision: the rule's result with the service's own clauses added to its citations."""
    citations = list(result.get("citations", []))
    for citation in extra:
        if citation.as_dict() not in citations:
            citations.append(citation.as_dict())
    return {**result, "citations": citations}


def _check_upload(field: str, upload) -> None:
    if upload is None:
        raise ServiceError(field, "请选择要上传的文件。")
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ServiceError(field, f"文件格式须为：{'、'.join(sorted(s[1:] for s in UPLOAD_SUFFIXES))}。")
    if not upload.size:
        raise ServiceError(field, "上传的文件是空的。")
    if upload.size > UPLOAD_MAX_BYTES:
        raise ServiceError(field, f"文件不能大于{UPLOAD_MAX_BYTES // (1024 * 1024)}MB。")


def _text(field: str, value: str, message: str, *, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(field, message)
    if len(value) > max_length:
        raise ServiceError(field, f"不能超过{max_length}个字。")
    return value


def _money(field: str, value, label: str) -> Decimal:
    if isinstance(value, float) or value is None:
        raise ServiceError(field, f"{label}须为以元为单位、最多两位小数的金额。")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except ArithmeticError as exc:
        raise ServiceError(field, f"{label}须为以元为单位、最多两位小数的金额。") from exc
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(field, f"{label}须为以元为单位、最多两位小数的金额。")
    if amount <= 0:
        raise ServiceError(field, f"{label}须大于0。")
    if amount >= Decimal("1000000000000"):
        raise ServiceError(field, f"{label}超出可登记的范围。")
    return amount.quantize(Decimal("0.01"))


def _tell_roles(roles, *, subject: str, body: str, source) -> None:
    """An in-app message to every active holder of the roles (the departments the clause names)."""
    for user in User.objects.filter(is_active=True, role_grants__role__in=list(roles)).distinct():
        notify(
            channel="in_app",
            recipient=user.display_name or user.username,
            subject=subject,
            body=body,
            organisation=user.organisation,
            user=user,
            source=source,
        )


def _tell_unit(application: Application, *, subject: str, body: str) -> None:
    notify(
        channel="in_app",
        recipient=str(application.unit),
        organisation=application.unit,
        subject=subject,
        body=body,
        source=application,
    )


@transaction.atomic  # called from atomic services; its own savepoint keeps the audit rule checkable
def _audit(actor, instance, before: dict | None, *, action=AuditEntry.Action.UPDATE, note: str = "") -> None:
    audit_record(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=model_snapshot(instance),
        note=note,
    )


def _locked(model, pk):
    return model.objects.select_for_update().get(pk=pk)


# ---------------------------------------------------------------- plan year, templates


@transaction.atomic
def plan_year_open(*, actor, year: int) -> PlanYear:
    """Open plan year `year` with its three deadlines from egov.cycle_deadlines (applications by 9月底, joint review by
    11月底, the annual plan by 12月底 of the year before), stored with the clauses and readings applied. Late
    applications routed to this cycle (3.1) join it as submitted."""
    require(access.can_open_plan_year(actor), "只有县大数据局（县电子政务主管部门）可以开启计划年度。")
    if PlanYear.objects.filter(year=year).exists():
        raise ServiceError("year", f"{year}计划年度已经开启，不能重复开启。")
    terms = cycle_deadlines_terms(plan_year=year)
    result = terms.as_json()
    plan_year = PlanYear.objects.create(
        year=year,
        application_due=terms.data["application_due"],
        joint_review_due=terms.data["joint_review_due"],
        annual_plan_due=terms.data["annual_plan_due"],
        budget_year=terms.data["budget_year"],
        citations=result["citations"],
        policy_basis=basis_of(result),
        opened_by=actor_user(actor),
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=plan_year, after=model_snapshot(plan_year)
    )
    for application in Application.objects.select_for_update().filter(
        status=Status.DEFERRED, plan_year__year=year - 1
    ):
        before = model_snapshot(application)
        application.plan_year, application.status = plan_year, Status.SUBMITTED
        application.save(update_fields=["plan_year", "status"])
        _audit(actor, application, before, note=f"逾期申报转入{year}计划年度")
        _route(application)
    return plan_year


@transaction.atomic
def template_upload(*, actor, attachment: int, file, note: str = "") -> Template:
    """An attachment of 1号 as the county publishes it (L901–925: not printed, so never generated here)."""
    require(access.can_upload_template(actor), "只有系统管理员或县大数据局可以上传申报材料模板。")
    if attachment not in Template.Attachment.values:
        raise ServiceError("attachment", "附件编号须为1—7。")
    _check_upload("file", file)
    version = (Template.objects.filter(attachment=attachment).aggregate(v=Max("version"))["v"] or 0) + 1
    template = Template(
        attachment=attachment, version=version, note=(note or "").strip()[:200], uploaded_by=actor_user(actor)
    )
    template.file.save(file.name, file, save=False)
    template.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=template, after=model_snapshot(template)
    )
    return template


# ---------------------------------------------------------------- the application (三、（一）)

APPLICATION_FIELDS = (
    "name",
    "summary",
    "has_engineering",
    "has_service",
    "planned_investment",
    "funding",
    "classified",
    "upper_level_funded",
    "upper_level_reference",
    "major_county_project",
    "county_decided",
    "county_decision",
    "declaration",
    "special_circumstance_reasons",
    "migration_status",
    "supports_sharing_platform",
    "provides_info_per_rules",
    "sharing_needs_specified",
    "violates_sharing_rules",
)


def _clean_fields(values: dict) -> dict:
    unknown = set(values) - set(APPLICATION_FIELDS)
    if unknown:
        raise ServiceError(sorted(unknown)[0], "不能填写此项。")
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = _text("name", cleaned["name"], "请填写项目名称。", max_length=120)
    if "planned_investment" in cleaned:
        cleaned["planned_investment"] = _money(
            "planned_investment", cleaned["planned_investment"], "计划投资"
        )
    if "funding" in cleaned and cleaned["funding"] not in Application.Funding.values:
        raise ServiceError("funding", "资金来源须为“全部使用财政资金”或“部分使用财政资金”（1号 一、）。")
    if "migration_status" in cleaned and cleaned["migration_status"] not in Application.Migration.values:
        raise ServiceError("migration_status", "请选择迁移整合情况。")
    if "declaration" in cleaned:
        declaration = cleaned["declaration"] or {}
        if not isinstance(declaration, dict) or set(map(str, declaration)) - set(EIGHT_KINDS):
            raise ServiceError("declaration", "八类项目声明只能包含第1—8类。")
        cleaned["declaration"] = {str(k): v for k, v in declaration.items()}
        for kind, answer in cleaned["declaration"].items():
            if not isinstance(answer, bool):
                raise ServiceError(f"declaration_{kind}", f"第{kind}类须回答“是”或“否”。")
    for field in ("upper_level_reference", "county_decision"):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()[:200]
    for field in ("summary", "special_circumstance_reasons"):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()[:4000]
    return cleaned


@transaction.atomic
def application_create(
    *, actor, plan_year: PlanYear, unit: Organisation | None = None, **values
) -> Application:
    """A budget unit starts its application (a draft) in an open plan year; the unit is the applicant's own
    organisation (a system actor names it)."""
    require(access.can_apply(actor), "只有预算单位（项目申报单位）可以申报电子政务建设项目。")
    if not getattr(actor, "is_system", False):
        unit = getattr(actor, "organisation", None)
    if unit is None:
        raise ServiceError("unit", "请指明项目申报单位。")
    cleaned = _clean_fields(values)
    for field, message in (
        ("name", "请填写项目名称。"),
        ("planned_investment", "请填写计划投资。"),
        ("funding", "请选择资金来源。"),
        ("migration_status", "请选择迁移整合情况。"),
    ):
        if field not in cleaned:
            raise ServiceError(field, message)
    application = Application.objects.create(
        plan_year=plan_year, unit=unit, created_by=actor_user(actor), **cleaned
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=application, after=model_snapshot(application)
    )
    return application


@transaction.atomic
def application_update(*, actor, application: Application, **values) -> Application:
    application = _locked(Application, application.pk)
    require(access.can_edit_application(actor, application), "只能修改本单位尚未提交的申报。")
    cleaned = _clean_fields(values)
    before = model_snapshot(application)
    for field, value in cleaned.items():
        setattr(application, field, value)
    application.save()
    _audit(actor, application, before)
    return application


@transaction.atomic
def document_upload(*, actor, application: Application, attachment: int, file) -> ApplicationDocument:
    """One of the three documents (3.3); a new upload is a new version, the earlier one kept."""
    application = _locked(Application, application.pk)
    require(access.can_edit_application(actor, application), "只能为本单位尚未提交的申报上传材料。")
    if attachment not in (1, 2, 3):
        raise ServiceError("attachment", "申报材料为附件1（申请文件）、附件2（申请表）、附件3（建设方案）。")
    _check_upload("file", file)
    version = (application.documents.filter(attachment=attachment).aggregate(v=Max("version"))["v"] or 0) + 1
    document = ApplicationDocument(
        application=application, attachment=attachment, version=version, uploaded_by=actor_user(actor)
    )
    document.file.save(file.name, file, save=False)
    document.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=document, after=model_snapshot(document)
    )
    return document


def submission_problems(application: Application) -> list[tuple[str, str]]:
    """What keeps a draft from being submitted, (field, message) in the form's order."""
    problems = []
    if not (application.has_engineering or application.has_service):
        problems.append(
            ("has_engineering", "请至少选择一项组成：信息化工程项目或信息化服务项目（1号 一、）。")
        )
    unanswered = [kind for kind in EIGHT_KINDS if not isinstance(application.declaration.get(kind), bool)]
    if unanswered:
        problems.append(
            (
                "declaration",
                f"八类项目声明须逐项回答，尚未回答：第{'、'.join(unanswered)}类（1号 三、（一））。",
            )
        )
    elif application.restricted_kinds and not application.special_circumstance_reasons.strip():
        problems.append(
            (
                "special_circumstance_reasons",
                "属于不再批准单独建设的项目类别的，须写明特殊情况（1号 三、（一））。",
            )
        )
    if application.county_decided and not application.county_decision.strip():
        problems.append(
            ("county_decision", "经县委、县政府研究确定的项目，须写明研究确定的依据（会议纪要或文号）。")
        )
    if application.upper_level_funded and not application.upper_level_reference.strip():
        problems.append(("upper_level_reference", "省、市统筹项目须写明上级申报的文号或说明，以便备案。"))
    if not application.classified:
        # 3.3 the three documents of a non-classified application; a classified one follows the secrecy rules (3.5).
        have = set(application.documents.values_list("attachment", flat=True))
        for number in (1, 2, 3):
            if number not in have:
                problems.append(
                    (f"document_{number}", f"请上传{Template.Attachment(number).label}（1号 三、（一））。")
                )
    return problems


def _route(application: Application) -> None:
    """Who hears of a submitted application (3.5–3.7), in the caller's transaction."""
    title = f"{application.unit}：{application.name}"
    if application.classified:
        _tell_roles(
            {Role.SECRECY},
            subject="涉密电子政务项目待审查确认",
            body=f"{title}（1号 三、（一））。",
            source=application,
        )
        _tell_roles(
            {Role.BIG_DATA, Role.FINANCE},
            subject="抄送：涉密电子政务项目",
            body=f"{title}已报县保密局审查确认（1号 三、（一））。",
            source=application,
        )
    elif application.upper_level_funded:
        _tell_roles({Role.BIG_DATA}, subject="省、市统筹电子政务项目抄送备案", body=title, source=application)
    else:
        _tell_roles({Role.BIG_DATA}, subject="新的电子政务项目申报", body=title, source=application)
    if application.major_county_project:
        _tell_roles(
            {Role.DEVELOPMENT}, subject="县重大项目电子政务项目待立项审批", body=title, source=application
        )


@transaction.atomic
def application_submit(*, actor, application: Application, late: str = "refuse") -> Application:
    """Submit a draft. egov.application_timely decides whether it is on time (3.1); a late one is refused, or routed
    to the next cycle when the unit asks (`late="next_cycle"`), unless county-decided (3.2, the decision recorded).
    Classified projects go to 保密局 with copies to 大数据局 and 财政局 (3.5); province- or city-funded ones are filed
    with 大数据局 (3.6); county major projects are flagged for 发改 approval (3.7)."""
    application = _locked(Application, application.pk)
    require(access.can_edit_application(actor, application), "只能提交本单位尚未提交的申报。")
    if late not in ("refuse", "next_cycle"):
        raise ServiceError("late", "逾期申报的处理须为“不予受理”或“转入下一年度”。")
    problems = submission_problems(application)
    if problems:
        raise ServiceError(*problems[0])
    before = model_snapshot(application)
    today = business_date()
    timely = application_timely_terms(
        plan_year=application.plan_year.year, submitted_on=today, county_decided=application.county_decided
    )
    consulting = consulting_firm_required_terms(
        planned_investment=application.planned_investment, technically_complex=application.technically_complex
    )
    application.submitted_on = today
    application.timeliness = _json(timely)
    application.consulting = _json(consulting)
    if not timely.data["timely"]:
        if late == "next_cycle":
            application.status = Status.DEFERRED
            application.deferred_from = application.plan_year.year
            note = f"逾期申报（截止日{chinese_date(timely.data['due_on'])}），转入下一年度"
        else:
            application.status = Status.REFUSED_LATE
            note = f"逾期申报（截止日{chinese_date(timely.data['due_on'])}），不予受理"
        application.save()
        _audit(actor, application, before, note=note)
        _tell_unit(
            application, subject=f"电子政务项目申报：{note}", body=f"{application.name}（1号 三、（一））。"
        )
        return application
    if application.classified:
        application.status = Status.SECRECY_REVIEW
    elif application.upper_level_funded:
        application.status = Status.FILED
    else:
        application.status = Status.SUBMITTED
    application.save()
    _audit(actor, application, before, note="提交申报")
    _route(application)
    return application


@transaction.atomic
def application_assess(
    *,
    actor,
    application: Application,
    technically_complex: bool,
    reason: str = "",
    consulting_firm: str | None = None,
    consulting_review_on: dt.date | None = None,
    consulting_procured_on: dt.date | None = None,
) -> Application:
    """3.4: the e-gov department decides "技术设计较为复杂" with a reason (reading D34c) and records the consulting
    firm's review and procurement dates without enforcing their order (reading D34a); the requirement is recomputed
    by egov.consulting_firm_required."""
    application = _locked(Application, application.pk)
    require(access.can_assess_application(actor, application), "只有县大数据局可以认定技术设计复杂程度。")
    if application.status in (Status.DRAFT, Status.REFUSED_LATE, Status.DEFERRED):
        raise ServiceError("status", "申报提交后才能认定。")
    if technically_complex:
        reason = _text("reason", reason, "认定技术设计较为复杂须写明理由。")
    for field, day in (
        ("consulting_review_on", consulting_review_on),
        ("consulting_procured_on", consulting_procured_on),
    ):
        if day is not None and day > business_date():
            raise ServiceError(field, "日期不能晚于今天。")
    before = model_snapshot(application)
    application.technically_complex = technically_complex
    application.technically_complex_reason = (reason or "").strip()
    if consulting_firm is not None:
        application.consulting_firm = consulting_firm.strip()[:120]
    application.consulting_review_on = consulting_review_on
    application.consulting_procured_on = consulting_procured_on
    terms = consulting_firm_required_terms(
        planned_investment=application.planned_investment, technically_complex=technically_complex
    )
    order = ParameterTrace(document_start())
    order.answer("D34a")  # both dates recorded, their order not enforced
    terms.citations += order.citations
    terms.readings += order.readings
    terms.answers.update(order.answers)
    application.consulting = _json(terms)
    application.save()
    _audit(actor, application, before, note="技术设计复杂程度与工程咨询单位")
    return application


@transaction.atomic
def secrecy_confirm(*, actor, application: Application, confirmed: bool, opinion: str) -> Application:
    """3.5: 保密局 reviews and confirms a classified project; confirmed, it joins the county review."""
    application = _locked(Application, application.pk)
    require(access.can_confirm_secrecy(actor, application), "只有县保密局可以审查确认涉密项目。")
    if application.status != Status.SECRECY_REVIEW:
        raise ServiceError("status", "该项目不在保密审查环节。")
    opinion = _text("opinion", opinion, "请填写保密审查意见。")
    before = model_snapshot(application)
    application.secrecy_confirmed_at = business_now()
    application.secrecy_opinion = opinion
    application.status = Status.SUBMITTED if confirmed else Status.INADMISSIBLE
    application.save()
    _audit(actor, application, before, note="保密审查确认" if confirmed else "保密审查未通过")
    _tell_roles(
        {Role.BIG_DATA, Role.FINANCE},
        subject="抄送：涉密项目保密审查结果",
        body=f"{application.unit}：{application.name}，{opinion}（1号 三、（一））。",
        source=application,
    )
    if not confirmed:
        _tell_unit(application, subject="涉密项目保密审查未通过", body=f"{application.name}：{opinion}")
    return application


@transaction.atomic
def filing_acknowledge(*, actor, application: Application) -> Application:
    """3.6: 大数据局 records the filing (备案) of a province- or city-funded project."""
    application = _locked(Application, application.pk)
    require(access.can_assess_application(actor, application), "只有县大数据局可以登记备案。")
    if application.status != Status.FILED or application.filed_at is not None:
        raise ServiceError("status", "该项目不是待备案的省、市统筹项目。")
    before = model_snapshot(application)
    application.filed_at = business_now()
    application.save(update_fields=["filed_at"])
    _audit(actor, application, before, note="省、市统筹项目备案")
    return application


@transaction.atomic
def development_approval_record(
    *, actor, application: Application, reference: str, approved_on: dt.date
) -> Application:
    """3.7: 县发改局's 立项审批 of a project in the county major-project investment plan."""
    application = _locked(Application, application.pk)
    require(access.can_record_development_approval(actor, application), "只有县发改局可以登记立项审批。")
    reference = _text("reference", reference, "请填写立项批复文号。", max_length=100)
    if approved_on > business_date():
        raise ServiceError("approved_on", "批复日期不能晚于今天。")
    before = model_snapshot(application)
    application.development_approval, application.development_approved_on = reference, approved_on
    application.save(update_fields=["development_approval", "development_approved_on"])
    _audit(actor, application, before, note="县重大项目立项审批")
    return application


# ---------------------------------------------------------------- the review (三、（二）1—2)


@transaction.atomic
def review_start(
    *,
    actor,
    application: Application,
    migration_completed_as_required: bool,
    legal_exception_basis: str = "",
    special_circumstance_accepted: bool = False,
    special_circumstance_note: str = "",
    mode: str = "",
    mode_reason: str = "",
    reviewer: Organisation | None = None,
) -> Review:
    """Admissibility first (egov.review_admissible: 4.3a/4.3b with the statutory exception 4.3c, the eight kinds of 3.9
    with a special circumstance recorded by the e-gov department); an inadmissible project is refused outright and
    its unit told. An admissible one is reviewed in writing or on site by egov.review_mode (4.4): on site from
    1,000,000 yuan; below it the e-gov department may still convene one with a reason (reading D44)."""
    application = _locked(Application, application.pk)
    require(access.can_assess_application(actor, application), "只有县大数据局可以组织评审。")
    if application.status != Status.SUBMITTED:
        raise ServiceError("status", "只有已申报待审查的项目可以进入评审。")
    if Review.objects.filter(application=application).exists():
        raise ServiceError("status", "该项目已经审查过。")
    consulting = consulting_firm_required_terms(
        planned_investment=application.planned_investment, technically_complex=application.technically_complex
    )
    if consulting.data["required"] and not application.consulting_firm:
        raise ServiceError(
            "consulting_firm",
            "该项目须由具有资质的工程咨询单位编制建设方案，请先登记咨询单位（1号 三、（一））。",
        )
    legal_exception_basis = (legal_exception_basis or "").strip()[:200]
    kinds = application.restricted_kinds
    if special_circumstance_accepted:
        special_circumstance_note = _text(
            "special_circumstance_note",
            special_circumstance_note,
            "认定特殊情况须写明理由（1号 三、（一））。",
        )
    admissible = review_admissible_terms(
        restricted_kind=kinds[0] if kinds else None,
        special_circumstance=special_circumstance_accepted,
        legal_exception=bool(legal_exception_basis),
        migration_completed_as_required=migration_completed_as_required,
        violates_sharing_rules=application.violates_sharing_rules,
        supports_sharing_platform=application.supports_sharing_platform,
        provides_info_per_rules=application.provides_info_per_rules,
        sharing_needs_specified=application.sharing_needs_specified,
    )
    admissibility = {
        **_with(_json(admissible), *([cite.EIGHT_KINDS] if kinds else [])),
        "inputs": {
            "migration_completed_as_required": migration_completed_as_required,
            "restricted_kinds": kinds,
            "legal_exception": bool(legal_exception_basis),
        },
    }
    before = model_snapshot(application)
    review = Review(
        application=application,
        admissibility=admissibility,
        legal_exception_basis=legal_exception_basis,
        special_circumstance_accepted=special_circumstance_accepted,
        special_circumstance_note=(special_circumstance_note or "").strip(),
    )
    if not admissible.data["admissible"]:
        review.save()
        application.status = Status.INADMISSIBLE
        application.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            instance=review,
            after=model_snapshot(review),
            note="不予审批：" + "、".join(admissible.data["reasons"]),
        )
        _audit(actor, application, before, note="不予审批")
        _tell_unit(
            application,
            subject="电子政务项目不予审批",
            body=f"{application.name}：{'；'.join(REASON_LABELS[r] for r in admissible.data['reasons'])}"
            "（1号 三、（二）1）。",
        )
        return review
    terms = review_mode_terms(total_investment=application.planned_investment)
    chosen = mode or terms.data["default_mode"]
    if chosen not in Review.Mode.values:
        raise ServiceError("mode", "评审方式须为书面评审或现场评审。")
    if chosen == Review.Mode.WRITTEN and terms.data["onsite_required"]:
        raise ServiceError("mode", "总投资100万元（含）以上的项目须组织现场评审（1号 三、（二）1）。")
    if chosen == Review.Mode.ONSITE and not terms.data["onsite_required"]:
        trace = ParameterTrace(document_start())
        if not trace.adopted("D44"):
            raise ServiceError("mode", "按现行解读，总投资100万元以下的项目只进行书面评审。")
        mode_reason = _text("mode_reason", mode_reason, "100万元以下的项目组织现场评审，须写明理由。")
    if reviewer is None:
        raise ServiceError("reviewer", "请选择受托的第三方评审机构（1号 三、（二）1）。")
    review.mode, review.mode_terms = chosen, _json(terms)
    review.mode_reason = (mode_reason or "").strip()[:200] if chosen == Review.Mode.ONSITE else ""
    review.reviewer = reviewer
    review.save()
    application.status = Status.UNDER_REVIEW
    application.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=review,
        after=model_snapshot(review),
        note=f"准予评审，{review.get_mode_display()}",
    )
    _audit(actor, application, before, note="进入评审")
    return review


REASON_LABELS = {
    "migration_incomplete": "未按时、按要求完成电子政务基础设施和应用系统迁移整合",
    "violates_sharing_rules": "违反政务信息资源共享管理规定",
    "no_sharing_platform_support": "不支持政务信息资源共享交换平台",
    "no_information_supplied": "未按规定向共享交换平台提供信息",
    "sharing_needs_unspecified": "未明确部门间信息共享需求",
    "restricted_kind": "属于不再批准各单位单独建设的项目类别，且未认定特殊情况",
}


def _open_review(review: Review) -> Review:
    review = _locked(Review, review.pk)
    if review.application.status != Status.UNDER_REVIEW:
        raise ServiceError("status", "该项目不在评审中。")
    return review


@transaction.atomic
def onsite_step_record(
    *, actor, review: Review, step: int, held_on: dt.date, speakers: str, summary: str
) -> OnsiteStep:
    """One of the five steps of the on-site review (4.5), strictly in order, each with who spoke."""
    review = _open_review(review)
    require(access.can_assess_application(actor, review.application), "只有县大数据局可以记录现场评审。")
    if review.mode != Review.Mode.ONSITE:
        raise ServiceError("step", "该项目为书面评审，没有现场评审程序。")
    done = review.steps.count()
    if done >= 5:
        raise ServiceError("step", "现场评审的五个步骤已经记录完毕。")
    if step != done + 1:
        raise ServiceError(
            "step",
            f"现场评审须按程序进行，下一步是第{done + 1}步：{OnsiteStep.Step(done + 1).label}"
            "（1号 三、（二）1）。",
        )
    if held_on > business_date():
        raise ServiceError("held_on", "日期不能晚于今天。")
    last = review.steps.order_by("-step").first()
    if last is not None and held_on < last.held_on:
        raise ServiceError("held_on", "后一步骤的日期不能早于前一步骤。")
    speakers = _text("speakers", speakers, "请填写发言人。")
    summary = _text("summary", summary, "请填写内容摘要。", max_length=4000)
    entry = OnsiteStep.objects.create(
        review=review,
        step=step,
        held_on=held_on,
        speakers=speakers,
        summary=summary,
        recorded_by=actor_user(actor),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=entry, after=model_snapshot(entry))
    return entry


@transaction.atomic
def report_upload(*, actor, review: Review, file, conclusion: str) -> Review:
    """4.6: the third party's review report from the written review or the on-site opinion (all five steps first)."""
    review = _open_review(review)
    require(
        access.can_upload_report(actor, review.application),
        "只有受托的第三方评审机构或县大数据局可以上传评审报告。",
    )
    if review.mode == Review.Mode.ONSITE and review.steps.count() < 5:
        raise ServiceError("report", "现场评审的五个步骤记录完毕后才能上传评审报告（1号 三、（二）1）。")
    if review.technical_signed_at or review.fiscal_signed_at:
        raise ServiceError("report", "评审报告已开始会签，不能更换。")
    _check_upload("report", file)
    conclusion = _text("conclusion", conclusion, "请填写评审报告的结论。", max_length=4000)
    before = model_snapshot(review)
    review.report.save(file.name, file, save=False)
    review.report_conclusion = conclusion
    review.report_uploaded_at = business_now()
    review.save()
    _audit(actor, review, before, note="上传评审报告")
    _tell_roles(
        {Role.BIG_DATA, Role.FINANCE},
        subject="评审报告待审核会签",
        body=f"{review.application.unit}：{review.application.name}（1号 三、（二）2）。",
        source=review.application,
    )
    return review


def _after_signature(actor, review: Review) -> None:
    if not review.cosigned:
        return
    application = review.application
    before = model_snapshot(application)
    supported = review.technical_supported and review.fiscal_supported
    application.status = Status.REVIEWED if supported else Status.NOT_SUPPORTED
    application.save(update_fields=["status"])
    _audit(actor, application, before, note="形成项目审核意见：" + ("支持" if supported else "不予支持"))


@transaction.atomic
def sign_technical(*, actor, review: Review, supported: bool, opinion: str) -> Review:
    """4.6: 大数据局 reviews the report's technical conclusions and co-signs."""
    review = _open_review(review)
    require(access.can_sign_technical(actor, review.application), "只有县大数据局可以会签技术审核意见。")
    if review.report_uploaded_at is None:
        raise ServiceError("report", "第三方评审报告上传后才能审核会签（1号 三、（二）2）。")
    if review.technical_signed_at is not None:
        raise ServiceError("technical", "技术审核意见已经会签。")
    opinion = _text("opinion", opinion, "请填写技术审核意见。", max_length=4000)
    before = model_snapshot(review)
    review.technical_supported, review.technical_opinion = bool(supported), opinion
    review.technical_signed_at, review.technical_signed_by = business_now(), actor_user(actor)
    review.save()
    _audit(actor, review, before, note="技术审核会签")
    _after_signature(actor, review)
    return review


@transaction.atomic
def sign_fiscal(*, actor, review: Review, supported: bool, opinion: str, approved_investment=None) -> Review:
    """4.6: 财政局 reviews the fiscal conclusions, co-signs and fixes the approved investment (the figure the plan
    carries; reading D34b: it replaces the planned one from here on)."""
    review = _open_review(review)
    require(access.can_sign_fiscal(actor, review.application), "只有县财政局可以会签财政审核意见。")
    if review.report_uploaded_at is None:
        raise ServiceError("report", "第三方评审报告上传后才能审核会签（1号 三、（二）2）。")
    if review.fiscal_signed_at is not None:
        raise ServiceError("fiscal", "财政审核意见已经会签。")
    opinion = _text("opinion", opinion, "请填写财政审核意见。", max_length=4000)
    amount = _money("approved_investment", approved_investment, "审核确定的投资") if supported else None
    before = model_snapshot(review)
    review.fiscal_supported, review.fiscal_opinion, review.approved_investment = (
        bool(supported),
        opinion,
        amount,
    )
    review.fiscal_signed_at, review.fiscal_signed_by = business_now(), actor_user(actor)
    review.save()
    _audit(actor, review, before, note="财政审核会签")
    _after_signature(actor, review)
    return review


# ---------------------------------------------------------------- the annual plan (三、（二）3—4)


def _plan_basis(*extra: Citation) -> tuple[list, dict]:
    trace = ParameterTrace(document_start())
    trace.answer("D47")  # the plan compiled by 31 December of Y is the plan of Y+1
    trace.answer("D410")
    result = trace.result({}).as_json()
    return _with(result, cite.ANNUAL_PLAN, cite.COUNTY_APPROVAL, *extra)["citations"], basis_of(result)


def _plan_candidates(applications) -> list[Application]:
    missing = [a for a in applications if a.major_county_project and not a.development_approval]
    if missing:
        raise ServiceError(
            "development_approval",
            f"县重大项目须经县发改部门立项审批后才能列入计划："
            f"{'、'.join(a.name for a in missing)}（1号 三、（一））。",
        )
    return applications


@transaction.atomic
def plan_compile(*, actor, plan_year: PlanYear) -> AnnualPlan:
    """4.7: the first version of the annual plan from the 审核意见 (every supported project with its approved
    investment). Every application must have its outcome first; compiling after 31 December is recorded as late."""
    require(access.can_compile_plan(actor), "只有县大数据局（会同县财政局）可以编制年度建设计划。")
    plan_year = _locked(PlanYear, plan_year.pk)
    if plan_year.plans.exists():
        raise ServiceError("plan", "该年度已有计划；计划下达后的变更须按程序报批（1号 三、（二）4）。")
    waiting = list(plan_year.applications.filter(status__in=OPEN_STATUSES).values_list("name", flat=True))
    if waiting:
        raise ServiceError(
            "plan",
            f"以下项目尚未形成审核意见，请先完成评审：{'、'.join(waiting[:10])}"
            f"{'等' if len(waiting) > 10 else ''}。",
        )
    supported = _plan_candidates(
        list(plan_year.applications.filter(status=Status.REVIEWED).select_related("review"))
    )
    if not supported:
        raise ServiceError("plan", "没有审核意见为支持的项目，无法编制年度建设计划。")
    today = business_date()
    citations, basis = _plan_basis()
    plan = AnnualPlan.objects.create(
        plan_year=plan_year,
        version=1,
        compiled_on=today,
        compiled_late=today > plan_year.annual_plan_due,
        compiled_by=actor_user(actor),
        citations=citations,
        policy_basis=basis,
    )
    PlanEntry.objects.bulk_create(
        [PlanEntry(plan=plan, application=a, investment=a.review.approved_investment) for a in supported]
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=plan,
        after={
            **model_snapshot(plan),
            "entries": {a.name: str(a.review.approved_investment) for a in supported},
        },
    )
    _tell_roles(
        {Role.COUNTY_GOVERNMENT}, subject="电子政务项目年度建设计划待审定", body=str(plan), source=plan
    )
    return plan


@transaction.atomic
def plan_change_propose(
    *, actor, plan_year: PlanYear, reason: str, add: list[Application] = (), remove: list[Application] = ()
) -> AnnualPlan:
    """4.10: once issued the plan is in principle not changed; a change for special or urgent needs is a new version
    (reading D410: the changed part repeats review — an added project must carry a supporting 审核意见 — and the
    county government approves the version again). The approved version stays as it was."""
    require(access.can_compile_plan(actor), "只有县大数据局可以提出年度计划调整。")
    plan_year = _locked(PlanYear, plan_year.pk)
    reason = _text("reason", reason, "计划调整须写明特殊或紧急情况（1号 三、（二）4）。", max_length=2000)
    current = plan_year.plans.filter(status=AnnualPlan.Status.APPROVED).first()
    if current is None:
        raise ServiceError("plan", "年度计划经县政府审定下达后才有调整。")
    if plan_year.plans.filter(status=AnnualPlan.Status.DRAFT).exists():
        raise ServiceError("plan", "已有一份待审定的计划，请先审定。")
    entries = {entry.application_id: entry for entry in current.entries.select_related("application")}
    add, remove = list(add), list(remove)
    if not add and not remove:
        raise ServiceError("add", "请选择调入或调出的项目。")
    for application in remove:
        if application.pk not in entries:
            raise ServiceError("remove", f"“{application.name}”不在现行计划中。")
    for application in add:
        if application.plan_year_id != plan_year.pk or application.pk in entries:
            raise ServiceError("add", f"“{application.name}”不能调入本年度计划。")
        if application.status != Status.REVIEWED:
            raise ServiceError(
                "add", f"“{application.name}”须先经评审形成支持的审核意见（1号 三、（二）4）。"
            )
    _plan_candidates(add)
    citations, basis = _plan_basis(cite.PLAN_CHANGE)
    version = plan_year.plans.aggregate(v=Max("version"))["v"] + 1
    plan = AnnualPlan.objects.create(
        plan_year=plan_year,
        version=version,
        compiled_on=business_date(),
        change_reason=reason,
        compiled_by=actor_user(actor),
        citations=citations,
        policy_basis=basis,
    )
    removed = {a.pk for a in remove}
    rows = [
        PlanEntry(plan=plan, application_id=pk, investment=entry.investment)
        for pk, entry in entries.items()
        if pk not in removed
    ]
    rows += [
        PlanEntry(plan=plan, application=a, investment=Review.objects.get(application=a).approved_investment)
        for a in add
    ]
    PlanEntry.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=plan,
        after={**model_snapshot(plan), "added": [a.name for a in add], "removed": [a.name for a in remove]},
        note=reason,
    )
    _tell_roles(
        {Role.COUNTY_GOVERNMENT}, subject="电子政务项目年度建设计划调整待审定", body=str(plan), source=plan
    )
    return plan


NOT_IN_PLAN_WHY = {
    Status.REVIEWED: "审核意见为支持，未列入本年度计划",
    Status.NOT_SUPPORTED: "审核意见为不予支持",
    Status.INADMISSIBLE: "不予审批",
    Status.IN_PLAN: "计划调整中调出",
}


@transaction.atomic
def plan_approve(*, actor, plan: AnnualPlan, reference: str) -> AnnualPlan:
    """4.7 县政府审定: the version becomes the plan (the version before it kept, superseded) and the outcome goes back
    to every applicant of the year (the first version) or to those the change moved."""
    plan = _locked(AnnualPlan, plan.pk)
    require(access.can_approve_plan(actor), "年度建设计划由县政府审定。")
    if plan.status != AnnualPlan.Status.DRAFT:
        raise ServiceError("plan", "该计划不在待审定状态。")
    reference = _text("reference", reference, "请填写县政府审定的文号或会议纪要。", max_length=100)
    before = model_snapshot(plan)
    previous = plan.plan_year.plans.filter(status=AnnualPlan.Status.APPROVED).first()
    was_in = set(previous.entries.values_list("application_id", flat=True)) if previous else set()
    if previous is not None:
        prior = model_snapshot(previous)
        previous.status = AnnualPlan.Status.SUPERSEDED
        previous.save(update_fields=["status"])
        _audit(actor, previous, prior, note=f"被第{plan.version}版取代")
    plan.status, plan.approval_reference = AnnualPlan.Status.APPROVED, reference
    plan.approved_at, plan.approved_by = business_now(), actor_user(actor)
    plan.save()
    _audit(actor, plan, before, note="县政府审定")
    entries = {entry.application_id: entry for entry in plan.entries.all()}
    decided = plan.plan_year.applications.filter(
        status__in=[
            Status.REVIEWED,
            Status.NOT_SUPPORTED,
            Status.INADMISSIBLE,
            Status.IN_PLAN,
            Status.NOT_IN_PLAN,
        ]
    )
    for application in decided.select_for_update():
        inside = application.pk in entries
        if previous is not None and inside == (application.pk in was_in):
            continue  # a change tells only the projects it moved
        app_before = model_snapshot(application)
        if inside:
            application.status = Status.IN_PLAN
            application.outcome = (
                f"列入{plan.plan_year.year}年度电子政务项目年度建设计划，安排投资"
                f"{entries[application.pk].investment:,.2f}元（{reference}）"
            )
        else:
            why = NOT_IN_PLAN_WHY.get(application.status, "计划调整中调出")
            if application.status in (Status.REVIEWED, Status.IN_PLAN):
                application.status = Status.NOT_IN_PLAN
            application.outcome = (
                f"未列入{plan.plan_year.year}年度电子政务项目年度建设计划（{why}，{reference}）"
            )
        application.save(update_fields=["status", "outcome"])
        _audit(actor, application, app_before, note="年度计划结果反馈")
        _tell_unit(
            application,
            subject="电子政务项目年度建设计划结果",
            body=f"{application.name}：{application.outcome}。",
        )
    return plan
