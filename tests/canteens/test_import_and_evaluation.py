from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from countyhall.canteens.models import Elder, Facility, Lunch, OperatingSubsidy
from countyhall.canteens.selectors import fraud_findings
from countyhall.canteens.services.elders import (
    IMPORT_COLUMNS,
    elder_import,
    elder_import_template,
    elder_mark_left,
)
from countyhall.canteens.services.evaluations import evaluation_record, operating_subsidy_compute
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.core.errors import ServiceError
from countyhall.core.models import Person
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([c[1] for c in IMPORT_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_A = [valid_id("37032219450101011"), "甲老人", "是", "370322101201001", "乙庄1号", "", "K100", "", ""]
GOOD_B = [valid_id("37032219500202022"), "乙老人", "否", "370322101201001", "", "", "", "", ""]
GOOD_TEKUN = [
    valid_id("37032219400303033"),
    "丙老人",
    "是",
    "370322101201001",
    "",
    "",
    "",
    "青民救〔2021〕8号",
    "2021-01-01",
    "分散",
]
BAD_ROWS = [
    ["370322194501010110", "坏一", "是", "370322101201001", "", "", "", "", ""],  # check digit
    [valid_id("37032219450101044"), "", "是", "370322101201001", "", "", "", "", ""],  # no name
    [valid_id("37032219450101055"), "坏三", "也许", "370322101201001", "", "", "", "", ""],  # hukou
    [valid_id("37032219450101066"), "坏四", "是", "999", "", "", "", "", ""],  # division
    [valid_id("37032219450101077"), "坏五", "是", "370322001201", "", "", "", "", ""],  # outside scope
    [valid_id("37032219450101088"), "坏六", "是", "370322101201001", "", "", "K100", "", ""],  # card reused
]


def test_template_has_the_columns():
    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(elder_import_template())).active
    assert [c.value for c in sheet[1]] == [c[1] for c in IMPORT_COLUMNS]


def test_all_or_nothing_reports_every_bad_row_and_stores_nothing(canteen_world):
    officer = canteen_world["users"]["town"]
    before = (Elder.objects.count(), Person.objects.count())
    report = elder_import(actor=officer, content=workbook([GOOD_A, *BAD_ROWS, GOOD_B]), mode="all_or_nothing")
    assert not report.applied
    assert {e.row for e in report.errors} == {3, 4, 5, 6, 7, 8}
    reasons = {e.row: (e.field, e.message) for e in report.errors}
    assert "校验位" in reasons[3][1] and reasons[4] == ("姓名", "必填") and "是" in reasons[5][1]
    assert "未知" in reasons[6][1] and "数据范围" in reasons[7][1] and "重复" in reasons[8][1]
    assert (Elder.objects.count(), Person.objects.count()) == before


def test_valid_only_imports_the_good_rows_and_reimport_duplicates_nothing(canteen_world):
    officer = canteen_world["users"]["town"]
    content = workbook([GOOD_A, BAD_ROWS[0], GOOD_B, GOOD_TEKUN])
    report = elder_import(actor=officer, content=content, mode="valid_only")
    assert report.applied and (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert [e.row for e in report.errors] == [3]
    tekun = Elder.objects.get(person__id_number=GOOD_TEKUN[0])
    assert tekun.tekun_periods.get().source == "青民救〔2021〕8号"
    assert Elder.objects.get(person__id_number=GOOD_B[0]).gaoqing_hukou is False
    count = Elder.objects.count()
    again = elder_import(actor=officer, content=content, mode="valid_only")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3) and Elder.objects.count() == count


def test_bad_file(canteen_world):
    with pytest.raises(ServiceError) as error:
        elder_import(actor=canteen_world["users"]["town"], content=b"not a workbook")
    assert error.value.field == "file"


def test_evaluation_revokes_after_two_failed_years(filed_world):
    users, facility = filed_world["users"], filed_world["facility"]
    evaluation_record(
        actor=users["minzheng"],
        facility=facility,
        year=2021,
        passed=False,
        evaluator="第三方甲",
        evaluated_on=dt.date(2022, 1, 20),
    )
    assert Facility.objects.get(pk=facility.pk).status == "filed"
    evaluation_record(
        actor=users["minzheng"],
        facility=facility,
        year=2022,
        passed=False,
        evaluator="第三方甲",
        evaluated_on=dt.date(2023, 1, 20),
    )
    facility.refresh_from_db()
    assert facility.status == "revoked" and facility.revoked_on == dt.date(2023, 1, 20)
    assert "连续 2 年" in facility.revoke_reason
    with pytest.raises(ServiceError):
        evaluation_record(
            actor=users["caizheng"],
            facility=facility,
            year=2023,
            passed=True,
            evaluator="x",
            evaluated_on=dt.date(2024, 1, 1),
        )


def test_operating_subsidy_per_facility(filed_world):
    users, facility = filed_world["users"], filed_world["facility"]
    facility.service_start = dt.date(2021, 1, 1)
    facility.save()
    evaluation_record(
        actor=users["minzheng"],
        facility=facility,
        year=2022,
        passed=True,
        evaluator="第三方甲",
        evaluated_on=dt.date(2023, 1, 10),
    )
    # 4,000 lunches are counted from the lunch table; bulk-insert them directly as the benchmark does
    elder = filed_world["elders"]["same_65"]
    Lunch.objects.bulk_create(
        Lunch(
            facility=facility,
            elder=elder,
            meal_date=dt.date(2022, 1, 1) + dt.timedelta(days=i % 365),
            recorded_by=users["operator"],
            status="accepted",
            city=Decimal("1"),
            county=Decimal("1"),
        )
        for i in range(4000)
    )
    [subsidy] = operating_subsidy_compute(actor=users["minzheng"], year=2022)
    assert (subsidy.amount, subsidy.city, subsidy.county) == (
        Decimal("20000.00"),
        Decimal("1000.00"),
        Decimal("19000.00"),
    )
    assert subsidy.readings == ["A14"] and subsidy.lunches == 4000
    [subsidy_2021] = operating_subsidy_compute(actor=users["minzheng"], year=2021)
    assert not subsidy_2021.eligible and "评估" in subsidy_2021.reason
    assert OperatingSubsidy.objects.count() == 2


def test_fraud_findings(filed_world, make_user):
    users, facility, elders = filed_world["users"], filed_world["facility"], filed_world["elders"]
    day = dt.date(2022, 5, 10)
    lunch_check_in(
        actor=users["operator"],
        facility=facility,
        identifier=elders["same_65"].person.id_number,
        meal_date=day,
    )
    elder_mark_left(actor=users["town"], elder=elders["same_65"], died_on=dt.date(2022, 5, 1))
    from countyhall.canteens.services.facilities import facility_register

    other = facility_register(
        actor=users["town"],
        operator=filed_world["operator_org"],
        division=filed_world["natural_b"],
        name="青城镇乙村长者助餐服务点",
        kind="service_point",
        model="service_point",
        setting="rural",
        operator_kind="care_org",
        lunch_price=Decimal("6"),
        meal_supplier="配送中心",
    )
    Facility.objects.filter(pk=other.pk).update(status="filed", filed_on=dt.date(2021, 9, 2))
    other.refresh_from_db()
    lunch_check_in(
        actor=users["town"], facility=facility, identifier=elders["other_70"].person.id_number, meal_date=day
    )
    lunch_check_in(
        actor=users["town"], facility=other, identifier=elders["other_70"].person.id_number, meal_date=day
    )
    for i in range(5):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=elders["same_80"].person.id_number,
            meal_date=day + dt.timedelta(days=i + 1),
        )
    Lunch.objects.filter(elder=elders["same_80"]).update(
        recorded_at=dt.datetime(2022, 5, 20, 11, 30, 5, tzinfo=dt.UTC)
    )
    kinds = {
        f.kind: f
        for f in fraud_findings(
            users["minzheng"], date_from=dt.date(2022, 5, 1), date_to=dt.date(2022, 5, 31)
        )
    }
    assert set(kinds) >= {"after_death", "two_facilities", "same_minute"}
    assert kinds["after_death"].elder_id == elders["same_65"].pk
    assert kinds["two_facilities"].lunch_count == 2
    assert kinds["same_minute"].lunch_count == 5


def test_fraud_finds_counts_above_seats(filed_world):
    users, facility = filed_world["users"], filed_world["facility"]
    facility.seats = 2
    facility.save()
    for key in ("same_80", "same_65", "other_70"):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=filed_world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 5, 3),
        )
    findings = fraud_findings(
        users["minzheng"], date_from=dt.date(2022, 5, 1), date_to=dt.date(2022, 5, 31), seat_factor=1
    )
    assert any(f.kind == "above_seats" and f.lunch_count == 3 for f in findings)
