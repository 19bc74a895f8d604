"""Writes of the e-government program's yearly cycle (高政办发〔2021〕1号 三、（一）—（二）, SPEC sections 3–4), each
checked by its access predicate and audited in its transaction. Every decision stores the rule result it rests on:
the output, its citations and the readings applied ({id: answer}), so a later change of policy never rewrites it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import PurePath

from django.db import IntegrityError, transaction
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
from countyhall.egov import access, selectors
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


# What a file of each kind begins with (as canteens' duty reports check): a renamed program (MZ…) or web page is not a
# document. Word/Excel 2007+, OFD and ZIP are ZIP packages; the older Word/Excel and WPS/ET files are compound
# files (WPS Office also writes its formats as ZIP packages, so both are accepted for them).
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
UPLOAD_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".doc": _OLE,
    ".xls": _OLE,
    ".wps": _OLE + _ZIP,
    ".et": _OLE + _ZIP,
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".ofd": _ZIP,
    ".zip": _ZIP,
    ".rar": (b"Rar!\x1a\x07",),
}


def _file_head(upload, size: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _check_upload(field: str, upload) -> None:
    if upload is None:
        raise ServiceError(field, "请选择要上传的文件。")
    name = upload.name or ""
    # A browser sends a bare name; a name with a folder in it ("../../x.pdf") comes from a script and would make
    # the storage refuse it with SuspiciousFileOperation (a 500) rather than a message.
    if "/" in name or "\\" in name or name.strip(". ") == "":
        raise ServiceError(field, "文件名不能包含路径（“/”“\\”或“..”）。")
    suffix = PurePath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ServiceError(field, f"文件格式须为：{'、'.join(sorted(s[1:] for s in UPLOAD_SUFFIXES))}。")
    if not upload.size:
        raise ServiceError(field, "上传的文件是空的。")
    if upload.size > UPLOAD_MAX_BYTES:
        raise ServiceError(field, f"文件不能大于{UPLOAD_MAX_BYTES // (1024 * 1024)}MB。")
    if not _file_head(upload).startswith(UPLOAD_SIGNATURES[suffix]):
        raise ServiceError(field, f"文件内容不是{suffix[1:].upper()}格式（与扩展名不符）。")


def _text(field: str, value: str, message: str, *, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(field, message)
    if len(value) > max_length:
        raise ServiceError(field, f"不能超过{max_length}个字。")
    return value


# MONEY is max_digits 14 with 2 places: below this bound every amount fits its column (and Decimal's 28-digit
# context can quantize it; "1e30".quantize(0.01) raises InvalidOperation instead of answering).
MONEY_LIMIT = Decimal("1000000000000")


def _money(field: str, value, label: str, *, positive: bool = True) -> Decimal:
    """An amount in yuan with fen precision: a decimal string or Decimal (a float or bool is refused), finite, within
    the column's range; `positive` for sums paid or contracted (a design change's effect may be a saving, < 0)."""
    message = f"{label}须为以元为单位、最多两位小数的金额。"
    if isinstance(value, float | bool) or value is None:
        raise ServiceError(field, message)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except ArithmeticError as exc:
        raise ServiceError(field, message) from exc
    if not amount.is_finite():
        raise ServiceError(field, message)
    if abs(amount) >= MONEY_LIMIT:
        raise ServiceError(field, f"{label}超出可登记的范围。")
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(field, message)
    if positive and amount <= 0:
        raise ServiceError(field, f"{label}须大于0。")
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
    try:
        # Two clicks (or two tabs) at once both pass the check above on PostgreSQL; the unique year stops the second.
        with transaction.atomic():
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
    except IntegrityError:
        raise ServiceError("year", f"{year}计划年度已经开启，不能重复开启。") from None
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


def _on_business_date(instance, field: str) -> None:
    """An auto_now_add field holds the real clock; a document uploaded or a review started in a demo or a training
    room pinned to a business date must read that date (clock.business_now), as the act's other dates do — the
    pages showed a 2021 application's documents "uploaded" years after it was submitted. The audit row keeps the
    real clock."""
    value = business_now()
    type(instance).objects.filter(pk=instance.pk).update(**{field: value})
    setattr(instance, field, value)


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
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        template.file.delete(save=False)
        raise ServiceError("attachment", "同一附件的另一版本刚刚上传，请刷新页面后重试。") from None
    _on_business_date(template, "uploaded_at")
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
    _on_business_date(document, "uploaded_at")
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
    if application.status not in (Status.SUBMITTED, Status.SECRECY_REVIEW):
        # review_start decided on this assessment (the consulting firm 3.4 requires): rewriting it afterwards would
        # change the basis of a review already under way or decided.
        raise ServiceError("status", "项目已进入评审或已有结论，不能再修改技术设计复杂程度的认定。")
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
    if application.status in (Status.DRAFT, Status.REFUSED_LATE, Status.DEFERRED):
        raise ServiceError("status", "申报提交后才能登记立项审批。")
    if application.development_approval:
        # The plan was (or will be) compiled on this approval (3.7): a second one would rewrite a decided record.
        raise ServiceError(
            "reference", f"立项审批已登记（{application.development_approval}），不能重复登记。"
        )
    reference = _text("reference", reference, "请填写立项批复文号。", max_length=100)
    approved_on = _day("approved_on", approved_on, "批复日期")
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
        _on_business_date(review, "started_at")
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
    if (
        reviewer.pk == application.unit_id
        or not User.objects.filter(
            organisation_id=reviewer.pk, is_active=True, role_grants__role=Role.EGOV_REVIEWER
        ).exists()
    ):
        # Whoever is named here uploads the report (access.assigned_reviewer): a third-party review body only.
        raise ServiceError("reviewer", "受托评审机构须为登记的第三方评审机构（1号 三、（二）1）。")
    review.mode, review.mode_terms = chosen, _json(terms)
    review.mode_reason = (mode_reason or "").strip()[:200] if chosen == Review.Mode.ONSITE else ""
    review.reviewer = reviewer
    review.save()
    _on_business_date(review, "started_at")
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
    submitted_on = review.application.submitted_on
    if submitted_on and held_on < submitted_on:
        raise ServiceError("held_on", f"现场评审日期不能早于项目申报日期（{chinese_date(submitted_on)}）。")
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


# ======================================================================================================================
# Construction and acceptance (三、（三）—（四）, SPEC sections 5–6; issue 14). The gates are the rules' (funding_allowed,
# sanction_allowed, supervision_required, trial_run_satisfied, acceptance_passes, acceptance_due); the final
# acceptance's clock is core's StatutoryClock (decision 0012) stored in FinalAcceptanceStop rows.
# ======================================================================================================================

from countyhall.egov.models import (  # noqa: E402
    AcceptanceChecklistItem,
    CloudResourceRequest,
    Construction,
    DesignChange,
    FinalAcceptance,
    FinalAcceptanceStop,
    Finding,
    Inspection,
    Payment,
    PreliminaryAcceptance,
    Procurement,
    Sanction,
    SettlementReview,
)
from countyhall.egov.rules import (  # noqa: E402
    FAIL_CONDITIONS,
    PROCUREMENT_GATE,
    SETTLEMENT_REVIEW,
    acceptance_due_terms,
    acceptance_passes_terms,
    funding_allowed_terms,
    sanction_allowed_terms,
    supervision_required_terms,
    trial_run_satisfied_terms,
)

FUNDING_REASONS = {
    "not_in_annual_plan": "项目未列入年度建设计划，县财政部门不予安排资金（1号 三、（二）3）",
    "self_built": "部门自行新建或改扩建的项目，县财政部门不予安排资金（1号 三、（二）3）",
    "payments_suspended": "经县政府批准暂缓拨付建设资金，尚未解除（1号 三、（三）4）",
    "terminated": "项目已经县政府批准终止（1号 三、（三）4）",
    "procurement_not_reviewed": "采购文件未经县大数据局审核（1号 三、（三）1）",
    "not_accepted": "项目尚未通过竣工验收（1号 三、（四）2）",
    "settlement_review_missing": "尚未完成结算评审，结算评审是后续拨款依据（1号 三、（四）2）",
    "unapproved_major_change_overrun": "存在未经批准的重大设计变更，不再批准追加投资（1号 三、（三）2）",
}
# Sanctions that hold the project while in force: 暂缓拨付 holds payments, 暂停 and 终止 hold construction.
HOLDS_CONSTRUCTION = (Sanction.Kind.SUSPEND, Sanction.Kind.TERMINATE)
LIFTABLE = (Sanction.Kind.WITHHOLD, Sanction.Kind.SUSPEND)


def _day(field: str, value, label: str, *, not_after_today: bool = True) -> dt.date:
    if not isinstance(value, dt.date):
        raise ServiceError(field, f"请填写{label}。")
    if not_after_today and value > business_date():
        raise ServiceError(field, f"{label}不能晚于今天。")
    return value


# An input check, not a figure of 1号: a deadline typed as 9999-12-31 would never fall due (the acceptance on time,
# 6.9; a rectification, 5.5), so a date further than this past its starting day is refused as a typing error.
FAR_YEARS = 10


def _not_far(field: str, value: dt.date, label: str, *, after: dt.date) -> dt.date:
    try:
        limit = after.replace(year=after.year + FAR_YEARS)
    except ValueError:  # 29 February
        limit = after.replace(year=after.year + FAR_YEARS, day=28)
    if value > limit:
        raise ServiceError(field, f"{label}不能晚于{chinese_date(limit)}（{FAR_YEARS}年以后），请核对。")
    return value


def _in_plan(application: Application) -> None:
    if application.status != Status.IN_PLAN:
        raise ServiceError(
            "status",
            "项目未列入年度建设计划，不能进入建设和验收环节（1号 三、（二）3：未列入年度建设计划的不予安排资金）。",
        )


def _sanctions_in_force(application: Application, kinds) -> list[Sanction]:
    return list(application.sanctions.filter(status=Sanction.Status.IN_FORCE, kind__in=list(kinds)))


def _not_held(application: Application) -> None:
    held = _sanctions_in_force(application, HOLDS_CONSTRUCTION)
    if held:
        raise ServiceError(
            "status",
            f"项目已被{held[0].get_kind_display()}（县政府批准），不能继续办理建设事项（1号 三、（三）4）。",
        )


def _own_unit_or_system(actor, application: Application, message: str) -> None:
    require(access.can_build(actor, application), message)


# ---------------------------------------------------------------- 5.1 procurement


@transaction.atomic
def procurement_submit(*, actor, application: Application, file) -> Procurement:
    """The unit sends its procurement file to 大数据局 for review (5.1); a returned file is sent again."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以报送采购文件。")
    _in_plan(application)
    _not_held(application)
    _check_upload("file", file)
    procurement = Procurement.objects.select_for_update().filter(application=application).first()
    if procurement is not None and procurement.status != Procurement.Status.RETURNED:
        raise ServiceError("file", f"采购文件已报送（{procurement.get_status_display()}），不能重复报送。")
    before = model_snapshot(procurement) if procurement else None
    if procurement is None:
        procurement = Procurement(application=application, submitted_on=business_date())
    procurement.status, procurement.submitted_on = Procurement.Status.SUBMITTED, business_date()
    procurement.submitted_by = actor_user(actor)
    procurement.citations = [cite.PROCUREMENT_FILE.as_dict(), PROCUREMENT_GATE.as_dict()]
    procurement.file.save(file.name, file, save=False)
    procurement.save()
    _audit(
        actor,
        procurement,
        before,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        note="报送采购文件",
    )
    _tell_roles(
        {Role.BIG_DATA},
        subject="电子政务项目采购文件待审核",
        body=f"{application.unit}：{application.name}（1号 三、（三）1）。",
        source=application,
    )
    return procurement


