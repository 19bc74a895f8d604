"""The e-government pages (thin): the applications list (a unit's own, or the county's as 大数据局's inbox), the
application form, the application page with the step its reader acts on, the annual plan with its versions, the
templates. Who may do what is egov.access; scope is egov.selectors; every write is a service."""

from __future__ import annotations

import re
import secrets
from pathlib import PurePath

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.tables import Column, Table
from countyhall.core.web import PostActions, bad_request, form_data, save_form
from countyhall.egov import access, forms, selectors, services
from countyhall.egov.models import (
    AcceptanceChecklistItem,
    AnnualPlan,
    Application,
    ApplicationDocument,
    CloudResourceRequest,
    FinalAcceptance,
    Finding,
    PlanYear,
    PreliminaryAcceptance,
    Procurement,
    Review,
    Template,
)
from countyhall.egov.services import REASON_LABELS, submission_problems


def _need(user) -> None:
    if not access.can_open(user):
        raise PermissionDenied("当前角色无权使用电子政务项目模块。")


COLUMNS = [
    Column("name", "项目名称", sort="name"),
    Column("unit", "申报单位", value=lambda a: str(a.unit), sort="unit__name"),
    Column("plan_year", "计划年度", value=lambda a: a.plan_year.year, sort="plan_year__year"),
    Column(
        "planned_investment",
        "计划投资（元）",
        value=lambda a: a.planned_investment,
        sort="planned_investment",
    ),
    Column("components", "组成", value=lambda a: "、".join(a.components)),
    Column("status", "状态", value=lambda a: a.get_status_display(), sort="status"),
    Column("submitted_on", "申报日期", value=lambda a: a.submitted_on or "", sort="submitted_on"),
    Column("outcome", "年度计划结果", value=lambda a: a.outcome, default=False),
]


@login_required
def application_list(request):
    _need(request.user)
    user = request.user
    applications = selectors.application_queryset_for_user(user)
    years = list(PlanYear.objects.values_list("year", flat=True))
    year = request.GET.get("year", "").strip()
    if year:
        if not year.isascii() or not year.isdigit() or int(year) not in years:
            return bad_request(request, field="计划年度", message="应为已开启的计划年度。")
        applications = applications.filter(plan_year__year=int(year))
    status = request.GET.get("status", "").strip()
    if status:
        if status not in Application.Status.values:
            return bad_request(request, field="状态", message="应为列表中的状态之一。")
        applications = applications.filter(status=status)
    waiting = request.GET.get("waiting", "").strip()
    keys = selectors.inbox_keys_for(user)
    if waiting:
        if waiting not in keys:
            return bad_request(request, field="待办", message="应为本人待办的环节之一。")
        applications = applications.filter(selectors.INBOX[waiting][1])
    q = request.GET.get("q", "").strip()[:60]
    if q:
        applications = applications.filter(name__icontains=q) | applications.filter(unit__name__icontains=q)
    table = Table(request, applications, columns=COLUMNS, default_sort="-submitted_on")
    if table.export_requested:
        return table.export(filename="电子政务建设项目申报.csv")
    counts = selectors.inbox_counts(user)
    return render(
        request,
        "egov/application_list.html",
        {
            "table": table,
            "years": years,
            "statuses": Application.Status.choices,
            "selected": {"year": year, "status": status, "waiting": waiting, "q": q},
            "inbox": [(key, selectors.INBOX[key][0], counts.get(key, 0)) for key in keys],
            "can_apply": access.can_apply(user),
            "plan_year": selectors.current_plan_year(),
            "templates": selectors.latest_templates(),
            "own_only": not access.can_see_all(user),
        },
    )


@login_required
def application_new(request):
    _need(request.user)
    if not access.can_apply(request.user):
        raise PermissionDenied("只有预算单位（项目申报单位）可以申报电子政务建设项目。")
    plan_year = selectors.current_plan_year()
    if plan_year is None:
        messages.error(request, "县大数据局尚未开启计划年度，暂不能申报。")
        return redirect("egov:applications")
    form = forms.ApplicationForm(request.POST or None)
    created = []
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: created.append(
            services.application_create(actor=request.user, plan_year=plan_year, **form.service_values())
        ),
        success="已保存草稿；请上传三份申报材料后提交。",
    ):
        return redirect("egov:application", pk=created[0].pk)
    return render(
        request,
        "egov/application_form.html",
        {"form": form, "plan_year": plan_year, "templates": selectors.latest_templates()},
    )


