from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import chinese_calendar
from django.db import IntegrityError, transaction

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
        CalendarDay.objects.filter(year=calendar_year, corrected_by__isnull=False).values_list(
            "date", flat=True
        )
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
                CalendarDay(
                    date=day, year=calendar_year, is_workday=is_workday, kind=kind, holiday_name=label
                )
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
    calendar_year = CalendarYear.objects.create(
        year=year, source=CalendarYear.Source.ADMINISTRATOR, basis=basis
    )
    CalendarDay.objects.bulk_create(
        CalendarDay(
            date=day,
            year=calendar_year,
            is_workday=day.weekday() < 5,
            kind=CalendarDay.Kind.WORKDAY if day.weekday() < 5 else CalendarDay.Kind.WEEKEND,
        )
        for day in _days_of(year)
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=calendar_year,
        after=model_snapshot(calendar_year),
        note="管理员新建日历年份（默认周一至周五为工作日）",
    )
    return calendar_year


@transaction.atomic
def calendar_day_correct(
    *, date: dt.date, kind: str, holiday_name: str = "", note: str, actor
) -> CalendarDay:
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
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=day,
        before=before,
        after=model_snapshot(day),
        note=note,
    )
    return day


# ---------------------------------------------------------------- a year from the State Council's notice

# 国务院办公厅 publishes the next year's holidays each autumn as 国办发明电〔YYYY〕N号 (in some years 国办发〔YYYY〕N号).
NOTICE_NUMBER_PATTERN = re.compile(r"^国办发(明电)?〔\d{4}〕\d+号$")


@dataclass(frozen=True)
class HolidayRange:
    """One line of the notice: a holiday from … to … (both inclusive)."""

    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class PlannedDay:
    date: dt.date
    kind: str
    holiday_name: str = ""

    @property
    def is_workday(self) -> bool:
        return self.kind in (CalendarDay.Kind.WORKDAY, CalendarDay.Kind.MAKEUP_WORKDAY)


def _as_range(row) -> HolidayRange:
    if isinstance(row, HolidayRange):
        return row
    name, start, end = row
    return HolidayRange(name=(name or "").strip(), start=start, end=end)


def calendar_year_plan(
    *, year: int, holidays: Iterable, makeup_workdays: Iterable[dt.date]
) -> list[PlannedDay]:
    """Every day of `year` from the notice: holidays as given, 调休 make-up days working, other weekends off,
    every other day a working day. Pure (no database), so the form previews exactly what will be saved.

    Refuses, naming the row: a range outside the year or ending before it starts, two ranges that overlap,
    a make-up day that is not a Saturday or Sunday, lies inside a holiday, is outside the year or repeated.
    """
    if not 1900 <= year <= 2999:
        raise ServiceError("year", "年份应为四位数的公历年份。")
    ranges = [_as_range(row) for row in holidays]
    if not ranges:
        raise ServiceError("holidays", "请至少填写一项节假日（名称、起始日期、截止日期），按通知逐项录入。")
    for number, item in enumerate(ranges, start=1):
        where = f"节假日第 {number} 行" + (f"（{item.name}）" if item.name else "")
        if not item.name:
            raise ServiceError("holidays", f"{where}：请填写节日名称。")
        if len(item.name) > 32:
            raise ServiceError("holidays", f"{where}：节日名称不超过 32 个字。")
        if item.start is None or item.end is None:
            raise ServiceError("holidays", f"{where}：请填写起始日期和截止日期。")
        if item.start.year != year or item.end.year != year:
            raise ServiceError(
                "holidays", f"{where}：起止日期应在 {year} 年内（{item.start} 至 {item.end}）。"
            )
        if item.end < item.start:
            raise ServiceError("holidays", f"{where}：截止日期 {item.end} 早于起始日期 {item.start}。")
    ordered = sorted(enumerate(ranges, start=1), key=lambda pair: pair[1].start)
    for (first_number, first), (second_number, second) in zip(ordered, ordered[1:], strict=False):
        if second.start <= first.end:
            raise ServiceError(
                "holidays",
                f"节假日第 {first_number} 行（{first.name}，{first.start} 至 {first.end}）与第 "
                f"{second_number} 行（{second.name}，{second.start} 至 {second.end}）日期重叠。",
            )
    holiday_of = {}
    for item in ranges:
        day = item.start
        while day <= item.end:
            holiday_of[day] = item.name
            day += dt.timedelta(days=1)
    makeup = set()
    for number, day in enumerate(makeup_workdays, start=1):
        where = f"调休上班日第 {number} 项（{day}）"
        if day.year != year:
            raise ServiceError("makeup_workdays", f"{where}：不在 {year} 年内。")
        if day.weekday() < 5:
            raise ServiceError("makeup_workdays", f"{where}：调休上班日应为周六或周日，该日本为工作日。")
        if day in holiday_of:
            raise ServiceError("makeup_workdays", f"{where}：在节假日（{holiday_of[day]}）之内。")
        if day in makeup:
            raise ServiceError("makeup_workdays", f"{where}：重复填写。")
        makeup.add(day)
    plan = []
    for day in _days_of(year):
        if day in holiday_of:
            plan.append(PlannedDay(day, CalendarDay.Kind.HOLIDAY, holiday_of[day]))
        elif day in makeup:
            plan.append(PlannedDay(day, CalendarDay.Kind.MAKEUP_WORKDAY))
        elif day.weekday() >= 5:
            plan.append(PlannedDay(day, CalendarDay.Kind.WEEKEND))
        else:
            plan.append(PlannedDay(day, CalendarDay.Kind.WORKDAY))
    return plan