@transaction.atomic
def procurement_review(*, actor, procurement: Procurement, approved: bool, opinion: str) -> Procurement:
    """大数据局 reviews the file: approved, the trading centre may procure; returned, the unit sends it again."""
    procurement = _locked(Procurement, procurement.pk)
    require(access.can_review_procurement(actor), "只有县大数据局可以审核采购文件。")
    if procurement.status != Procurement.Status.SUBMITTED:
        raise ServiceError("status", "只有待审核的采购文件可以审核。")
    opinion = _text("opinion", opinion, "请填写审核意见。", max_length=300)
    before = model_snapshot(procurement)
    procurement.status = Procurement.Status.REVIEWED if approved else Procurement.Status.RETURNED
    procurement.review_opinion, procurement.reviewed_on = opinion, business_date()
    procurement.reviewed_by = actor_user(actor)
    procurement.save()
    _audit(actor, procurement, before, note="采购文件审核：" + ("通过" if approved else "退回修改"))
    application = procurement.application
    _tell_unit(
        application,
        subject="采购文件审核" + ("通过" if approved else "退回修改"),
        body=f"{application.name}：{opinion}（1号 三、（三）1）。",
    )
    if approved:
        _tell_roles(
            {Role.TRADING_CENTRE},
            subject="电子政务项目采购文件已经县大数据局审核，可组织采购",
            body=f"{application.unit}：{application.name}（1号 三、（三）1）。",
            source=application,
        )
    return procurement


@transaction.atomic
def procurement_record(
    *, actor, procurement: Procurement, contractor: str, contract_amount, procured_on: dt.date
) -> Procurement:
    """The trading centre records the procurement; refused while the file is not reviewed by 大数据局 (5.1)."""
    procurement = _locked(Procurement, procurement.pk)
    require(access.can_record_procurement(actor), "只有公共资源交易中心高青分中心可以登记采购结果。")
    if not procurement.file_reviewed:
        raise ServiceError(
            "status",
            "采购文件未经县大数据局审核，县公共资源交易中心不得组织政府采购交易（1号 三、（三）1）。",
        )
    if procurement.status == Procurement.Status.PROCURED:
        raise ServiceError("status", "采购结果已登记。")
    _not_held(procurement.application)
    before = model_snapshot(procurement)
    procurement.contractor = _text("contractor", contractor, "请填写项目承建单位。", max_length=120)
    procurement.contract_amount = _money("contract_amount", contract_amount, "合同金额")
    procurement.procured_on = _day("procured_on", procured_on, "采购完成日期")
    if procurement.procured_on < procurement.reviewed_on:
        raise ServiceError("procured_on", "采购完成日期不能早于采购文件审核日期（1号 三、（三）1）。")
    procurement.status, procurement.procured_by = Procurement.Status.PROCURED, actor_user(actor)
    procurement.save()
    _audit(actor, procurement, before, note=f"登记采购结果：{procurement.contractor}")
    _tell_unit(
        procurement.application,
        subject="电子政务项目采购完成",
        body=f"{procurement.application.name}：承建单位{procurement.contractor}。",
    )
    return procurement