@login_required
def application_edit(request, pk: int):
    _need(request.user)
    application = selectors.application_get_for_user(request.user, pk)
    if application is None:
        raise Http404
    if not access.can_edit_application(request.user, application):
        raise PermissionDenied("只能修改本单位尚未提交的申报。")
    form = forms.ApplicationForm(request.POST or None, initial=forms.ApplicationForm.initial_for(application))
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: services.application_update(
            actor=request.user, application=application, **form.service_values()
        ),
        success="已保存。",
    ):
        return redirect("egov:application", pk=application.pk)
    return render(
        request,
        "egov/application_form.html",
        {
            "form": form,
            "plan_year": application.plan_year,
            "application": application,
            "templates": selectors.latest_templates(),
        },
    )


class KeptPostActions(PostActions):
    """The page's actions, keeping what was typed when one is refused: the page redirects back to itself, and a
    fiscal signature refused for its amount came back with the opinion and the choice blank (the walk of issue 14).
    The typed values wait in the session for the next view of the same project; the confirmation box is not kept
    (the person ticks it again) and neither are files."""

    SKIP = frozenset({"csrfmiddlewaretoken", "action", "anchor", "confirmed", "confirm", "once"})

    def run(self, request, obj, *, url: str):
        from django.contrib.messages import ERROR, get_messages

        response = super().run(request, obj, url=url)
        storage = get_messages(request)
        refused = any(m.level == ERROR for m in getattr(storage, "_queued_messages", []))
        if refused:
            request.session["egov_kept"] = {
                "pk": obj.pk,
                "action": request.POST.get("action", ""),
                "values": {k: v for k, v in request.POST.items() if k not in self.SKIP},
            }
        return response


def _kept(request, application) -> tuple[str, dict]:
    """The action refused on this project's last post and what was typed in it (once), or ("", {})."""
    kept = request.session.pop("egov_kept", None)
    if not kept or kept.get("pk") != application.pk:
        return "", {}
    return kept.get("action", ""), kept.get("values", {})


ACTIONS = KeptPostActions()


# A hand-made POST (or a stale tab) may name an act whose record does not exist yet: a message, never a 500.
def _review_required(application) -> Review:
    review = _review_of(application)
    if review is None:
        raise ServiceError("status", "该项目尚未开始评审。")
    return review


def _procurement_required(application) -> Procurement:
    procurement = Procurement.objects.filter(application=application).first()
    if procurement is None:
        raise ServiceError("status", "本项目尚未报送采购文件。")
    return procurement


def _acceptance_required(application) -> FinalAcceptance:
    acceptance = selectors.latest_acceptance(application)
    if acceptance is None:
        raise ServiceError("status", "本项目尚未申请竣工验收。")
    return acceptance


@ACTIONS("document")
def _document(request, application):
    data = form_data(forms.DocumentForm(request.POST, request.FILES))
    services.document_upload(
        actor=request.user, application=application, attachment=data["attachment"], file=data["file"]
    )
    return "材料已上传。"


@ACTIONS("submit")
def _submit(request, application):
    data = form_data(forms.SubmitForm(request.POST))
    application = services.application_submit(actor=request.user, application=application, late=data["late"])
    return f"已提交：{application.get_status_display()}。"


@ACTIONS("assess")
def _assess(request, application):
    data = form_data(forms.AssessForm(request.POST))
    services.application_assess(actor=request.user, application=application, **data)
    return "已记录。"


@ACTIONS("secrecy")
def _secrecy(request, application):
    data = form_data(forms.SecrecyForm(request.POST))
    services.secrecy_confirm(
        actor=request.user,
        application=application,
        confirmed=data["decision"] == "yes",
        opinion=data["opinion"],
    )
    return "保密审查意见已记录。"


@ACTIONS("development")
def _development(request, application):
    data = form_data(forms.DevelopmentForm(request.POST))
    services.development_approval_record(actor=request.user, application=application, **data)
    return "立项审批已登记。"


@ACTIONS("file")
def _file(request, application):
    services.filing_acknowledge(actor=request.user, application=application)
    return "已备案。"


@ACTIONS("review_start")
def _review_start(request, application):
    data = form_data(forms.ReviewStartForm(request.POST))
    review = services.review_start(
        actor=request.user,
        application=application,
        migration_completed_as_required=data["migration_completed_as_required"] == "yes",
        legal_exception_basis=data["legal_exception_basis"],
        special_circumstance_accepted=data["special_circumstance_accepted"],
        special_circumstance_note=data["special_circumstance_note"],
        mode=data["mode"],
        mode_reason=data["mode_reason"],
        reviewer=data["reviewer"],
    )
    if not review.admissible:
        return "审查结论：不予审批，已通知申报单位。"
    return f"准予评审：{review.get_mode_display()}。"


@ACTIONS("step")
def _step(request, application):
    data = form_data(forms.StepForm(request.POST))
    review = _review_required(application)
    services.onsite_step_record(actor=request.user, review=review, step=review.steps.count() + 1, **data)
    return "现场评审步骤已记录。"


