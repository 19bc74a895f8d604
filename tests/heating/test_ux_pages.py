"""Issue 12 pages: to-dos, names not numbers, corrections on the household page, readings and purchases, claims."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from countyhall.core.notifications import OutboxMessage
from countyhall.core.roles import Role
from countyhall.heating import services
from countyhall.heating.models import Claim, Correction, Household
from countyhall.heating.todos import todos
from tests.conftest import valid_id
from tests.heating.test_ledger import ledger  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _computed(ledger):  # noqa: F811
    services.entitlements_compute(actor=ledger["officer"], period="2021")
    return services.claims_build(actor=ledger["officer"], period="2021")


def test_todos_per_role(ledger, make_user):  # noqa: F811
    _computed(ledger)
    finance = {t.label: t for t in todos(ledger["finance"])}
    assert finance["待审定的清洁取暖补贴申领"].count == Claim.objects.filter(status="draft").count()
    assert finance["待审定的清洁取暖补贴申领"].menu == "heating:dashboard"
    claim = Claim.objects.filter(status="draft").first()
    services.claim_return(actor=ledger["finance"], claim=claim, reason="缺发票")
    Household.objects.update(accepted_on=None)  # the fixture's households start accepted (B12)
    housing = {t.label: t for t in todos(ledger["officer"])}
    assert housing["财政局退回、待更正重报的补贴申领"].urgent
    assert "status=returned" in housing["财政局退回、待更正重报的补贴申领"].url
    assert housing["尚未验收合格的改造户"].count == 5
    services.household_register(
        actor=ledger["officer"],
        division=ledger["natural_b"],
        id_number=valid_id("37032219600101001"),
        name="同址户",
        address="乙庄1号",
        method="gas",
    )
    town = {t.label: t for t in todos(make_user("qc-todo", Role.TOWN_OFFICER, "qingcheng"))}
    assert town["本镇（街道）台账核查发现的问题"].count == 2  # two households at 乙庄1号
    assert not todos(make_user("tz-todo", Role.TOWN_OFFICER, "tianzhen"))


def test_ledger_shows_names_masked_for_finance_and_filters(client, ledger):  # noqa: F811
    client.force_login(ledger["finance"])
    html = client.get("/heating/ledger/").content.decode()
    assert "户*1" in html and "乙庄 / 乙村 / 青城镇" in html and "户主1" not in html
    client.force_login(ledger["officer"])
    html = client.get("/heating/ledger/", {"method": "biomass"}).content.decode()
    assert "户主3" in html and "户主1" not in html
    html = client.get("/heating/ledger/", {"status": "special_poor"}).content.decode()
    assert "户主4" in html and "户主1" not in html
    response = client.get(
        "/heating/ledger/", {"method": "gas", "export": "xlsx", "cols": ["householder", "price"]}
    )
    rows = list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert rows[0] == ("户主", "购买价格") and len(rows) == 5  # the four gas households, every one of them


def test_household_page_corrects_with_reason_and_shows_history(client, ledger):  # noqa: F811
    household = Household.objects.get(householder__name="户主1")
    client.force_login(ledger["officer"])
    url = f"/heating/households/{household.pk}/"
    html = client.get(url).content.decode()
    assert "户主1" in html and "更正本户信息" in html
    assert 'value="2021-09-20"' in html  # the form's dates as a date input reads them (not left empty)
    data = {
        "action": "correct",
        "address": "乙庄1号院",
        "members": "3",
        "special_poor": "否",
        "model_name": "JX-24",
        "supplier": "示例供货商",
        "price": "4200.00",
        "invoice_no": "FP0001",
        "installed_on": "2021-09-20",
        "commissioned_on": "2021-10-15",
        "reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(url, {**data, "reason": "门牌号录错"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "乙庄1号 → <strong>乙庄1号院</strong>" in html and "门牌号录错" in html
    client.force_login(ledger["finance"])
    html = client.get(url).content.decode()
    assert "更正本户信息" not in html and "户*1" in html and "乙庄1号院" not in html


def test_meter_readings_and_fuel_purchases_pages(client, ledger):  # noqa: F811
    gas = Household.objects.get(householder__name="户主1")
    biomass = Household.objects.get(householder__name="户主3")
    client.force_login(ledger["officer"])
    url = f"/heating/households/{gas.pk}/"
    for day, value in (("2021-11-15", "100"), ("2022-03-15", "1000")):
        assert (
            client.post(
                url,
                {
                    "action": "reading",
                    "reading-season": "2021-2022",
                    "reading-read_on": day,
                    "reading-reading_m3": value,
                },
            ).status_code
            == 302
        )
    html = client.get(url).content.decode()
    assert 'id="meter-readings"' in html and "900.000" in html
    response = client.post(
        url,
        {
            "action": "reading",
            "reading-season": "2021-2022",
            "reading-read_on": "2022-03-20",
            "reading-reading_m3": "50",
        },
    )
    assert "表数应随抄表日期递增" in response.content.decode()
    reading = gas.meter_readings.get(read_on="2022-03-15")
    client.post(
        url,
        {
            "action": "fix_reading",
            "fix-reading-reading": reading.pk,
            "fix-reading-reading_m3": "1100",
            "fix-reading-reason": "抄错",
        },
    )
    assert Correction.objects.filter(household=gas, record="燃气抄表").exists()
    assert gas.season_uses.get(season="2021-2022").gas_m3 == 1000
    url = f"/heating/households/{biomass.pk}/"
    assert (
        client.post(
            url,
            {
                "action": "purchase",
                "purchase-season": "2021-2022",
                "purchase-bought_on": "2021-11-20",
                "purchase-tonnes": "1.5",
                "purchase-invoice_no": "RL001",
            },
        ).status_code
        == 302
    )
    assert 'id="fuel-purchases"' in client.get(url).content.decode()


def test_claim_return_approve_confirmation_and_claim_forms(client, ledger):  # noqa: F811
    claims = _computed(ledger)
    claim = next(c for c in claims if c.payee == "gas_company")
    url = f"/heating/claims/{claim.pk}/"
    client.force_login(ledger["finance"])
    html = client.get(url).content.decode()
    assert "户*1" in html and "¥" in html
    response = client.post(url, {"action": "approve"})
    assert "确认审定并锁定" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT  # nothing locked before the confirmation
    response = client.post(url, {"action": "return", "reason": ""})
    assert "errorlist" in response.content.decode()
    client.post(url, {"action": "return", "reason": "户主2 发票不清"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RETURNED
    assert OutboxMessage.objects.filter(subject__contains="被退回").exists()
    other = next(c for c in claims if c.pk != claim.pk)
    client.post(f"/heating/claims/{other.pk}/", {"action": "approve", "confirmed": "yes"})
    other.refresh_from_db()
    assert other.status == Claim.Status.APPROVED
    response = client.get(f"/heating/claims/{other.pk}/form.xlsx")
    cells = [
        c
        for r in load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True)
        for c in r
        if c
    ]
    assert "合计" in cells and "县财政局（盖章）" in cells
    response = client.get(f"/heating/claims/{other.pk}/form.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    client.force_login(ledger["officer"])
    html = client.get("/heating/claims/", {"status": "returned"}).content.decode()
    assert "户主2 发票不清" in html


def test_recompute_shows_difference_and_left_out_households(client, ledger):  # noqa: F811
    from decimal import Decimal

    _computed(ledger)
    services.household_correct(
        actor=ledger["officer"],
        household=Household.objects.get(householder__name="户主1"),
        reason="按发票",
        price=Decimal("3000.00"),
    )
    client.force_login(ledger["officer"])
    html = client.post("/heating/money/", {"period": "2021", "action": "compute"}).content.decode()
    assert "本次核算改变了待审核申领中的金额" in html and "600.00" in html
    assert 'id="left-out"' in html and "户主4" in html and "特别困难群体" in html


def test_public_section_reads_the_figures_and_cites_them(rf):
    from django.template.loader import render_to_string

    from countyhall.heating.public import sections

    [section] = sections(rf.get("/subsidies/"))
    html = render_to_string(section["template"], section["context"])
    assert "每户 3,000 元" in html and "最高 2,700 元" in html and "每吨 600 元" in html
    assert "2026-2027" in html and "高政办字〔2021〕37号" in html and 'class="citation"' in html
    assert "heating." not in html  # no parameter key shows


def test_public_section_follows_the_parameters(rf):
    from countyhall.core.policy.parameters import parameters_override
    from countyhall.heating.public import device_rows

    with parameters_override({"heating.gas_network.per_household": 3500}):
        assert "每户 3,500 元" in device_rows()[0]["standard"]


def test_another_towns_officer_can_neither_see_nor_correct_a_household(client, ledger, make_user):  # noqa: F811
    household = Household.objects.get(householder__name="户主1")
    client.force_login(make_user("tz-x", Role.TOWN_OFFICER, "tianzhen"))
    url = f"/heating/households/{household.pk}/"
    assert client.get(url).status_code == 404
    assert (
        client.post(
            url,
            {"action": "correct", "address": "别处", "members": "3", "special_poor": "否", "reason": "越权"},
        ).status_code
        == 404
    )
    household.refresh_from_db()
    assert household.address == "乙庄1号" and not Correction.objects.exists()
    client.force_login(make_user("aud-x", Role.AUDITOR))
    response = client.post(
        url, {"action": "correct", "address": "别处", "members": "3", "special_poor": "否", "reason": "越权"}
    )
    assert response.status_code == 403 and not Correction.objects.exists()


def test_ledger_reimport_preview_then_confirm_updates_existing(client, ledger):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.heating.test_ledger import book, row

    content = book([row(1, price="3900.00")])
    client.force_login(ledger["officer"])
    upload = SimpleUploadedFile("台账.xlsx", content)
    html = client.post(
        "/heating/ledger/", {"file": upload, "mode": "all_or_nothing", "update_existing": "on"}
    ).content.decode()
    assert (
        'id="import-preview"' in html
        and "4200.00" in html
        and "3900.00" in html
        and "将更新已有户 1 户" in html
    )
    household = Household.objects.get(householder__name="户主1")
    assert household.devices.get().price == 4200  # the preview writes nothing
    html = client.post("/heating/ledger/", {"action": "confirm"}).content.decode()
    assert "更新 1 户" in html
    assert household.devices.get().price == 3900
    assert Correction.objects.filter(
        household=household, field="购买价格", old="4200.00", new="3900.00"
    ).exists()
    html = client.post("/heating/ledger/", {"action": "confirm"}).content.decode()
    assert "预览已过期" in html  # a second confirm does not import twice