# ---------------------------------------------------------------- 5.2a cloud resources


def cloud_form_for(kind: str) -> tuple[int, dict]:
    """Which form (附件4/5/6) a request uses, by reading D0c, with the basis."""
    trace = ParameterTrace(document_start())
    adopted = trace.adopted("D0c")
    if kind == CloudResourceRequest.Kind.CHANGE:
        form = 6
    elif kind == CloudResourceRequest.Kind.MIGRATED and adopted:
        form = 5
    else:
        form = 4
    result = trace.result({}).as_json()
    return form, {"readings": result["reading_answers"], "changes": result["policy_changes"]}


@transaction.atomic
def cloud_request_submit(
    *, actor, application: Application, kind: str, resources: str, file
) -> CloudResourceRequest:
    """5.2a: the unit asks for government-cloud resources on the form of reading D0c; a change on 附件6."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以申请政务云资源。")
    _in_plan(application)
    _not_held(application)
    if kind not in CloudResourceRequest.Kind.values:
        raise ServiceError("kind", "类别须为新建系统、迁移系统或资源变更。")
    if (
        kind == CloudResourceRequest.Kind.CHANGE
        and not application.cloud_requests.filter(status=CloudResourceRequest.Status.APPROVED).exists()
    ):
        raise ServiceError(
            "kind", "尚无已批准的政务云资源，不能申请变更；请先提出资源需求（1号 三、（三）2）。"
        )
    if application.cloud_requests.filter(status=CloudResourceRequest.Status.SUBMITTED).exists():
        raise ServiceError("kind", "已有待审批的政务云资源申请，审批后再提出新的申请。")
    resources = _text("resources", resources, "请填写资源需求（计算、存储、网络等）。", max_length=4000)
    _check_upload("file", file)
    form, basis = cloud_form_for(kind)
    request = CloudResourceRequest(
        application=application,
        kind=kind,
        form=form,
        resources=resources,
        submitted_on=business_date(),
        submitted_by=actor_user(actor),
        citations=[(cite.CLOUD_CHANGE if form == 6 else cite.CLOUD_FORMS).as_dict()],
        policy_basis=basis,
    )
    request.file.save(file.name, file, save=False)
    request.save()
    _audit(
        actor,
        request,
        None,
        action=AuditEntry.Action.CREATE,
        note=f"申请政务云资源（{request.get_form_display()}）",
    )
    _tell_roles(
        {Role.BIG_DATA},
        subject="政务云资源申请待审批",
        body=f"{application.unit}：{application.name}，{request.get_form_display()}。",
        source=application,
    )
    return request


@transaction.atomic
def cloud_request_decide(
    *, actor, request: CloudResourceRequest, approved: bool, opinion: str
) -> CloudResourceRequest:
    request = _locked(CloudResourceRequest, request.pk)
    require(access.can_review_procurement(actor), "只有县大数据局可以审批政务云资源申请。")
    if request.status != CloudResourceRequest.Status.SUBMITTED:
        raise ServiceError("status", "该申请已审批。")
    opinion = _text("opinion", opinion, "请填写审批意见。", max_length=300)
    before = model_snapshot(request)
    request.status = CloudResourceRequest.Status.APPROVED if approved else CloudResourceRequest.Status.REFUSED
    request.opinion, request.decided_on, request.decided_by = opinion, business_date(), actor_user(actor)
    request.save()
    _audit(actor, request, before, note="政务云资源申请：" + ("批准" if approved else "不予批准"))
    _tell_unit(
        request.application,
        subject="政务云资源申请" + ("已批准" if approved else "不予批准"),
        body=f"{request.application.name}：{opinion}",
    )
    return request


# ---------------------------------------------------------------- 5.3 supervision and the start of construction


def _construction(application: Application) -> Construction:
    """The project's construction record with egov.supervision_required on the investment of reading D34b (the
    approved figure once co-signed) and its engineering component (D53a)."""
    construction = Construction.objects.select_for_update().filter(application=application).first()
    if construction is not None:
        return construction
    review = _review_or_none(application)
    investment = (review.approved_investment if review else None) or application.planned_investment
    component = "engineering" if application.has_engineering else "service"
    terms = supervision_required_terms(total_investment=investment, component=component)
    return Construction.objects.create(application=application, supervision=_json(terms))


def _review_or_none(application: Application) -> Review | None:
    try:
        return application.review
    except Review.DoesNotExist:
        return None


@transaction.atomic
def supervision_file(
    *, actor, application: Application, supervisor: str, qualification: str, certificate: str
) -> Construction:
    """5.3: the unit engages a qualified supervisor and files its qualification and the chief supervisor's
    certificate with 大数据局, before construction starts."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以办理监理备案。")
    _in_plan(application)
    construction = _construction(application)
    if construction.started_on:
        raise ServiceError("supervisor", "项目已开工；监理单位应在开工建设前确定并备案（1号 三、（三）3）。")
    if construction.supervision_filed_on:
        raise ServiceError("supervisor", "监理单位已备案。")
    before = model_snapshot(construction)
    construction.supervisor = _text("supervisor", supervisor, "请填写工程监理单位。", max_length=120)
    construction.supervisor_qualification = _text("qualification", qualification, "请填写监理单位资质。")
    construction.chief_supervisor_certificate = _text(
        "certificate", certificate, "请填写总监理工程师证书编号。"
    )
    construction.supervision_filed_on, construction.supervision_filed_by = business_date(), actor_user(actor)
    construction.save()
    _audit(actor, construction, before, note=f"监理备案：{construction.supervisor}")
    _tell_roles(
        {Role.BIG_DATA},
        subject="电子政务项目监理备案",
        body=f"{application.unit}：{application.name}，监理单位{construction.supervisor}（1号 三、（三）3）。",
        source=application,
    )
    return construction


@transaction.atomic
def supervision_exempt(*, actor, application: Application, reason: str) -> Construction:
    """ "原则上实行项目监理制" (reading D53b): 大数据局 may record an exemption with reasons; under the alternative
    (strictly compulsory) none is possible."""
    application = _locked(Application, application.pk)
    require(access.can_review_procurement(actor), "只有县大数据局可以认定免于监理。")
    _in_plan(application)
    construction = _construction(application)
    if not construction.supervision_required:
        raise ServiceError("reason", "本项目不要求实行监理制，无需认定免于监理（1号 三、（三）3）。")
    if not ParameterTrace(document_start()).adopted("D53b"):
        raise ServiceError("reason", "按现行解读，项目监理制严格强制，不能免于监理（1号 三、（三）3）。")
    if construction.started_on or construction.supervision_filed_on or construction.exempted_on:
        raise ServiceError("reason", "监理已备案或项目已开工，不能再认定免于监理。")
    before = model_snapshot(construction)
    construction.exemption_reason = _text("reason", reason, "免于监理须写明理由。", max_length=300)
    construction.exempted_on, construction.exempted_by = business_date(), actor_user(actor)
    construction.save()
    _audit(actor, construction, before, note="认定免于监理")
    return construction