@ACTIONS("report")
def _report(request, application):
    data = form_data(forms.ReportForm(request.POST, request.FILES))
    services.report_upload(
        actor=request.user,
        review=_review_required(application),
        file=data["report"],
        conclusion=data["conclusion"],
    )
    return "评审报告已上传。"


@ACTIONS("sign_technical")
def _sign_technical(request, application):
    data = form_data(forms.SignForm(request.POST))
    services.sign_technical(
        actor=request.user,
        review=_review_required(application),
        supported=data["supported"] == "yes",
        opinion=data["opinion"],
    )
    return "技术审核意见已会签。"


@ACTIONS("sign_fiscal")
def _sign_fiscal(request, application):
    data = form_data(forms.FiscalSignForm(request.POST))
    supported = data["supported"] == "yes"
    services.sign_fiscal(
        actor=request.user,
        review=_review_required(application),
        supported=supported,
        opinion=data["opinion"],
        approved_investment=data["approved_investment"] if supported else None,
    )
    return "财政审核意见已会签。"


# ---------------------------------------------------------------- construction and acceptance (三、（三）—（四）)
# The project page's second half: each handler is a thin adapter over one service; the irreversible ones pass
# through a confirmation page first (CONFIRM).

CONFIRM = {
    # The review's gate decisions end an application when they refuse it (3.5, 4.3): no undo, so they are confirmed
    # like the construction ones (the walk of issue 14 found them one click away).
    "secrecy": ("作出保密审查结论", "审查结论作出后不能撤回；不予确认的涉密项目不进入评审。"),
    "review_start": (
        "作出准予评审审查结论",
        "审查结论作出后不能撤回；不予审批的，申报单位将收到通知，项目不再进入评审。",
    ),
    "procurement_review": ("审核采购文件", "审核结论作出后不能撤回；通过的，交易中心即可组织采购。"),
    "procurement_record": ("登记采购结果", "登记后不能修改承建单位和合同金额。"),
    "start": ("登记开工", "开工后不能再办理开工前的监理备案。"),
    "sanction_decide": ("县政府批准处理", "批准后立即执行；终止项目为最终处理。"),
    "sanction_lift": ("解除处理", "解除后恢复拨款或建设。"),
    "payment": ("登记拨款", "拨款登记不能删除。"),
    "acceptance_decide": ("作出竣工验收结论", "验收结论作出后不能撤回，计时结束。"),
    "in_use": ("登记投入使用", "登记后不能撤回。"),
    "settlement": ("登记结算评审", "结算审定金额是验收后拨款的依据，登记后不能修改。"),
}


def _posted(request, name: str, queryset, label: str):
    from countyhall.core.web import posted_id

    obj = queryset.filter(pk=posted_id(request.POST.get(name), label)).first()
    if obj is None:
        raise ServiceError(name, f"{label}不存在。")
    return obj


@ACTIONS("procurement_submit")
def _procurement_submit(request, application):
    data = form_data(forms.ProcurementSubmitForm(request.POST, request.FILES))
    services.procurement_submit(actor=request.user, application=application, file=data["file"])
    return "采购文件已报送县大数据局审核。"


@ACTIONS("procurement_review")
def _procurement_review(request, application):
    data = form_data(forms.DecisionForm(request.POST))
    services.procurement_review(
        actor=request.user,
        procurement=_procurement_required(application),
        approved=data["approved"] == "yes",
        opinion=data["opinion"],
    )
    return "采购文件审核意见已记录。"


@ACTIONS("procurement_record")
def _procurement_record(request, application):
    data = form_data(forms.ProcurementRecordForm(request.POST))
    services.procurement_record(actor=request.user, procurement=_procurement_required(application), **data)
    return "采购结果已登记。"


@ACTIONS("cloud")
def _cloud(request, application):
    data = form_data(forms.CloudRequestForm(request.POST, request.FILES))
    services.cloud_request_submit(actor=request.user, application=application, **data)
    return "政务云资源申请已报送。"


@ACTIONS("cloud_decide")
def _cloud_decide(request, application):
    data = form_data(forms.CloudDecisionForm(request.POST))
    cloud = _posted(request, "request", application.cloud_requests.all(), "政务云资源申请")
    services.cloud_request_decide(
        actor=request.user, request=cloud, approved=data["approved"] == "yes", opinion=data["opinion"]
    )
    return "审批意见已记录。"


@ACTIONS("supervision")
def _supervision(request, application):
    data = form_data(forms.SupervisionForm(request.POST))
    services.supervision_file(actor=request.user, application=application, **data)
    return "监理单位已备案。"


@ACTIONS("exempt")
def _exempt(request, application):
    data = form_data(forms.ExemptForm(request.POST))
    services.supervision_exempt(actor=request.user, application=application, reason=data["reason"])
    return "已记录免于监理的理由。"


