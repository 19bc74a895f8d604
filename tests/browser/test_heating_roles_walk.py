"""Clean heating as its people use it, at desktop and at phone width (issue 12).

住建局 sees its to-dos, corrects a household with a reason (the history shows old → new), records meter readings
and submits the claims; 财政局 is told, sends one claim back with a reason and approves another after a
confirmation step; 住建局 then sees the notice and the urgent to-do; the town officer finds its town's ledger
problems by name and records a fuel purchase. Every main page is checked (fits the screen, axe-core, screenshot).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.walk import check_page, open_as
from tests.conftest import valid_id
from tests.heating.test_ledger import book, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def heating_world(county_tree, make_user):
    from countyhall.heating import services

    housing = make_user("zhujian", "housing")
    make_user("caizheng", "finance")
    make_user("qingcheng", "town_officer", "qingcheng")
    services.village_plan_set(
        actor=housing,
        division=county_tree["natural_b"],
        method="gas",
        planned_households=4,
        construction_done_on=dt.date(2021, 9, 28),
        commissioning_done_on=dt.date(2021, 10, 18),
    )
    report = services.ledger_import(
        actor=housing, content=book([row(1), row(2), row(3, method="生物质", price="3000.00")])
    )
    assert report.applied
    # Registered at 户主1's address, no device yet: a to-do for 住建局 and a finding for the town.
    services.household_register(
        actor=housing,
        division=county_tree["natural_b"],
        id_number=valid_id("37032219600101001"),
        name="同址户",
        address="乙庄1号",
        method="gas",
    )
    from countyhall.heating.models import Household

    # The county's third-party acceptance passed: reading B12 pays the installation subsidies only after it (the
    # to-do for households not yet accepted is tested in tests/heating).
    Household.objects.update(accepted_on=dt.date(2021, 11, 10))
    return county_tree


def _household_url(base, name):
    from countyhall.heating.models import Household

    return f"{base}/heating/households/{Household.objects.get(householder__name=name).pk}/"


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_heating_roles(browser, live_server, heating_world, phone):
    from countyhall.heating.models import Claim

    base = live_server.url
    suffix = "phone" if phone else "desktop"

    # 住建局: to-dos on the home page, the ledger by name, a correction with its reason, meter readings.
    page = open_as(browser, base, "zhujian", phone=phone)
    todos = page.inner_text(".todos")
    assert "未登记采暖设备的改造户" in todos
    check_page(page, f"heating-home-zhujian-{suffix}")
    page.goto(f"{base}/heating/ledger/")
    ledger = page.inner_text("main")
    assert "户主1" in ledger and "乙庄 / 乙村 / 青城镇" in ledger and "未登记" in ledger
    check_page(page, f"heating-ledger-{suffix}")
    page.goto(_household_url(base, "户主2"))
    page.click("details.correct summary")
    page.fill("#id_address", "乙庄2号院")
    page.fill("#id_reason", "门牌号录错")
    page.click("#household-correct button")
    assert "已更正" in page.inner_text(".messages")
    history = page.inner_text("#corrections")
    assert "乙庄2号 → 乙庄2号院" in history and "门牌号录错" in history
    assert "安装日期" not in history  # only the field changed is corrected; the device's dates stay
    for day, value in (("2021-11-15", "100"), ("2022-03-15", "1000")):
        page.fill("#id_reading-season", "2021-2022")
        page.fill("#id_reading-read_on", day)
        page.fill("#id_reading-reading_m3", value)
        page.click("#meter-reading-form button")
    assert "1000.000" in page.inner_text("#meter-readings")
    check_page(page, f"heating-household-{suffix}")
    page.goto(f"{base}/heating/money/")
    page.click("button[value=compute]")
    assert "申领已提交财政局审定" in page.inner_text(".messages")
    assert "同址户" in page.inner_text("main")  # in the gas company's network subsidy, by name
    check_page(page, f"heating-money-{suffix}")
    page.context.close()

    # 财政局: told in-app, sends the gas company's claim back with a reason, approves the supplier's after confirming.
    page = open_as(browser, base, "caizheng", phone=phone)
    assert "待审定的清洁取暖补贴申领" in page.inner_text(".todos")
    page.goto(f"{base}/notices/")
    assert "清洁取暖补贴申领待审定" in page.inner_text("main")
    page.goto(f"{base}/heating/claims/?status=draft")
    check_page(page, f"heating-claims-caizheng-{suffix}")
    gas_claim = Claim.objects.get(period="2021", payee="gas_company")
    page.goto(f"{base}/heating/claims/{gas_claim.pk}/")
    body = page.inner_text("main")
    assert "户*1" in body and "户主1" not in body and "合计" in body
    check_page(page, f"heating-claim-caizheng-{suffix}")
    page.fill("#claim-return textarea", "户主2 发票复印件不清，请补正")
    page.click("#claim-return button")
    assert "已退回" in page.inner_text("main") and "发票复印件不清" in page.inner_text("main")
    supplier_claim = Claim.objects.get(period="2021", payee="supplier")
    page.goto(f"{base}/heating/claims/{supplier_claim.pk}/")
    page.click("#claim-approve button")
    assert "确认审定并锁定" in page.inner_text("h1")
    check_page(page, f"heating-claim-confirm-{suffix}")
    page.click("#claim-approve-confirm button")
    assert "已审定（锁定）" in page.inner_text("main")
    page.context.close()

    # 住建局 again: the urgent to-do and the notice with the reason.
    page = open_as(browser, base, "zhujian", phone=phone)
    # Among the urgent ones (an overdue item with a deadline sorts before the undated send-back).
    urgent = " / ".join(page.locator(".todos li.urgent").all_inner_texts())
    assert "财政局退回" in urgent
    page.goto(f"{base}/notices/")
    assert "发票复印件不清" in page.inner_text("main")
    page.goto(f"{base}/heating/claims/?status=returned")
    assert "发票复印件不清" in page.inner_text("main")
    page.context.close()

    # The town officer: its town's findings by name, a fuel purchase for a biomass household.
    page = open_as(browser, base, "qingcheng", phone=phone)
    assert "本镇（街道）台账核查发现的问题" in page.inner_text(".todos")
    page.click("text=本镇（街道）台账核查发现的问题")
    page.wait_for_url(re.compile(r"status=finding"))
    found = page.inner_text("main")
    assert "同址户" in found and "户主1" in found and "户主2" not in found
    check_page(page, f"heating-ledger-town-{suffix}")
    page.goto(_household_url(base, "户主3"))
    page.fill("#id_purchase-season", "2021-2022")
    page.fill("#id_purchase-bought_on", "2021-11-20")
    page.fill("#id_purchase-tonnes", "1.5")
    page.click("#fuel-purchase-form button")
    assert "1.500" in page.inner_text("#fuel-purchases")
    check_page(page, f"heating-household-town-{suffix}")
    page.context.close()