@transaction.atomic
def construction_start(
    *, actor, application: Application, started_on: dt.date, planned_acceptance_on: dt.date | None = None
) -> Construction:
    """The unit records the start of construction: the builder procured (5.1), the supervisor filed or exempted
    where supervision applies (5.3), no 暂停 or 终止 in force (5.6). `planned_acceptance_on`: the acceptance date of
    the approved plan (reading D69), the "期" of 6.9."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以登记开工。")
    _in_plan(application)
    _not_held(application)
    procurement = Procurement.objects.filter(application=application).first()
    if procurement is None or procurement.status != Procurement.Status.PROCURED:
        raise ServiceError(
            "started_on",
            "采购文件经县大数据局审核并完成政府采购、确定承建单位后才能开工（1号 三、（三）1）。",
        )
    construction = _construction(application)
    if construction.started_on:
        raise ServiceError("started_on", "已登记开工。")
    if not construction.supervision_settled:
        raise ServiceError(
            "started_on",
            "投资200万元（含）以上的信息化工程项目原则上实行监理制：开工前须确定监理单位并报县大数据局备案，"
            "或由县大数据局记录免于监理的理由（1号 三、（三）3）。",
        )
    started_on = _day("started_on", started_on, "开工日期")
    if started_on < procurement.procured_on:
        raise ServiceError("started_on", "开工日期不能早于采购完成日期。")
    if planned_acceptance_on is not None and planned_acceptance_on <= started_on:
        raise ServiceError("planned_acceptance_on", "计划完成验收日期须晚于开工日期。")
    if planned_acceptance_on is not None:
        _not_far("planned_acceptance_on", planned_acceptance_on, "计划完成验收日期", after=started_on)
    before = model_snapshot(construction)
    construction.started_on, construction.started_by = started_on, actor_user(actor)
    construction.planned_acceptance_on = planned_acceptance_on
    construction.save()
    _audit(actor, construction, before, note="登记开工")
    return construction


def _started(application: Application) -> Construction:
    construction = Construction.objects.filter(application=application).first()
    if construction is None or construction.started_on is None:
        raise ServiceError("status", "项目尚未开工。")
    return construction


# ---------------------------------------------------------------- 5.2c design changes


@transaction.atomic
def design_change_report(
    *, actor, application: Application, description: str, major: bool, budget_effect="0.00"
) -> DesignChange:
    """The unit reports a design change; a major one waits for approval and, until approved, blocks any additional
    investment (5.2c)."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以报告设计变更。")
    _started(application)
    _not_held(application)
    description = _text("description", description, "请填写变更内容。", max_length=4000)
    effect = _money(
        "budget_effect",
        "0" if budget_effect is None or budget_effect == "" else budget_effect,
        "对投资的影响",
        positive=False,
    )
    change = DesignChange.objects.create(
        application=application,
        description=description,
        major=bool(major),
        budget_effect=effect,
        status=DesignChange.Status.REPORTED if major else DesignChange.Status.NOT_MAJOR,
        reported_on=business_date(),
        reported_by=actor_user(actor),
    )
    _audit(actor, change, None, action=AuditEntry.Action.CREATE, note=str(change))
    if major:
        _tell_roles(
            {Role.BIG_DATA},
            subject="重大设计变更待审批",
            body=f"{application.unit}：{application.name}（1号 三、（三）2）。",
            source=application,
        )
    return change


@transaction.atomic
def design_change_decide(*, actor, change: DesignChange, approved: bool, opinion: str) -> DesignChange:
    change = _locked(DesignChange, change.pk)
    require(access.can_review_procurement(actor), "只有县大数据局可以审批重大设计变更。")
    if change.status != DesignChange.Status.REPORTED:
        raise ServiceError("status", "只有待审批的重大设计变更可以审批。")
    opinion = _text("opinion", opinion, "请填写审批意见。", max_length=300)
    before = model_snapshot(change)
    change.status = DesignChange.Status.APPROVED if approved else DesignChange.Status.REFUSED
    change.opinion, change.decided_on, change.decided_by = opinion, business_date(), actor_user(actor)
    change.save()
    _audit(actor, change, before, note="重大设计变更：" + ("批准" if approved else "不予批准"))
    _tell_unit(
        change.application, subject="重大设计变更" + ("已批准" if approved else "不予批准"), body=opinion
    )
    return change


# ---------------------------------------------------------------- 5.4–5.6 inspections, findings, sanctions


@transaction.atomic
def inspection_record(
    *,
    actor,
    application: Application,
    inspected_on: dt.date,
    participants: str,
    scope: str,
    findings: list[dict],
) -> Inspection:
    """5.4: 大数据局's inspection with its findings, each with a rectification deadline (5.5) and whether it is a
    重大问题 (the ground of a sanction, 5.6)."""
    application = _locked(Application, application.pk)
    require(access.can_inspect(actor), "只有县大数据局可以登记监督检查。")
    construction = _started(application)
    inspected_on = _day("inspected_on", inspected_on, "检查日期")
    if inspected_on < construction.started_on:
        raise ServiceError(
            "inspected_on", "检查日期不能早于开工日期（1号 三、（三）4：对建设过程的监督检查）。"
        )
    participants = _text(
        "participants", participants, "请填写参加检查的单位（财政、审计部门及技术支撑单位）。"
    )
    scope = _text("scope", scope, "请填写检查内容。", max_length=4000)
    inspection = Inspection.objects.create(
        application=application,
        inspected_on=inspected_on,
        participants=participants,
        scope=scope,
        recorded_by=actor_user(actor),
    )
    for index, finding in enumerate(findings or [], start=1):
        if not isinstance(finding, dict):
            raise ServiceError(f"finding_{index}", f"第{index}个问题应写明问题、是否重大和整改期限。")
        description = _text(
            f"finding_{index}", finding.get("description", ""), f"请填写第{index}个问题。", max_length=2000
        )
        rectify_by = finding.get("rectify_by")
        if not isinstance(rectify_by, dt.date) or rectify_by < inspected_on:
            raise ServiceError(
                f"rectify_by_{index}", f"第{index}个问题的整改期限须为检查日期当日或之后的日期。"
            )
        _not_far(f"rectify_by_{index}", rectify_by, f"第{index}个问题的整改期限", after=inspected_on)
        Finding.objects.create(
            inspection=inspection,
            description=description,
            major=bool(finding.get("major")),
            rectify_by=rectify_by,
        )
    _audit(
        actor,
        inspection,
        None,
        action=AuditEntry.Action.CREATE,
        note=f"监督检查，发现问题{len(findings or [])}个",
    )
    if findings:
        _tell_unit(
            application,
            subject="电子政务项目监督检查发现问题，请及时整改",
            body=f"{application.name}：{len(findings)}个问题（1号 三、（三）4）。",
        )
    return inspection


@transaction.atomic
def finding_rectify(*, actor, finding: Finding, rectification: str, rectified_on: dt.date) -> Finding:
    finding = _locked(Finding, finding.pk)
    application = finding.inspection.application
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以登记整改情况。")
    if finding.rectified_on:
        raise ServiceError("rectification", "该问题已登记整改。")
    before = model_snapshot(finding)
    finding.rectification = _text("rectification", rectification, "请填写整改情况。", max_length=4000)
    finding.rectified_on = _day("rectified_on", rectified_on, "整改完成日期")
    if finding.rectified_on < finding.inspection.inspected_on:
        raise ServiceError("rectified_on", "整改完成日期不能早于检查日期。")
    finding.rectified_by = actor_user(actor)
    finding.save()
    _audit(actor, finding, before, note="登记整改")
    _tell_roles(
        {Role.BIG_DATA}, subject="检查问题已整改", body=f"{application.name}：{finding}", source=application
    )
    return finding


