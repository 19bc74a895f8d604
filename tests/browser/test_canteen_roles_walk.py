"""Issue 12, the canteens as their people use them, at desktop and at phone width, on the demo data:

the counter clerk (shitang) answers a send-back, ticks today's elders, meets a mistyped ID number and voids a
lunch after confirming; the town officer (qingcheng) finds an elder by village, corrects a phone number with a
reason and sees the history, records a death (confirmed) and undoes it; 民政 (minzheng) batch-approves; 财政
(caizheng) locks a statement after confirming and reads its totals; a citizen finds a canteen's weekly menu.
Each main page is checked for fit (no horizontal scrolling), accessibility (axe-core) and kept as a screenshot.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.walk import PASSWORD, check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    from countyhall.canteens import demo as canteen_demo
    from countyhall.core.demo import demo_load
    from countyhall.core.models import User

    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    demo_load(actor="test-demo")
    canteen_demo.load(actor="test-demo")
    for user in User.objects.filter(username__in=["shitang", "qingcheng", "minzheng", "caizheng"]):
        user.set_password(PASSWORD)
        user.save()


def _rural():
    from countyhall.canteens.models import Facility

    return Facility.objects.get(name="青城镇河口村长者食堂")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_counter_clerk(browser, live_server, demo, phone):
    from countyhall.canteens.models import Lunch

    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "shitang", phone=phone)
    assert "被退回、待更正后重新提交的结算单" in page.inner_text("main")
    page.click("text=被退回、待更正后重新提交的结算单")
    page.click("#settlements a:has-text('年')")
    assert "人次与纸质就餐登记表核对不一致" in page.inner_text("#sent-back")
    check_page(page, f"canteen-settlement-sent-back-{tag}")
    page.click("#sent-back button")
    assert "已重新提交" in page.inner_text("main")

    page.goto(f"{live_server.url}/canteens/facilities/{_rural().pk}/counter/")
    boxes = page.locator("#batch-form input[name=elder]")
    assert boxes.count() >= 2
    first_name = page.locator("#batch-form li").first.inner_text().split()[0]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#batch-form button")
    results = page.inner_text("#batch-results")
    assert first_name in results and "自付" in results
    assert first_name in page.inner_text("#today-lunches")  # today's check-ins by name (masked), not #N
    before = Lunch.objects.count()
    page.fill("#id_identifier", "370322193905060310")
    page.click("#counter-form button")
    assert "校验位" in page.inner_text("#counter-form")
    assert Lunch.objects.count() == before  # a typo records nothing
    check_page(page, f"canteen-counter-{tag}")
    row = page.locator("#today-lunches tbody tr").first
    row.locator("input[name=reason]").fill("误勾选")
    row.locator("button").click()
    assert "确认作废" in page.inner_text("#confirm-box") and "误勾选" in page.inner_text("#confirm-box")
    page.click("#confirm-yes")
    assert "已作废" in page.inner_text("main")
    page.context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_town_officer_corrects_an_elder(browser, live_server, demo, phone):
    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "qingcheng", phone=phone)
    page.goto(f"{live_server.url}/canteens/elders/")
    page.select_option("select[name=division]", label="河口（示例）")
    page.click("#elder-filters button")
    table = page.inner_text("#elders")
    assert "孙桂芳（示例）" in table and "郑福海" not in table  # 河口 only
    check_page(page, f"canteen-elders-{tag}")
    page.click("#elders a:has-text('孙桂芳')")
    page.click("#elder-edit summary")
    page.fill("#id_phone", "13800001111")
    page.fill("#id_reason", "老人家属提供新号码")
    page.click("#elder-edit button")
    history = page.inner_text("#elder-history")
    assert "联系电话" in history and "→ 13800001111" in history and "老人家属提供新号码" in history
    page.click("#elder-left summary")
    page.fill("#id_died_on", "2022-06-14")
    page.click("#elder-left button")
    assert "2022年6月14日" in page.inner_text("#confirm-box")
    page.click("#confirm-yes")
    assert "已故" in page.inner_text("#left-dates")
    page.click("#elder-undo summary")
    page.select_option("#elder-undo select[name=what]", "death")
    page.fill("#elder-undo input[name=reason]", "误报，本人健在")
    page.click("#elder-undo button")
    assert "在册" in page.inner_text("#left-dates") and "撤销死亡登记" in page.inner_text("#elder-history")
    check_page(page, f"canteen-elder-{tag}")
    page.context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_minzheng_then_caizheng(browser, live_server, demo, phone):
    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "minzheng", phone=phone)
    assert "待民政局审核的助餐结算单" in page.inner_text("main")
    page.click("text=待民政局审核的助餐结算单")
    check_page(page, f"canteen-settlements-{tag}")
    page.locator("#settlements input[name=settlement]").first.check()
    page.click("#batch-approve button.primary")
    assert "批量审核" in page.inner_text("h1") and "合计市县补贴" in page.inner_text("#confirm-box")
    page.click("#confirm-yes")
    assert "已审核 1 张" in page.inner_text("main")
    page.context.close()

    page = open_as(browser, live_server.url, "caizheng", phone=phone)
    page.click("text=待财政局审定的助餐结算单")
    page.click("#settlements a:has-text('年')")
    totals = page.inner_text("#settlement-totals")
    assert "市县补贴合计" in totals and "¥" in totals
    assert page.locator("#by-elder tbody tr").count() >= 1
    check_page(page, f"canteen-settlement-{tag}")
    page.click("#approve-form button")
    assert "锁定" in page.inner_text("#confirm-box")
    page.click("#confirm-yes")
    assert "已审定（锁定）" in page.inner_text("main")
    pdf = page.request.get(re.sub(r"\?.*$", "", page.url) + "?format=pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_citizen_finds_a_canteen(browser, live_server, demo, phone):
    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "", phone=phone)
    page.goto(f"{live_server.url}/canteens/public/")
    card = page.inner_text(f"#facility-{_rural().pk}")
    assert "星期一" in card and "米饭 西红柿炒蛋" in card and "午餐 ¥8.00" in card and "年度评估" in card
    check_page(page, f"canteen-finder-{tag}")
    page.context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_minzheng_other_pages_fit_and_are_accessible(browser, live_server, demo, phone):
    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "minzheng", phone=phone)
    for name, path in [
        ("dashboard", "/canteens/"),
        ("facility", f"/canteens/facilities/{_rural().pk}/"),
        ("late-entries", "/canteens/late-entries/"),
        ("import", "/canteens/elders/import/"),
        ("subsidies", "/canteens/subsidies/"),
        ("fraud", "/canteens/fraud/"),
        ("lunches", "/canteens/lunches/"),
        ("facilities", "/canteens/facilities/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        check_page(page, f"canteen-{name}-{tag}")
    page.context.close()
