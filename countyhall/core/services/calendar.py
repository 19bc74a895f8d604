from __future__ import annotations

import datetime as dt

import chinese_calendar
from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import actor_user, as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, CalendarDay, CalendarYear
from countyhall.core.permissions import can_edit_calendar

from .audit import audit_record, model_snapshot


def _require_calendar_editor(actor) -> None:
    # `countyhall calendar seed` and the test set-up run as system actors; of the users only administrators.
    actor = as_actor(actor)
    require(actor.is_system or can_edit_calendar(actor), "只有系统管理员可以维护工作日历。")


def _days_of(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def package_years() -> range:
    """The years the installed chinese-calendar package has official data for."""
    return range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@transaction.atomic
def calendar_seed_year(*, year: int, actor) -> CalendarYear:
    """Fill `year` from the chinese-calendar package (holidays and 调休 make-up days).

    Days an administrator has corrected are kept as corrected. A year the package does not know
    is refused with a message telling the administrator to enter it by hand.
    """
    _require_calendar_editor(actor)
    if year not in package_years():
        raise ServiceError(
            "year",
            f"chinese-calendar 数据包不包含 {year} 年的节假日安排（仅含 {package_years().start}–"
            f"{package_years().stop - 1} 年）。请按国务院办公厅公布的安排手工录入该年。",
        )
    calendar_year, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"source": CalendarYear.Source.PACKAGE, "basis": "chinese-calendar 数据包"}
    )
    corrected = set(
        CalendarDay.objects.filter(year=calendar_year, corrected_by__isnull=False).values_list("date", flat=True)
    )
    existing = {d.date: d for d in CalendarDay.objects.filter(year=calendar_year)}
    to_create, to_update = [], []
    for day in _days_of(year):
        if day in corrected:
            continue
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        is_workday = chinese_calendar.is_workday(day)
        if is_workday:
            kind = CalendarDay.Kind.MAKEUP_WORKDAY if day.weekday() >= 5 else CalendarDay.Kind.WORKDAY
        else:
            kind = CalendarDay.Kind.WEEKEND if (day.weekday() >= 5 and not name) else CalendarDay.Kind.HOLIDAY
        label = _HOLIDAY_NAMES.get(name or "", name or "")
        if day in existing:
            row = existing[day]
            if (row.is_workday, row.kind, row.holiday_name) != (is_workday, kind, label):
                row.is_workday, row.kind, row.holiday_name = is_workday, kind, label
                to_update.append(row)
        else:
            to_create.append(
                CalendarDay(date=day, year=calendar_year, is_workday=is_workday, kind=kind, holiday_name=label)
            )
    CalendarDay.objects.bulk_create(to_create)
    CalendarDay.objects.bulk_update(to_update, ["is_workday", "kind", "holiday_name"])
    if created or to_create or to_update:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.SEED,
            instance=calendar_year,
            after={"year": year, "created_days": len(to_create), "updated_days": len(to_update)},
            note="从 chinese-calendar 数据包导入节假日与调休安排",
        )
    return calendar_year


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@transaction.atomic
def calendar_year_create_manual(*, year: int, basis: str, actor) -> CalendarYear:
    """Open a year the package does not know: Monday–Friday working, weekends off, to be corrected day by day."""
    _require_calendar_editor(actor)
    if not basis.strip():
        raise ServiceError("basis", "请填写依据（如国务院办公厅关于该年部分节假日安排的通知）。")
    if CalendarYear.objects.filter(year=year).exists():
        raise ServiceError("year", f"{year} 年已在工作日历中，请直接修正具体日期。")
    calendar_year = CalendarYear.objects.create(year=year, source=CalendarYear.Source.ADMINISTRATOR, basis=basis)
    CalendarDay.objects.bulk_create(
        CalendarDay(
            date=day,
            year=calendar_year,
            is_workday=day.weekday() < 5,
            kind=CalendarDay.Kind.WORKDAY if day.weekday() < 5 else CalendarDay.Kind.WEEKEND,
        )
        for day in _days_of(year)
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=calendar_year,
                 after=model_snapshot(calendar_year), note="管理员新建日历年份（默认周一至周五为工作日）")
    return calendar_year


@transaction.atomic
def calendar_day_correct(*, date: dt.date, kind: str, holiday_name: str = "", note: str, actor) -> CalendarDay:
    """An administrator's correction of one day; it survives later re-seeding from the package."""
    _require_calendar_editor(actor)
    if kind not in CalendarDay.Kind.values:
        raise ServiceError("kind", f"未知的日期类型：{kind}。")
    if not note.strip():
        raise ServiceError("note", "请填写修正依据。")
    try:
        day = CalendarDay.objects.select_for_update().get(date=date)
    except CalendarDay.DoesNotExist:
        raise ServiceError("date", f"工作日历中没有 {date.year} 年，请先新建该年份。") from None
    before = model_snapshot(day)
    day.kind = kind
    day.is_workday = kind in (CalendarDay.Kind.WORKDAY, CalendarDay.Kind.MAKEUP_WORKDAY)
    day.holiday_name = holiday_name if kind == CalendarDay.Kind.HOLIDAY else ""
    day.note = note
    day.corrected_by = actor_user(actor)
    day.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=day, before=before,
                 after=model_snapshot(day), note=note)
    return day