@transaction.atomic
def sanction_propose(*, actor, finding: Finding, kind: str, reason: str) -> Sanction:
    """5.6: 大数据局 proposes one of the four sanctions (reading D56: any of them) on a 重大问题; it takes effect when
    县政府 approves it."""
    finding = _locked(Finding, finding.pk)
    application = finding.inspection.application
    require(access.can_inspect(actor), "只有县大数据局可以提出处理意见。")
    if kind not in Sanction.Kind.values:
        raise ServiceError("kind", "处理方式须为通报批评、暂缓拨付建设资金、暂停项目建设或终止项目。")
    if not finding.major:
        raise ServiceError(
            "kind", "只有监督检查认定为重大问题的，才能报县政府批准后予以处理（1号 三、（三）4）。"
        )
    if application.sanctions.filter(status=Sanction.Status.IN_FORCE, kind=Sanction.Kind.TERMINATE).exists():
        raise ServiceError("kind", "项目已终止。")
    if application.sanctions.filter(
        kind=kind, status__in=[Sanction.Status.PROPOSED, Sanction.Status.IN_FORCE]
    ).exists():
        raise ServiceError("kind", "同一处理方式已报批或正在执行。")
    sanction = Sanction.objects.create(
        application=application,
        finding=finding,
        kind=kind,
        reason=_text("reason", reason, "请填写处理理由。", max_length=2000),
        proposed_on=business_date(),
        proposed_by=actor_user(actor),
    )
    _audit(
        actor,
        sanction,
        None,
        action=AuditEntry.Action.CREATE,
        note=f"提出处理意见：{sanction.get_kind_display()}",
    )
    _tell_roles(
        {Role.COUNTY_GOVERNMENT},
        subject="电子政务项目重大问题处理待批准",
        body=f"{application.unit}：{application.name}，{sanction.get_kind_display()}（1号 三、（三）4）。",
        source=application,
    )
    return sanction


@transaction.atomic
def sanction_decide(*, actor, sanction: Sanction, approved: bool, reference: str = "") -> Sanction:
    """县政府 approves (or not) a proposed sanction; egov.sanction_allowed is stored with the decision."""
    sanction = _locked(Sanction, sanction.pk)
    require(access.can_approve_sanction(actor), "只有县政府可以批准对项目建设单位的处理。")
    if sanction.status != Sanction.Status.PROPOSED:
        raise ServiceError("status", "只有待批准的处理意见可以批准。")
    if approved:
        reference = _text("reference", reference, "请填写县政府批准文号。", max_length=100)
    terms = sanction_allowed_terms(
        sanction=sanction.kind, major_problem=sanction.finding.major, county_gov_approved=bool(approved)
    )
    before = model_snapshot(sanction)
    sanction.terms = _json(terms)
    sanction.status = Sanction.Status.IN_FORCE if terms.data["allowed"] else Sanction.Status.REFUSED
    sanction.approval_reference = (reference or "").strip()[:100]
    sanction.decided_on, sanction.decided_by = business_date(), actor_user(actor)
    sanction.save()
    _audit(actor, sanction, before, note=f"{sanction.get_kind_display()}：{sanction.get_status_display()}")
    if sanction.status == Sanction.Status.IN_FORCE:
        _tell_unit(
            sanction.application,
            subject=f"县政府批准：{sanction.get_kind_display()}",
            body=f"{sanction.application.name}：{sanction.reason}（1号 三、（三）4）。",
        )
        if sanction.kind == Sanction.Kind.WITHHOLD:
            _tell_roles(
                {Role.FINANCE},
                subject="电子政务项目暂缓拨付建设资金",
                body=f"{sanction.application.name}：解除前不予拨付（1号 三、（三）4）。",
                source=sanction.application,
            )
    return sanction


@transaction.atomic
def sanction_lift(*, actor, sanction: Sanction, reason: str) -> Sanction:
    """县政府 lifts 暂缓拨付 or 暂停 once rectified; 通报批评 stands and 终止 is final."""
    sanction = _locked(Sanction, sanction.pk)
    require(access.can_approve_sanction(actor), "只有县政府可以解除处理。")
    if sanction.status != Sanction.Status.IN_FORCE or sanction.kind not in LIFTABLE:
        raise ServiceError("status", "只有正在执行的暂缓拨付或暂停建设可以解除；终止为最终处理。")
    before = model_snapshot(sanction)
    sanction.lift_reason = _text("reason", reason, "请填写解除理由。", max_length=300)
    sanction.status, sanction.lifted_on, sanction.lifted_by = (
        Sanction.Status.LIFTED,
        business_date(),
        actor_user(actor),
    )
    sanction.save()
    _audit(actor, sanction, before, note=f"解除{sanction.get_kind_display()}")
    _tell_unit(
        sanction.application, subject=f"已解除{sanction.get_kind_display()}", body=sanction.lift_reason
    )
    return sanction


# ---------------------------------------------------------------- money (4.9, 5.1, 5.2c, 5.6, 6.10)


@transaction.atomic
def payment_record(
    *, actor, application: Application, kind: str, amount, paid_on: dt.date, note: str = "", once: str = ""
) -> Payment:
    """财政局 records money for a project only when egov.funding_allowed allows it; a post-acceptance payment is also
    capped by the settlement review's amount (reading D610). A refusal names every reason; nothing is written.
    `once`: the confirmation page's one-time token, kept in the audit row; the same token again (a replayed
    confirmation) is refused. The project's row lock makes two simultaneous confirmations wait for each other."""
    application = _locked(Application, application.pk)
    require(access.can_record_payment(actor), "只有县财政局可以登记拨款。")
    once = (once or "").strip()[:64]
    if once and AuditEntry.objects.filter(object_type="egov.Payment", after__confirmation=once).exists():
        raise ServiceError("once", "该拨款已经提交登记，未重复登记（每个确认页面只能提交一次）。")
    if kind not in Payment.Kind.values:
        raise ServiceError("kind", "资金类别须为列入预算安排资金、进度款、验收后付款或追加投资。")
    amount = _money("amount", amount, "金额")
    paid_on = _day("paid_on", paid_on, "拨付日期")
    if application.submitted_on and paid_on < application.submitted_on:
        # Money follows the plan (4.9), and the plan follows the application: a date before it is a typing error.
        raise ServiceError(
            "paid_on", f"拨付日期不能早于项目申报日期（{chinese_date(application.submitted_on)}）。"
        )
    terms = funding_allowed_terms(payment_kind=kind, **selectors.funding_inputs(application))
    if not terms.data["allowed"]:
        raise ServiceError(
            "kind", "不能拨付：" + "；".join(FUNDING_REASONS[r] for r in terms.data["reasons"]) + "。"
        )
    passed = application.final_acceptances.filter(status=FinalAcceptance.Status.PASSED).first()
    if passed is not None and kind != Payment.Kind.POST_ACCEPTANCE and paid_on >= passed.decided_on:
        # D610 lets progress payments run before acceptance; money paid after it, whatever it is called, rests on the
        # settlement review and its cap (6.10) — another kind must not carry it past both.
        raise ServiceError(
            "kind",
            f"项目已于{chinese_date(passed.decided_on)}通过竣工验收，此后的拨款以结算评审为依据，"
            "请按“验收后拨款”登记（1号 三、（四）2）。",
        )
    if kind == Payment.Kind.POST_ACCEPTANCE and passed is not None and paid_on < passed.decided_on:
        raise ServiceError(
            "paid_on", f"验收后拨款的拨付日期不能早于竣工验收日期（{chinese_date(passed.decided_on)}）。"
        )
    if kind == Payment.Kind.POST_ACCEPTANCE:
        settled = application.settlement_review.settled_amount
        paid = sum(
            (p.amount for p in application.payments.exclude(kind=Payment.Kind.BUDGET_ALLOCATION)),
            start=Decimal("0.00"),
        )
        if paid + amount > settled:
            raise ServiceError(
                "amount",
                f"验收后付款以结算评审为依据：结算审定金额{settled}元，已拨付{paid}元，本次最多{max(settled - paid, 0)}元"
                "（1号 三、（四）2）。",
            )
    payment = Payment.objects.create(
        application=application,
        kind=kind,
        amount=amount,
        paid_on=paid_on,
        note=(note or "").strip()[:200],
        terms=_json(terms),
        recorded_by=actor_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=payment,
        after={**model_snapshot(payment), **({"confirmation": once} if once else {})},
        note=f"登记{payment.get_kind_display()}",
    )
    return payment