@ACTIONS("start")
def _start(request, application):
    data = form_data(forms.StartForm(request.POST))
    services.construction_start(actor=request.user, application=application, **data)
    return "已登记开工。"


@ACTIONS("design_change")
def _design_change(request, application):
    data = form_data(forms.DesignChangeForm(request.POST))
    services.design_change_report(actor=request.user, application=application, **data)
    return "设计变更已报告。"


@ACTIONS("design_decide")
def _design_decide(request, application):
    data = form_data(forms.DesignDecisionForm(request.POST))
    change = _posted(request, "change", application.design_changes.all(), "设计变更")
    services.design_change_decide(
        actor=request.user, change=change, approved=data["approved"] == "yes", opinion=data["opinion"]
    )
    return "审批意见已记录。"


@ACTIONS("inspection")
def _inspection(request, application):
    data = form_data(forms.InspectionForm(request.POST))
    findings = []
    if data["finding"].strip():
        findings.append(
            {"description": data["finding"], "major": data["major"], "rectify_by": data["rectify_by"]}
        )
    services.inspection_record(
        actor=request.user,
        application=application,
        inspected_on=data["inspected_on"],
        participants=data["participants"],
        scope=data["scope"],
        findings=findings,
    )
    return "监督检查已登记。"


def _findings(application):
    return Finding.objects.filter(inspection__application=application)


@ACTIONS("rectify")
def _rectify(request, application):
    data = form_data(forms.RectifyForm(request.POST))
    finding = _posted(request, "finding", _findings(application), "问题")
    services.finding_rectify(
        actor=request.user,
        finding=finding,
        rectification=data["rectification"],
        rectified_on=data["rectified_on"],
    )
    return "整改情况已登记。"


@ACTIONS("sanction_propose")
def _sanction_propose(request, application):
    data = form_data(forms.SanctionProposeForm(request.POST))
    finding = _posted(request, "finding", _findings(application), "问题")
    services.sanction_propose(actor=request.user, finding=finding, kind=data["kind"], reason=data["reason"])
    return "处理意见已报县政府批准。"


@ACTIONS("sanction_decide")
def _sanction_decide(request, application):
    data = form_data(forms.SanctionDecideForm(request.POST))
    sanction = _posted(request, "sanction", application.sanctions.all(), "处理")
    sanction = services.sanction_decide(
        actor=request.user, sanction=sanction, approved=data["approved"] == "yes", reference=data["reference"]
    )
    return f"{sanction.get_kind_display()}：{sanction.get_status_display()}。"


@ACTIONS("sanction_lift")
def _sanction_lift(request, application):
    data = form_data(forms.SanctionLiftForm(request.POST))
    sanction = _posted(request, "sanction", application.sanctions.all(), "处理")
    services.sanction_lift(actor=request.user, sanction=sanction, reason=data["reason"])
    return "已解除。"


@ACTIONS("payment")
def _payment(request, application):
    data = form_data(forms.PaymentForm(request.POST))
    # A payment is the one confirmed act that may rightly happen again, so its state cannot refuse a replay (the
    # back button, a double click): the confirmation page's one-time token does, and the service keeps it.
    once = request.POST.get("once", "")
    if not ONCE.fullmatch(once):
        raise ServiceError("once", "请在确认页面上核对后再登记拨款。")
    payment = services.payment_record(actor=request.user, application=application, once=once, **data)
    return f"已登记{payment.get_kind_display()}。"


@ACTIONS("preliminary")
def _preliminary(request, application):
    data = form_data(forms.PreliminaryForm(request.POST, request.FILES))
    services.preliminary_acceptance_record(actor=request.user, application=application, **data)
    return "初步验收已登记。"


def _items():
    return AcceptanceChecklistItem.objects.filter(active=True)


@ACTIONS("acceptance_apply")
def _acceptance_apply(request, application):
    data = form_data(forms.MaterialsForm(request.POST, items=_items()))
    acceptance = services.final_acceptance_apply(
        actor=request.user,
        application=application,
        received=[int(i) for i in data["received"]],
        rectification_plan=data["rectification_plan"],
    )
    return f"已申请竣工验收：{acceptance.get_status_display()}。"


@ACTIONS("acceptance_materials")
def _acceptance_materials(request, application):
    data = form_data(forms.MaterialsForm(request.POST, items=_items()))
    acceptance = services.final_acceptance_materials(
        actor=request.user,
        acceptance=_acceptance_required(application),
        received=[int(i) for i in data["received"]],
    )
    return f"验收材料已登记：{acceptance.get_status_display()}。"


