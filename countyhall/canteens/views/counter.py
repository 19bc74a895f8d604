from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from countyhall.canteens.access import (
    can_manage_terminals,
    can_record_lunches,
    can_request_late_entry,
    can_set_prices,
)
from countyhall.canteens.forms import CounterForm, VoidForm
from countyhall.canteens.forms_money import LateEntryForm
from countyhall.canteens.models import Lunch
from countyhall.canteens.selectors import facility_list_for_user, lunch_list_for_user
from countyhall.canteens.services.lunches import LateEntryNeeded, lunch_check_in, lunch_void
from countyhall.canteens.services.prices import lunch_price_on
from countyhall.canteens.views.money import bad_request
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.identity import mask_name
from countyhall.core.policy import parameters
from countyhall.core.reports import excel_response
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import form_error, is_ascii_int


@login_required
def counter(request, pk: int):
    """The canteen counter: find the elder by ID number or card, see at once what they pay and why.

    The price is never entered here: it is the facility's price list in force on the meal date. A date the
    counter may not record (outside the back-dating window, or in an approved period) offers a late entry.
    """
    facility = get_object_or_404(facility_list_for_user(request.user), pk=pk)
    if not can_record_lunches(request.user, facility):
        raise PermissionDenied("您无权为该机构登记午餐。")
    form = CounterForm(request.POST or None)
    checked = None
    late_form = None
    if request.method == "POST" and form.is_valid():
        try:
            checked = lunch_check_in(actor=request.user, facility=facility,
                                     identifier=form.cleaned_data["identifier"],
                                     meal_date=form.cleaned_data["meal_date"] or None)
        except LateEntryNeeded as exc:
            asked = dict(form.cleaned_data)  # form_error drops the field it marks from cleaned_data
            form_error(form, exc)
            if can_request_late_entry(request.user, facility):
                late_form = LateEntryForm(initial={"identifier": asked["identifier"],
                                                   "meal_date": asked["meal_date"]})
        except ServiceError as exc:
            form_error(form, exc)
        else:
            form = CounterForm(initial={"meal_date": form.cleaned_data["meal_date"]})
    day = checked.lunch.meal_date if checked else business_date()
    today = Lunch.objects.filter(facility=facility, meal_date=day).select_related("elder__person").order_by("-id")
    readings = parameters().readings
    return render(request, "canteens/counter.html", {
        "facility": facility, "form": form, "checked": checked, "day": day, "late_form": late_form,
        "price_today": lunch_price_on(facility.pk, business_date()),
        "can_set_prices": can_set_prices(request.user, facility),
        "can_manage_terminals": can_manage_terminals(request.user, facility),
        "elder_name": mask_name(checked.lunch.elder.person.name) if checked and checked.lunch.elder else "",
        "readings": [readings[r] for r in (checked.lunch.readings if checked else []) if r in readings],
        "citations": list({(c["document"], c["clause"]): c for c in (checked.lunch.citations if checked else [])
                           }.values()),
        "today": today[:100], "accepted_today": today.filter(status="accepted").count(),
    })


FILTER_LABELS = {"date_from": "起始日期", "date_to": "截止日期"}


@login_required
def lunch_list(request):
    dates = {}
    for name, label in FILTER_LABELS.items():
        raw = request.GET.get(name, "").strip()
        if not raw:
            dates[name] = None
            continue
        try:
            dates[name] = dt.date.fromisoformat(raw)
        except ValueError:
            return bad_request(request, label, f"“{raw[:20]}”不是有效日期，请按 2022-06-01 的格式填写。")
    status = request.GET.get("status", "")
    if status and status not in Lunch.Status.values:
        return bad_request(request, "状态", "状态应为已登记、已拒绝或已作废。")
    facility = None
    raw_facility = request.GET.get("facility", "").strip()
    if raw_facility:
        if not is_ascii_int(raw_facility) or len(raw_facility) > 10:
            return bad_request(request, "机构", "机构编号应为正整数。")
        facility = facility_list_for_user(request.user).filter(pk=int(raw_facility)).first()
        if facility is None:
            return bad_request(request, "机构", "机构不存在或不在您的范围内。")
    page_number = request.GET.get("page", "1")
    if not is_ascii_int(page_number) or len(page_number) > 6 or int(page_number) < 1:
        return bad_request(request, "页码", "页码应为正整数。")
    lunches = lunch_list_for_user(request.user, facility=facility, date_from=dates["date_from"],
                                  date_to=dates["date_to"], status=status)
    ids = request.GET.get("ids")
    if ids:
        lunches = lunches.filter(pk__in=[int(i) for i in ids.split(",") if is_ascii_int(i) and len(i) <= 10])
    filters = {k: v for k, v in request.GET.items() if k in ("facility", "date_from", "date_to", "status", "ids")}
    if request.GET.get("format") == "xlsx":
        audit_personal_read(actor=request.user, what="午餐登记导出", object_type="canteens.Lunch",
                            count=lunches.count(), filters=filters)
        return excel_response(
            filename="午餐登记.xlsx", sheet_title="午餐登记",
            headers=["编号", "就餐日期", "机构", "老人编号", "状态", "原因", "餐价", "市财政", "县财政", "运营方优惠",
                     "照护资金", "老人自付", "未明确付款方", "登记人", "登记时间"],
            rows=([lu.pk, lu.meal_date, lu.facility.name, lu.elder_id, lu.get_status_display(), lu.reason, lu.price,
                   lu.city, lu.county, lu.operator_discount, lu.care_fund, lu.elder_pays, lu.unfunded,
                   lu.recorded_by_label, lu.recorded_at] for lu in lunches.iterator()))
    page = Paginator(lunches, 100).get_page(page_number)
    audit_personal_read(actor=request.user, what="午餐登记列表", object_type="canteens.Lunch",
                        count=len(page.object_list), filters={**filters, "page": page.number})
    return render(request, "canteens/lunch_list.html", {
        "page": page, "facilities": facility_list_for_user(request.user), "filters": request.GET,
        "statuses": Lunch.Status.choices, "void_form": VoidForm()})


@login_required
@require_POST
def lunch_void_view(request, pk: int):
    lunch = get_object_or_404(lunch_list_for_user(request.user), pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            lunch_void(actor=request.user, lunch=lunch, reason=form.cleaned_data["reason"])
            messages.success(request, f"午餐 #{lunch.pk} 已作废（记录保留）。")
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请填写作废原因。")
    # Only a page of this site: a crafted next= must not turn the void form into an open redirect.
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("canteens:lunches")