# ---------------------------------------------------------------- 6.2–6.3 preliminary acceptance


@transaction.atomic
def preliminary_acceptance_record(
    *,
    actor,
    application: Application,
    new_software: bool,
    trial_start_on: dt.date,
    accepted_on: dt.date,
    security_assessment,
    testing_body: str = "",
    test_report=None,
    exemption_reason: str = "",
) -> PreliminaryAcceptance:
    """6.2–6.3: the unit's preliminary acceptance after the trial run; newly developed software needs the testing
    body's report and a trial run of ≥ 3 months (egov.trial_run_satisfied) unless a reason is recorded ("原则上")."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以组织初步验收。")
    construction = _started(application)
    _not_held(application)
    if PreliminaryAcceptance.objects.filter(application=application).exists():
        raise ServiceError("accepted_on", "初步验收已登记。")
    trial_start_on = _day("trial_start_on", trial_start_on, "试运行开始日期")
    accepted_on = _day("accepted_on", accepted_on, "初步验收日期")
    if trial_start_on < construction.started_on:
        raise ServiceError("trial_start_on", "试运行开始日期不能早于开工日期。")
    if accepted_on < trial_start_on:
        raise ServiceError(
            "accepted_on", "初步验收日期不能早于试运行开始日期（1号 三、（四）1：试运行后初步验收）。"
        )
    exemption_reason = (exemption_reason or "").strip()[:300]
    trial = trial_run_satisfied_terms(
        trial_start_on=trial_start_on,
        preliminary_acceptance_on=accepted_on,
        new_software=bool(new_software),
        exemption_recorded=bool(exemption_reason),
    )
    if not trial.data["satisfied"]:
        earliest = trial.data["earliest_on"]
        raise ServiceError(
            "accepted_on",
            f"新开发的应用软件试运行期原则上不少于3个月：试运行自{trial_start_on:%Y年%-m月%-d日}起，"
            f"最早{earliest:%Y年%-m月%-d日}可初步验收；不满3个月的须写明理由（1号 三、（四）1）。",
        )
    testing_body = (testing_body or "").strip()[:120]
    if new_software:
        if not testing_body:
            raise ServiceError(
                "testing_body",
                "新开发的应用软件须委托有资质的评测评估机构测试，请填写机构名称（1号 三、（四）1）。",
            )
        _check_upload("test_report", test_report)
    elif test_report is not None:
        _check_upload("test_report", test_report)  # optional here, but a file kept is checked like any other
    _check_upload("security_assessment", security_assessment)
    preliminary = PreliminaryAcceptance(
        application=application,
        new_software=bool(new_software),
        trial_start_on=trial_start_on,
        accepted_on=accepted_on,
        exemption_reason=exemption_reason,
        testing_body=testing_body,
        trial_run=_with(_json(trial), cite.PRELIMINARY),
        recorded_by=actor_user(actor),
    )
    if test_report is not None:
        preliminary.test_report.save(test_report.name, test_report, save=False)
    preliminary.security_assessment.save(security_assessment.name, security_assessment, save=False)
    preliminary.save()
    _audit(actor, preliminary, None, action=AuditEntry.Action.CREATE, note="登记初步验收")
    return preliminary


# ---------------------------------------------------------------- 6.4–6.8 final acceptance and its clock


@transaction.atomic
def checklist_item_add(*, actor, name: str) -> AcceptanceChecklistItem:
    """An item of 附件7's materials list as the published attachment prints it (administered, never invented)."""
    require(access.can_upload_template(actor), "只有系统管理员或县大数据局可以录入验收材料清单。")
    name = _text("name", name, "请填写材料名称。", max_length=120)
    if AcceptanceChecklistItem.objects.filter(name=name).exists():
        raise ServiceError("name", "该材料已在清单中。")
    position = (AcceptanceChecklistItem.objects.aggregate(p=Max("position"))["p"] or 0) + 1
    item = AcceptanceChecklistItem.objects.create(name=name, position=position, entered_by=actor_user(actor))
    _audit(actor, item, None, action=AuditEntry.Action.CREATE, note="录入附件7验收材料")
    return item


def _due(acceptance: FinalAcceptance) -> dt.date | None:
    return selectors.acceptance_clock_state(acceptance).due


def _item_ids(field: str, values) -> list[int]:
    """The checklist items a caller names: integers (a page posts them as digits); anything else is refused."""
    ids = []
    for value in values or []:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ServiceError(field, "请从附件7材料清单中选择。")
        ids.append(int(text))
    return ids


def _materials(received: list[int] | None) -> dict:
    items = list(AcceptanceChecklistItem.objects.filter(active=True))
    if not items:
        raise ServiceError(
            "materials",
            "附件7《电子政务建设项目验收工作大纲》的材料清单尚未由管理员录入，暂不能申请竣工验收。",
        )
    wanted = set(_item_ids("materials", received))
    return {str(item.pk): {"name": item.name, "received": item.pk in wanted} for item in items}


def _materials_complete(acceptance: FinalAcceptance, on: dt.date) -> None:
    """The day the materials are complete: the clock runs from the next working day, or from that day under the
    alternative of reading D65 (6.5). The answer is the one in force on the day the clock first started: a restart
    after materials found incomplete keeps it (the clock's counting does not change under it), and the stored due
    date follows it (selectors.acceptance_clock)."""
    acceptance.materials_complete_on = on
    acceptance.status = FinalAcceptance.Status.RUNNING
    if "D65" in (acceptance.policy_basis.get("readings") or {}):
        return
    terms = acceptance_due_terms(materials_complete_on=on)
    result = _with(_json(terms), cite.FINAL_APPLY, cite.ACCEPTANCE_LIMIT)
    acceptance.citations = result["citations"]
    acceptance.policy_basis = {"readings": result["reading_answers"], "changes": result["policy_changes"]}