def _check_notice(*, year: int, notice_number: str, notice_title: str) -> tuple[str, str]:
    number, title = (notice_number or "").strip(), (notice_title or "").strip()
    if not NOTICE_NUMBER_PATTERN.match(number):
        raise ServiceError(
            "notice_number",
            "通知文号格式应为“国办发明电〔2026〕N号”（或“国办发〔2026〕N号”），请照通知原文填写。",
        )
    if not title:
        raise ServiceError(
            "notice_title", f"请填写通知标题（如：国务院办公厅关于{year}年部分节假日安排的通知）。"
        )
    if len(title) > 200:
        raise ServiceError("notice_title", "通知标题不超过 200 个字。")
    return number, title


def calendar_year_preview(
    *,
    year: int,
    holidays: Sequence,
    makeup_workdays: Sequence[dt.date],
    notice_number: str,
    notice_title: str,
) -> list[PlannedDay]:
    """What `calendar_year_enter` would save, checked the same way, without writing anything."""
    _check_notice(year=year, notice_number=notice_number, notice_title=notice_title)
    if CalendarYear.objects.filter(year=year).exists():
        raise ServiceError("year", f"{year} 年已在工作日历中，请在月历中逐日修正。")
    return calendar_year_plan(year=year, holidays=holidays, makeup_workdays=makeup_workdays)


@transaction.atomic
def calendar_year_enter(
    *,
    actor,
    year: int,
    holidays: Sequence,
    makeup_workdays: Sequence[dt.date],
    notice_number: str,
    notice_title: str,
) -> CalendarYear:
    """Enter a year the package lacks from the State Council's notice, in one step.

    `holidays` are (name, from, to) rows; `makeup_workdays` the 调休上班 weekend days. The notice's 文号 is
    stored as the year's citation and its title as the basis, so every deadline computed over the year
    can say where its holidays came from.
    """
    _require_calendar_editor(actor)
    number, title = _check_notice(year=year, notice_number=notice_number, notice_title=notice_title)
    if CalendarYear.objects.select_for_update().filter(year=year).exists():
        raise ServiceError("year", f"{year} 年已在工作日历中，请在月历中逐日修正。")
    plan = calendar_year_plan(year=year, holidays=holidays, makeup_workdays=makeup_workdays)
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: another administrator entering the same year at the same moment
            calendar_year = CalendarYear.objects.create(
                year=year,
                source=CalendarYear.Source.NOTICE,
                basis=title,
                citation=number,
                entered_by=actor_user(actor),
            )
    except IntegrityError:
        raise ServiceError("year", f"{year} 年已在工作日历中，请在月历中逐日修正。") from None
    CalendarDay.objects.bulk_create(
        CalendarDay(
            date=p.date, year=calendar_year, is_workday=p.is_workday, kind=p.kind, holiday_name=p.holiday_name
        )
        for p in plan
    )
    ranges = [_as_range(row) for row in holidays]
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=calendar_year,
        after={
            **model_snapshot(calendar_year),
            "holidays": [
                {"name": r.name, "from": r.start.isoformat(), "to": r.end.isoformat()} for r in ranges
            ],
            "makeup_workdays": sorted(d.isoformat() for d in makeup_workdays),
            "workdays": sum(p.is_workday for p in plan),
        },
        note=f"按{number}录入{year}年节假日与调休安排",
    )
    return calendar_year
