from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import json
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import CalendarDay
from countyhall.core.permissions import can_edit_calendar
from countyhall.core.selectors.calendar import calendar_month, calendar_year_list, year_grid
from countyhall.core.services.calendar import (
    HolidayRange,
    calendar_day_correct,
    calendar_year_enter,
    calendar_year_preview,
)
from countyhall.core.web import bad_request
from countyhall.core.workdays import CalendarYearUnknown


class DayCorrectionForm(forms.Form):
    date = forms.DateField(label="日期")
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    holiday_name = forms.CharField(label="节日名称", required=False, max_length=32)
    note = forms.CharField(label="修正依据", max_length=200)


@login_required
def calendar_overview(request):
    return render(
        request,
        "core/calendar_overview.html",
        {
            "years": calendar_year_list(),
            "can_edit": can_edit_calendar(request.user),
            "next_year": business_date().year + 1,
        },
    )


# ---------------------------------------------------------------- entering a year from the State Council's notice


class NewYearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=1900, max_value=2999)
    notice_number = forms.CharField(
        label="通知文号",
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "国办发明电〔2026〕N号"}),
    )
    notice_title = forms.CharField(label="通知标题", max_length=200)
    makeup_workdays = forms.CharField(
        label="调休上班日",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="按通知填写需要上班的周六、周日，格式 YYYY-MM-DD，用空格、逗号或换行分隔。",
    )

    def clean_makeup_workdays(self) -> list[dt.date]:
        days = []
        for number, item in enumerate(
            re.split(r"[\s,，、;；]+", self.cleaned_data["makeup_workdays"].strip()), 1
        ):
            if not item:
                continue
            try:
                days.append(dt.date.fromisoformat(item))
            except ValueError:
                raise forms.ValidationError(
                    f"第 {number} 项“{item}”不是有效日期（格式 YYYY-MM-DD）。"
                ) from None
        return days


class HolidayRowForm(forms.Form):
    name = forms.CharField(label="节日名称", max_length=32, required=False)
    date_from = forms.DateField(label="起始日期", required=False)
    date_to = forms.DateField(label="截止日期", required=False)

    def clean(self):
        data = super().clean()
        filled = [data.get("name"), data.get("date_from"), data.get("date_to")]
        if any(filled) and not all(filled):
            raise forms.ValidationError("本行请填写节日名称、起始日期和截止日期三项。")
        return data


HolidayFormSet = forms.formset_factory(
    HolidayRowForm, extra=8, max_num=20, absolute_max=20, validate_max=True
)
PREVIEW_SALT = "countyhall.calendar.new-year"


def _entered(form, formset) -> dict:
    rows = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name")]
    return {
        "year": form.cleaned_data["year"],
        "notice_number": form.cleaned_data["notice_number"].strip(),
        "notice_title": form.cleaned_data["notice_title"].strip(),
        "holidays": [HolidayRange(r["name"].strip(), r["date_from"], r["date_to"]) for r in rows],
        "makeup_workdays": form.cleaned_data["makeup_workdays"],
    }


def _fingerprint(entered: dict) -> str:
    # The confirmation carries what was previewed; a change after the preview must be previewed again.
    return json.dumps(
        {**entered, "holidays": [[h.name, h.start, h.end] for h in entered["holidays"]]},
        default=str,
        ensure_ascii=False,
        sort_keys=True,
    )


@login_required
def calendar_new_year(request):
    """One form for a year the package lacks: the notice's holidays and 调休 days, previewed, then saved."""
    if not can_edit_calendar(request.user):
        raise PermissionDenied("只有系统管理员可以录入工作日历年份。")
    following = business_date().year + 1
    form = NewYearForm(
        request.POST or None,
        initial={"year": following, "notice_title": f"国务院办公厅关于{following}年部分节假日安排的通知"},
    )
    formset = HolidayFormSet(request.POST or None, prefix="holidays")
    context = {"form": form, "formset": formset, "preview": None, "token": "", "errors": []}
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        entered = _entered(form, formset)
        try:
            plan = calendar_year_preview(**entered)
        except ServiceError as exc:
            _show_error(form, context, exc)
        else:
            fingerprint = _fingerprint(entered)
            confirmed = request.POST.get("action") == "confirm"
            if confirmed and _previewed(request.POST.get("token", "")) == fingerprint:
                try:
                    calendar_year_enter(actor=request.user, **entered)
                except ServiceError as exc:
                    _show_error(form, context, exc)
                else:
                    messages.success(
                        request, f"已按{entered['notice_number']}录入 {entered['year']} 年工作日历。"
                    )
                    return redirect("core:calendar")
            else:
                if confirmed:
                    context["changed"] = "预览之后内容有改动，请核对下面的新预览后再确认保存。"
                days = {p.date: p for p in plan}
                context.update(
                    preview=year_grid(entered["year"], days),
                    year=entered["year"],
                    token=signing.dumps(fingerprint, salt=PREVIEW_SALT),
                    counts={kind: sum(1 for p in plan if p.kind == kind) for kind in CalendarDay.Kind.values},
                    entered=entered,
                )
    elif request.method == "POST" and formset.non_form_errors():
        context["errors"] += list(formset.non_form_errors())
    invalid = request.method == "POST" and bool(context["errors"] or form.errors or any(formset.errors))
    return render(request, "core/calendar_new_year.html", context, status=400 if invalid else 200)


def _previewed(token: str) -> str | None:
    try:
        return signing.loads(token, salt=PREVIEW_SALT, max_age=3600)
    except signing.BadSignature:
        return None


def _show_error(form, context, exc: ServiceError) -> None:
    if exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        context["errors"].append(exc.message)


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
        return render(
            request,
            "core/calendar_month.html",
            {"unknown": str(exc), "year": year, "month": month},
            status=404,
        )
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([(d, days.get(d)) if d.month == month else (d, None) for d in week])
    first = dt.date(year, month, 1)
    previous = first - dt.timedelta(days=1)
    following = first + dt.timedelta(days=32)
    return render(
        request,
        "core/calendar_month.html",
        {
            "weeks": weeks,
            "year": year,
            "month": month,
            "can_edit": can_edit,
            "form": form,
            "previous": previous,
            "next": following,
        },
    )
