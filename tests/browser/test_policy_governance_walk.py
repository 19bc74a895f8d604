"""Governed policy walked at desktop and phone width (issue 13): one administrator proposes that a reading be
answered the other way; a second sees it among the to-dos, reads the impact preview, confirms and approves; the
readings page then shows the other answer in force. An administered figure (补录期限, canteen.backdate_days) goes
the same way from the canteens' page that used to set it alone. Every page: fits 390 px, no serious or critical axe-core
violation, a screenshot in test-results/."""

from __future__ import annotations

import pytest

from tests.browser.walk import assert_no_developer_artefacts, check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


@pytest.fixture
def gazette(gazette_path):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.gazette.services import gazette_ingest

    gazette_ingest(path=gazette_path, actor="browser-test")
    calendar_seed_year(year=2022, actor="browser-test")


@pytest.mark.parametrize("phone", WIDTHS)
def test_a_reading_is_changed_by_two_administrators(browser, live_server, gazette, make_user, phone):
    from countyhall.core.models import PolicyChange

    make_user("gov-first", "system_admin")
    make_user("gov-second", "system_admin")
    base = live_server.url
    suffix = "phone" if phone else "desktop"

    page = open_as(browser, base, "gov-first", phone=phone)
    page.goto(f"{base}/policy/readings/")
    main = page.inner_text("main")
    assert "政策解读" in main and "平台采用的理解" in main and "管理员录入的数值" in main
    check_page(page, f"policy-readings-{suffix}")
    page.goto(f"{base}/policy/readings/A13/")
    check_page(page, f"policy-reading-{suffix}")
    page.check("#id_change-value_1")  # 另一种理解
    page.fill("#id_change-valid_from", "2022-07-01")
    page.fill("#id_change-reason", "县民政局会议纪要：每次就餐均补贴（测试）")
    page.click("text=提出变更 >> nth=-1")
    page.wait_for_selector("#impact-h")
    assert "等待另一位管理员审核" in page.inner_text(".messages")
    assert page.locator("text=批准…").count() == 0  # the proposer cannot approve
    check_page(page, f"policy-change-proposed-{suffix}")
    assert_no_developer_artefacts(page)
    page.context.close()

    page = open_as(browser, base, "gov-second", phone=phone)
    assert "待您审核的政策解读或录入数值变更" in page.inner_text("ul.todos")
    page.click("text=待您审核的政策解读或录入数值变更")
    page.wait_for_url("**/policy/changes/**")
    check_page(page, f"policy-changes-{suffix}")
    page.click("table tbody a >> nth=0")
    page.click("text=批准…")
    page.wait_for_selector("#confirm-h")
    assert "不能撤销" in page.inner_text("main")
    check_page(page, f"policy-change-confirm-{suffix}")
    page.fill("#note", "已核对影响预览")
    page.click("button:has-text('确认批准')")
    page.wait_for_selector(".messages")
    assert "已批准" in page.inner_text(".messages")
    assert PolicyChange.objects.get().state == "approved"
    page.goto(f"{base}/policy/readings/A13/")
    assert "已批准" in page.inner_text("#history-h + *")
    check_page(page, f"policy-reading-changed-{suffix}")
    page.context.close()


@pytest.mark.parametrize("phone", WIDTHS)
def test_the_back_dating_window_is_changed_by_two_administrators(
    browser, live_server, gazette, make_user, phone
):
    from countyhall.core.clock import business_date
    from countyhall.core.models import PolicyChange

    make_user("gov-first", "system_admin")
    make_user("gov-second", "system_admin")
    base = live_server.url
    suffix = "phone" if phone else "desktop"

    page = open_as(browser, base, "gov-first", phone=phone)
    page.goto(f"{base}/canteens/late-entries/")
    assert "3 天内" in page.inner_text("main")
    page.fill("#window-form #id_days", "7")
    page.fill("#window-form #id_valid_from", business_date().isoformat())
    page.fill("#window-form #id_reason", "春节前后网络不稳，延长补录期限（测试）")
    page.click("#window-form button")
    page.wait_for_selector("#impact-h")
    assert "待另一位系统管理员审核" in page.inner_text(".messages")
    assert "待审核的补录申请" in page.inner_text("main")  # the impact preview, per town
    check_page(page, f"policy-figure-proposed-{suffix}")
    assert_no_developer_artefacts(page)
    page.context.close()

    page = open_as(browser, base, "gov-second", phone=phone)
    page.goto(f"{base}/policy/changes/{PolicyChange.objects.get().pk}/")
    page.click("text=批准…")
    page.wait_for_selector("#confirm-h")
    page.fill("#note", "已核对影响预览")
    page.click("button:has-text('确认批准')")
    page.wait_for_selector(".messages")
    assert "已批准" in page.inner_text(".messages")
    page.goto(f"{base}/policy/parameters/canteen.backdate_days/")
    assert "已批准" in page.inner_text("main")
    check_page(page, f"policy-figure-changed-{suffix}")
    page.goto(f"{base}/canteens/late-entries/")
    assert "7 天内" in page.inner_text("main")
    page.context.close()
