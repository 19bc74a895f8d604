"""Entering the next year from the State Council's notice: one service, one form with a preview, and the
administrators' warning from 1 November.

TEST FIXTURE, NOT REAL DATA: the "2027 notice" below is made up for these tests. Its number, its title's
suffix and its dates are invented so that the checks have something to bite on; they are not the State
Council's 2027 holidays, which must be entered from the published notice.
"""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, CalendarDay, CalendarYear
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.calendar import calendar_year_enter, calendar_year_plan

D = dt.date
FAKE_NUMBER = "国办发明电〔2026〕99号"  # invented for the tests
FAKE_TITLE = "（测试用虚构通知）国务院办公厅关于2027年部分节假日安排的通知"
# Invented ranges and make-up days (2027-01-01 is a Friday; 2027-02-06 and 2027-02-20 are Saturdays).
FAKE_HOLIDAYS = [
    ("测试节甲", D(2027, 1, 1), D(2027, 1, 3)),
    ("测试节乙", D(2027, 2, 10), D(2027, 2, 16)),
    ("测试节丙", D(2027, 10, 1), D(2027, 10, 7)),
]
FAKE_MAKEUP = [D(2027, 2, 6), D(2027, 2, 20), D(2027, 10, 9)]


def _enter(actor="test", **changes):
    values = {
        "year": 2027,
        "holidays": FAKE_HOLIDAYS,
        "makeup_workdays": FAKE_MAKEUP,
        "notice_number": FAKE_NUMBER,
        "notice_title": FAKE_TITLE,
    }
    values.update(changes)
    return calendar_year_enter(actor=actor, **values)


@pytest.mark.django_db
def test_a_year_is_entered_from_the_notice_with_its_citation(make_user):
    admin = make_user("cal-admin", "system_admin")
    year = _enter(actor=admin)
    assert (year.source, year.citation, year.basis, year.entered_by) == (
        "notice",
        FAKE_NUMBER,
        FAKE_TITLE,
        admin,
    )
    days = {d.date: d for d in CalendarDay.objects.filter(year=year)}
    assert len(days) == 365
    assert days[D(2027, 2, 10)].kind == "holiday" and days[D(2027, 2, 10)].holiday_name == "测试节乙"
    assert days[D(2027, 1, 1)].is_workday is False  # a Friday inside a holiday
    assert days[D(2027, 2, 6)].kind == "makeup_workday" and days[D(2027, 2, 6)].is_workday
    assert days[D(2027, 3, 6)].kind == "weekend" and not days[D(2027, 3, 6)].is_workday
    assert days[D(2027, 3, 8)].kind == "workday"
    calendar = DatabaseCalendar()
    assert calendar.add_working_days(D(2027, 2, 9), 1) == D(2027, 2, 17)
    entry = AuditEntry.objects.get(object_type="core.CalendarYear", object_id="2027")
    assert entry.action == AuditEntry.Action.CREATE and FAKE_NUMBER in entry.note
    assert entry.after["holidays"][1] == {"name": "测试节乙", "from": "2027-02-10", "to": "2027-02-16"}
    assert entry.after["makeup_workdays"] == ["2027-02-06", "2027-02-20", "2027-10-09"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"holidays": [("测试节甲", D(2026, 12, 31), D(2027, 1, 2))]}, "holidays", ["第 1 行", "2027 年内"]),
        ({"holidays": [("测试节甲", D(2027, 1, 5), D(2027, 1, 3))]}, "holidays", ["第 1 行", "早于起始日期"]),
        (
            {"holidays": [("甲", D(2027, 1, 1), D(2027, 1, 5)), ("乙", D(2027, 1, 5), D(2027, 1, 7))]},
            "holidays",
            ["第 1 行", "第 2 行", "重叠"],
        ),
        ({"holidays": [("", D(2027, 1, 1), D(2027, 1, 3))]}, "holidays", ["第 1 行", "节日名称"]),
        ({"holidays": []}, "holidays", ["至少填写一项"]),
        ({"makeup_workdays": [D(2027, 2, 8)]}, "makeup_workdays", ["第 1 项", "2027-02-08", "周六或周日"]),
        ({"makeup_workdays": [D(2027, 2, 6), D(2027, 2, 13)]}, "makeup_workdays", ["第 2 项", "测试节乙"]),
        ({"makeup_workdays": [D(2028, 1, 8)]}, "makeup_workdays", ["不在 2027 年内"]),
        ({"makeup_workdays": [D(2027, 2, 6), D(2027, 2, 6)]}, "makeup_workdays", ["重复"]),
    ],
)
def test_the_plan_refuses_bad_rows_naming_them(changes, field, words):
    values = {"year": 2027, "holidays": FAKE_HOLIDAYS, "makeup_workdays": FAKE_MAKEUP, **changes}
    with pytest.raises(ServiceError) as error:
        calendar_year_plan(**values)
    assert error.value.field == field
    for word in words:
        assert word in error.value.message, error.value.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notice_number": "国办发明电2026-99"}, "notice_number"),
        ({"notice_number": ""}, "notice_number"),
        ({"notice_title": " "}, "notice_title"),
    ],
)
def test_the_notice_must_be_cited(changes, field):
    with pytest.raises(ServiceError) as error:
        _enter(**changes)
    assert error.value.field == field
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_only_a_system_administrator_enters_a_year_and_only_once(make_user):
    with pytest.raises(AccessDenied):
        _enter(actor=make_user("cal-approval", "approval"))
    _enter()
    with pytest.raises(ServiceError) as error:
        _enter()
    assert error.value.field == "year"