@ACTIONS("acceptance_incomplete")
def _acceptance_incomplete(request, application):
    data = form_data(forms.IncompleteForm(request.POST, items=_items()))
    services.final_acceptance_incomplete(
        actor=request.user,
        acceptance=_acceptance_required(application),
        missing=[int(i) for i in data["missing"]],
        reason=data["reason"],
    )
    return "验收材料不齐，已停止计时并通知建设单位。"


@ACTIONS("acceptance_decide")
def _acceptance_decide(request, application):
    data = form_data(forms.AcceptanceDecideForm(request.POST))
    acceptance = services.final_acceptance_decide(
        actor=request.user,
        acceptance=_acceptance_required(application),
        key_params_match_plan=data["key_params_match_plan"] == "yes",
        catalogue_on_sharing_platform=data["catalogue_on_sharing_platform"] == "yes",
        report_number=data["report_number"],
        rectify_by=data["rectify_by"],
    )
    return f"竣工验收结论：{acceptance.get_status_display()}。"


@ACTIONS("in_use")
def _in_use(request, application):
    data = form_data(forms.InUseForm(request.POST))
    services.project_put_into_use(actor=request.user, application=application, on=data["on"])
    return "已登记投入使用。"


@ACTIONS("settlement")
def _settlement(request, application):
    data = form_data(forms.SettlementForm(request.POST))
    services.settlement_review_record(actor=request.user, application=application, **data)
    return "结算评审已登记。"


CONFIRM_FORMS = {
    "secrecy": forms.SecrecyForm,
    "review_start": forms.ReviewStartForm,
    "procurement_review": forms.DecisionForm,
    "procurement_record": forms.ProcurementRecordForm,
    "start": forms.StartForm,
    "sanction_decide": forms.SanctionDecideForm,
    "sanction_lift": forms.SanctionLiftForm,
    "payment": forms.PaymentForm,
    "acceptance_decide": forms.AcceptanceDecideForm,
    "in_use": forms.InUseForm,
    "settlement": forms.SettlementForm,
}


def _confirm_lines(request) -> list[str]:
    """What is about to be done, as the person entered it: each visible field's label and value."""
    form = CONFIRM_FORMS[request.POST["action"]]()
    lines = []
    for name, field in form.fields.items():
        value = request.POST.get(name, "").strip()
        if not value or field.widget.is_hidden:
            continue
        if isinstance(field, django_forms.BooleanField):
            value = "是"  # a ticked box posts "on"
        elif isinstance(field, django_forms.ModelChoiceField):
            # The posted value is the row's id: the page names the organisation, never its number.
            chosen = field.queryset.filter(pk=value).first() if value.isdigit() else None
            value = str(chosen) if chosen is not None else value
        else:
            choices = {str(key): label for key, label in (getattr(field, "choices", ()) or ())}
            value = choices.get(value, value)
        lines.append(f"{field.label}：{value}")
    return lines


ONCE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _confirm_page(request, application, url: str):
    title, warning = CONFIRM[request.POST["action"]]
    skip = {"csrfmiddlewaretoken", "confirmed", "once"}
    hidden = [
        (name, value) for name in request.POST for value in request.POST.getlist(name) if name not in skip
    ]
    hidden.append(("once", secrets.token_urlsafe(24)))  # this page's one-time token (payment_record keeps it)
    return render(
        request,
        "egov/confirm.html",
        {
            "title": title,
            "warning": warning,
            "lines": _confirm_lines(request),
            "application": application,
            "hidden": hidden,
            "back": url,
            "target": request.path,
        },
    )


