from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.canteens import access
from countyhall.canteens.forms import FacilityForm, FilingDecisionForm, MenuForm, StaffForm
from countyhall.canteens.models import Evaluation, Facility
from countyhall.canteens.selectors import (
    facility_list_for_user,
    facility_public_list,
    operating_subsidy_public,
)
from countyhall.canteens.services import facilities as services
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.reports import excel_response
from countyhall.core.web import form_error, submit_form

from .params import answers_bad_parameters, choice_param, division_param


@login_required
@answers_bad_parameters
def facility_list(request):
    facilities = facility_list_for_user(request.user)
    status = choice_param(request, "status", "状态", Facility.Status.choices)
    division = division_param(request)
    query = request.GET.get("q", "").strip()
    if status:
        facilities = facilities.filter(status=status)
    if division is not None:
        facilities = facilities.filter(division__path__startswith=division.path)
    if query:
        facilities = facilities.filter(name__icontains=query)
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename="长者助餐服务机构.xlsx", sheet_title="机构",
            headers=["名称", "类别", "建设模式", "城乡", "运营方", "所在地", "面积", "座位", "午餐价格", "状态", "备案日期"],
            rows=([f.name, f.get_kind_display(), f.get_model_display(), f.get_setting_display(), str(f.operator),
                   f.division.full_name(), f.area_m2, f.seats, f.lunch_price, f.get_status_display(), f.filed_on]
                  for f in facilities))
    scope = request.user.scope_division
    can_register = scope is not None and access.can_register_facility(request.user, scope)
    facilities = list(facilities)
    for facility in facilities:
        # The counter link only where the counter would let this user in (the same predicate).
        facility.user_may_record = facility.status == "filed" and access.can_record_lunches(request.user, facility)
    return render(request, "canteens/facility_list.html", {
        "facilities": facilities, "statuses": Facility.Status.choices, "status": status, "query": query,
        "division": division, "can_register": can_register})


@login_required
def facility_new(request):
    form = FacilityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        operator, division = data.pop("operator"), data.pop("division")
        try:
            facility = services.facility_register(actor=request.user, operator=operator, division=division, **data)
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
    return render(request, "canteens/facility_detail.html", {
        "facility": facility,
        "requirements": services.facility_requirements(facility, on=business_date()),
        "staff": facility.staff.all(),
        "menus": facility.menus.all()[:6],
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
    })


@login_required
def facility_filing(request, pk: int):
    facility = _facility_for(request, pk)
    form = FilingDecisionForm(request.POST)
    if request.method != "POST" or not form.is_valid():
        return redirect(facility)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "submit":
            services.facility_submit(actor=request.user, facility=facility)
        elif action == "revoke":
            services.facility_revoke(actor=request.user, facility=facility, reason=note)
        elif facility.status == "town_review":
            services.facility_town_review(actor=request.user, facility=facility, approve=action == "approve", note=note)
        else:
            services.facility_county_evaluate(actor=request.user, facility=facility, approve=action == "approve",
                                              note=note)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        facility.refresh_from_db()
        messages.success(request, f"已办理。当前状态：{facility.get_status_display()}")
    return redirect(facility)


@login_required
def facility_staff(request, pk: int):
    facility = _facility_for(request, pk)
    submit_form(request, StaffForm(request.POST),
                lambda data: services.facility_staff_add(actor=request.user, facility=facility, **data),
                success="已登记从业人员。", errors_prefix="从业人员信息有误")
    return redirect(facility)


@login_required
def facility_menu(request, pk: int):
    facility = _facility_for(request, pk)
    submit_form(request, MenuForm(request.POST),
                lambda data: services.menu_publish(
                    actor=request.user, facility=facility, week_start=data["week_start"],
                    items={k: v for k, v in data.items() if k != "week_start" and v}),
                success="已公布食谱。", invalid="食谱有误：请填写周一日期。")
    return redirect(facility)


def public_facilities(request):
    """No login: filed facilities, their weekly menus and the published evaluation results (A4, A16)."""
    facilities = list(facility_public_list().prefetch_related("menus", "prices"))
    week = business_date() - dt.timedelta(days=business_date().weekday())
    for facility in facilities:
        facility.current_menu = next((m for m in facility.menus.all() if m.week_start >= week - dt.timedelta(days=7)),
                                     None)
    return render(request, "canteens/public.html", {
        "facilities": facilities, "results": operating_subsidy_public().filter(facility__status__in=["filed", "revoked"]),
        "evaluations": Evaluation.objects.select_related("facility").order_by("-year", "facility__name")})
