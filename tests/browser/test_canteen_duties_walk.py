"""Issue 13, the canteens' duties as their people do them, at desktop and at phone width, on the demo data:
the operator (shitang) sees the yearly fund-use report owed (四、（二）5), uploads it on the facility page and the
to-do goes; the town officer (qingcheng) sees the "五公开" check due (四、（二）4), ticks the checklist on the
facility page and the facility leaves the list of checks due. Every page checked for fit, axe-core, screenshot."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.walk import PASSWORD, check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FUND_TODO = "年度资金使用报告（专业机构出具）尚未上传的机构"
NOTICE_TODO = "“五公开”尚未核查或上次核查未全部上墙的机构"


@pytest.fixture
def demo(settings):
    from countyhall.canteens import demo as canteen_demo
    from countyhall.core.demo import demo_load
    from countyhall.core.models import User

    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    demo_load(actor="test-demo")
    canteen_demo.load(actor="test-demo")
    for user in User.objects.filter(username__in=["shitang", "qingcheng"]):
        user.set_password(PASSWORD)
        user.save()


def _rural():
    from countyhall.canteens.models import Facility

    return Facility.objects.get(name="青城镇河口村长者食堂")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_operator_uploads_the_fund_use_report(browser, live_server, demo, phone, tmp_path):
    from countyhall.canteens.models import FundUseReport

    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "shitang", phone=phone)
    assert FUND_TODO in page.inner_text("main")
    page.click(f"text={FUND_TODO}")
    check_page(page, f"canteen-duty-fund-list-{tag}")
    page.goto(f"{live_server.url}/canteens/facilities/{_rural().pk}/#duties")
    page.click("summary:has-text('上传年度资金使用报告')")
    page.fill("#id_year", "2021")
    page.fill("#id_agency", "高青示例会计师事务所")
    page.fill("#id_report_date", "2022-03-31")
    page.check("#id_separate_account")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#id_file", str(report))
    check_page(page, f"canteen-duty-fund-form-{tag}")
    page.click("form[action$='fund-report/'] button")
    assert "已上传年度资金使用报告" in page.inner_text("main")
    assert FundUseReport.objects.filter(facility=_rural(), year=2021).exists()
    page.goto(f"{live_server.url}/")
    assert FUND_TODO not in page.inner_text("main")
    page.context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_town_verifies_the_five_public_checklist(browser, live_server, demo, phone):
    from countyhall.canteens.models import NoticeCheck

    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "qingcheng", phone=phone)
    assert NOTICE_TODO in page.inner_text("main")
    page.click(f"text={NOTICE_TODO}")
    assert "河口村长者食堂" in page.inner_text("main")
    check_page(page, f"canteen-duty-notices-list-{tag}")
    due_url = page.url
    page.goto(f"{live_server.url}/canteens/facilities/{_rural().pk}/#duties")
    page.click("summary:has-text('记录现场核查')")
    page.fill("#id_checked_on", "2022-06-15")
    boxes = page.locator("input[name=posted]")
    assert boxes.count() == 5
    for i in range(boxes.count()):
        boxes.nth(i).check()
    check_page(page, f"canteen-duty-notices-form-{tag}")
    page.click("form[action$='notice-check/'] button")
    assert "已记录“五公开”核查结果" in page.inner_text("main")
    assert "全部上墙" in page.inner_text("#notice-checks")
    check = NoticeCheck.objects.get(facility=_rural())
    assert check.all_posted and check.citation["clause"] == "四、（二）4"
    page.goto(due_url)
    assert "河口村长者食堂" not in page.inner_text("main")
    page.context.close()
