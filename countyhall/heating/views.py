from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.core.charts import bar_chart
from countyhall.core.errors import ServiceError
from countyhall.core.identity import mask_id_number, mask_name
from countyhall.core.models import Division
from countyhall.core.reports import xlsx_response
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import bad_request, form_error
from countyhall.heating import access, rules, services
from countyhall.heating.models import (
    Acceptance,
    Claim,
    Device,
    Entitlement,
    Method,
    PublicInstitution,
    TenderedEquipment,
    VillagePlan,
    mask_address,
)
from countyhall.heating.selectors import (
    household_list_for_user,
    ledger_checks,
    task_summary,
    village_progress,
)
from countyhall.heating.templatetags.heating_labels import BUDGET_LABELS


def _need(user) -> None:
    if not access.can_open(user):
        raise PermissionDenied("当前角色无权查看清洁取暖台账。")


class BadQuery(Exception):
    """A query parameter that cannot be read: answered with 400 naming the field, never a 500."""

    def __init__(self, label: str, message: str):
        super().__init__(f"{label}：{message}")
        self.label, self.message = label, message


def _bad_query(request, exc: BadQuery) -> HttpResponse:
    return bad_request(request, field=exc.label, message=exc.message, nav="heating/_nav.html")


def _int_param(data, name: str, label: str, *, minimum: int = 1) -> int | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or int(raw) < minimum:
        raise BadQuery(label, f"应为不小于 {minimum} 的整数，收到“{raw[:20]}”。")
    return int(raw)


def _period_param(data) -> str:
    """The period of the money page: the 2021 programme ("2021") or a heating season ("2021-2022")."""
    period = (data.get("period") or "").strip() or services.PROGRAMME
    if period != services.PROGRAMME:
        try:
            rules.season_start(period)
        except ValueError:
            raise BadQuery("期间", f"应为 2021（管网与设备）或“2021-2022”形式的采暖季，收到“{period[:20]}”。") from None
    return period


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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the villages and steps the user may record (the service checks again).
        plans = [p for p in self.fields["plan"].queryset if any(
            access.can_record_acceptance(user, p, stage) for stage in Acceptance.Stage.values)]
        self.fields["plan"].queryset = VillagePlan.objects.filter(pk__in=[p.pk for p in plans]).select_related(
            "division")
        self.fields["stage"].choices = [(value, label) for value, label in Acceptance.Stage.choices
                                        if any(access.can_record_acceptance(user, p, value) for p in plans)]
        self.usable = bool(plans)


def _findings_for(user) -> list:
    """The ledger checks for the households the user may see (addresses are personal data)."""
    visible = set(household_list_for_user(user).values_list("pk", flat=True))
    unmasked = access.can_view_unmasked(user)
    findings = []
    for finding in ledger_checks():
        ids = [pk for pk in finding.household_ids if pk in visible]
        if ids:
            detail = finding.detail
            if finding.address and not unmasked:
                detail = detail.replace(finding.address, mask_address(finding.address))
            findings.append(dataclasses.replace(finding, household_ids=ids, detail=detail))
    return findings


@login_required
def dashboard(request):
    _need(request.user)
    form = AcceptanceForm(request.POST or None, user=request.user)
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
    findings = _findings_for(request.user)
    if findings:
        # The checks quote households' addresses: a read of personal data like any ledger list.
        audit_personal_read(actor=request.user, what="清洁取暖台账核查", object_type="heating.Household",
                            count=len({pk for f in findings for pk in f.household_ids}),
                            filters={"findings": len(findings)},
                            masked=not access.can_view_unmasked(request.user))
    return render(request, "heating/dashboard.html", {
        "summary": task_summary(), "progress": progress, "charts": charts, "form": form,
        "money": [(p, [money[p].get(b, Decimal(0)) for b in budgets]) for p in periods], "budgets": budgets,
        "findings": findings})


def _ledger_filters(request) -> dict:
    """The ledger's filters, validated: a division in the user's scope, a method, a search text, a page."""
    data = request.GET
    filters: dict = {}
    division_id = _int_param(data, "division", "自然村（区划）")
    if division_id is not None:
        division = Division.objects.filter(pk=division_id).first()
        if division is None or not (request.user.scope_division and request.user.scope_division.contains(division)):
            raise BadQuery("自然村（区划）", "不存在或不在本人数据范围内。")
        filters["division"] = division
    method = (data.get("method") or "").strip()
    if method:
        if method not in Method.values:
            raise BadQuery("改造方式", "应为 gas（气代煤）或 biomass（生物质）。")
        filters["method"] = method
    query = (data.get("q") or "").strip()
    if len(query) > 50:
        raise BadQuery("查询", "不能超过 50 个字。")
    if query:
        filters["q"] = query
    filters["page"] = _int_param(data, "page", "页码") or 1
    output = (data.get("format") or "").strip()
    if output not in ("", "xlsx"):
        raise BadQuery("导出格式", "只支持 xlsx。")
    filters["format"] = output
    return filters


def _filtered_households(user, filters: dict, *, unmasked: bool):
    households = household_list_for_user(user)
    if "division" in filters:
        households = households.filter(division__path__startswith=filters["division"].path)
    if "method" in filters:
        households = households.filter(method=filters["method"])
    if "q" in filters:
        query = filters["q"]
        # Roles that see names masked find a householder by the full 身份证号 only (as in core.selectors.people).
        match = Q(householder__id_number=query.upper())
        if unmasked:
            match |= Q(householder__name__contains=query) | Q(address__contains=query)
        households = households.filter(match)
    return households


