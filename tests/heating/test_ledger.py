from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from countyhall.core.errors import ServiceError
from countyhall.heating.models import Entitlement, Household, PublicInstitution
from countyhall.heating.selectors import ledger_checks, task_summary, village_progress
from countyhall.heating.services import (
    LEDGER_COLUMNS,
    claim_approve,
    claims_build,
    entitlements_compute,
    ledger_export,
    ledger_import,
    season_use_record,
    village_plan_set,
)
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db


def book(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(LEDGER_COLUMNS)
    for row in rows:
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(n: int, method="气代煤", price="4200.00", special="否", address=None):
    return [
        "370322101201001",
        f"户主{n}",
        valid_id(f"3703221950{n:02d}01{n:03d}"),
        address or f"乙庄{n}号",
        3,
        special,
        method,
        "JX-24",
        "示例供货商",
        price,
        f"FP{n:04d}",
        "2021-09-20",
        "2021-10-15",
    ]


def plan(county_tree, officer, method="gas"):
    """乙庄's 村改造计划: the import refuses households of a natural village without one."""
    return village_plan_set(
        actor=officer, division=county_tree["natural_b"], method=method, planned_households=9
    )


@pytest.fixture
def ledger(county_tree, make_user):
    officer = make_user("zhujian", "housing")
    village_plan_set(
        actor=officer,
        division=county_tree["natural_b"],
        method="gas",
        planned_households=5,
        construction_done_on=dt.date(2021, 9, 28),
        commissioning_done_on=None,
    )
    report = ledger_import(
        actor=officer,
        content=book(
            [row(1), row(2), row(3, method="生物质", price="3000.00"), row(4, special="是"), row(5)]
        ),
    )
    assert report.applied and report.created == 5
    # The county's third-party acceptance passed: reading B12 pays the installation subsidies only after it.
    Household.objects.update(accepted_on=dt.date(2021, 11, 10))
    return {"officer": officer, "finance": make_user("caizheng", "finance"), **county_tree}


def test_import_reports_bad_rows_and_stores_nothing(county_tree, make_user):
    officer = make_user("zj", "housing")
    plan(county_tree, officer)
    bad = [row(1), ["999", "", "123", "", 1, "否", "电采暖", "", "", "abc", "", "2021-13-01", ""]]
    report = ledger_import(actor=officer, content=book(bad))
    assert not report.applied and Household.objects.count() == 0
    fields = {field for number, field, _ in report.errors if number == 3}
    assert fields >= {
        "自然村代码",
        "改造方式（气代煤/生物质）",
        "身份证号",
        "购买价格",
        "安装日期",
        "户主姓名",
        "住址",
    }
    report = ledger_import(actor=officer, content=book(bad), mode="valid_only")
    assert report.applied and report.created == 1 and Household.objects.count() == 1


def test_round_trip_and_idempotent_reimport(ledger):
    exported = ledger_export()
    rows = list(load_workbook(BytesIO(exported)).active.iter_rows(values_only=True))
    assert list(rows[0]) == LEDGER_COLUMNS and len(rows) == 6
    again = ledger_import(actor=ledger["officer"], content=exported)
    assert again.applied and (again.created, again.unchanged) == (0, 5) and Household.objects.count() == 5


def test_programme_entitlements_claims_and_lock(ledger):
    report = entitlements_compute(actor=ledger["officer"], period="2021")
    assert len(report.special_poor) == 1  # B9: their scheme's amounts are not printed, so not invented
    boiler = Entitlement.objects.filter(item="gas_boiler").first()
    assert (
        boiler.amount == Decimal("3400.00")
        and boiler.excess == Decimal("240.00")
        and boiler.readings == ["B13", "B4"]
    )
    assert Entitlement.objects.filter(item="gas_network").count() == 3
    claims = {(c.payee, c.payee_name): c for c in claims_build(actor=ledger["officer"], period="2021")}
    gas_company = claims[("gas_company", "")]
    assert (
        gas_company.amount == Decimal("3000.00") * 3 + Decimal("3400.00") * 3
    )  # network and the boilers it advances
    assert gas_company.shares == {
        "above_city": "9912.00",
        "county": "6348.00",
        "jinjie": "1020.00",
        "town": "1920.00",
    }
    assert claims[("supplier", "示例供货商")].amount == Decimal("2550.00")
    for claim in claims.values():
        assert sum(Decimal(v) for v in claim.shares.values()) == claim.amount
    claim_approve(actor=ledger["finance"], claim=gas_company)
    with pytest.raises(ServiceError):
        claim_approve(actor=ledger["finance"], claim=gas_company)  # locked once approved
    again = entitlements_compute(actor=ledger["officer"], period="2021")
    assert again.locked == 6 and again.adjustments == 0  # approved amounts stay as approved


def test_correction_after_approval_is_an_adjustment(ledger):
    from countyhall.heating.models import Device

    entitlements_compute(actor=ledger["officer"], period="2021")
    [gas_company, _supplier] = sorted(
        claims_build(actor=ledger["officer"], period="2021"), key=lambda c: c.payee
    )
    claim_approve(actor=ledger["finance"], claim=gas_company)
    Device.objects.filter(household__householder__name="户主1").update(
        price=Decimal("3000.00")
    )  # invoice corrected
    report = entitlements_compute(actor=ledger["officer"], period="2021")
    assert report.adjustments == 1
    adjustment = Entitlement.objects.get(adjusts__isnull=False)
    assert adjustment.amount == Decimal("-600.00")
    assert sum(Decimal(v) for v in adjustment.shares.values()) == Decimal("-600.00")
    assert Entitlement.objects.get(pk=adjustment.adjusts_id).amount == Decimal(
        "3400.00"
    )  # the approved row stands
    [follow_up] = [
        c for c in claims_build(actor=ledger["officer"], period="2021") if c.payee == "gas_company"
    ]
    assert follow_up.pk != gas_company.pk and follow_up.amount == Decimal("-600.00")
    assert (
        entitlements_compute(actor=ledger["officer"], period="2021").adjustments == 1
    )  # recomputing changes nothing


def test_season_entitlements_with_caps_shown(ledger):
    households = {h.householder.name: h for h in Household.objects.select_related("householder")}
    season_use_record(
        actor=ledger["officer"], household=households["户主1"], season="2021-2022", gas_m3=Decimal("1500")
    )
    season_use_record(
        actor=ledger["officer"], household=households["户主3"], season="2021-2022", fuel_tonnes=Decimal("2.5")
    )
    with pytest.raises(ServiceError):
        season_use_record(
            actor=ledger["officer"],
            household=households["户主1"],
            season="2021-2022",
            fuel_tonnes=Decimal("1"),
        )
    entitlements_compute(actor=ledger["officer"], period="2021-2022")
    gas = Entitlement.objects.get(item="gas_use")
    fuel = Entitlement.objects.get(item="biomass_fuel")
    assert (gas.amount, gas.excess) == (Decimal("1200.00"), Decimal("300.00"))
    assert (fuel.amount, fuel.excess) == (Decimal("1200.00"), Decimal("300.00"))
    kinds = {f.kind for f in ledger_checks()}
    assert "above_cap" in kinds


def test_task_counts_only_accepted_households_and_institutions(ledger):
    Household.objects.update(accepted_on=None)  # the fixture's households start accepted (B12)
    assert task_summary()["done"] == 0 and task_summary()["task"] == 3224
    Household.objects.filter(householder__name__in=["户主1", "户主2"]).update(
        accepted_on=dt.date(2021, 11, 1)
    )
    PublicInstitution.objects.create(
        name="乙村卫生室",
        division=ledger["natural_b"],
        heated_area_m2=Decimal("320"),
        accepted_on=dt.date(2021, 11, 1),
    )
    summary = task_summary()
    assert (summary["accepted_households"], summary["institution_equivalents"], summary["done"]) == (2, 2, 4)
    assert summary["remaining"] == 3220


def test_gas_share_and_deadlines(ledger):
    [progress] = village_progress()
    # 4 gas households of 5: exactly 80 %, which "不低于 80%" allows
    assert progress.registered == 5 and progress.gas == 4 and progress.gas_share_ok is True
    assert progress.construction_overdue is False and progress.commissioning_overdue is True


def test_checks_find_duplicate_addresses_and_overpriced_devices(ledger):
    from countyhall.heating.models import Device

    Household.objects.filter(householder__name="户主2").update(address="乙庄1号")
    Device.objects.filter(household__householder__name="户主1").update(tendered_price=Decimal("3000.00"))
    kinds = {f.kind for f in ledger_checks()}
    assert {"same_address", "price"} <= kinds


def test_acceptance_in_order_marks_households_done(ledger):
    from countyhall.heating.services import acceptance_record

    plan = village_progress()[0].plan
    with pytest.raises(ServiceError):
        acceptance_record(
            actor=ledger["officer"],
            plan=plan,
            stage="third_party",
            passed=True,
            decided_on=dt.date(2021, 11, 1),
        )
    acceptance_record(
        actor=ledger["officer"],
        plan=plan,
        stage="town_initial",
        passed=True,
        decided_on=dt.date(2021, 10, 25),
    )
    acceptance_record(
        actor=ledger["officer"],
        plan=plan,
        stage="county_application",
        passed=True,
        decided_on=dt.date(2021, 10, 26),
    )
    with pytest.raises(ServiceError) as error:
        acceptance_record(
            actor=ledger["officer"],
            plan=plan,
            stage="third_party",
            passed=False,
            decided_on=dt.date(2021, 11, 1),
        )
    assert error.value.field == "findings"
    acceptance_record(
        actor=ledger["officer"],
        plan=plan,
        stage="third_party",
        passed=True,
        decided_on=dt.date(2021, 11, 2),
        findings="符合验收规范",
    )
    assert task_summary()["accepted_households"] == 5


def test_an_acceptance_dated_ahead_or_before_its_previous_step_is_refused(ledger):
    """Attack (attack13), B12 (五、（三）, L5575): a third-party pass dated 2030 marked the village's households
    accepted at once, and the installation subsidies were paid before any acceptance had happened; a step dated
    before the step it follows was accepted too."""
    from countyhall.core.clock import business_date
    from countyhall.heating.models import Acceptance
    from countyhall.heating.services import acceptance_record, entitlements_compute

    Household.objects.update(accepted_on=None)
    plan = village_progress()[0].plan
    acceptance_record(
        actor=ledger["officer"],
        plan=plan,
        stage="town_initial",
        passed=True,
        decided_on=dt.date(2021, 10, 25),
    )
    with pytest.raises(ServiceError) as early:
        acceptance_record(
            actor=ledger["officer"],
            plan=plan,
            stage="county_application",
            passed=True,
            decided_on=dt.date(2021, 10, 24),
        )
    assert early.value.field == "decided_on" and "2021年10月25日" in early.value.message
    acceptance_record(
        actor=ledger["officer"],
        plan=plan,
        stage="county_application",
        passed=True,
        decided_on=dt.date(2021, 10, 26),
    )
    ahead = business_date() + dt.timedelta(days=1)
    with pytest.raises(ServiceError) as caught:
        acceptance_record(
            actor=ledger["officer"],
            plan=plan,
            stage="third_party",
            passed=True,
            decided_on=ahead,
            findings="符合验收规范",
        )
    assert caught.value.field == "decided_on" and "不能晚于今天" in caught.value.message
    assert not Acceptance.objects.filter(stage="third_party").exists()
    assert not Household.objects.filter(accepted_on__isnull=False).exists()
    entitlements_compute(actor=ledger["officer"], period="2021")
    assert not Entitlement.objects.filter(item__in=["gas_network", "gas_boiler", "biomass_stove"]).exists()


def test_meter_readings_and_fuel_purchases_make_the_season(ledger):
    from countyhall.heating.services import fuel_purchase_record, meter_reading_record

    households = {h.householder.name: h for h in Household.objects.select_related("householder")}
    gas, biomass = households["户主1"], households["户主3"]
    meter_reading_record(
        actor=ledger["officer"],
        household=gas,
        season="2021-2022",
        read_on=dt.date(2021, 11, 15),
        reading_m3=Decimal("120.5"),
    )
    use = meter_reading_record(
        actor=ledger["officer"],
        household=gas,
        season="2021-2022",
        read_on=dt.date(2022, 3, 15),
        reading_m3=Decimal("1320.5"),
    )
    assert use.gas_m3 == Decimal("1200.000")
    with pytest.raises(ServiceError) as error:
        meter_reading_record(
            actor=ledger["officer"],
            household=gas,
            season="2021-2022",
            read_on=dt.date(2022, 1, 1),
            reading_m3=Decimal("100"),
        )
    assert error.value.field == "reading_m3"
    fuel_purchase_record(
        actor=ledger["officer"],
        household=biomass,
        season="2021-2022",
        bought_on=dt.date(2021, 11, 1),
        tonnes=Decimal("1.2"),
    )
    use = fuel_purchase_record(
        actor=ledger["officer"],
        household=biomass,
        season="2021-2022",
        bought_on=dt.date(2022, 1, 5),
        tonnes=Decimal("0.81"),
    )
    assert use.fuel_tonnes == Decimal("2.010")
    entitlements_compute(actor=ledger["officer"], period="2021-2022")
    fuel = Entitlement.objects.get(item="biomass_fuel")
    assert (fuel.amount, fuel.excess) == (Decimal("1200.00"), Decimal("6.00"))


def test_devices_come_from_the_tendered_list(ledger):
    from countyhall.heating.services import device_record, tendered_equipment_add

    household = Household.objects.get(householder__name="户主2")
    tendered_equipment_add(
        actor=ledger["officer"],
        kind="gas_boiler",
        model_name="JX-24",
        supplier="示例供货商",
        price=Decimal("3500.00"),
    )
    with pytest.raises(ServiceError) as error:
        device_record(
            actor=ledger["officer"],
            household=household,
            kind="gas_boiler",
            model_name="未入围型号",
            supplier="某公司",
            price=Decimal("4000"),
        )
    assert error.value.field == "model_name" and "招标入围" in error.value.message
    device = device_record(
        actor=ledger["officer"],
        household=household,
        kind="gas_boiler",
        model_name="JX-24",
        supplier="示例供货商",
        price=Decimal("4800"),
    )
    assert device.tendered_price == Decimal("3500.00")
    assert any(f.kind == "price" for f in ledger_checks())  # 4,800 is more than 1.3 × 3,500


def test_a_household_in_a_village_without_a_plan_is_a_row_error(county_tree, make_user):
    """Walk finding: the import silently took households of a natural village with no 村改造计划 (B1)."""
    officer = make_user("zj-noplan", "housing")
    for dry_run in (True, False):  # the preview says it as well as the import
        report = ledger_import(actor=officer, content=book([row(1)]), mode="valid_only", dry_run=dry_run)
        assert report.errors == [(2, "自然村代码", "所在自然村没有改造计划（请先由住建局登记村改造计划）")]
        assert report.created == 0
    assert Household.objects.count() == 0


def test_the_empty_template_imports_its_example_and_notes_each_column(client, ledger):
    from countyhall.heating.services import LEDGER_COLUMN_NOTES

    client.force_login(ledger["officer"])
    page = client.get("/heating/ledger/").content.decode()
    assert 'href="/heating/ledger/template.xlsx"' in page
    assert (
        '<details class="import"' not in page and 'id="ledger-import"' in page
    )  # not hidden when one may import
    response = client.get("/heating/ledger/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.getvalue()))
    assert [c.value for c in workbook.worksheets[0][1]] == LEDGER_COLUMNS
    assert {r[0] for r in workbook["填写说明"].iter_rows(min_row=2, values_only=True) if r[0]} == set(
        LEDGER_COLUMNS
    )
    assert set(LEDGER_COLUMN_NOTES) == set(LEDGER_COLUMNS)
    preview = ledger_import(actor=ledger["officer"], content=response.content, dry_run=True)
    assert preview.errors == [] and preview.created == 1


def test_the_preview_sentence_has_no_stray_punctuation(client, ledger):
    client.force_login(ledger["officer"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("台账.xlsx", book([row(9, address="乙庄新9号")]))
    page = client.post("/heating/ledger/", {"file": upload, "mode": "all_or_nothing"}).content.decode()
    assert "将新增 1 户；已有户无变化 0 户。" in page and "户；。" not in page
