from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.canteens import access
from countyhall.canteens import citations as cite
from countyhall.canteens.forms import (
    FacilityForm,
    FilingDecisionForm,
    FundReportForm,
    MenuForm,
    NoticeCheckForm,
    StaffForm,
)
from countyhall.canteens.models import Evaluation, Facility, FundUseReport, PriceListEntry, WeeklyMenu
from countyhall.canteens.selectors import (
    facility_list_for_user,
    facility_public_list,
    operating_subsidy_public,
)
from countyhall.canteens.services import duties
from countyhall.canteens.services import facilities as services
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.reports import excel_response
from countyhall.core.tables import Column, Table
from countyhall.core.web import form_error, submit_form

from .confirm import confirm_page, confirmed
from .params import answers_bad_parameters, choice_param, division_param

FACILITY_COLUMNS = [
    Column("name", "名称", sort="name"),
    Column("kind", "类别", lambda f: f.get_kind_display(), sort="kind"),
    Column("model", "建设模式", lambda f: f.get_model_display()),
    Column("setting", "城乡", lambda f: f.get_setting_display()),
    Column("operator", "运营方", lambda f: str(f.operator), sort="operator__name"),
    Column("division", "所在地", lambda f: f.division.full_name(), sort="division__path"),
    Column("area_m2", "面积（平方米）", default=False),
    Column("seats", "座位"),
    Column("status", "状态", lambda f: f.get_status_display(), sort="status"),
    Column("filed_on", "备案日期", sort="filed_on"),
]
MENU_FILTER = [("missing", "下周食谱未公布")]
# 四、（二）4 and 5: the duties the to-dos link to.
DUTY_FILTER = [("fund_report", "年度资金使用报告未上传"), ("notices", "“五公开”未核查或未全部上墙")]


@login_required
@answers_bad_parameters
def facility_list(request):
    facilities = facility_list_for_user(request.user)
    status = choice_param(request, "status", "状态", Facility.Status.choices)
    division = division_param(request)
    menu = choice_param(request, "menu", "食谱", MENU_FILTER)
    duty = choice_param(request, "duty", "运营责任", DUTY_FILTER)
    query = request.GET.get("q", "").strip()[:60]
    if status:
        facilities = facilities.filter(status=status)
    if division is not None:
        facilities = facilities.filter(division__path__startswith=division.path)
    if query:
        facilities = facilities.filter(name__icontains=query)
    if menu == "missing":
        today = business_date()
        next_monday = today + dt.timedelta(days=7 - today.weekday())
        facilities = facilities.filter(status=Facility.Status.FILED).exclude(
            Exists(WeeklyMenu.objects.filter(facility=OuterRef("pk"), week_start=next_monday))
        )
    if duty == "fund_report":
        facilities = duties.facilities_owing_fund_report(facilities, business_date())
    elif duty == "notices":
        facilities = duties.facilities_notice_check_due(facilities)
    table = Table(request, facilities, columns=FACILITY_COLUMNS)
    if table.export_requested or request.GET.get("format") == "xlsx":
        return (
            table.export(filename="长者助餐服务机构.xlsx")
            if table.export_requested
            else _legacy_export(table)
        )
    scope = request.user.scope_division
    can_register = scope is not None and access.can_register_facility(request.user, scope)
    for facility in table.rows:
        # The counter link only where the counter would let this user in (the same predicate).
        facility.user_may_record = facility.status == "filed" and access.can_record_lunches(
            request.user, facility
        )
    from countyhall.canteens.views.elders import division_choices

    return render(
        request,
        "canteens/facility_list.html",
        {
            "table": table,
            "statuses": Facility.Status.choices,
            "filters": request.GET,
            "division": division,
            "divisions": division_choices(request.user),
            "menu_filter": MENU_FILTER,
            "duty_filter": DUTY_FILTER,
            "can_register": can_register,
        },
    )


def _legacy_export(table):
    """?format=xlsx, as bookmarked before the column choice: every column."""
    return excel_response(
        filename="长者助餐服务机构.xlsx",
        sheet_title="机构",
        headers=[c.label for c in table.columns],
        rows=table.export_rows(table.columns),
    )


