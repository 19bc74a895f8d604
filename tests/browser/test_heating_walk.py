"""Import a ledger (preview, confirm), compute a season, approve a claim after confirming — in the browser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.browser.test_canteen_walk import login
from tests.browser.test_citation_click import ARTIFACTS
from tests.heating.test_ledger import book, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_compute_approve(browser, live_server, county_tree, make_user, tmp_path):
    from countyhall.heating.models import Claim, Household
    from countyhall.heating.services import season_use_record, village_plan_set

    officer = make_user("zhujian", "housing")
    village_plan_set(
        actor=officer,
        division=county_tree["natural_b"],
        method="gas",
        planned_households=2,
        construction_done_on=dt.date(2021, 9, 28),
        commissioning_done_on=dt.date(2021, 10, 18),
    )
    ledger_file = tmp_path / "台账.xlsx"
    ledger_file.write_bytes(book([row(1), row(2, price="3000.00")]))
    page = browser.new_page()
    login(page, live_server.url, "zhujian")
    page.goto(f"{live_server.url}/heating/ledger/")
    assert page.is_visible("#ledger-import")  # open on the page, not in a closed <details>
    page.set_input_files("#id_file", str(ledger_file))
    page.click("#ledger-import button")
    assert "将新增 2 户" in page.inner_text("#import-preview")
    assert Household.objects.count() == 0  # the preview writes nothing
    page.click("#import-preview button")
    assert "新增 2 户" in page.inner_text("#import-result")
    for household in Household.objects.all():
        season_use_record(actor=officer, household=household, season="2021-2022", gas_m3=Decimal("1300"))
    page.goto(f"{live_server.url}/heating/money/")
    page.fill("input[name=period]", "2021-2022")
    page.click("button[value=compute]")
    assert "¥2,400.00" in page.content()  # two households, each capped at 1,200 m³
    claim = Claim.objects.get(period="2021-2022")
    page.goto(f"{live_server.url}/heating/claims/{claim.pk}/")
    assert page.locator("button[value=approve]").count() == 0  # 住建局 computes; 财政局 approves
    page.close()
    make_user("caizheng", "finance")
    page = browser.new_page()
    login(page, live_server.url, "caizheng")
    page.goto(f"{live_server.url}/heating/claims/{claim.pk}/")
    page.click("#claim-approve button")
    assert "确认审定并锁定" in page.content()
    page.click("#claim-approve-confirm button")
    assert "已审定（锁定）" in page.content()
    page.screenshot(path=str(ARTIFACTS / "heating-claim.png"))
    page.close()