@transaction.atomic
def final_acceptance_apply(
    *, actor, application: Application, received: list[int], rectification_plan: str = ""
) -> FinalAcceptance:
    """6.4: after preliminary acceptance the unit applies with the materials of 附件7. Complete, the clock runs; not
    complete, it is stopped from the application day until they are (6.5). After a failed acceptance the unit
    re-applies with its rectification plan (6.7)."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以申请竣工验收。")
    _not_held(application)
    if not PreliminaryAcceptance.objects.filter(application=application).exists():
        raise ServiceError("materials", "完成初步验收后才能申请竣工验收（1号 三、（四）2）。")
    previous = application.final_acceptances.order_by("-attempt").first()
    if previous is not None and previous.status != FinalAcceptance.Status.FAILED:
        raise ServiceError("materials", f"竣工验收已申请（{previous.get_status_display()}），不能重复申请。")
    if previous is not None:
        rectification_plan = _text(
            "rectification_plan",
            rectification_plan,
            "重新申请竣工验收须写明整改方案和整改情况（1号 三、（四）2）。",
            max_length=4000,
        )
    today = business_date()
    days = ParameterTrace(today).get("egov.acceptance.working_days")
    acceptance = FinalAcceptance(
        application=application,
        attempt=(previous.attempt + 1) if previous else 1,
        status=FinalAcceptance.Status.INCOMPLETE,
        applied_on=today,
        applied_by=actor_user(actor),
        materials=_materials(received),
        working_days=days,
        rectification_plan=(rectification_plan or "").strip(),
        citations=[cite.FINAL_APPLY.as_dict(), cite.ACCEPTANCE_LIMIT.as_dict()],
    )
    if not acceptance.missing:
        _materials_complete(acceptance, today)
    acceptance.save()
    if acceptance.missing:
        FinalAcceptanceStop.objects.create(
            acceptance=acceptance, start=today, reason="验收材料不齐：" + "、".join(acceptance.missing)
        )
    acceptance.due_on = _due(acceptance)
    acceptance.save(update_fields=["due_on"])
    _audit(
        actor,
        acceptance,
        None,
        action=AuditEntry.Action.CREATE,
        note=f"申请竣工验收（第{acceptance.attempt}次）",
    )
    _tell_roles(
        {Role.BIG_DATA},
        subject="电子政务项目竣工验收申请",
        body=f"{application.unit}：{application.name}，"
        + (
            "材料齐全，验收期限" + f"{acceptance.due_on:%Y年%-m月%-d日}"
            if acceptance.due_on
            else "材料不齐，停止计时"
        )
        + "（1号 三、（四）2）。",
        source=application,
    )
    return acceptance


@transaction.atomic
def final_acceptance_materials(*, actor, acceptance: FinalAcceptance, received: list[int]) -> FinalAcceptance:
    """大数据局 records the materials received; once every item of 附件7 is in, the clock restarts (the day itself not
    counted) and its due date is set."""
    acceptance = _locked(FinalAcceptance, acceptance.pk)
    require(access.can_accept(actor), "只有县大数据局可以确认验收材料。")
    if acceptance.status != FinalAcceptance.Status.INCOMPLETE:
        raise ServiceError("materials", "只有材料不齐的验收申请可以补齐材料。")
    before = model_snapshot(acceptance)
    wanted = {str(i) for i in _item_ids("materials", received)}
    for key, item in acceptance.materials.items():
        item["received"] = item["received"] or key in wanted
    today = business_date()
    if not acceptance.missing:
        stop = acceptance.stops.select_for_update().get(end__isnull=True)
        selectors.acceptance_clock(acceptance).resumed(
            on=today
        )  # core's check: stopped, not resumed before the stop began
        stop.end = today
        stop.save(update_fields=["end"])
        _materials_complete(acceptance, today)
        acceptance.due_on = _due(acceptance)
    acceptance.save()
    _audit(
        actor,
        acceptance,
        before,
        note="验收材料已收齐，开始计时" if not acceptance.missing else "补充验收材料",
    )
    if not acceptance.missing:
        _tell_unit(
            acceptance.application,
            subject="竣工验收材料已收齐",
            body=f"{acceptance.application.name}：验收期限{acceptance.due_on:%Y年%-m月%-d日}（1号 三、（四）2）。",
        )
    return acceptance


@transaction.atomic
def final_acceptance_incomplete(
    *, actor, acceptance: FinalAcceptance, missing: list[int], reason: str
) -> FinalAcceptance:
    """Materials found incomplete while the clock runs: it stops from today until they are complete again."""
    acceptance = _locked(FinalAcceptance, acceptance.pk)
    require(access.can_accept(actor), "只有县大数据局可以确认验收材料。")
    if acceptance.status != FinalAcceptance.Status.RUNNING:
        raise ServiceError("missing", "只有正在计时的验收可以停止计时。")
    keys = {str(i) for i in _item_ids("missing", missing)} & set(acceptance.materials)
    if not keys:
        raise ServiceError("missing", "请选择不齐的材料（附件7清单中的项目）。")
    reason = _text("reason", reason, "请写明材料不齐的情况。", max_length=250)
    today = business_date()
    selectors.acceptance_clock(acceptance).suspended(on=today, reason=reason)  # core's check
    before = model_snapshot(acceptance)
    for key in keys:
        acceptance.materials[key]["received"] = False
    acceptance.status, acceptance.due_on = FinalAcceptance.Status.INCOMPLETE, None
    acceptance.save()
    FinalAcceptanceStop.objects.create(acceptance=acceptance, start=today, reason=reason)
    _audit(actor, acceptance, before, note=f"验收材料不齐，停止计时：{reason}")
    _tell_unit(
        acceptance.application,
        subject="竣工验收材料不齐，请补齐",
        body=f"{acceptance.application.name}：{reason}",
    )
    return acceptance


@transaction.atomic
def final_acceptance_decide(
    *,
    actor,
    acceptance: FinalAcceptance,
    key_params_match_plan: bool,
    catalogue_on_sharing_platform: bool,
    report_number: str,
    rectify_by: dt.date | None = None,
) -> FinalAcceptance:
    """6.5–6.7: 大数据局's conclusion by egov.acceptance_passes (the fail conditions of 6.6), with the report number;
    a failed project is rectified by `rectify_by` and applied for again. Whether it was on time is stored."""
    acceptance = _locked(FinalAcceptance, acceptance.pk)
    require(access.can_accept(actor), "只有县大数据局可以组织竣工验收。")
    if acceptance.status != FinalAcceptance.Status.RUNNING:
        raise ServiceError("status", "验收材料收齐并开始计时后才能作出验收结论（1号 三、（四）2）。")
    report_number = _text(
        "report_number", report_number, "请填写《电子政务建设项目竣工验收报告》编号。", max_length=100
    )
    result = acceptance_passes_terms(
        preliminary_done=True,
        key_params_match_plan=bool(key_params_match_plan),
        catalogue_on_sharing_platform=bool(catalogue_on_sharing_platform),
    )
    today = business_date()
    if not result.data["passes"]:
        if not isinstance(rectify_by, dt.date) or rectify_by <= today:
            raise ServiceError(
                "rectify_by", "验收不合格的，须确定整改期限（今天之后的日期）（1号 三、（四）2）。"
            )
        _not_far("rectify_by", rectify_by, "整改期限", after=today)
    before = model_snapshot(acceptance)
    acceptance.key_params_match_plan = bool(key_params_match_plan)
    acceptance.catalogue_on_sharing_platform = bool(catalogue_on_sharing_platform)
    acceptance.result = _with(_json(result), FAIL_CONDITIONS, cite.REAPPLY)
    acceptance.report_number = report_number
    acceptance.decided_on, acceptance.decided_by = today, actor_user(actor)
    acceptance.on_time = acceptance.due_on is not None and today <= acceptance.due_on
    if result.data["passes"]:
        acceptance.status = FinalAcceptance.Status.PASSED
    else:
        acceptance.status, acceptance.rectify_by = FinalAcceptance.Status.FAILED, rectify_by
    acceptance.save()
    _audit(actor, acceptance, before, note=f"竣工验收结论：{acceptance.get_status_display()}")
    reasons = {
        "key_parameters_differ": "主要技术参数指标与项目审核意见确定的建设方案不一致",
        "catalogue_not_on_platform": "未将项目信息资源目录纳入政务信息资源共享交换平台目录管理系统",
    }
    _tell_unit(
        acceptance.application,
        subject=f"竣工验收：{acceptance.get_status_display()}",
        body=f"{acceptance.application.name}："
        + ("；".join(reasons[r] for r in result.data["reasons"] if r in reasons) or "验收合格")
        + "（1号 三、（四）2）。",
    )
    if result.data["passes"]:
        _tell_roles(
            {Role.FINANCE},
            subject="电子政务项目已通过竣工验收，待委托结算评审",
            body=f"{acceptance.application.unit}：{acceptance.application.name}（1号 三、（四）2）。",
            source=acceptance.application,
        )
    return acceptance


@transaction.atomic
def project_put_into_use(*, actor, application: Application, on: dt.date) -> FinalAcceptance:
    """6.8: a project not accepted, or failed, may not be put into use."""
    application = _locked(Application, application.pk)
    _own_unit_or_system(actor, application, "只有本项目的建设单位可以登记投入使用。")
    passed = application.final_acceptances.filter(status=FinalAcceptance.Status.PASSED).first()
    if passed is None:
        raise ServiceError("on", "未经验收或验收不合格的项目，不得投入使用（1号 三、（四）2）。")
    if passed.in_use_on:
        raise ServiceError("on", "已登记投入使用。")
    on = _day("on", on, "投入使用日期")
    if on < passed.decided_on:
        raise ServiceError("on", "投入使用日期不能早于竣工验收日期（1号 三、（四）2）。")
    before = model_snapshot(passed)
    passed.in_use_on = on
    passed.save(update_fields=["in_use_on"])
    _audit(actor, passed, before, note="投入使用")
    return passed


# ---------------------------------------------------------------- 6.10 settlement review


@transaction.atomic
def settlement_review_record(
    *,
    actor,
    application: Application,
    reviewer: str,
    commissioned_on: dt.date,
    completed_on: dt.date,
    settled_amount,
    conclusion: str = "",
) -> SettlementReview:
    """6.10: after final acceptance 财政局 records the third party's settlement review, the basis (and cap) of the
    payments after acceptance."""
    application = _locked(Application, application.pk)
    require(access.can_record_payment(actor), "只有县财政局可以登记结算评审。")
    passed = application.final_acceptances.filter(status=FinalAcceptance.Status.PASSED).first()
    if passed is None:
        raise ServiceError(
            "reviewer", "项目竣工验收后，县财政部门才委托第三方中介机构进行结算评审（1号 三、（四）2）。"
        )
    if SettlementReview.objects.filter(application=application).exists():
        raise ServiceError("reviewer", "结算评审已登记。")
    commissioned_on = _day("commissioned_on", commissioned_on, "委托日期")
    completed_on = _day("completed_on", completed_on, "结算评审完成日期")
    if commissioned_on < passed.decided_on:
        raise ServiceError("commissioned_on", "委托日期不能早于竣工验收日期（1号 三、（四）2）。")
    if completed_on < commissioned_on:
        raise ServiceError("completed_on", "结算评审完成日期不能早于委托日期。")
    review = SettlementReview.objects.create(
        application=application,
        acceptance=passed,
        reviewer=_text("reviewer", reviewer, "请填写第三方中介机构。", max_length=120),
        commissioned_on=commissioned_on,
        completed_on=completed_on,
        settled_amount=_money("settled_amount", settled_amount, "结算审定金额"),
        conclusion=(conclusion or "").strip()[:4000],
        recorded_by=actor_user(actor),
        citations=[SETTLEMENT_REVIEW.as_dict()],
    )
    _audit(actor, review, None, action=AuditEntry.Action.CREATE, note="登记结算评审")
    _tell_unit(
        application,
        subject="结算评审已完成",
        body=f"{application.name}：结算审定金额{review.settled_amount}元。",
    )
    return review


# ---------------------------------------------------------------- the acceptance clock's reminders (daily)


@transaction.atomic
def acceptance_clock_sweep(
    *, actor="system", on: dt.date | None = None, remind_within: int = 3
) -> dict[str, int]:
    """Remind 大数据局 when a running final acceptance has `remind_within` working days or fewer left, and escalate
    once the 20 working days have passed (6.5); one notice per acceptance, kind and organisation (core
    clock_notice_send), so running it twice on a day adds nothing. A stopped clock reminds nobody (the builder's
    turn). `remind_within` is the platform's reminder window, not a figure of 1号."""
    from countyhall.core.actors import as_actor
    from countyhall.core.clocks import ESCALATION, REMINDER, clock_alert
    from countyhall.core.services.clocks import clock_notice_send
    from countyhall.egov.models import FinalAcceptanceNotice

    actor = as_actor(actor)
    require(access.can_run_sweep(actor), "验收时限提醒由每日系统任务运行。")
    on = on or business_date()
    departments = list(
        Organisation.objects.filter(users__role_grants__role=Role.BIG_DATA, users__is_active=True).distinct()
    )
    created = {REMINDER: 0, ESCALATION: 0}
    running = FinalAcceptance.objects.filter(status=FinalAcceptance.Status.RUNNING).select_related(
        "application"
    )
    for acceptance in running.prefetch_related("stops"):
        state = selectors.acceptance_clock_state(acceptance, on=on)
        alert = clock_alert(state, remind_within=remind_within)
        if alert is None:
            continue
        name = acceptance.application.name
        message = (
            f"{name}：竣工验收已超过{state.limit}个工作日（期限{state.due:%Y年%-m月%-d日}），请督办（1号 三、（四）2）。"
            if alert == ESCALATION
            else f"{name}：竣工验收剩余{state.remaining}个工作日，{state.due:%Y年%-m月%-d日}到期（1号 三、（四）2）。"
        )
        for organisation in departments:
            created[alert] += clock_notice_send(
                FinalAcceptanceNotice,
                key={"acceptance": acceptance},
                kind=alert,
                organisation=organisation,
                due=state.due,
                message=message,
                on=on,
            )
    if any(created.values()):
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            object_type="egov.FinalAcceptanceNotice",
            object_repr=f"验收时限提醒 {on}",
            after={"on": on.isoformat(), **created},
        )
    return created
