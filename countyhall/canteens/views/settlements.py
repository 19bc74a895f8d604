from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.canteens import access
from countyhall.canteens import citations as cite
from countyhall.canteens.forms import EvaluationForm, SettlementForm
from countyhall.canteens.jobs import SETTLEMENT_COMPUTE_ALL
from countyhall.canteens.models import Lunch, OperatingSubsidy, Settlement, SettlementAdjustment
from countyhall.canteens.selectors import facility_list_for_user, settlement_list_for_user
from countyhall.canteens.services.evaluations import evaluation_record, operating_subsidy_compute
from countyhall.canteens.services.settlements import (
    period_bounds,
    settlement_approve,
    settlement_compute,
    settlement_compute_all,
)
from countyhall.core.access import require
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.jobs import job_submit
from countyhall.core.reports import excel_response, pdf_response
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import form_error

from .params import BadParameter, answers_bad_parameters, choice_param, int_param, year_param


def _settle_as_job(year: int, month: int | None) -> bool:
    """A county-wide run over many lunches goes to the background worker (a progress bar, no request timeout)."""
    start, end = period_bounds(year, month)
    lunches = Lunch.objects.filter(status=Lunch.Status.ACCEPTED, meal_date__range=(start, end))
    return lunches.count() > settings.COUNTYHALL_JOB_SETTLEMENT_LUNCHES