@login_required
def facility_new(request):
    form = FacilityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        operator, division = data.pop("operator"), data.pop("division")
        try:
            facility = services.facility_register(
                actor=request.user, operator=operator, division=division, **data
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已登记，请补充从业人员和食谱后提交备案。")
            return redirect(facility)
    return render(request, "canteens/facility_form.html", {"form": form})


def _facility_for(request, pk: int) -> Facility:
    return get_object_or_404(facility_list_for_user(request.user), pk=pk)


@login_required
def facility_detail(request, pk: int):
    facility = _facility_for(request, pk)
    monday = business_date() - dt.timedelta(days=business_date().weekday())
    user = request.user
    return render(
        request,
        "canteens/facility_detail.html",
        {
            "facility": facility,
            "requirements": services.facility_requirements(facility, on=business_date()),
            "staff": facility.staff.all(),
            "menus": [(m, menu_days(m)) for m in facility.menus.all()[:6]],
            "steps": facility.filing_steps.select_related("decided_by"),
            "evaluations": facility.evaluations.all(),
            "settlements": facility.settlements.all()[:24],
            "staff_form": StaffForm(),
            "menu_form": MenuForm(initial={"week_start": monday + dt.timedelta(days=7)}),
            # Every button from the predicate the service itself requires.
            "can_submit": access.can_submit_facility(user, facility),
            "can_town_review": access.can_town_review(user, facility),
            "can_county_evaluate": access.can_county_evaluate(user, facility),
            "can_revoke": facility.status == "filed" and access.can_revoke_facility(user, facility),
            "can_manage_staff": access.can_manage_staff(user, facility),
            "can_publish_menu": access.can_publish_menu(user, facility),
            "can_record_lunches": facility.status == "filed" and access.can_record_lunches(user, facility),
            **_duties_context(user, facility),
        },
    )


def _duties_context(user, facility) -> dict:
    """四、（二）4 and 5 on the facility page: the fund-use reports owed and filed, the "五公开" checks."""
    today = business_date()
    reports = {r.year: r for r in facility.fund_use_reports.all()}
    years = sorted(set(duties.fund_report_years(facility, today)) | set(reports), reverse=True)
    items, items_cited = duties.five_public_terms(today)
    return {
        "fund_reports": [(year, reports.get(year)) for year in years],
        "fund_report_citations": [cite.SEPARATE_ACCOUNTS, cite.FUND_USE_REPORT],
        "can_upload_fund_report": access.can_upload_fund_report(user, facility),
        "fund_report_form": FundReportForm(initial={"year": years[0] if years else today.year - 1}),
        "notice_checks": facility.notice_checks.select_related("verified_by")[:12],
        "notice_items": items,
        "notice_citation": items_cited or cite.FIVE_PUBLIC,
        "can_verify_notices": bool(items) and access.can_verify_notices(user, facility),
        "notice_form": NoticeCheckForm(items=items, initial={"checked_on": today}),
    }


@login_required
def facility_fund_report(request, pk: int):
    facility = _facility_for(request, pk)
    if request.method == "POST":
        form = FundReportForm(request.POST, request.FILES)
        submit_form(
            request,
            form,
            lambda data: duties.fund_report_upload(actor=request.user, facility=facility, **data),
            success="已上传年度资金使用报告。",
        )
    return redirect(facility.get_absolute_url() + "#duties")


@login_required
def fund_report_download(request, pk: int):
    """The report itself, for whoever may see the facility (its page lists it)."""
    report = get_object_or_404(
        FundUseReport.objects.filter(facility__in=facility_list_for_user(request.user)), pk=pk
    )
    return FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1]
    )


@login_required
def facility_notice_check(request, pk: int):
    facility = _facility_for(request, pk)
    if request.method == "POST":
        form = NoticeCheckForm(request.POST, items=duties.five_public_items(business_date()))
        submit_form(
            request,
            form,
            lambda data: duties.notice_check_record(actor=request.user, facility=facility, **data),
            success="已记录“五公开”核查结果。",
        )
    return redirect(facility.get_absolute_url() + "#duties")


