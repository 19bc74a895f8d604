from __future__ import annotations

import base64
import dataclasses
from collections import defaultdict
from decimal import Decimal
from io import BytesIO
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from countyhall.core.access import require
from countyhall.core.charts import bar_chart
from countyhall.core.errors import ServiceError
from countyhall.core.identity import mask_id_number, mask_name
from countyhall.core.jobs import can_confirm_job, import_as_job, job_confirm_preview, job_submit
from countyhall.core.models import Division, Job
from countyhall.core.params import BadParameter, answers_bad_parameters, choice_param, division_param
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.reports import xlsx_file_response, xlsx_response
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.tables import Column, Table
from countyhall.core.web import bad_request, form_error
from countyhall.core.widgets import SearchableSelect, division_choices, use_grouped
from countyhall.heating import access, rules, services
from countyhall.heating.jobs import ENTITLEMENTS_COMPUTE, LEDGER_EXPORT, LEDGER_IMPORT
from countyhall.heating.models import (
    Acceptance,
    Claim,
    Device,
    Entitlement,
    Household,
    Method,
    PublicInstitution,
    TenderedEquipment,
    VillagePlan,
    mask_address,
)
from countyhall.heating.policy import entitlement_why, stove_shares_under
from countyhall.heating.selectors import (
    claim_exclusions,
    household_list_for_user,
    ledger_checks,
    money_by_budget,
    special_poor_pending,
    task_summary,
    town_progress,
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
            raise BadQuery(
                "期间", f"应为 2021（管网与设备）或“2021-2022”形式的采暖季，收到“{period[:20]}”。"
            ) from None
    return period


class ImportForm(forms.Form):
    file = forms.FileField(label="台账 Excel 文件")
    mode = forms.ChoiceField(
        label="导入方式",
        choices=[("all_or_nothing", "有错误时全部不导入"), ("valid_only", "只导入有效行，报告错误行")],
    )
    update_existing = forms.BooleanField(
        label="更新已有户（按身份证号找到的户，用本文件的内容更正；不勾选则已有户保持不变）", required=False
    )


class AcceptanceForm(forms.Form):
    plan = forms.ModelChoiceField(label="自然村", queryset=VillagePlan.objects.select_related("division"))
    stage = forms.ChoiceField(label="环节", choices=Acceptance.Stage.choices)
    # No pre-selected outcome: the officer chooses 通过 or 未通过 explicitly.
    passed = forms.TypedChoiceField(
        label="验收结论",
        choices=[("yes", "通过"), ("no", "未通过")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    findings = forms.CharField(label="验收意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the villages and steps the user may record (the service checks again). The plans are read
        # once: the chooser's options are the ones checked here (was a second query with every plan id).
        stages = Acceptance.Stage.values
        allowed = access.acceptance_stages(user, self.fields["plan"].queryset, stages)
        plans = [p for p, steps in allowed.items() if steps]
        field = self.fields["plan"]
        field.queryset = VillagePlan.objects.filter(pk__in=[p.pk for p in plans]).select_related("division")
        field.widget = _OptionsSelect()
        field.widget.choices = [("", field.empty_label)] + [
            (p.pk, field.label_from_instance(p)) for p in plans
        ]
        self.fields["stage"].choices = [
            (value, label)
            for value, label in Acceptance.Stage.choices
            if any(value in steps for steps in allowed.values())
        ]
        self.usable = bool(plans)


class _OptionsSelect(SearchableSelect):
    """The plain <select> of Django's Select, its options written directly (SearchableSelect.render) instead of
    a widget template per option: the county's 430 village plans took most of the dashboard's rendering. Without
    the search box (no data-searchable): the chooser looks as it did."""

    def __init__(self, attrs=None, choices=()):
        forms.Select.__init__(self, attrs, choices)


def _findings_for(user) -> list:
    """The ledger checks for the households the user may see (addresses are personal data)."""
    visible = set(household_list_for_user(user).values_list("pk", flat=True))
    unmasked = access.can_view_unmasked(user)
    findings = []
    for finding in ledger_checks():
        ids = [pk for pk in finding.household_ids if pk in visible]
        if not ids:
            continue
        if finding.address and not unmasked:
            finding.detail = finding.detail.replace(finding.address, mask_address(finding.address))
        # The checks' own rows, narrowed in place (a county has 1,300 above-cap findings: no copy of each).
        finding.household_ids = ids
        findings.append(finding)
    return findings


# The dashboard lists at most this many findings of each kind; the rest are one filter away (the ledger's
# 核查有问题 filter, the subsidy list sorted by the amount above the cap). A county's 1,300 above-cap entitlements
# made a 200 KB list nobody reads through on a dashboard.
FINDINGS_SHOWN = 20
FINDING_KINDS = {
    "same_address": "同一住址登记多户",
    "no_plan": "所在自然村没有改造计划",
    "method": "生物质改造村登记了气代煤户",
    "price": "购买价高于招标价",
    "above_cap": "用量补贴超出上限",
}
LEDGER_FINDING_KINDS = ("same_address", "no_plan", "method")  # the ledger's status=finding (_with_findings)


def _finding_groups(findings) -> list[dict]:
    """The findings by kind: each kind's total, the first FINDINGS_SHOWN, and where the rest are listed."""
    groups = []
    for kind, label in FINDING_KINDS.items():
        of_kind = [f for f in findings if f.kind == kind]
        if not of_kind:
            continue
        links = []
        if kind in LEDGER_FINDING_KINDS:
            links.append(("在台账中查看（核查有问题）", reverse("heating:ledger") + "?status=finding"))
        elif kind == "above_cap":
            for period in sorted({f.period for f in of_kind}):
                links.append(
                    (
                        f"{period} 补贴明细（按超出上限金额排序）",
                        reverse("heating:money") + "?" + urlencode({"period": period, "sort": "-excess"}),
                    )
                )
        # A kind listed nowhere else (price) is shown in full.
        shown = of_kind[:FINDINGS_SHOWN] if links else of_kind
        groups.append(
            {
                "kind": kind,
                "label": label,
                "total": len(of_kind),
                "shown": shown,
                "hidden": len(of_kind) - len(shown),
                "links": links,
            }
        )
    return groups


def _findings_named(user, findings) -> list:
    """Each finding with its households by name (masked for roles without unmasked access) and place."""
    ids = {pk for f in findings for pk in f.household_ids}
    households = {
        h.pk: h
        for h in Household.objects.filter(pk__in=ids).select_related(
            "householder", "division__parent__parent"
        )
    }
    show = _present(user)
    return [
        (
            f,
            [
                (pk, show(households[pk].householder.name), place(households[pk]))
                for pk in f.household_ids
                if pk in households
            ],
        )
        for f in findings
    ]


def _gas_share_text(v) -> str:
    if v.gas_share_ok is None:
        return "—"
    return f"{'✔' if v.gas_share_ok else '✘'} {v.gas}/{v.registered}"


def _deadline_text(overdue: bool, done_on) -> str:
    return "逾期" if overdue else (done_on.isoformat() if done_on else "—")


# 各村进度 as a core.tables.Table: 50 natural villages a page (the county has 430; the whole table rendered was
# most of the dashboard's time), sortable, every village in the export.
PROGRESS_COLUMNS = [
    Column("village", "自然村", value=lambda v: v.plan.division.full_name(), sort="division__path"),
    Column("method", "方式", value=lambda v: v.plan.get_method_display(), sort="method"),
    Column("planned", "计划", value=lambda v: v.plan.planned_households, sort="planned_households"),
    Column("registered", "登记", value=lambda v: v.registered),
    Column("accepted", "验收", value=lambda v: v.accepted),
    Column("gas_share", "改气比例≥80%", value=_gas_share_text),
    Column(
        "construction",
        "工程建设（9月30日）",
        value=lambda v: _deadline_text(v.construction_overdue, v.plan.construction_done_on),
        sort="construction_done_on",
    ),
    Column(
        "commissioning",
        "调试交付（10月20日）",
        value=lambda v: _deadline_text(v.commissioning_overdue, v.plan.commissioning_done_on),
        sort="commissioning_done_on",
    ),
]


@login_required
@answers_bad_parameters(nav="heating/_nav.html")
def dashboard(request):
    _need(request.user)
    progress_table = Table(
        request,
        VillagePlan.objects.select_related("division__parent__parent__parent"),
        columns=PROGRESS_COLUMNS,
        default_sort="village",
        rows=village_progress,
    )
    if progress_table.export_requested:
        return progress_table.export(filename="清洁取暖各村改造进度.xlsx")
    form = AcceptanceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.acceptance_record(actor=request.user, **form.cleaned_data)
            messages.success(request, "已记录验收。")
            return redirect("heating:dashboard")
        except ServiceError as exc:
            messages.error(request, exc.message)
    by_town = town_progress()
    money = money_by_budget()
    budgets = sorted({b for shares in money.values() for b in shares})
    periods = sorted(money)
    charts = []
    if by_town:
        towns = sorted(by_town)
        charts.append(
            bar_chart(
                title="各镇（街道）改造进度（户）",
                labels=towns,
                series={
                    "计划": [by_town[t][0] for t in towns],
                    "已登记": [by_town[t][1] for t in towns],
                    "已验收": [by_town[t][2] for t in towns],
                },
            )
        )
    if periods:
        charts.append(
            bar_chart(
                title="补贴资金按预算与期间（元）",
                labels=periods,
                stacked=True,
                series={
                    BUDGET_LABELS.get(b, b): [money[p].get(b, Decimal(0)) for p in periods] for b in budgets
                },
            )
        )
    findings = _findings_for(request.user)
    groups = _finding_groups(findings)
    shown = [f for group in groups for f in group["shown"]]
    if shown:
        # The checks quote households' addresses: a read of personal data like any ledger list (the households
        # named on the page).
        audit_personal_read(
            actor=request.user,
            what="清洁取暖台账核查",
            object_type="heating.Household",
            count=len({pk for f in shown for pk in f.household_ids}),
            filters={"findings": len(findings)},
            masked=not access.can_view_unmasked(request.user),
        )
    named = iter(_findings_named(request.user, shown))
    for group in groups:
        group["shown"] = [next(named) for _ in group["shown"]]
    return render(
        request,
        "heating/dashboard.html",
        {
            "summary": task_summary(),
            "table": progress_table,
            "charts": charts,
            "form": form,
            "money": [(p, [money[p].get(b, Decimal(0)) for b in budgets]) for p in periods],
            "budgets": budgets,
            "finding_groups": groups,
        },
    )


# --- Who is who: the householder by name (masked for roles without unmasked access), with the place ---------


def _present(user):
    """How a page names a householder for `user`: the full name, or masked keeping its length (孙*华)."""
    unmasked = access.can_view_unmasked(user)
    return (lambda name: name) if unmasked else mask_name


def place(household) -> str:
    """自然村 / 村 / 镇: where the household lives, as a town officer says it."""
    parts, division = [], household.division
    while division is not None and division.kind != Division.Kind.COUNTY:
        parts.append(division.name)
        if len(parts) == 3:
            # Stop before reading the town's parent: the lists join three levels (division__parent__parent),
            # and one step further was a query per row (1,300 on the dashboard's findings).
            break
        division = division.parent
    return " / ".join(parts)


@dataclasses.dataclass
class HouseholdRow:
    household: object
    name: str
    id_number: str

    @property
    def device(self):
        return next(iter(self.household.devices.all()), None)


def _household_rows(user):
    show = _present(user)
    unmasked = access.can_view_unmasked(user)

    def rows(households):
        return [
            HouseholdRow(
                h,
                show(h.householder.name),
                h.householder.id_number if unmasked else mask_id_number(h.householder.id_number),
            )
            for h in households
        ]

    return rows


def _device_cell(attribute):
    return lambda r: getattr(r.device, attribute, "") if r.device else ""


LEDGER_COLUMNS = [
    Column("householder", "户主", value=lambda r: r.name, sort="householder__name"),
    Column("id_number", "身份证号", value=lambda r: r.id_number, default=False),
    Column("place", "自然村 / 村 / 镇", value=lambda r: place(r.household), sort="division__path"),
    Column("address", "住址", value=lambda r: r.household.address, default=False),
    Column("members", "家庭人口", value=lambda r: r.household.members, sort="members", default=False),
    Column("method", "改造方式", value=lambda r: r.household.get_method_display(), sort="method"),
    Column(
        "device",
        "设备型号（供货商）",
        value=lambda r: f"{r.device.model_name}（{r.device.supplier}）" if r.device else "未登记",
    ),
    Column("price", "购买价格", value=_device_cell("price")),
    Column("invoice_no", "发票号码", value=_device_cell("invoice_no"), default=False),
    Column(
        "special_poor",
        "特别困难群体",
        value=lambda r: "是" if r.household.special_poor else "否",
        sort="special_poor",
    ),
    Column("accepted_on", "验收合格日期", value=lambda r: r.household.accepted_on or "", sort="accepted_on"),
    Column("number", "台账编号", value=lambda r: f"#{r.household.pk}", sort="id"),
]

STATUSES = [
    ("no_device", "未登记设备"),
    ("not_accepted", "未验收"),
    ("accepted", "已验收"),
    ("special_poor", "特别困难群体"),
    ("finding", "核查有问题"),
]


def _division_choices(user) -> list:
    """Town → village → natural village under the user's scope, as optgroups per town (core's searchable,
    hierarchical chooser). The county itself is not offered: "全部" already means the whole scope."""
    scope = user.scope_division
    if scope is None:
        return []
    return [
        (label, options)
        for label, options in division_choices(scope=scope, include_natural=True, blank=None)
        if isinstance(options, list)
    ]


def _with_findings(households):
    """Households with a ledger check finding a town settles (see todos.finding_count)."""
    same_address = Household.objects.filter(
        address=OuterRef("address"), division=OuterRef("division")
    ).exclude(pk=OuterRef("pk"))
    return households.filter(
        Q(division__heating_plan__isnull=True)
        | Q(division__heating_plan__method=Method.BIOMASS, method=Method.GAS)
        | Exists(same_address)
    )


def _ledger_queryset(request, *, unmasked: bool):
    households = household_list_for_user(request.user)
    division = division_param(request, "division", "镇 / 村 / 自然村")
    if division is not None:
        households = households.filter(division__path__startswith=division.path)
    method = choice_param(request, "method", "改造方式", Method.choices)
    if method:
        households = households.filter(method=method)
    status = choice_param(request, "status", "状态", STATUSES)
    households = {
        "no_device": lambda q: q.filter(devices__isnull=True),
        "not_accepted": lambda q: q.filter(accepted_on__isnull=True),
        "accepted": lambda q: q.filter(accepted_on__isnull=False),
        "special_poor": lambda q: q.filter(special_poor=True),
        "finding": _with_findings,
        "": lambda q: q,
    }[status](households)
    query = (request.GET.get("q") or "").strip()
    if len(query) > 50:
        raise BadParameter("q", "查询", "不能超过 50 个字。")
    if query:
        # Roles that see names masked find a householder by the full 身份证号 only (as in core.selectors.people).
        match = Q(householder__id_number=query.upper())
        if unmasked:
            match |= Q(householder__name__contains=query) | Q(address__contains=query)
        households = households.filter(match)
    filters = {"division": division.code if division else "", "method": method, "status": status, "q": query}
    return households.select_related("division__parent__parent", "householder").prefetch_related(
        "devices"
    ), filters


IMPORT_SESSION_KEY = "heating_ledger_import"


@login_required
@answers_bad_parameters(nav="heating/_nav.html")
def ledger(request):
    _need(request.user)
    user = request.user
    unmasked = access.can_view_unmasked(user)
    households, filters = _ledger_queryset(request, unmasked=unmasked)
    output = (request.GET.get("format") or "").strip()
    if output not in ("", "xlsx"):
        raise BadParameter("format", "导出格式", "只支持 xlsx。")
    if output == "xlsx":
        # The ledger in the import layout (the template the towns fill in), of the filtered households.
        if households.count() > settings.COUNTYHALL_JOB_EXPORT_ROWS:
            # A large export is built by the background worker; the download (audited) is on the job page.
            job = job_submit(
                actor=user,
                kind=LEDGER_EXPORT,
                params={
                    "filters": {
                        key: value for key, value in request.GET.items() if key not in ("format", "page")
                    }
                },
            )
            return redirect("core:job", pk=job.pk)
        output = services.ledger_export_file(households, masked=not unmasked)
        audit_personal_read(
            actor=user,
            what="清洁取暖台账导出",
            object_type="heating.Household",
            count=households.count(),
            filters=filters,
            masked=not unmasked,
        )
        return xlsx_file_response(output=output, filename="清洁取暖台账.xlsx")
    table = Table(
        request, households, columns=LEDGER_COLUMNS, default_sort="place", rows=_household_rows(user)
    )
    if table.export_requested:
        audit_personal_read(
            actor=user,
            what="清洁取暖台账导出",
            object_type="heating.Household",
            count=households.count(),
            filters={**filters, "cols": ",".join(c.key for c in table.export_columns())},
            masked=not unmasked,
        )
        return table.export(filename="清洁取暖台账.xlsx")
    can_import = access.can_import_ledger(user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = preview = None
    if request.method == "POST" and can_import:
        if request.POST.get("action") == "confirm":
            stored = request.session.pop(IMPORT_SESSION_KEY, None)
            if not stored:
                form = ImportForm()
                messages.error(request, "预览已过期，请重新选择文件。")
            else:
                report = services.ledger_import(
                    actor=user,
                    content=base64.b64decode(stored["content"]),
                    mode=stored["mode"],
                    update_existing=stored["update_existing"],
                )
                form = ImportForm()
        elif form.is_valid():
            content = form.cleaned_data["file"].read()
            options = {
                "mode": form.cleaned_data["mode"],
                "update_existing": form.cleaned_data["update_existing"],
            }
            if import_as_job(content):
                # A large file is previewed by the background worker; its job page offers the confirmation,
                # which applies the same file in a second job (heating:ledger-import-confirm-job).
                job = job_submit(
                    actor=user,
                    kind=LEDGER_IMPORT,
                    params={**options, "dry_run": True},
                    input_file=content,
                    input_name=form.cleaned_data["file"].name,
                )
                return redirect("core:job", pk=job.pk)
            try:
                preview = services.ledger_import(actor=user, content=content, dry_run=True, **options)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                # The clerk confirms what the preview shows: the file waits in the session, nothing is written yet.
                request.session[IMPORT_SESSION_KEY] = {
                    "content": base64.b64encode(content).decode(),
                    **options,
                }
    show = _present(user)
    for result in (report, preview):
        if result is not None:
            for change in result.changes:
                change.name = show(change.name)
    audit_personal_read(
        actor=user,
        what="清洁取暖台账",
        object_type="heating.Household",
        count=len(table.rows),
        filters={**filters, "page": table.page.number},
        masked=not unmasked,
    )
    return render(
        request,
        "heating/ledger.html",
        {
            "table": table,
            "form": form,
            "report": report,
            "preview": preview,
            "can_import": can_import,
            "methods": Method.choices,
            "statuses": STATUSES,
            "divisions": _division_choices(user),
            "selected": {
                "division": request.GET.get("division", ""),
                "method": request.GET.get("method", ""),
                "status": request.GET.get("status", ""),
                "q": request.GET.get("q", ""),
            },
        },
    )


@login_required
def ledger_template(request):
    """The empty import template (columns, an example row, column notes): no household in it, so no audit."""
    _need(request.user)
    return xlsx_response(content=services.ledger_import_template(), filename="清洁取暖台账导入模板.xlsx")


@require_POST
@login_required
def ledger_import_confirm_job(request, pk: int):
    """Confirm the preview a background job computed: a second job applies the same file with the same choices."""
    job = Job.objects.filter(pk=pk, kind=LEDGER_IMPORT.code).first()
    if job is None or not can_confirm_job(request.user, job):
        raise Http404("没有这个导入任务，或该任务不是您提交的。")
    result = job.result or {}
    if job.state != Job.State.DONE or not job.params.get("dry_run") or result.get("errors"):
        messages.error(request, "该任务不是可确认的导入预览。")
        return redirect("core:job", pk=job.pk)
    params = {key: value for key, value in job.params.items() if key != "dry_run"}
    try:
        # Once: a second confirmation (double click, another tab) is refused; the preview's file is then deleted.
        confirmed = job_confirm_preview(actor=request.user, job=job, kind=LEDGER_IMPORT, params=params)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("core:job", pk=job.pk)
    return redirect("core:job", pk=confirmed.pk)


# --- One household: its record, devices, meter readings, fuel purchases, money and history ---------------


class CorrectForm(forms.Form):
    address = forms.CharField(label="住址", max_length=200)
    members = forms.IntegerField(label="家庭人口", min_value=1, max_value=services.MAX_MEMBERS)
    special_poor = forms.TypedChoiceField(
        label="特别困难群体", choices=[("否", "否"), ("是", "是")], coerce=lambda v: v == "是"
    )
    model_name = forms.CharField(label="设备型号", max_length=100, required=False)
    supplier = forms.CharField(label="供货商", max_length=100, required=False)
    price = forms.DecimalField(
        label="购买价格（元）", min_value=0, decimal_places=2, max_digits=12, required=False
    )
    invoice_no = forms.CharField(label="发票号码", max_length=40, required=False)
    installed_on = forms.DateField(
        label="安装日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    commissioned_on = forms.DateField(
        label="调试日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label="更正原因（必填，原值保留在历史中）", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReadingForm(forms.Form):
    season = forms.CharField(label="采暖季（如 2021-2022）", max_length=9)
    read_on = forms.DateField(
        label="抄表日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reading_m3 = forms.DecimalField(label="表数（立方米）", min_value=0, decimal_places=3, max_digits=12)


class PurchaseForm(forms.Form):
    season = forms.CharField(label="采暖季（如 2021-2022）", max_length=9)
    bought_on = forms.DateField(
        label="购买日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    tonnes = forms.DecimalField(label="吨数", min_value=Decimal("0.001"), decimal_places=3, max_digits=8)
    invoice_no = forms.CharField(label="票据号码", max_length=40, required=False)


class FixReadingForm(forms.Form):
    reading = forms.IntegerField(widget=forms.HiddenInput)
    reading_m3 = forms.DecimalField(label="正确表数（立方米）", min_value=0, decimal_places=3, max_digits=12)
    reason = forms.CharField(label="更正原因", max_length=500)


class FixPurchaseForm(forms.Form):
    purchase = forms.IntegerField(widget=forms.HiddenInput)
    tonnes = forms.DecimalField(label="正确吨数（0 为作废）", min_value=0, decimal_places=3, max_digits=8)
    reason = forms.CharField(label="更正原因", max_length=500)


def _correct_initial(household) -> dict:
    device = household.devices.first()
    initial = {
        "address": household.address,
        "members": household.members,
        "special_poor": "是" if household.special_poor else "否",
    }
    if device:
        initial.update({name: getattr(device, name) for name in services.DEVICE_FIELDS})
    return initial


@login_required
def household_detail(request, pk: int):
    _need(request.user)
    user = request.user
    household = get_object_or_404(
        household_list_for_user(user)
        .select_related("division__parent__parent", "householder")
        .prefetch_related("devices", "season_uses"),
        pk=pk,
    )
    can_correct = access.can_correct_household(user, household)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not can_correct:
        raise PermissionDenied("只能更正本人所在镇（街道）的改造户。")
    posted = request.POST if action else None
    device = household.devices.first()
    correct = CorrectForm(posted if action == "correct" else None, initial=_correct_initial(household))
    reading = ReadingForm(posted if action == "reading" else None, prefix="reading")
    purchase = PurchaseForm(posted if action == "purchase" else None, prefix="purchase")
    fix_reading = FixReadingForm(posted if action == "fix_reading" else None, prefix="fix-reading")
    fix_purchase = FixPurchaseForm(posted if action == "fix_purchase" else None, prefix="fix-purchase")
    bound = {
        "correct": correct,
        "reading": reading,
        "purchase": purchase,
        "fix_reading": fix_reading,
        "fix_purchase": fix_purchase,
    }.get(action)
    if bound is not None and bound.is_valid():
        data = bound.cleaned_data
        try:
            if action == "correct":
                values = {name: data[name] for name in ("address", "members", "special_poor")}
                if device is not None:
                    values.update(
                        {
                            name: (data[name] if data[name] is not None else "")
                            if name in ("model_name", "supplier", "invoice_no")
                            else data[name]
                            for name in services.DEVICE_FIELDS
                        }
                    )
                    if values["price"] is None:
                        raise ServiceError("price", "购买价格不能为空。")
                services.household_correct(actor=user, household=household, reason=data["reason"], **values)
                messages.success(request, "已更正，原值与原因已记入历史。")
            elif action == "reading":
                services.meter_reading_record(actor=user, household=household, **data)
                messages.success(request, "已登记抄表，采暖季用气量已更新。")
            elif action == "purchase":
                services.fuel_purchase_record(actor=user, household=household, **data)
                messages.success(request, "已登记燃料购买，采暖季燃料吨数已更新。")
            elif action == "fix_reading":
                services.meter_reading_correct(
                    actor=user,
                    reading=get_object_or_404(household.meter_readings, pk=data["reading"]),
                    reading_m3=data["reading_m3"],
                    reason=data["reason"],
                )
                messages.success(request, "已更正抄表，原值与原因已记入历史。")
            else:
                services.fuel_purchase_correct(
                    actor=user,
                    purchase=get_object_or_404(household.fuel_purchases, pk=data["purchase"]),
                    tonnes=data["tonnes"],
                    reason=data["reason"],
                )
                messages.success(request, "已更正燃料购买，原值与原因已记入历史。")
            return redirect("heating:household", pk=household.pk)
        except ServiceError as exc:
            form_error(bound, exc)
    unmasked = access.can_view_unmasked(user)
    audit_personal_read(
        actor=user,
        what="清洁取暖改造户详情",
        object_type="heating.Household",
        object_id=str(household.pk),
        count=1,
        masked=not unmasked,
    )
    show = _present(user)
    corrections = list(household.corrections.all())
    if not unmasked:
        for correction in corrections:
            if correction.field == "住址":
                correction.old, correction.new = mask_address(correction.old), mask_address(correction.new)
    return render(
        request,
        "heating/household.html",
        {
            "household": household,
            "name": show(household.householder.name),
            "place": place(household),
            "id_number": household.householder.id_number
            if unmasked
            else mask_id_number(household.householder.id_number),
            "address": household.address if unmasked else mask_address(household.address),
            "device": device,
            "uses": household.season_uses.order_by("season"),
            "readings": household.meter_readings.order_by("season", "read_on"),
            "purchases": household.fuel_purchases.order_by("season", "bought_on"),
            "entitlements": [
                (e, entitlement_why(e, household))
                for e in household.entitlements.select_related("claim").order_by("period", "item")
            ],
            "special_poor_pending": special_poor_pending(household),
            "corrections": corrections,
            "can_correct": can_correct,
            "is_gas": household.method == Method.GAS,
            "forms": {
                "correct": correct,
                "reading": reading,
                "purchase": purchase,
                "fix_reading": fix_reading,
                "fix_purchase": fix_purchase,
            },
        },
    )


# --- Money: entitlements, claims, approval with confirmation, sending back ---------------------------------


def _period(request) -> str:
    data = request.POST if request.method == "POST" else request.GET
    try:
        return _period_param(data)
    except BadQuery as exc:
        raise BadParameter("period", exc.label, exc.message) from None


def _shares_text(shares: dict) -> str:
    return "；".join(f"{BUDGET_LABELS.get(b, b)} {Decimal(a):,.2f}" for b, a in shares.items())


def _entitlement_rows(user):
    show = _present(user)

    def rows(entitlements):
        return [(e, show(e.household.householder.name)) for e in entitlements]

    return rows


ENTITLEMENT_COLUMNS = [
    Column("householder", "户主", value=lambda r: r[1], sort="household__householder__name"),
    Column(
        "place", "自然村 / 村 / 镇", value=lambda r: place(r[0].household), sort="household__division__path"
    ),
    Column(
        "item",
        "补贴项目",
        value=lambda r: r[0].get_item_display() + ("（更正差额）" if r[0].adjusts_id else ""),
        sort="item",
    ),
    Column("amount", "金额（元）", value=lambda r: r[0].amount, sort="amount"),
    Column("excess", "超出上限未补（元）", value=lambda r: r[0].excess, sort="excess"),
    Column("shares", "按预算分担", value=lambda r: _shares_text(r[0].shares)),
    Column(
        "claim", "申领状态", value=lambda r: r[0].claim.get_status_display() if r[0].claim else "未生成申领"
    ),
    Column("number", "台账编号", value=lambda r: f"#{r[0].household_id}", sort="household_id", default=False),
]


@login_required
@answers_bad_parameters(nav="heating/_nav.html")
def money(request):
    _need(request.user)
    user = request.user
    period = _period(request)
    compute_report = None
    if request.method == "POST" and request.POST.get("action") == "compute":
        try:
            if Household.objects.count() > settings.COUNTYHALL_JOB_IMPORT_ROWS:
                # County-sized: computed by the background worker, with a progress bar.
                require(access.can_compute(user), "补贴由县住建局统一核算。")
                job = job_submit(actor=user, kind=ENTITLEMENTS_COMPUTE, params={"period": period})
                return redirect("core:job", pk=job.pk)
            compute_report = services.entitlements_compute(actor=user, period=period)
            services.claims_build(actor=user, period=period)
            note = (
                f"；特别困难群体 {len(compute_report.special_poor)} 户的 {compute_report.special_poor_pending} 项"
                "补助待管理员录入（专项方案金额），未核算、不予拨付"
                if compute_report.special_poor
                else ""
            )
            messages.success(
                request,
                f"已核算 {period}：{compute_report.computed} 项，锁定未改 {compute_report.locked} 项，"
                f"审定后更正差额 {compute_report.adjustments} 项{note}。申领已提交财政局审定。",
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(f"{request.path}?period={period}")
    # Per-household amounts are personal data: a town officer sees its own town's households only.
    visible = household_list_for_user(user)
    entitlements = Entitlement.objects.filter(period=period, household__in=visible).select_related(
        "household__householder", "household__division__parent__parent", "claim"
    )
    table = Table(
        request, entitlements, columns=ENTITLEMENT_COLUMNS, default_sort="place", rows=_entitlement_rows(user)
    )
    unmasked = access.can_view_unmasked(user)
    if table.export_requested:
        audit_personal_read(
            actor=user,
            what="清洁取暖补贴明细导出",
            object_type="heating.Household",
            count=entitlements.count(),
            filters={"period": period},
            masked=not unmasked,
        )
        return table.export(filename=f"清洁取暖补贴明细-{period}.xlsx")
    show = _present(user)
    changed = []
    if compute_report is not None:
        names = dict(
            Household.objects.filter(pk__in=[c.household_id for c in compute_report.changed]).values_list(
                "pk", "householder__name"
            )
        )
        changed = [
            (c, show(names.get(c.household_id, "")), Entitlement.Item(c.item).label)
            for c in compute_report.changed
        ]
    left_out = [
        (h, show(h.householder.name), place(h), reason)
        for h, reason in claim_exclusions(period=period, households=visible)
    ]
    audit_personal_read(
        actor=user,
        what="清洁取暖补贴明细",
        object_type="heating.Household",
        count=len({e.household_id for e, _ in table.rows} | {h.pk for h, *_ in left_out}),
        filters={"period": period},
        masked=not unmasked,
    )
    claims = Claim.objects.filter(period=period).order_by("payee", "payee_name", "-pk")
    return render(
        request,
        "heating/money.html",
        {
            "period": period,
            "table": table,
            "claims": claims,
            "can_compute": access.can_compute(user),
            "changed": changed,
            "left_out": left_out,
        },
    )


CLAIM_COLUMNS = [
    Column("period", "期间", sort="period"),
    Column("payee", "收款方", value=lambda c: services.claim_label(c).split(" ", 1)[1], sort="payee"),
    Column("amount", "金额（元）", sort="amount"),
    Column("shares", "按预算分担", value=lambda c: _shares_text(c.shares)),
    Column("status", "状态", value=lambda c: c.get_status_display(), sort="status"),
    Column("returned_reason", "退回原因", default=False),
]


@login_required
@answers_bad_parameters(nav="heating/_nav.html")
def claims(request):
    _need(request.user)
    queryset = Claim.objects.all()
    status = choice_param(request, "status", "状态", Claim.Status.choices)
    if status:
        queryset = queryset.filter(status=status)
    period = (request.GET.get("period") or "").strip()
    if period:
        queryset = queryset.filter(period=_period(request))
    table = Table(request, queryset, columns=CLAIM_COLUMNS, default_sort="-period")
    if table.export_requested:
        return table.export(filename="清洁取暖补贴申领.xlsx")
    return render(
        request,
        "heating/claims.html",
        {"table": table, "statuses": Claim.Status.choices, "selected": {"status": status, "period": period}},
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因（必填，将通知县住建局）", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


def _claim_lines(claim, user):
    show = _present(user)
    visible = household_list_for_user(user)
    lines = (
        claim.entitlements.filter(household__in=visible)
        .select_related("household__householder", "household__division__parent__parent")
        .order_by("household__division__path", "household_id", "item")
    )
    return [(e, show(e.household.householder.name), place(e.household)) for e in lines]


def _claim_context(claim, user) -> dict:
    lines = _claim_lines(claim, user)
    shares = [(BUDGET_LABELS.get(b, b), Decimal(a)) for b, a in claim.shares.items()]
    return {
        "claim": claim,
        "label": services.claim_label(claim),
        "lines": lines,
        "shares": shares,
        "total": claim.amount,
        "households": len({e.household_id for e, _, _ in lines}),
        "excess": sum((e.excess for e, _, _ in lines), Decimal("0")),
    }


def _claim_basis(claim, lines) -> dict:
    """The readings behind the claim with the answer applied, and B6's other answer side by side for the stove
    lines (how the same amounts would split between city and county)."""
    from countyhall.core.policy import ANSWER_LABELS, parameters

    registry = parameters()
    readings = []
    for reading_id, answer in (claim.policy_basis or {}).get("readings", {}).items():
        reading = registry.readings.get(reading_id)
        if reading is not None:
            readings.append(
                {
                    "id": reading_id,
                    "question": reading.question,
                    "citation": reading.citation,
                    "answer": ANSWER_LABELS.get(answer, "两种理解（期间内有变更）"),
                    "text": reading.answer_text(answer) if answer in ANSWER_LABELS else "",
                }
            )
    stove = [e for e, _, _ in lines if e.item == Entitlement.Item.BIOMASS_STOVE]
    b6 = None
    if stove:
        answer = (claim.policy_basis or {}).get("readings", {}).get("B6", "adopted")
        other = "alternative" if answer == "adopted" else "adopted"
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for entitlement in stove:
            for budget, amount in stove_shares_under(entitlement.amount, other).items():
                totals[budget] += amount
        b6 = {
            "answer": ANSWER_LABELS[other],
            "text": registry.readings["B6"].answer_text(other),
            "shares": [(BUDGET_LABELS.get(b, b), v) for b, v in totals.items()],
        }
    payment = None
    if stove:
        # 四、（二）1, L5502: "付款方式继续执行2019年付款政策" — an administered text, shown as not entered until it is.
        parameter = registry.get("heating.biomass_stove.payment_policy")
        try:
            value = registry.at(parameter.name, rules.programme_date())
            payment = {"text": value.value, "citation": value.citation}
        except NoPolicyInForce:
            payment = {"text": "", "citation": parameter.citation}
    from countyhall.core.policy.basis import parameter_rows

    return {
        "readings": readings,
        "b6": b6,
        "payment": payment,
        "parameters": parameter_rows(claim.policy_basis),
    }


@login_required
def claim_detail(request, pk: int):
    _need(request.user)
    user = request.user
    claim = get_object_or_404(Claim, pk=pk)
    form = ReturnForm(
        request.POST if request.method == "POST" and request.POST.get("action") == "return" else None
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "return" and form.is_valid():
                services.claim_return(actor=user, claim=claim, reason=form.cleaned_data["reason"])
                messages.success(request, "申领已退回，已通知县住建局。")
                return redirect("heating:claim", pk=claim.pk)
            if action == "approve":
                if request.POST.get("confirmed") != "yes":
                    return render(request, "heating/claim_confirm.html", _claim_context(claim, user))
                services.claim_approve(actor=user, claim=claim)
                messages.success(request, "申领已审定并锁定。")
                return redirect("heating:claim", pk=claim.pk)
        except ServiceError as exc:
            form_error(form, exc) if action == "return" else messages.error(request, exc.message)
    context = _claim_context(claim, user)
    audit_personal_read(
        actor=user,
        what="清洁取暖补贴申领明细",
        object_type="heating.Household",
        object_id=str(claim.pk),
        count=context["households"],
        masked=not access.can_view_unmasked(user),
    )
    pending = claim.status == Claim.Status.DRAFT
    return render(
        request,
        "heating/claim.html",
        {
            **context,
            "form": form,
            "basis": _claim_basis(claim, context["lines"]),
            "can_approve": pending and access.can_approve_claim(user, claim),
            "can_return": pending and access.can_return_claim(user, claim),
        },
    )


@login_required
def claim_form(request, pk: int, output: str):
    """The claim form (申领表) as PDF or Excel: lines by householder, totals, shares by level, signature and seal."""
    _need(request.user)
    user = request.user
    claim = get_object_or_404(Claim, pk=pk)
    context = _claim_context(claim, user)
    audit_personal_read(
        actor=user,
        what=f"清洁取暖补贴申领表（{output.upper()}）",
        object_type="heating.Household",
        object_id=str(claim.pk),
        count=context["households"],
        masked=not access.can_view_unmasked(user),
    )
    filename = f"清洁取暖补贴申领表-{claim.period}-{claim.pk}"
    if output == "pdf":
        from countyhall.core.reports import pdf_response

        return pdf_response(
            template="heating/claim_print.html",
            context=context,
            filename=f"{filename}.pdf",
            base_url=request.build_absolute_uri("/"),
        )
    from openpyxl import Workbook

    from countyhall.core.reports import append_safe_row

    book = Workbook()
    sheet = book.active
    sheet.title = "申领表"
    append_safe_row(sheet, [f"高青县2021年冬季清洁取暖补贴申领表（{context['label']}）"])
    append_safe_row(sheet, ["申领编号", f"{claim.period}-{claim.pk:04d}", "状态", claim.get_status_display()])
    append_safe_row(
        sheet, ["户主", "自然村 / 村 / 镇", "补贴项目", "金额（元）", "超出上限未补（元）", "按预算分担"]
    )
    for e, name, where in context["lines"]:
        append_safe_row(
            sheet, [name, where, e.get_item_display(), e.amount, e.excess, _shares_text(e.shares)]
        )
    append_safe_row(sheet, ["合计", f"{context['households']} 户", "", claim.amount, context["excess"], ""])
    for label, amount in context["shares"]:
        append_safe_row(sheet, ["其中", label, "", amount])
    append_safe_row(sheet, [])
    for role in ("县住建局（经办人签字）", "县住建局（盖章）", "县财政局审核（签字）", "县财政局（盖章）"):
        append_safe_row(sheet, [role, "", "日期", ""])
    buffer = BytesIO()
    book.save(buffer)
    return xlsx_response(content=buffer.getvalue(), filename=f"{filename}.xlsx")


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    division = forms.ModelChoiceField(
        label="自然村", queryset=Division.objects.filter(kind="natural_village")
    )
    method = forms.ChoiceField(label="改造方式", choices=Method.choices)
    planned_households = forms.IntegerField(label="计划改造户数", min_value=0)
    construction_done_on = forms.DateField(label="完成工程建设日期", required=False, widget=DATE)
    commissioning_done_on = forms.DateField(label="完成调试交付日期", required=False, widget=DATE)
    # 三、（一）（二）: the conditions of the method (checked by the service, shown in the table).
    demolition_year = forms.IntegerField(
        label="列入拆迁计划的年份（无拆迁计划留空）", required=False, min_value=2000, max_value=2100
    )
    gas_review_passed_on = forms.DateField(
        label="燃气专家评审通过日期（气代煤）", required=False, widget=DATE
    )
    gas_review_note = forms.CharField(label="评审意见或文号（气代煤）", required=False, max_length=200)
    biomass_basis = forms.ChoiceField(
        label="生物质改造依据（生物质）",
        required=False,
        choices=[("", "—"), *VillagePlan._meta.get_field("biomass_basis").choices],
    )


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


SETUP_FORMS = {
    "plan": (PlanForm, services.village_plan_set),
    "institution": (InstitutionForm, services.public_institution_set),
    "tendered": (TenderedForm, services.tendered_equipment_add),
}


# The village plans on the setup page: a core.tables.Table (the county has 430), every plan in the export.
PLAN_COLUMNS = [
    Column("village", "自然村", value=lambda p: p.division.full_name(), sort="division__path"),
    Column("method", "方式", value=lambda p: p.get_method_display(), sort="method"),
    Column("planned", "计划户数", value=lambda p: p.planned_households, sort="planned_households"),
    Column(
        "construction",
        "工程建设完成",
        value=lambda p: p.construction_done_on or "—",
        sort="construction_done_on",
    ),
    Column(
        "commissioning",
        "调试交付完成",
        value=lambda p: p.commissioning_done_on or "—",
        sort="commissioning_done_on",
    ),
]


@login_required
@answers_bad_parameters(nav="heating/_nav.html")
def setup(request):
    """Village plans (B1, B11), public-service institutions (B10) and the tendered list (B13)."""
    _need(request.user)
    user = request.user
    plans = Table(
        request,
        VillagePlan.objects.select_related("division__parent__parent__parent"),
        columns=PLAN_COLUMNS,
        default_sort="village",
    )
    if plans.export_requested:
        return plans.export(filename="清洁取暖村改造计划.xlsx")
    scope = user.scope_division
    # Which forms to offer comes from the same predicates the services require.
    allowed = {
        "plan": scope is not None and access.can_set_plan(user, scope),
        "institution": scope is not None and access.can_set_institution(user, scope),
        "tendered": access.can_set_tendered(user),
    }
    bound = request.POST.get("form") if request.method == "POST" else None
    forms_by_name = {
        name: cls(request.POST if bound == name else None, prefix=name)
        for name, (cls, _) in SETUP_FORMS.items()
    }
    editing = _plan_to_edit(request, scope) if bound is None else None
    if editing is not None:
        # 修改: the form opens with the plan's values, so saving it keeps the conditions it does not touch.
        forms_by_name["plan"] = PlanForm(
            prefix="plan",
            initial={
                "division": editing.division_id,
                "method": editing.method,
                "planned_households": editing.planned_households,
                "construction_done_on": editing.construction_done_on,
                "commissioning_done_on": editing.commissioning_done_on,
                "demolition_year": editing.demolition_year,
                "gas_review_passed_on": editing.gas_review_passed_on,
                "gas_review_note": editing.gas_review_note,
                "biomass_basis": editing.biomass_basis,
            },
        )
    if scope is not None:
        for name in ("plan", "institution"):
            field = forms_by_name[name].fields["division"]
            field.queryset = field.queryset.filter(path__startswith=scope.path)
            use_grouped(field, division_choices(scope=scope, include_natural=True, blank=None))
    if bound in SETUP_FORMS and forms_by_name[bound].is_valid():
        try:
            SETUP_FORMS[bound][1](actor=user, **forms_by_name[bound].cleaned_data)
            messages.success(request, "已保存。")
            return redirect("heating:setup")
        except ServiceError as exc:
            form_error(forms_by_name[bound], exc)
    return render(
        request,
        "heating/setup.html",
        {
            "forms": forms_by_name,
            "allowed": allowed,
            "table": plans,
            "editing": editing,
            "institutions": PublicInstitution.objects.select_related("division__parent__parent__parent"),
            "tendered": TenderedEquipment.objects.order_by("kind", "model_name"),
        },
    )


def _plan_to_edit(request, scope) -> VillagePlan | None:
    """?edit=<plan id>: a plan within the user's scope (another town's plan is not offered, nor named)."""
    raw = request.GET.get("edit", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or scope is None:
        return None
    return VillagePlan.objects.filter(pk=int(raw), division__path__startswith=scope.path).first()


class InspectionForm(forms.Form):
    town = forms.ModelChoiceField(
        label="镇（街道）", queryset=Division.objects.filter(kind__in=services.TOWN_KINDS)
    )
    done_on = forms.DateField(label="完成日期", widget=DATE)
    households_checked = forms.IntegerField(
        label="检查户数", min_value=0, max_value=services.MAX_HOUSEHOLDS_CHECKED, initial=0
    )
    findings = forms.CharField(label="检查维护情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def inspections(request):
    """B11 (五、（四）): each town's full inspection and maintenance of the equipment installed since 2017, with its
    deadline; overdue towns are marked."""
    from countyhall.core.clock import business_date
    from countyhall.heating.models import EquipmentInspection
    from countyhall.heating.rules import policy_date

    _need(request.user)
    user = request.user
    scope = user.scope_division
    towns = Division.objects.filter(kind__in=services.TOWN_KINDS).order_by("path")
    if scope is not None and scope.kind in services.TOWN_KINDS:
        towns = towns.filter(pk=scope.pk)
    elif scope is None:
        towns = towns.none()
    allowed = [town for town in towns if access.can_record_inspection(user, town)]
    form = InspectionForm(request.POST or None)
    form.fields["town"].queryset = towns.filter(pk__in=[t.pk for t in allowed])
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied("只能记录本人所在镇（街道）的设备设施检查维护。")
        if form.is_valid():
            try:
                services.inspection_record(actor=user, **form.cleaned_data)
                messages.success(request, "已记录设备设施全面检查维护。")
                return redirect("heating:inspections")
            except ServiceError as exc:
                form_error(form, exc)
    due = policy_date("heating.deadline.inspection")
    since = parameters().at("heating.inspection.since_year", rules.programme_date())
    done = {
        i.town_id: i for i in EquipmentInspection.objects.filter(town__in=towns).select_related("recorded_by")
    }
    today = business_date()
    rows = [
        {
            "town": town,
            "inspection": done.get(town.pk),
            "overdue": town.pk not in done and today > due,
            "late": town.pk in done and done[town.pk].done_on > due,
        }
        for town in towns
    ]
    return render(
        request,
        "heating/inspections.html",
        {
            "rows": rows,
            "due": due,
            "since": since.value,
            "citation": since.citation,
            "form": form,
            "can_record": bool(allowed),
        },
    )