@login_required
@answers_bad_parameters
def settlement_list(request):
    form = SettlementForm(request.POST or None, initial={"year": business_date().year})
    form.fields["facility"].queryset = facility_list_for_user(request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["facility"]:
                settlement = settlement_compute(actor=request.user, facility=data["facility"], year=data["year"],
                                                month=data["month"])
                messages.success(request, f"已计算 {settlement}。")
                return redirect(settlement)
            if _settle_as_job(data["year"], data["month"]):
                require(access.can_compute_settlement(request.user), "结算单由县民政局或财政局计算。")
                job = job_submit(actor=request.user, kind=SETTLEMENT_COMPUTE_ALL,
                                 params={"year": data["year"], "month": data["month"]})
                return redirect("core:job", pk=job.pk)
            done = settlement_compute_all(actor=request.user, year=data["year"], month=data["month"])
            messages.success(request, f"已计算 {len(done)} 家机构的结算单。")
            return redirect("canteens:settlements")
        except ServiceError as exc:
            form_error(form, exc)
    facility = None
    facility_pk = int_param(request, "facility", "机构", minimum=1)
    if facility_pk is not None:
        facility = facility_list_for_user(request.user).filter(pk=facility_pk).first()
        if facility is None:
            raise BadParameter("facility", "机构", f"机构 {facility_pk} 不存在或不在您的范围内。")
    settlements = settlement_list_for_user(
        request.user, year=year_param(request), month=int_param(request, "month", "月份", minimum=1, maximum=12),
        status=choice_param(request, "status", "状态", Settlement.Status.choices), facility=facility)
    return render(request, "canteens/settlement_list.html", {
        "form": form, "settlements": settlements[:300], "filters": request.GET,
        "can_compute": access.can_compute_settlement(request.user)})


def _statement(settlement):
    lunches = settlement.lunch_rows.select_related("elder").order_by("meal_date", "id") if settlement.month else \
        Lunch.objects.filter(facility=settlement.facility, status="accepted", meal_date__year=settlement.year)
    adjustments = SettlementAdjustment.objects.filter(settlement=settlement) if settlement.month else \
        SettlementAdjustment.objects.filter(settlement__facility=settlement.facility, settlement__year=settlement.year)
    return lunches, adjustments


@login_required
def settlement_detail(request, pk: int):
    settlement = get_object_or_404(settlement_list_for_user(request.user), pk=pk)
    if request.method == "POST":
        try:
            settlement = settlement_approve(actor=request.user, settlement=settlement, note=request.POST.get("note", ""))
            messages.success(request, f"已审核：{settlement.get_status_display()}")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(settlement)
    lunches, adjustments = _statement(settlement)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        # The detail sheet lists each lunch with its elder's number: a staff read of personal data.
        elders = lunches.exclude(elder__isnull=True).values("elder_id").distinct().count()
        audit_personal_read(actor=request.user, what="结算明细导出", object_type="canteens.Elder", count=elders,
                            filters={"settlement": settlement.pk, "facility": settlement.facility_id,
                                     "year": settlement.year, "month": settlement.month},
                            object_id=str(settlement.pk))
        return excel_response(
            filename=f"{settlement}.xlsx", sheet_title="结算明细",
            headers=["就餐日期", "午餐编号", "老人编号", "免费", "市财政", "县财政", "运营方优惠", "照护资金", "老人自付",
                     "未明确付款方"],
            rows=[*([lu.meal_date, lu.pk, lu.elder_id, "是" if lu.free else "", lu.city, lu.county,
                     lu.operator_discount, lu.care_fund, lu.elder_pays, lu.unfunded] for lu in lunches.iterator()),
                  *([a.created_at.date(), f"调整（午餐 #{a.lunch_id}）", a.lunch.elder_id, a.reason, a.city, a.county,
                     a.operator_discount, a.care_fund, a.elder_paid, a.unfunded] for a in adjustments),
                  ["合计", settlement.lunches, "", settlement.free_lunches, settlement.city, settlement.county,
                   settlement.operator_discount, settlement.care_fund, settlement.elder_paid, settlement.unfunded]])
    context = {"settlement": settlement, "adjustments": adjustments,
               "daily": lunches.values("meal_date").order_by("meal_date").distinct().count() if settlement.month else None,
               "rhythm": [cite.MONTHLY_CARE_FUND, cite.YEARLY_SUBSIDY, cite.COMMUNITY_ADVANCE]}
    if fmt == "pdf":
        return pdf_response(template="canteens/settlement_print.html", context=context, filename=f"{settlement}.pdf")
    context["can_approve"] = access.can_approve_settlement(request.user, settlement)
    return render(request, "canteens/settlement_detail.html", context)


@login_required
@answers_bad_parameters
def subsidies(request):
    """Evaluations (A16) and operating subsidies (A14): record, compute, publish."""
    evaluation_form = EvaluationForm(request.POST if request.POST.get("form") == "evaluation" else None,
                                     initial={"year": business_date().year - 1})
    evaluation_form.fields["facility"].queryset = facility_list_for_user(request.user).exclude(status="draft")
    if request.method == "POST":
        try:
            if request.POST.get("form") == "evaluation":
                if evaluation_form.is_valid():
                    evaluation_record(actor=request.user, **evaluation_form.cleaned_data)
                    messages.success(request, "已录入评估结果。")
                    return redirect("canteens:subsidies")
            elif request.POST.get("form") == "compute":
                raw = request.POST.get("year", "").strip()
                if not (raw.isascii() and raw.isdigit()):
                    raise ServiceError("year", "年度应为整数，如 2021。")
                year = int(raw)
                results = operating_subsidy_compute(actor=request.user, year=year)
                messages.success(request, f"已核算 {year} 年度 {len(results)} 家机构的运营补贴。")
                return redirect(f"{request.path}?year={year}")
        except ServiceError as exc:
            if evaluation_form.is_bound and exc.field in evaluation_form.fields:
                form_error(evaluation_form, exc)
            messages.error(request, exc.message)
    year = year_param(request)
    rows = OperatingSubsidy.objects.filter(facility__in=facility_list_for_user(request.user)).select_related("facility")
    if year:
        rows = rows.filter(year=year)
    return render(request, "canteens/subsidies.html", {
        "evaluation_form": evaluation_form, "rows": rows, "year": year or business_date().year - 1,
        "can_record_evaluation": access.can_record_evaluation(request.user, None),
        "can_compute": access.can_compute_operating_subsidy(request.user)})
