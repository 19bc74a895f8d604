"""Issue 12: corrections that never erase, the ledger re-import with a preview, import checks, claims sent back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.notifications import OutboxMessage
from countyhall.heating import services
from countyhall.heating.models import Claim, Correction, Device, Entitlement, Household
from tests.heating.test_ledger import book, ledger, plan, row  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _household(n: int) -> Household:
    return Household.objects.get(householder__name=f"户主{n}")


def test_household_correction_keeps_old_value_reason_and_audit(ledger):  # noqa: F811
    household = _household(1)
    with pytest.raises(ServiceError) as exc:
        services.household_correct(
            actor=ledger["officer"], household=household, reason=" ", address="乙庄1号院"
        )
    assert exc.value.field == "reason"
    services.household_correct(
        actor=ledger["officer"],
        household=household,
        reason="门牌号录错",
        address="乙庄1号院",
        members=4,
        price=Decimal("4100.00"),
    )
    household.refresh_from_db()
    assert household.address == "乙庄1号院" and household.members == 4
    assert household.devices.get().price == Decimal("4100.00")
    history = {
        (c.record, c.field, c.old, c.new, c.reason) for c in Correction.objects.filter(household=household)
    }
    assert ("改造户信息", "住址", "乙庄1号", "乙庄1号院", "门牌号录错") in history
    assert ("改造户信息", "家庭人口", "3", "4", "门牌号录错") in history
    assert ("采暖设备", "购买价格", "4200.00", "4100.00", "门牌号录错") in history
    assert AuditEntry.objects.filter(object_type="heating.Household", note="更正：门牌号录错").exists()
    with pytest.raises(ServiceError):  # the same values again: nothing to correct
        services.household_correct(actor=ledger["officer"], household=household, reason="再次", members=4)


def test_meter_reading_and_fuel_purchase_corrections_follow_into_the_season(ledger):  # noqa: F811
    gas, biomass = _household(1), _household(3)
    officer = ledger["officer"]
    services.meter_reading_record(
        actor=officer,
        household=gas,
        season="2021-2022",
        read_on=dt.date(2021, 11, 15),
        reading_m3=Decimal("100"),
    )
    use = services.meter_reading_record(
        actor=officer,
        household=gas,
        season="2021-2022",
        read_on=dt.date(2022, 3, 15),
        reading_m3=Decimal("1300"),
    )
    assert use.gas_m3 == Decimal("1200")
    reading = gas.meter_readings.get(read_on=dt.date(2022, 3, 15))
    use = services.meter_reading_correct(
        actor=officer, reading=reading, reading_m3=Decimal("1000"), reason="抄错"
    )
    assert use.gas_m3 == Decimal("900")
    assert Correction.objects.filter(household=gas, record="燃气抄表", old="1300.000", new="1000").exists()
    services.fuel_purchase_record(
        actor=officer,
        household=biomass,
        season="2021-2022",
        bought_on=dt.date(2021, 11, 20),
        tonnes=Decimal("1.5"),
    )
    purchase = biomass.fuel_purchases.get()
    use = services.fuel_purchase_correct(
        actor=officer, purchase=purchase, tonnes=Decimal("1.2"), reason="票据为1.2吨"
    )
    assert use.fuel_tonnes == Decimal("1.2")
    with pytest.raises(ServiceError):
        services.fuel_purchase_correct(actor=officer, purchase=purchase, tonnes=Decimal("1.2"), reason="同值")


def test_reimport_previews_changes_and_updates_only_when_chosen(ledger):  # noqa: F811
    changed = row(1, price="3900.00", address="乙庄1号东")
    content = book([changed, row(2)])
    report = services.ledger_import(actor=ledger["officer"], content=content)
    assert report.applied and report.skipped == 1 and report.updated == 0 and report.unchanged == 1
    assert {(c.field, c.old, c.new) for c in report.changes} == {
        ("住址", "乙庄1号", "乙庄1号东"),
        ("购买价格", "4200.00", "3900.00"),
    }
    assert _household(1).address == "乙庄1号"
    preview = services.ledger_import(
        actor=ledger["officer"], content=content, update_existing=True, dry_run=True
    )
    assert not preview.applied and preview.updated == 1 and _household(1).address == "乙庄1号"
    report = services.ledger_import(actor=ledger["officer"], content=content, update_existing=True)
    assert report.applied and report.updated == 1
    household = _household(1)
    assert household.address == "乙庄1号东" and household.devices.get().price == Decimal("3900.00")
    assert Correction.objects.filter(household=household, reason="台账导入第 2 行").count() == 2


def test_import_refuses_duplicate_invoice_method_against_plan_and_known_id_under_another_name(ledger):  # noqa: F811
    from countyhall.core.services.divisions import division_upsert

    biomass_village = division_upsert(
        actor="test", code="370322101201002", name="丙庄", kind="natural_village", parent=ledger["village_b"]
    )
    services.village_plan_set(
        actor=ledger["officer"], division=biomass_village, method="biomass", planned_households=2
    )
    dup_in_file = [row(6), row(7)]
    dup_in_file[1][10] = dup_in_file[0][10]
    dup_in_db = row(8)
    dup_in_db[10] = "FP0001"  # already on 户主1's boiler
    wrong_method = row(9)
    wrong_method[0] = "370322101201002"
    renamed = row(2)
    renamed[1] = "张三"
    report = services.ledger_import(
        actor=ledger["officer"], content=book([*dup_in_file, dup_in_db, wrong_method, renamed])
    )
    assert not report.applied and Household.objects.count() == 5
    messages = {(number, field): message for number, field, message in report.errors}
    assert "第 2 行" in messages[(3, "发票号码")]
    assert "户*1" in messages[(4, "发票号码")]
    assert "生物质" in messages[(5, "改造方式（气代煤/生物质）")]
    assert "户*2" in messages[(6, "户主姓名")]


def test_import_reads_dates_as_clerks_write_them_and_all_or_nothing_lists_every_error(county_tree, make_user):
    officer = make_user("zj-dates", "housing")
    plan(county_tree, officer)
    services.tendered_equipment_add(
        actor=officer, kind="gas_boiler", model_name="JX-24", supplier="示例供货商", price=Decimal("3800.00")
    )
    rows = [row(11), row(12), row(10), row(9), row(8)]
    rows[0][11], rows[0][12] = "2021年9月25日", "2021/10/1"
    rows[1][11], rows[1][12] = 44464, "2021.10.2"  # 44464 is 2021-09-25 as an Excel serial
    rows[2][11] = "九月"
    rows[3][7] = "不在目录的型号"  # found only when the device is written (B13's tendered list)
    rows[4][1], rows[4][2] = rows[1][1], rows[1][2]  # row 6 repeats row 3's householder
    report = services.ledger_import(actor=officer, content=book(rows))
    assert not report.applied and Household.objects.count() == 0
    fields = {(number, field) for number, field, _ in report.errors}
    # The all-or-nothing report lists the write's refusal (row 5) as well as the cell errors.
    assert fields == {(4, "安装日期"), (5, "设备型号"), (6, "身份证号")}
    valid_only = services.ledger_import(actor=officer, content=book(rows), mode="valid_only", dry_run=True)
    assert {(n, f) for n, f, _ in valid_only.errors} == fields
    report = services.ledger_import(actor=officer, content=book(rows[:2]))
    assert report.applied
    devices = {
        d.household.householder.name: d for d in Device.objects.select_related("household__householder")
    }
    assert devices["户主11"].installed_on == dt.date(2021, 9, 25)
    assert devices["户主11"].commissioned_on == dt.date(2021, 10, 1)
    assert devices["户主12"].installed_on == dt.date(2021, 9, 25)


def test_claim_sent_back_with_reason_notifies_and_is_resubmitted(ledger):  # noqa: F811
    services.entitlements_compute(actor=ledger["officer"], period="2021")
    claims = services.claims_build(actor=ledger["officer"], period="2021")
    assert OutboxMessage.objects.filter(
        subject__contains="待审定", organisation=ledger["finance"].organisation
    ).exists()
    claim = next(c for c in claims if c.payee == "gas_company")
    with pytest.raises(ServiceError):
        services.claim_return(actor=ledger["finance"], claim=claim, reason="")
    services.claim_return(actor=ledger["finance"], claim=claim, reason="户主1 发票金额与台账不符")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RETURNED and claim.returned_reason.startswith("户主1")
    notice = OutboxMessage.objects.get(subject__contains="被退回")
    assert notice.organisation == ledger["officer"].organisation and "发票金额" in notice.body
    with pytest.raises(ServiceError):  # only a draft can be sent back
        services.claim_return(actor=ledger["finance"], claim=claim, reason="again")
    services.household_correct(
        actor=ledger["officer"], household=_household(1), reason="按发票更正", price=Decimal("3000.00")
    )
    report = services.entitlements_compute(actor=ledger["officer"], period="2021")
    [change] = [c for c in report.changed if c.item == "gas_boiler"]
    assert (change.old, change.new, change.difference) == (
        Decimal("3400.00"),
        Decimal("2800.00"),
        Decimal("-600.00"),
    )
    resubmitted = next(
        c for c in services.claims_build(actor=ledger["officer"], period="2021") if c.payee == "gas_company"
    )
    claim.refresh_from_db()
    assert resubmitted.pk != claim.pk and claim.resubmitted_as_id == resubmitted.pk
    assert claim.status == Claim.Status.RETURNED  # kept as it was
    assert (
        Entitlement.objects.filter(claim=resubmitted).count()
        == Entitlement.objects.filter(period="2021", payee="gas_company").count()
    )