def _audit_filters(filters: dict) -> dict:
    return {"division": filters["division"].code if "division" in filters else "", "method": filters.get("method"),
            "q": filters.get("q"), "page": filters.get("page")}


@login_required
def ledger(request):
    _need(request.user)
    try:
        filters = _ledger_filters(request)
    except BadQuery as exc:
        return _bad_query(request, exc)
    unmasked = access.can_view_unmasked(request.user)
    if filters["format"] == "xlsx":
        households = _filtered_households(request.user, filters, unmasked=unmasked)
        content = services.ledger_export(households, masked=not unmasked)
        audit_personal_read(actor=request.user, what="清洁取暖台账导出", object_type="heating.Household",
                            count=households.count(), filters={**_audit_filters(filters), "page": None},
                            masked=not unmasked)
        return xlsx_response(content=content, filename="清洁取暖台账.xlsx")
    can_import = access.can_import_ledger(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.ledger_import(actor=request.user, content=form.cleaned_data["file"].read(),
                                            mode=form.cleaned_data["mode"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
    households = _filtered_households(request.user, filters, unmasked=unmasked).select_related(
        "division", "householder").prefetch_related("devices")
    paginator = Paginator(households, 100)
    if filters["page"] > max(paginator.num_pages, 1):
        return _bad_query(request, BadQuery("页码", f"共 {paginator.num_pages} 页，没有第 {filters['page']} 页。"))
    page = paginator.page(filters["page"])
    rows = [(h, h.householder.name if unmasked else mask_name(h.householder.name),
             h.householder.id_number if unmasked else mask_id_number(h.householder.id_number)) for h in page]
    audit_personal_read(actor=request.user, what="清洁取暖台账", object_type="heating.Household", count=len(rows),
                        filters=_audit_filters(filters), masked=not unmasked)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "heating/ledger.html", {
        "page": page, "rows": rows, "form": form, "report": report, "can_import": can_import,
        "filters": filters, "query": query.urlencode(), "methods": Method.choices,
        "villages": VillagePlan.objects.filter(division__path__startswith=request.user.scope_division.path)
        .select_related("division") if request.user.scope_division else []})


@login_required
def money(request):
    _need(request.user)
    try:
        period = _period_param(request.POST if request.method == "POST" else request.GET)
        claim_id = _int_param(request.POST, "claim", "申领") if request.method == "POST" else None
    except BadQuery as exc:
        return _bad_query(request, exc)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "compute":
                report = services.entitlements_compute(actor=request.user, period=period)
                services.claims_build(actor=request.user, period=period)
                note = f"；特别困难群体 {len(report.special_poor)} 户按其专项方案另行核定" if report.special_poor else ""
                messages.success(request, f"已核算 {period}：{report.computed} 项，锁定未改 {report.locked} 项{note}。")
            elif request.POST.get("action") == "approve":
                services.claim_approve(actor=request.user, claim=get_object_or_404(Claim, pk=claim_id or 0))
                messages.success(request, "申领已审定并锁定。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(f"{request.path}?period={period}")
    # Per-household amounts are personal data: a town officer sees its own town's households only.
    visible = household_list_for_user(request.user)
    entitlements = list(Entitlement.objects.filter(period=period, household__in=visible).select_related(
        "household", "claim")[:500])
    audit_personal_read(actor=request.user, what="清洁取暖补贴明细", object_type="heating.Household",
                        count=len({e.household_id for e in entitlements}), filters={"period": period})
    claims = list(Claim.objects.filter(period=period))
    return render(request, "heating/money.html", {
        "period": period, "claims": [(c, access.can_approve_claim(request.user, c)) for c in claims],
        "entitlements": entitlements, "can_compute": access.can_compute(request.user)})


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
    user = request.user
    scope = user.scope_division
    # Which forms to offer comes from the same predicates the services require.
    allowed = {"plan": scope is not None and access.can_set_plan(user, scope),
               "institution": scope is not None and access.can_set_institution(user, scope),
               "tendered": access.can_set_tendered(user)}
    bound = request.POST.get("form") if request.method == "POST" else None
    forms_by_name = {name: cls(request.POST if bound == name else None, prefix=name)
                     for name, (cls, _) in SETUP_FORMS.items()}
    if scope is not None:
        for name in ("plan", "institution"):
            field = forms_by_name[name].fields["division"]
            field.queryset = field.queryset.filter(path__startswith=scope.path)
    if bound in SETUP_FORMS and forms_by_name[bound].is_valid():
        try:
            SETUP_FORMS[bound][1](actor=user, **forms_by_name[bound].cleaned_data)
            messages.success(request, "已保存。")
            return redirect("heating:setup")
        except ServiceError as exc:
            form_error(forms_by_name[bound], exc)
    return render(request, "heating/setup.html", {
        "forms": forms_by_name, "allowed": allowed, "plans": VillagePlan.objects.select_related("division__parent__parent__parent"),
        "institutions": PublicInstitution.objects.select_related("division__parent__parent__parent"),
        "tendered": TenderedEquipment.objects.order_by("kind", "model_name")})
