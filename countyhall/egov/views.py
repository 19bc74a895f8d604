"""The e-government pages (thin): the applications list (a unit's own, or the county's as 大数据局's inbox), the
application form, the application page with the step its reader acts on, the annual plan with its versions, the
templates. Who may do what is egov.access; scope is egov.selectors; every write is a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.tables import Column, Table
from countyhall.core.web import PostActions, bad_request, form_data, save_form
from countyhall.egov import access, forms, selectors, services
from countyhall.egov.models import AnnualPlan, Application, ApplicationDocument, PlanYear, Review, Template
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


ACTIONS = PostActions()


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
        confirmed=data["confirmed"] == "yes",
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
    review = application.review
    services.onsite_step_record(actor=request.user, review=review, step=review.steps.count() + 1, **data)
    return "现场评审步骤已记录。"


@ACTIONS("report")
def _report(request, application):
    data = form_data(forms.ReportForm(request.POST, request.FILES))
    services.report_upload(
        actor=request.user, review=application.review, file=data["report"], conclusion=data["conclusion"]
    )
    return "评审报告已上传。"


@ACTIONS("sign_technical")
def _sign_technical(request, application):
    data = form_data(forms.SignForm(request.POST))
    services.sign_technical(
        actor=request.user,
        review=application.review,
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
        review=application.review,
        supported=supported,
        opinion=data["opinion"],
        approved_investment=data["approved_investment"] if supported else None,
    )
    return "财政审核意见已会签。"


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
    history = (
        AuditEntry.objects.filter(object_type="egov.Application", object_id=str(application.pk))
        .select_related("actor")
        .order_by("-at")[:50]
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
            "kinds": [
                (k, label, application.declaration.get(str(k))) for k, label in forms.EIGHT_KINDS.items()
            ],
            "forms": {
                "document": forms.DocumentForm(),
                "submit": forms.SubmitForm(),
                "assess": forms.AssessForm(
                    initial={
                        "technically_complex": application.technically_complex,
                        "reason": application.technically_complex_reason,
                        "consulting_firm": application.consulting_firm,
                        "consulting_review_on": application.consulting_review_on,
                        "consulting_procured_on": application.consulting_procured_on,
                    }
                ),
                "secrecy": forms.SecrecyForm(),
                "development": forms.DevelopmentForm(),
                "review_start": forms.ReviewStartForm(),
                "step": forms.StepForm(),
                "report": forms.ReportForm(),
                "sign_technical": forms.SignForm(prefix=None),
                "sign_fiscal": forms.FiscalSignForm(),
            },
        },
    )


@login_required
def document_download(request, pk: int):
    _need(request.user)
    document = get_object_or_404(ApplicationDocument.objects.select_related("application"), pk=pk)
    if selectors.application_get_for_user(request.user, document.application_id) is None:
        raise Http404
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
    )


@login_required
def report_download(request, pk: int):
    _need(request.user)
    application = selectors.application_get_for_user(request.user, pk)
    review = _review_of(application) if application else None
    if review is None or not review.report:
        raise Http404
    return FileResponse(
        review.report.open("rb"), as_attachment=True, filename=review.report.name.rsplit("/", 1)[-1]
    )


@login_required
def template_download(request, pk: int):
    _need(request.user)
    template = get_object_or_404(Template, pk=pk)
    return FileResponse(
        template.file.open("rb"), as_attachment=True, filename=template.file.name.rsplit("/", 1)[-1]
    )


@login_required
def templates(request):
    _need(request.user)
    may_upload = access.can_upload_template(request.user)
    form = forms.TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
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
