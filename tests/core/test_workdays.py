"""Working days on the official calendar, around 2021 National Day and its make-up days."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, CalendarDay
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.calendar import (
    calendar_day_correct,
    calendar_seed_year,
    calendar_year_create_manual,
)
from countyhall.core.workdays import CalendarYearUnknown, add_working_days, working_days_between

D = dt.date


def weekdays_only(day: dt.date) -> bool:
    return day.weekday() < 5


def test_pure_arithmetic_never_counts_the_start_day():
    assert add_working_days(D(2021, 9, 3), 1, is_workday=weekdays_only) == D(2021, 9, 6)  # Fri → Mon
    assert add_working_days(D(2021, 9, 4), 0, is_workday=weekdays_only) == D(2021, 9, 4)
    assert working_days_between(D(2021, 9, 3), D(2021, 9, 6), is_workday=weekdays_only) == 1
    assert working_days_between(D(2021, 9, 6), D(2021, 9, 6), is_workday=weekdays_only) == 0
    with pytest.raises(ValueError):
        add_working_days(D(2021, 9, 3), -1, is_workday=weekdays_only)


# 2021: 26 Sep (Sun) and 9 Oct (Sat) were make-up working days; 1–7 Oct the National Day holiday.
NATIONAL_DAY_2021 = [
    (D(2021, 9, 29), 5, D(2021, 10, 12)),
    (D(2021, 9, 30), 1, D(2021, 10, 8)),
    (D(2021, 9, 30), 2, D(2021, 10, 9)),
    (D(2021, 10, 8), 1, D(2021, 10, 9)),
    (D(2021, 10, 9), 1, D(2021, 10, 11)),
    (D(2021, 9, 25), 1, D(2021, 9, 26)),
    (D(2021, 10, 1), 1, D(2021, 10, 8)),
    (D(2021, 9, 30), 0, D(2021, 9, 30)),
    (D(2021, 12, 30), 2, D(2022, 1, 4)),  # across the year end and the 2022 New Year holiday
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "days", "expected"), NATIONAL_DAY_2021)
def test_database_calendar_national_day_2021(start, days, expected):
    assert DatabaseCalendar().add_working_days(start, days) == expected


@pytest.mark.django_db
def test_seeded_kinds_around_national_day():
    kinds = dict(
        CalendarDay.objects.filter(date__range=(D(2021, 9, 25), D(2021, 10, 10))).values_list("date", "kind")
    )
    assert kinds[D(2021, 9, 26)] == "makeup_workday"
    assert kinds[D(2021, 10, 9)] == "makeup_workday"
    assert kinds[D(2021, 10, 1)] == "holiday"
    assert kinds[D(2021, 10, 10)] == "weekend"
    assert CalendarDay.objects.get(date=D(2021, 10, 1)).holiday_name == "国庆节"


@pytest.mark.django_db
def test_unknown_year_is_an_error_naming_the_year():
    with pytest.raises(CalendarYearUnknown) as error:
        DatabaseCalendar().add_working_days(D(2027, 1, 4), 3)
    assert error.value.year == 2027 and "2027" in str(error.value)
    # a clock that runs into an unknown year fails too, rather than guessing
    with pytest.raises(CalendarYearUnknown):
        DatabaseCalendar().add_working_days(D(2022, 12, 28), 10)


@pytest.mark.django_db
def test_seeding_a_year_the_package_lacks_says_to_enter_it():
    with pytest.raises(ServiceError) as error:
        calendar_seed_year(year=2099, actor="test")
    assert error.value.field == "year" and "手工录入" in error.value.message


@pytest.mark.django_db
def test_administrator_opens_and_corrects_a_year(make_user):
    admin = make_user("admin1", "system_admin")
    calendar_year_create_manual(year=2027, basis="国务院办公厅关于2027年部分节假日安排的通知", actor=admin)
    calendar_day_correct(
        date=D(2027, 1, 1), kind="holiday", holiday_name="元旦", note="元旦放假", actor=admin
    )
    calendar = DatabaseCalendar()
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert AuditEntry.objects.filter(object_type="core.CalendarDay", action="update").count() == 1


@pytest.mark.django_db
def test_corrections_survive_reseeding(make_user):
    admin = make_user("admin2", "system_admin")
    calendar_day_correct(
        date=D(2021, 10, 8), kind="holiday", holiday_name="地方调整", note="测试修正", actor=admin
    )
    calendar_seed_year(year=2021, actor="test")
    day = CalendarDay.objects.get(date=D(2021, 10, 8))
    assert (day.kind, day.is_workday, day.corrected_by) == ("holiday", False, admin)
    assert DatabaseCalendar().add_working_days(D(2021, 9, 30), 1) == D(2021, 10, 9)


@pytest.mark.django_db
def test_correction_needs_a_reason_and_a_known_year(make_user):
    admin = make_user("admin3", "system_admin")
    with pytest.raises(ServiceError) as error:
        calendar_day_correct(date=D(2021, 10, 8), kind="holiday", note=" ", actor=admin)
    assert error.value.field == "note"
    with pytest.raises(ServiceError) as error:
        calendar_day_correct(date=D(2030, 1, 2), kind="holiday", note="x", actor=admin)
    assert error.value.field == "date"
    assert CalendarDay.objects.get(date=D(2021, 10, 8)).kind == "workday"
