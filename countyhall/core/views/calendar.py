from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from countyhall.core.errors import ServiceError
from countyhall.core.models import CalendarDay
from countyhall.core.permissions import can_edit_calendar
from countyhall.core.selectors.calendar import calendar_month, calendar_year_list
from countyhall.core.services.calendar import calendar_day_correct, calendar_year_create_manual
from countyhall.core.web import bad_request
from countyhall.core.workdays import CalendarYearUnknown


class DayCorrectionForm(forms.Form):
    date = forms.DateField(label="日期")
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    holiday_name = forms.CharField(label="节日名称", required=False, max_length=32)
    note = forms.CharField(label="修正依据", max_length=200)


class YearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    basis = forms.CharField(label="依据", max_length=200)


@login_required
def calendar_overview(request):
    can_edit = can_edit_calendar(request.user)
    year_form = YearForm(request.POST or None, prefix="year")
    if request.method == "POST" and can_edit and year_form.is_valid():
        try:
            calendar_year_create_manual(actor=request.user, **year_form.cleaned_data)
            messages.success(request, f"已新建 {year_form.cleaned_data['year']} 年，请逐日修正节假日与调休。")
            return redirect("core:calendar")
        except ServiceError as exc:
            year_form.add_error(exc.field if exc.field in year_form.fields else None, exc.message)
    return render(request, "core/calendar_overview.html",
                  {"years": calendar_year_list(), "can_edit": can_edit, "year_form": year_form})


@login_required
def calendar_month_view(request, year: int, month: int):
    # The URL takes any integer: a month outside 1–12 is a 400 naming the field, not a ValueError (500).
    if not 1 <= month <= 12:
        return bad_request(request, field="月份（month）", message="月份应在 1 至 12 之间。")
    can_edit = can_edit_calendar(request.user)
    form = DayCorrectionForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            messages.error(request, "当前角色无权修改工作日历。")
        elif form.is_valid():
            try:
                calendar_day_correct(actor=request.user, **form.cleaned_data)
                messages.success(request, f"已修正 {form.cleaned_data['date']}。")
                return redirect("core:calendar-month", year=year, month=month)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    try:
        days = {d.date: d for d in calendar_month(year=year, month=month)}
    except CalendarYearUnknown as exc:
        return render(request, "core/calendar_month.html", {"unknown": str(exc), "year": year, "month": month},
                      status=404)
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([(d, days.get(d)) if d.month == month else (d, None) for d in week])
    first = dt.date(year, month, 1)
    previous = first - dt.timedelta(days=1)
    following = first + dt.timedelta(days=32)
    return render(request, "core/calendar_month.html", {
        "weeks": weeks, "year": year, "month": month, "can_edit": can_edit, "form": form,
        "previous": previous, "next": following,
    })
