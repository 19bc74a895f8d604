"""The grouped, searchable choosers of the programs at phone width (issue 12): typing narrows the options (by
name, or by the town's name), the chosen value is what the filter or form receives, and the page still fits
390 px with no serious accessibility violation."""

from __future__ import annotations

import pytest

from tests.browser.walk import check_page, open_as
from tests.heating.test_ledger import ledger  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VISIBLE = "os => os.filter(o => !o.hidden).map(o => o.text.trim())"


def test_heating_ledger_division_is_narrowed_by_typing(browser, live_server, ledger):  # noqa: F811
    base = live_server.url
    page = open_as(browser, base, ledger["officer"].username, phone=True)
    page.goto(f"{base}/heating/ledger/")
    page.fill("#ledger-filters input.select-filter", "乙")
    visible = page.eval_on_selector_all("#ledger-division option", VISIBLE)
    assert "乙村" in visible and "乙庄" in visible and "甲村" not in visible
    page.fill("#ledger-filters input.select-filter", "田镇")  # a town's name shows its whole group
    visible = page.eval_on_selector_all("#ledger-division option", VISIBLE)
    assert "甲村" in visible and "乙村" not in visible
    page.select_option("#ledger-division", label="甲村")
    page.click("#ledger-filters button[type=submit]")
    page.wait_for_url("**/heating/ledger/?division=*")
    assert page.eval_on_selector("#ledger-division", "s => s.selectedOptions[0].text.trim()") == "甲村"
    check_page(page, "chooser-heating-ledger-phone")
    page.context.close()


def test_elder_list_and_permit_form_choosers(browser, live_server, make_user, county_tree):
    make_user("mz-walk", "civil_affairs")
    make_user("sp-walk", "approval")
    base = live_server.url
    page = open_as(browser, base, "mz-walk", phone=True)
    page.goto(f"{base}/canteens/elders/")
    page.fill("#elder-filters input.select-filter", "青城")
    visible = page.eval_on_selector_all("#elder-division option", VISIBLE)
    assert "乙村" in visible and "甲村" not in visible
    check_page(page, "chooser-canteens-elders-phone")
    page.context.close()

    page = open_as(browser, base, "sp-walk", phone=True)
    page.goto(f"{base}/permits/new/")
    assert page.locator("input.select-filter").count() >= 2  # 建设地点 and 建设单位
    page.locator("input.select-filter").first.fill("甲")
    visible = page.eval_on_selector_all("#id_site option", VISIBLE)
    assert "甲村" in visible and "乙村" not in visible
    check_page(page, "chooser-permits-new-phone")
    page.context.close()