@login_required
def facility_filing(request, pk: int):
    facility = _facility_for(request, pk)
    form = FilingDecisionForm(request.POST)
    if request.method != "POST" or not form.is_valid():
        return redirect(facility)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    if action == "revoke" and note.strip() and not confirmed(request):
        # Withdrawing the qualification stops every lunch at the facility: the officer confirms first.
        return confirm_page(
            request,
            title="取消运营资质",
            back=facility.get_absolute_url(),
            action="确认取消资质",
            lines=[f"机构：{facility.name}", f"原因：{note}"],
            warning="取消后，该机构此后的午餐登记将被拒绝。",
        )
    try:
        if action == "submit":
            services.facility_submit(actor=request.user, facility=facility)
        elif action == "revoke":
            services.facility_revoke(actor=request.user, facility=facility, reason=note)
        elif facility.status == "town_review":
            services.facility_town_review(
                actor=request.user, facility=facility, approve=action == "approve", note=note
            )
        else:
            services.facility_county_evaluate(
                actor=request.user, facility=facility, approve=action == "approve", note=note
            )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        facility.refresh_from_db()
        messages.success(request, f"已办理。当前状态：{facility.get_status_display()}")
    return redirect(facility)


@login_required
def facility_staff(request, pk: int):
    facility = _facility_for(request, pk)
    submit_form(
        request,
        StaffForm(request.POST),
        lambda data: services.facility_staff_add(actor=request.user, facility=facility, **data),
        success="已登记从业人员。",
        errors_prefix="从业人员信息有误",
    )
    return redirect(facility)


@login_required
def facility_menu(request, pk: int):
    facility = _facility_for(request, pk)
    submit_form(
        request,
        MenuForm(request.POST),
        lambda data: services.menu_publish(
            actor=request.user,
            facility=facility,
            week_start=data["week_start"],
            items={k: v for k, v in data.items() if k != "week_start" and v},
        ),
        success="已公布食谱。",
        invalid="食谱有误：请填写周一日期。",
    )
    return redirect(facility)


WEEKDAYS = [
    ("mon", "星期一"),
    ("tue", "星期二"),
    ("wed", "星期三"),
    ("thu", "星期四"),
    ("fri", "星期五"),
    ("sat", "星期六"),
    ("sun", "星期日"),
]


def menu_days(menu) -> list[tuple[str, str]]:
    """A weekly menu in the order of the week, with Chinese weekday names (星期一 …), only the days served."""
    items = menu.items or {}
    return [(label, items[key]) for key, label in WEEKDAYS if items.get(key)]


def public_facilities(request):
    """No login: the canteen finder — filed facilities with this week's menu (星期一…), the price list in force
    and their evaluation results (A4, A16)."""
    today = business_date()
    week = today - dt.timedelta(days=today.weekday())
    # Only the menus that can be this week's (from last week on) and the prices already in force: every facility's
    # whole menu and price history built a model instance per week and entry of 252 facilities on each view of the
    # public page, and the full garbage collections they caused made its slow requests (docs/benchmarks.md). They
    # are read in one query each and grouped here: prefetch_related's per-facility related managers (three
    # querysets cloned for each of the 252 facilities) were a fifth of the page's time. The same menus, prices and
    # evaluations are shown.
    filed = facility_public_list()
    facilities = list(filed)
    town = request.GET.get("town", "").strip()[:20]
    if town:
        facilities = [f for f in facilities if town in f.division.full_name()]
    menus, prices, by_facility = defaultdict(list), defaultdict(list), defaultdict(list)
    for menu in WeeklyMenu.objects.filter(
        facility__in=filed.values("pk"), week_start__gte=week - dt.timedelta(days=7)
    ).order_by("-week_start"):
        menus[menu.facility_id].append(menu)
    for entry in PriceListEntry.objects.filter(facility__in=filed.values("pk"), valid_from__lte=today):
        prices[entry.facility_id].append(entry)
    # The table of every evaluation below, and each card's own (latest year first), from one query.
    evaluations = list(Evaluation.objects.select_related("facility").order_by("-year", "facility__name"))
    for evaluation in evaluations:
        by_facility[evaluation.facility_id].append(evaluation)
    for facility in facilities:
        facility.current_menu = next(iter(menus[facility.pk]), None)
        facility.menu_days = menu_days(facility.current_menu) if facility.current_menu else []
        facility.evaluation_list = by_facility[facility.pk]
        facility.price_entries = prices[facility.pk]
    return render(
        request,
        "canteens/public.html",
        {
            "facilities": facilities,
            "town": town,
            "results": operating_subsidy_public().filter(facility__status__in=["filed", "revoked"]),
            "evaluations": evaluations,
        },
    )