def _construction_context(user, application) -> dict:
    """The construction and acceptance part of the project page: what happened, the gates, the buttons."""
    view = selectors.construction_view(application)
    Status = Application.Status
    in_plan = application.status == Status.IN_PLAN
    procurement, construction = view["procurement"], view["construction"]
    acceptance, preliminary = view["acceptance"], view["preliminary"]
    started = bool(construction and construction.started_on)
    builder = in_plan and access.can_build(user, application)
    big_data = in_plan and access.can_review_procurement(user)
    terminated = any(s.kind == "终止" and s.status == "in_force" for s in view["sanctions"])
    passed = acceptance is not None and acceptance.status == FinalAcceptance.Status.PASSED
    can = {
        "procurement_submit": builder
        and not terminated
        and (procurement is None or procurement.status == "returned"),
        "procurement_review": big_data and procurement is not None and procurement.status == "submitted",
        "procurement_record": in_plan
        and access.can_record_procurement(user)
        and procurement is not None
        and procurement.status == "reviewed",
        "cloud": builder and not terminated,
        "cloud_decide": big_data,
        "supervision": builder and not started and not (construction and construction.supervision_filed_on),
        "exempt": big_data
        and not started
        and construction is not None
        and construction.supervision_required
        and not construction.supervision_filed_on
        and not construction.exempted_on,
        "start": builder and not started and procurement is not None and procurement.status == "procured",
        "design_change": builder and started and not terminated,
        "design_decide": big_data,
        "inspection": in_plan and started and access.can_inspect(user),
        "rectify": builder,
        "sanction_propose": in_plan and access.can_inspect(user) and not terminated,
        "sanction_decide": access.can_approve_sanction(user),
        "payment": in_plan and access.can_record_payment(user),
        "preliminary": builder and started and preliminary is None,
        "acceptance_apply": builder
        and preliminary is not None
        and (acceptance is None or acceptance.status == FinalAcceptance.Status.FAILED),
        "acceptance_materials": access.can_accept(user)
        and acceptance is not None
        and acceptance.status == FinalAcceptance.Status.INCOMPLETE,
        "acceptance_incomplete": access.can_accept(user)
        and acceptance is not None
        and acceptance.status == FinalAcceptance.Status.RUNNING,
        "acceptance_decide": access.can_accept(user)
        and acceptance is not None
        and acceptance.status == FinalAcceptance.Status.RUNNING,
        "in_use": builder and passed and not acceptance.in_use_on,
        "settlement": passed and view["settlement"] is None and access.can_record_payment(user),
    }
    items = list(_items())
    received = [
        key for key, item in (acceptance.materials.items() if acceptance else []) if item.get("received")
    ]
    return {
        "c": view,
        "ccan": can,
        "shown": in_plan or procurement is not None,
        "cforms": {
            "procurement_submit": forms.ProcurementSubmitForm(),
            "decision": forms.DecisionForm(),
            "procurement_record": forms.ProcurementRecordForm(),
            "cloud": forms.CloudRequestForm(),
            "supervision": forms.SupervisionForm(),
            "exempt": forms.ExemptForm(),
            "start": forms.StartForm(),
            "design_change": forms.DesignChangeForm(),
            "inspection": forms.InspectionForm(),
            "payment": forms.PaymentForm(),
            "preliminary": forms.PreliminaryForm(),
            "apply": forms.MaterialsForm(items=items, initial={"received": [str(i.pk) for i in items]}),
            "materials": forms.MaterialsForm(items=items, initial={"received": received}),
            "incomplete": forms.IncompleteForm(items=items),
            "decide": forms.AcceptanceDecideForm(),
            "in_use": forms.InUseForm(),
            "settlement": forms.SettlementForm(),
        },
        "checklist_missing": not items,
        "funding_reasons": services.FUNDING_REASONS,
    }


def _history_filter(application, view) -> Q:
    """The project's own audit rows and those of its construction and acceptance records."""
    q = Q(object_type="egov.Application", object_id=str(application.pk))
    related = {
        "egov.Procurement": [view["procurement"]],
        "egov.CloudResourceRequest": view["cloud_requests"],
        "egov.Construction": [view["construction"]],
        "egov.DesignChange": view["design_changes"],
        "egov.Inspection": view["inspections"],
        "egov.Finding": [f for i in view["inspections"] for f in i.findings.all()],
        "egov.Sanction": view["sanctions"],
        "egov.Payment": view["payments"],
        "egov.PreliminaryAcceptance": [view["preliminary"]],
        "egov.FinalAcceptance": view["acceptances"],
        "egov.SettlementReview": [view["settlement"]],
    }
    for object_type, rows in related.items():
        ids = [str(row.pk) for row in rows if row is not None]
        if ids:
            q |= Q(object_type=object_type, object_id__in=ids)
    return q


def _review_of(application) -> Review | None:
    try:
        return application.review
    except Review.DoesNotExist:
        return None


