from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.canteens.forms import CounterForm, VoidForm
from countyhall.canteens.models import Lunch
from countyhall.canteens.selectors import facility_list_for_user, lunch_list_for_user
from countyhall.canteens.services.lunches import can_record_lunches, lunch_check_in, lunch_void
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.identity import mask_name
from countyhall.core.policy import parameters
from countyhall.core.reports import excel_response
from countyhall.core.web import form_error


@login_required
def counter(request, pk: int):
    """The canteen counter: find the elder by ID number or card, see at once what they pay and why."""
    facility = get_object_or_404(facility_list_for_user(request.user), pk=pk)
    if not can_record_lunches(request.user, facility):
        raise PermissionDenied("您无权为该机构登记午餐。")
    form = CounterForm(request.POST or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        try:
            checked = lunch_check_in(actor=request.user, facility=facility,
                                     identifier=form.cleaned_data["identifier"],
                                     meal_date=form.cleaned_data["meal_date"] or None)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            form = CounterForm(initial={"meal_date": form.cleaned_data["meal_date"]})
    day = checked.lunch.meal_date if checked else business_date()
    today = Lunch.objects.filter(facility=facility, meal_date=day).select_related("elder__person").order_by("-id")
    readings = parameters().readings
    return render(request, "canteens/counter.html", {
        "facility": facility, "form": form, "checked": checked, "day": day,
        "elder_name": mask_name(checked.lunch.elder.person.name) if checked and checked.lunch.elder else "",
        "readings": [readings[r] for r in (checked.lunch.readings if checked else []) if r in readings],
        "citations": list({(c["document"], c["clause"]): c for c in (checked.lunch.citations if checked else [])
                           }.values()),
        "today": today[:100], "accepted_today": today.filter(status="accepted").count(),
    })


@login_required
def lunch_list(request):
    def _date(name):
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    facility = None
    if request.GET.get("facility"):
        facility = facility_list_for_user(request.user).filter(pk=request.GET["facility"]).first()
    lunches = lunch_list_for_user(request.user, facility=facility, date_from=_date("date_from"),
                                  date_to=_date("date_to"), status=request.GET.get("status", ""))
    ids = request.GET.get("ids")
    if ids:
        lunches = lunches.filter(pk__in=[int(i) for i in ids.split(",") if i.isdigit()])
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename="午餐登记.xlsx", sheet_title="午餐登记",
            headers=["编号", "就餐日期", "机构", "老人编号", "状态", "原因", "市财政", "县财政", "运营方优惠",
                     "照护资金", "老人自付", "未明确付款方", "登记人", "登记时间"],
            rows=([lu.pk, lu.meal_date, lu.facility.name, lu.elder_id, lu.get_status_display(), lu.reason, lu.city,
                   lu.county, lu.operator_discount, lu.care_fund, lu.elder_pays, lu.unfunded, str(lu.recorded_by),
                   lu.recorded_at] for lu in lunches.iterator()))
    page = Paginator(lunches, 100).get_page(request.GET.get("page"))
    return render(request, "canteens/lunch_list.html", {
        "page": page, "facilities": facility_list_for_user(request.user), "filters": request.GET,
        "statuses": Lunch.Status.choices, "void_form": VoidForm()})


@login_required
def lunch_void_view(request, pk: int):
    lunch = get_object_or_404(lunch_list_for_user(request.user), pk=pk)
    form = VoidForm(request.POST)
    if request.method == "POST" and form.is_valid():
        try:
            lunch_void(actor=request.user, lunch=lunch, reason=form.cleaned_data["reason"])
            messages.success(request, f"午餐 #{lunch.pk} 已作废（记录保留）。")
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请填写作废原因。")
    return redirect(request.POST.get("next") or "canteens:lunches")