# ---------------------------------------------------------------- the form: preview, then confirm


def _post(holidays=FAKE_HOLIDAYS, makeup="2027-02-06, 2027-02-20\n2027-10-09", **extra):
    data = {
        "year": "2027",
        "notice_number": FAKE_NUMBER,
        "notice_title": FAKE_TITLE,
        "makeup_workdays": makeup,
        "holidays-TOTAL_FORMS": "8",
        "holidays-INITIAL_FORMS": "0",
        "holidays-MIN_NUM_FORMS": "0",
        "holidays-MAX_NUM_FORMS": "20",
    }
    for index, (name, start, end) in enumerate(holidays):
        data.update(
            {
                f"holidays-{index}-name": name,
                f"holidays-{index}-date_from": str(start),
                f"holidays-{index}-date_to": str(end),
            }
        )
    data.update(extra)
    return data


@pytest.mark.django_db
def test_the_form_previews_the_year_before_saving(client, make_user):
    client.force_login(make_user("cal-admin", "system_admin"))
    page = client.get("/calendar/new-year/")
    assert page.status_code == 200 and "节假日" in page.content.decode()
    preview = client.post("/calendar/new-year/", _post(action="preview"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "2027 年预览（尚未保存）" in html and "测试节乙" in html and "确认保存 2027 年" in html
    assert html.count("<strong>") >= 12 and "12月" in html
    assert not CalendarYear.objects.filter(year=2027).exists()  # nothing saved by the preview
    token = preview.context["token"]
    # A change after the preview is previewed again, not saved.
    changed = client.post("/calendar/new-year/", _post(makeup="2027-02-06", action="confirm", token=token))
    assert "预览之后内容有改动" in changed.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    # A confirmation without a preview is only a preview.
    client.post("/calendar/new-year/", _post(action="confirm"))
    assert not CalendarYear.objects.filter(year=2027).exists()
    saved = client.post("/calendar/new-year/", _post(action="confirm", token=token))
    assert saved.status_code == 302
    year = CalendarYear.objects.get(year=2027)
    assert (
        year.citation == FAKE_NUMBER and CalendarDay.objects.get(date=D(2027, 10, 9)).kind == "makeup_workday"
    )
    assert FAKE_NUMBER in client.get("/calendar/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_post(makeup="2027-02-08", action="preview"), ["调休上班日第 1 项", "周六或周日"]),
        (_post(makeup="2027-02-30", action="preview"), ["调休上班日", "第 1 项", "不是有效日期"]),
        (
            _post(
                holidays=[("甲", D(2027, 1, 1), D(2027, 1, 5)), ("乙", D(2027, 1, 4), D(2027, 1, 7))],
                action="preview",
            ),
            ["第 1 行", "第 2 行", "重叠"],
        ),
        (_post(**{"holidays-0-date_to": "", "action": "preview"}), ["第 1 行", "三项"]),
        (_post(notice_number="2026年99号", action="preview"), ["通知文号", "国办发明电"]),
    ],
)
def test_the_form_names_the_bad_field_or_row(client, make_user, data, words):
    client.force_login(make_user("cal-admin", "system_admin"))
    response = client.post("/calendar/new-year/", data)
    html = response.content.decode()
    assert response.status_code == 400
    for word in words:
        assert word in html, word
    assert "尚未保存" not in html


@pytest.mark.django_db
def test_the_form_is_for_system_administrators(client, make_user):
    client.force_login(make_user("cal-approval", "approval"))
    assert client.get("/calendar/new-year/").status_code == 403
    assert client.post("/calendar/new-year/", _post(action="confirm")).status_code == 403


# ---------------------------------------------------------------- the warning on the administrator's home page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "role", "entered", "warned"),
    [
        (D(2026, 11, 1), "system_admin", False, True),
        (D(2026, 12, 1), "system_admin", False, True),
        (D(2026, 10, 31), "system_admin", False, False),
        (D(2026, 12, 1), "system_admin", True, False),
        (D(2026, 12, 1), "approval", False, False),
        (D(2026, 12, 1), "auditor", False, False),
    ],
)
def test_administrators_are_warned_from_november_when_next_year_is_missing(
    client, make_user, settings, on, role, entered, warned
):
    settings.BUSINESS_DATE = on
    if entered:
        _enter()
    client.force_login(make_user("home-user", role))
    html = client.get("/").content.decode()
    assert ("工作日历缺少 2027 年" in html) is warned
    if warned:
        assert "/calendar/new-year/" in html


@pytest.mark.django_db(transaction=True)
def test_two_administrators_entering_the_same_year_at_once(make_user):
    """On PostgreSQL the second of two simultaneous entries hit the primary key: a 500 instead of the message."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the two writers itself")
    from tests.concurrency import run_concurrently

    actors = make_user("cal-a", "system_admin"), make_user("cal-b", "system_admin")
    results = run_concurrently(2, lambda i: _enter(actors[i]))
    outcomes = [
        exc.field
        if isinstance(exc, ServiceError)
        else type(exc).__name__
        if isinstance(exc, Exception)
        else "ok"
        for exc in results
    ]
    assert sorted(outcomes) == ["ok", "year"]
    assert CalendarYear.objects.filter(year=2027).count() == 1
