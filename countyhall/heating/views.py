from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.core.charts import bar_chart
from countyhall.core.errors import ServiceError
from countyhall.core.identity import mask_id_number, mask_name
from countyhall.core.models import Division
from countyhall.core.reports import xlsx_response
from countyhall.core.roles import Capability, Role
from countyhall.core.web import form_error
from countyhall.heating import services
from countyhall.heating.access import USERS as HEATING_ROLES
from countyhall.heating.models import (
    Acceptance,
    Claim,
    Device,
    Entitlement,
    Method,
    PublicInstitution,
    TenderedEquipment,
    VillagePlan,
)
from countyhall.heating.selectors import (
    household_list_for_user,
    ledger_checks,
    task_summary,
    village_progress,
)
from countyhall.heating.templatetags.heating_labels import BUDGET_LABELS


def _need(user) -> None:
    if not user.role_codes & HEATING_ROLES:
        raise PermissionDenied("当前角色无权查看清洁取暖台账。")


class ImportForm(forms.Form):
    file = forms.FileField(label="台账 Excel 文件")
    mode = forms.ChoiceField(label="导入方式", choices=[("all_or_nothing", "有错误时全部不导入"),
                                                    ("valid_only", "只导入有效行，报告错误行")])


class AcceptanceForm(forms.Form):
    plan = forms.ModelChoiceField(label="自然村", queryset=VillagePlan.objects.select_related("division"))
    stage = forms.ChoiceField(label="环节", choices=Acceptance.Stage.choices)
    passed = forms.BooleanField(label="通过", required=False)
    decided_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    findings = forms.CharField(label="验收意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def dashboard(request):
    _need(request.user)
    form = AcceptanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.acceptance_record(actor=request.user, **form.cleaned_data)
            messages.success(request, "已记录验收。")
            return redirect("heating:dashboard")
        except ServiceError as exc:
            messages.error(request, exc.message)
    progress = village_progress()
    by_town: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in progress:
        town = row.plan.division.parent.parent.name if row.plan.division.parent_id else row.plan.division.name
        by_town[town][0] += row.plan.planned_households
        by_town[town][1] += row.registered
        by_town[town][2] += row.accepted
    money: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for period, shares in Entitlement.objects.values_list("period", "shares"):
        for budget, amount in shares.items():
            money[period][budget] += Decimal(amount)
    budgets = sorted({b for shares in money.values() for b in shares})
    periods = sorted(money)
    charts = []
    if by_town:
        towns = sorted(by_town)
        charts.append(bar_chart(title="各镇（街道）改造进度（户）", labels=towns,
                                series={"计划": [by_town[t][0] for t in towns], "已登记": [by_town[t][1] for t in towns],
                                        "已验收": [by_town[t][2] for t in towns]}))
    if periods:
        charts.append(bar_chart(title="补贴资金按预算与期间（元）", labels=periods, stacked=True,
                                series={BUDGET_LABELS.get(b, b): [money[p].get(b, Decimal(0)) for p in periods]
                                        for b in budgets}))
    return render(request, "heating/dashboard.html", {
        "summary": task_summary(), "progress": progress, "charts": charts, "form": form,
        "money": [(p, [money[p].get(b, Decimal(0)) for b in budgets]) for p in periods], "budgets": budgets,
        "findings": ledger_checks()})


@login_required
def ledger(request):
    _need(request.user)
    if request.GET.get("format") == "xlsx":
        return _export(household_list_for_user(request.user),
                       masked=not request.user.can(Capability.PERSON_VIEW_UNMASKED))
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        if not request.user.can(Capability.PERSON_EDIT):
            raise PermissionDenied("当前角色无权导入台账。")
        try:
            report = services.ledger_import(actor=request.user, content=form.cleaned_data["file"].read(),
                                            mode=form.cleaned_data["mode"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
    households = household_list_for_user(request.user).select_related("division", "householder").prefetch_related(
        "devices")
    page = Paginator(households, 100).get_page(request.GET.get("page"))
    unmasked = request.user.can(Capability.PERSON_VIEW_UNMASKED)
    rows = [(h, h.householder.name if unmasked else mask_name(h.householder.name),
             h.householder.id_number if unmasked else mask_id_number(h.householder.id_number)) for h in page]
    return render(request, "heating/ledger.html", {"page": page, "rows": rows, "form": form, "report": report})


def _export(households, *, masked: bool) -> HttpResponse:
    return xlsx_response(content=services.ledger_export(households, masked=masked), filename="清洁取暖台账.xlsx")


@login_required
def money(request):
    _need(request.user)
    period = request.POST.get("period") or request.GET.get("period") or "2021"
    if request.method == "POST":
        try:
            if request.POST.get("action") == "compute":
                report = services.entitlements_compute(actor=request.user, period=period)
                services.claims_build(actor=request.user, period=period)
                note = f"；特别困难群体 {len(report.special_poor)} 户按其专项方案另行核定" if report.special_poor else ""
                messages.success(request, f"已核算 {period}：{report.computed} 项，锁定未改 {report.locked} 项{note}。")
            elif request.POST.get("action") == "approve":
                services.claim_approve(actor=request.user,
                                       claim=get_object_or_404(Claim, pk=request.POST.get("claim")))
                messages.success(request, "申领已审定并锁定。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(f"{request.path}?period={period}")
    entitlements = Entitlement.objects.filter(period=period).select_related("household", "claim")
    return render(request, "heating/money.html", {
        "period": period, "claims": Claim.objects.filter(period=period), "entitlements": entitlements[:500],
        "can_approve": bool(request.user.role_codes & {Role.HOUSING, Role.FINANCE})})


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    division = forms.ModelChoiceField(label="自然村", queryset=Division.objects.filter(kind="natural_village"))
    method = forms.ChoiceField(label="改造方式", choices=Method.choices)
    planned_households = forms.IntegerField(label="计划改造户数", min_value=0)
    construction_done_on = forms.DateField(label="完成工程建设日期", required=False, widget=DATE)
    commissioning_done_on = forms.DateField(label="完成调试交付日期", required=False, widget=DATE)


class InstitutionForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    division = forms.ModelChoiceField(label="所在地", queryset=Division.objects.exclude(kind="county"))
    heated_area_m2 = forms.DecimalField(label="采暖面积（平方米）", min_value=0, decimal_places=2)
    accepted_on = forms.DateField(label="验收合格日期", required=False, widget=DATE)


class TenderedForm(forms.Form):
    kind = forms.ChoiceField(label="设备", choices=Device.Kind.choices)
    model_name = forms.CharField(label="型号", max_length=100)
    supplier = forms.CharField(label="供货商", max_length=100)
    price = forms.DecimalField(label="招标价格", min_value=0, decimal_places=2)


SETUP_FORMS = {"plan": (PlanForm, services.village_plan_set), "institution": (InstitutionForm,
               services.public_institution_set), "tendered": (TenderedForm, services.tendered_equipment_add)}


@login_required
def setup(request):
    """Village plans (B1, B11), public-service institutions (B10) and the tendered list (B13)."""
    _need(request.user)
    bound = request.POST.get("form") if request.method == "POST" else None
    forms_by_name = {name: cls(request.POST if bound == name else None, prefix=name)
                     for name, (cls, _) in SETUP_FORMS.items()}
    if bound in SETUP_FORMS and forms_by_name[bound].is_valid():
        if Role.HOUSING not in request.user.role_codes:
            raise PermissionDenied("基础数据由住建局维护。")
        try:
            SETUP_FORMS[bound][1](actor=request.user, **forms_by_name[bound].cleaned_data)
            messages.success(request, "已保存。")
            return redirect("heating:setup")
        except ServiceError as exc:
            form_error(forms_by_name[bound], exc)
    return render(request, "heating/setup.html", {
        "forms": forms_by_name, "plans": VillagePlan.objects.select_related("division"),
        "institutions": PublicInstitution.objects.select_related("division"),
        "tendered": TenderedEquipment.objects.order_by("kind", "model_name")})