@login_required
def application_detail(request, pk: int):
    _need(request.user)
    user = request.user
    application = selectors.application_get_for_user(user, pk)
    if application is None:
        raise Http404
    url = reverse("egov:application", args=[application.pk])
    if request.method == "POST":
        if request.POST.get("action") in CONFIRM and request.POST.get("confirmed") != "1":
            return _confirm_page(request, application, url)
        return ACTIONS.run(request, application, url=url)
    review = _review_of(application)
    Status = Application.Status
    submitted = application.status not in (Status.DRAFT, Status.REFUSED_LATE, Status.DEFERRED)
    under_review = application.status == Status.UNDER_REVIEW and review is not None
    report_in = under_review and review.report_uploaded_at is not None
    next_step = review.steps.count() + 1 if review is not None and review.mode == Review.Mode.ONSITE else None
    can = {
        "edit": access.can_edit_application(user, application),
        "assess": submitted
        and application.status in (Status.SUBMITTED, Status.SECRECY_REVIEW)
        and access.can_assess_application(user, application),
        "secrecy": application.status == Status.SECRECY_REVIEW
        and access.can_confirm_secrecy(user, application),
        "development": submitted
        and not application.development_approval
        and access.can_record_development_approval(user, application),
        "file": application.status == Status.FILED
        and application.filed_at is None
        and access.can_assess_application(user, application),
        "review_start": application.status == Status.SUBMITTED
        and access.can_assess_application(user, application),
        "step": under_review
        and next_step is not None
        and next_step <= 5
        and review.report_uploaded_at is None
        and access.can_assess_application(user, application),
        "report": under_review
        and not report_in
        and (next_step is None or next_step > 5)
        and access.can_upload_report(user, application),
        "sign_technical": report_in
        and review.technical_signed_at is None
        and access.can_sign_technical(user, application),
        "sign_fiscal": report_in
        and review.fiscal_signed_at is None
        and access.can_sign_fiscal(user, application),
    }
    construction = _construction_context(user, application)
    kept_action, kept = _kept(request, application)

    def typed(action: str, **initial) -> dict:
        return {**initial, **kept} if action == kept_action else initial

    history = (
        AuditEntry.objects.filter(_history_filter(application, construction["c"]))
        .select_related("actor")
        .order_by("-at")[:100]
    )
    return render(
        request,
        "egov/application_detail.html",
        {
            "application": application,
            "review": review,
            "can": can,
            "documents": selectors.latest_documents(application),
            "all_documents": application.documents.order_by("attachment", "-version"),
            "problems": submission_problems(application) if can["edit"] else [],
            "reasons": [
                REASON_LABELS[r] for r in (review.admissibility.get("reasons", []) if review else [])
            ],
            "steps": list(review.steps.all()) if review else [],
            "next_step": next_step,
            "next_step_label": forms.STEP_LABELS.get(next_step, ""),
            "history": history,
            "acceptance_pdf": selectors.acceptance_decided(application),
            "kinds": [
                (k, label, application.declaration.get(str(k))) for k, label in forms.EIGHT_KINDS.items()
            ],
            "forms": {
                "document": forms.DocumentForm(initial=typed("document")),
                "submit": forms.SubmitForm(initial=typed("submit")),
                "assess": forms.AssessForm(
                    initial=typed(
                        "assess",
                        technically_complex=application.technically_complex,
                        reason=application.technically_complex_reason,
                        consulting_firm=application.consulting_firm,
                        consulting_review_on=application.consulting_review_on,
                        consulting_procured_on=application.consulting_procured_on,
                    )
                ),
                "secrecy": forms.SecrecyForm(initial=typed("secrecy")),
                "development": forms.DevelopmentForm(initial=typed("development")),
                "review_start": forms.ReviewStartForm(initial=typed("review_start")),
                "step": forms.StepForm(initial=typed("step")),
                "report": forms.ReportForm(initial=typed("report")),
                "sign_technical": forms.SignForm(prefix=None, initial=typed("sign_technical")),
                "sign_fiscal": forms.FiscalSignForm(initial=typed("sign_fiscal")),
            },
            **construction,
        },
    )


def _download_name(stored, *parts) -> str:
    """The name a download is saved under: what it is (project, attachment, version) with the file's own extension,
    not the stored name (the walk of issue 14 saved "附件1示例_cGrUxMn.pdf": storage's random suffix)."""
    suffix = PurePath(stored.name).suffix
    return "-".join(str(part) for part in parts if part) + suffix


@login_required
def document_download(request, pk: int):
    _need(request.user)
    document = get_object_or_404(ApplicationDocument.objects.select_related("application"), pk=pk)
    if selectors.application_get_for_user(request.user, document.application_id) is None:
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=_download_name(document.file, document.application.name, document),
    )


@login_required
def report_download(request, pk: int):
    _need(request.user)
    application = selectors.application_get_for_user(request.user, pk)
    review = _review_of(application) if application else None
    if review is None or not review.report:
        raise Http404
    return FileResponse(
        review.report.open("rb"),
        as_attachment=True,
        filename=_download_name(review.report, application.name, "项目评审报告"),
    )


@login_required
def template_download(request, pk: int):
    _need(request.user)
    template = get_object_or_404(Template, pk=pk)
    return FileResponse(
        template.file.open("rb"), as_attachment=True, filename=_download_name(template.file, template)
    )


