"""A canteen from registration to filing, lunches at the counter (with a refusal), a month approved and printed."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.test_citation_click import ARTIFACTS
from tests.conftest import valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username, password="pw-for-tests-1"):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_canteen_from_registration_to_printed_settlement(
    browser, live_server, settings, county_tree, make_user
):
    from countyhall.canteens.services.elders import elder_register
    from countyhall.core.models import Organisation
    from countyhall.core.services.calendar import calendar_seed_year

    calendar_seed_year(year=2022, actor="browser-test")
    operator_org = Organisation.objects.create(
        name="乙村照护服务有限公司", kind="care_organisation", division=county_tree["village_b"]
    )
    make_user("town", "town_officer", "qingcheng")
    make_user("minzheng", "civil_affairs")
    make_user("shichang", "market_regulation")
    make_user("caizheng", "finance")
    operator = make_user("op", "canteen_operator", "village_b")
    operator.organisation = operator_org
    operator.save()
    elder = elder_register(
        actor="test",
        id_number=valid_id("37032219400101001"),
        name="赵一",
        division=county_tree["natural_b"],
        gaoqing_hukou=True,
        card_number="C001",
    )
    base = live_server.url
    page = browser.new_page()

    settings.BUSINESS_DATE = dt.date(2022, 5, 4)
    login(page, base, "town")
    page.goto(f"{base}/canteens/facilities/new/")
    page.fill("#id_name", "青城镇乙村长者食堂")
    page.select_option("#id_kind", "canteen")
    page.select_option("#id_model", "happiness_home")
    page.select_option("#id_setting", "rural")
    page.select_option("#id_operator", label="乙村照护服务有限公司")
    page.select_option("#id_operator_kind", "care_org")
    page.select_option("#id_division", label="乙庄")
    page.fill("#id_area_m2", "160")
    page.fill("#id_seats", "30")
    page.fill("#id_food_licence_no", "JY13703220000001")
    page.fill("#id_lunch_price", "8.00")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/canteens/facilities/\d+/$"))
    assert "✘ 缺少" in page.content()  # staff, health certificates and the menu are still missing
    page.click("summary:has-text('登记从业人员')")
    page.fill("#id_name", "厨师甲")
    page.fill("#id_health_certificate_no", "JK001")
    page.click("form[action$='/staff/'] button")
    page.click("summary:has-text('公布食谱')")
    page.fill("#id_week_start", "2022-05-09")
    page.fill("#id_mon", "米饭 炒青菜")
    page.click("form[action$='/menu/'] button")
    assert "✘ 缺少" not in page.content()
    page.click("button[value=submit]")
    assert "待镇（街道）审核" in page.content()
    page.click("button[value=approve]")
    assert "待县民政、市场监管评估" in page.content()
    facility_url = page.url

    for department in ("minzheng", "shichang"):
        login(page, base, department)
        page.goto(facility_url)
        page.click("button[value=approve]")
    assert "已备案" in page.content()

    settings.BUSINESS_DATE = dt.date(2022, 5, 20)
    login(page, base, "op")
    page.goto(facility_url)
    page.click("text=打开午餐登记台")
    page.fill("#id_identifier", "C001")
    page.click("#counter-form button")
    assert "老人应付：¥0.00" in page.inner_text("#checkin-result")
    page.fill("#id_identifier", elder.person.id_number)
    page.click("#counter-form button")
    result = page.inner_text("#checkin-result")
    assert "未登记补贴午餐" in result and "每人每日一次" in result
    # A typo in the ID number (check digit) is told to the clerk, nothing recorded; a well-formed unknown one is
    # a stored refusal.
    page.fill("#id_identifier", "110105194912310029")
    page.click("#counter-form button")
    assert "校验位" in page.inner_text("#counter-form") and "未作任何登记" in page.inner_text("#counter-form")
    page.fill("#id_identifier", "11010519491231002X")
    page.click("#counter-form button")
    assert "查无此人" in page.inner_text("#checkin-result")
    page.screenshot(path=str(ARTIFACTS / "canteen-counter.png"))

    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    login(page, base, "minzheng")
    page.goto(f"{base}/canteens/settlements/")
    page.click("summary:has-text('计算结算单')")
    page.select_option("#id_facility", label="青城镇乙村长者食堂")
    page.fill("#id_year", "2022")
    page.fill("#id_month", "5")
    page.click("details form button.primary")
    page.wait_for_url(re.compile(r"/canteens/settlements/\d+/$"))
    assert "¥2.00" in page.content() and "¥1.00" in page.content()
    settlement_url = page.url
    page.click("#approve-form button")
    page.click("#confirm-yes")  # approving asks for confirmation first
    login(page, base, "caizheng")
    page.goto(settlement_url)
    page.click("#approve-form button")
    assert "锁定" in page.inner_text("#confirm-box")
    page.click("#confirm-yes")
    assert "已审定（锁定）" in page.content()
    pdf = page.request.get(f"{settlement_url}?format=pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.screenshot(path=str(ARTIFACTS / "canteen-settlement.png"))
    page.close()