@login_required
def templates(request):
    _need(request.user)
    may_upload = access.can_upload_template(request.user)
    checklist_post = request.method == "POST" and request.POST.get("action") == "checklist"
    form = forms.TemplateForm(None if checklist_post else request.POST or None, request.FILES or None)
    checklist_form = forms.ChecklistItemForm(request.POST if checklist_post else None)
    if checklist_post:
        if not may_upload:
            raise PermissionDenied("只有系统管理员或县大数据局可以录入验收材料清单。")
        if save_form(
            request,
            checklist_form,
            lambda data: services.checklist_item_add(actor=request.user, name=data["name"]),
            success="已录入附件7验收材料清单。",
        ):
            return redirect("egov:templates")
    elif request.method == "POST":
        if not may_upload:
            raise PermissionDenied("只有系统管理员或县大数据局可以上传申报材料模板。")
        if save_form(
            request,
            form,
            lambda data: services.template_upload(actor=request.user, **data),
            success="模板已上传（旧版本保留）。",
        ):
            return redirect("egov:templates")
    uploaded = {t.attachment: t for t in selectors.latest_templates()}
    return render(
        request,
        "egov/templates.html",
        {
            "form": form,
            "may_upload": may_upload,
            "attachments": [
                (value, label, uploaded.get(value)) for value, label in Template.Attachment.choices
            ],
            "all_templates": Template.objects.select_related("uploaded_by").order_by(
                "attachment", "-version"
            ),
            "checklist": AcceptanceChecklistItem.objects.filter(active=True),
            "checklist_form": checklist_form,
        },
    )


@login_required
def plan(request, year: int | None = None):
    _need(request.user)
    user = request.user
    plan_year = PlanYear.objects.filter(year=year).first() if year else selectors.current_plan_year()
    if year and plan_year is None:
        raise Http404
    url = reverse("egov:plan-year", args=[plan_year.year]) if plan_year else reverse("egov:plan")
    current = plan_year.plans.filter(status=AnnualPlan.Status.APPROVED).first() if plan_year else None
    change_form = None
    if plan_year is not None and current is not None:
        in_plan = Application.objects.filter(plan_entries__plan=current)
        change_form = forms.PlanChangeForm(
            request.POST if request.POST.get("action") == "change" else None,
            add_choices=plan_year.applications.filter(status=Application.Status.REVIEWED),
            remove_choices=in_plan,
        )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                data = form_data(forms.PlanYearForm(request.POST))
                opened = services.plan_year_open(actor=user, year=data["year"])
                messages.success(request, f"{opened.year}计划年度已开启。")
                return redirect("egov:plan-year", year=opened.year)
            if plan_year is None:
                raise Http404
            if action == "compile":
                services.plan_compile(actor=user, plan_year=plan_year)
                messages.success(request, "年度建设计划已编制，报县政府审定。")
            elif action == "approve":
                data = form_data(forms.ApproveForm(request.POST))
                draft = plan_year.plans.filter(status=AnnualPlan.Status.DRAFT).first()
                if draft is None:
                    raise ServiceError("plan", "没有待审定的计划。")
                services.plan_approve(actor=user, plan=draft, reference=data["reference"])
                messages.success(request, "已审定；结果已反馈各申报单位。")
            elif action == "change":
                data = form_data(change_form)
                services.plan_change_propose(
                    actor=user,
                    plan_year=plan_year,
                    reason=data["reason"],
                    add=list(data["add"]),
                    remove=list(data["remove"]),
                )
                messages.success(request, "计划调整已提出，报县政府审定；原计划保留。")
            else:
                messages.error(request, "未知的操作。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(url)
    versions = selectors.plan_versions(plan_year) if plan_year else []
    return render(
        request,
        "egov/plan.html",
        {
            "plan_year": plan_year,
            "versions": versions,
            "current": current,
            "draft": next((v for v in versions if v.status == AnnualPlan.Status.DRAFT), None),
            "summary": selectors.plan_year_summary(plan_year) if plan_year else {},
            # The plan is fed back to every unit (4.7) and lists every unit's projects; only the ones the reader may
            # open are links (a unit following another unit's project met a 404).
            "openable": set(
                selectors.application_queryset_for_user(user)
                .filter(plan_year=plan_year)
                .values_list("pk", flat=True)
            )
            if plan_year
            else set(),
            "statuses": dict(Application.Status.choices),
            "years": PlanYear.objects.order_by("-year"),
            "can": {
                "open": access.can_open_plan_year(user),
                "compile": access.can_compile_plan(user),
                "approve": access.can_approve_plan(user),
            },
            "forms": {"open": forms.PlanYearForm(), "approve": forms.ApproveForm(), "change": change_form},
        },
    )


# The construction and acceptance files, each read through its project's scope: kind → (model, file field).
CONSTRUCTION_FILES = {
    "procurement": (Procurement, "file"),
    "cloud": (CloudResourceRequest, "file"),
    "test-report": (PreliminaryAcceptance, "test_report"),
    "security": (PreliminaryAcceptance, "security_assessment"),
}


@login_required
def construction_file(request, kind: str, pk: int):
    _need(request.user)
    if kind not in CONSTRUCTION_FILES:
        raise Http404
    model, field = CONSTRUCTION_FILES[kind]
    row = get_object_or_404(model, pk=pk)
    stored = getattr(row, field)
    if not stored or selectors.application_get_for_user(request.user, row.application_id) is None:
        raise Http404
    return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])
