"""Core's people, walked at desktop and phone width (issue 12): a citizen finds the subsidies and calculates a
lunch in a form (no JSON); an administrator sees the to-dos and the notices (the unread count drops once one is
opened) and reads the parameters in Chinese; the auditor reads the audit log. Every page: fits 390 px, no serious
or critical axe-core violation, a screenshot in test-results/."""

from __future__ import annotations

import pytest

from tests.browser.walk import assert_no_developer_artefacts, check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


@pytest.fixture
def gazette(gazette_path):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.gazette.services import gazette_ingest

    # A transactional test starts from an empty database.
    gazette_ingest(path=gazette_path, actor="browser-test")
    calendar_seed_year(year=2021, actor="browser-test")


@pytest.mark.parametrize("phone", WIDTHS)
def test_citizen_finds_subsidies_and_calculates_a_lunch(browser, live_server, gazette, phone):
    base = live_server.url
    page = open_as(browser, base, "", phone=phone)
    suffix = "phone" if phone else "desktop"
    page.goto(f"{base}/subsidies/")
    assert "我能享受哪些补贴" in page.inner_text("h1")
    check_page(page, f"core-subsidies-{suffix}")

    page.click("text=长者食堂午餐：补贴与个人负担")
    page.wait_for_selector("form.rule-form")
    # A form in Chinese, not a JSON box: a date, 是/否, choices, a price.
    assert page.locator("textarea:visible").count() == 0
    page.fill("#id_birth_date", "1941-09-02")
    page.fill("#id_meal_date", "2021-09-02")
    page.check("#id_gaoqing_hukou_0")  # 是
    page.check("#id_tekun_1")  # 否
    page.select_option("#id_facility\\.type", "canteen")
    page.select_option("#id_facility\\.setting", "rural")
    page.select_option("#id_facility\\.operator", "care_org")
    page.check("#id_facility\\.same_village_1")
    page.fill("#id_price", "8.00")
    check_page(page, f"core-calc-form-{suffix}")
    page.click("form.rule-form button.primary")
    page.wait_for_selector(".calc-result")
    result = page.inner_text(".result-table")
    assert (
        "每餐补贴合计（元）" in result
        and "3.00" in result
        and "老人自付（元）" in result
        and "5.00" in result
    )
    assert "为什么" in page.inner_text(".calc-result")
    citation = page.locator(".calc-result a.citation").first
    assert citation.inner_text().startswith("《")
    assert "：" in (citation.get_attribute("title") or "")  # the clause's own words on hover
    check_page(page, f"core-calc-result-{suffix}")
    assert_no_developer_artefacts(page)

    # A mistake is named next to the field, in Chinese.
    page.fill("#id_price", "八元")
    page.fill("#id_birth_date", "")
    page.click("form.rule-form button.primary")
    page.wait_for_selector("#id_birth_date-error")
    assert "必填" in page.inner_text("#id_birth_date-error")
    assert page.locator("#id_price-error").is_visible()
    check_page(page, f"core-calc-error-{suffix}")
    page.context.close()


@pytest.mark.parametrize("phone", WIDTHS)
def test_admin_sees_todos_and_reads_a_notice(browser, live_server, gazette, make_user, phone):
    from countyhall.core.models import OutboxMessage
    from countyhall.core.notifications import notify

    admin = make_user("admin", "system_admin")
    admin.is_staff = True
    admin.save()
    notify(
        channel="in_app",
        recipient="大数据局",
        organisation=admin.organisation,
        subject="事故响应等级升为III级",
        body="高青示例热电有限公司事故：响应等级由IV级升为III级，请指挥部办公室按程序处置。",
    )
    failed = notify(
        channel="sms", recipient="示例置业经办人", address="13800000000", subject="补正通知", body="请补正"
    )
    OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxMessage.Status.FAILED, error="网关超时")
    base = live_server.url
    suffix = "phone" if phone else "desktop"
    page = open_as(browser, base, "admin", phone=phone)
    todos = page.inner_text("ul.todos")
    assert "未能发出的短信和邮件" in todos
    assert page.inner_text(".notices-link .badge") == "1"
    check_page(page, f"core-home-admin-{suffix}")

    page.click(".notices-link")
    assert "事故响应等级升为III级" in page.inner_text("table.notices")
    assert "未读" in page.inner_text("table.notices")
    check_page(page, f"core-notices-{suffix}")
    page.click("text=事故响应等级升为III级")
    assert "请指挥部办公室按程序处置" in page.inner_text(".notice-body")
    check_page(page, f"core-notice-{suffix}")
    assert page.locator(".notices-link .badge").count() == 0  # read: the count in the header is gone

    page.goto(f"{base}/outbox/?status=undelivered")
    assert "补正通知" in page.inner_text("main") and "发送失败" in page.inner_text("main")
    check_page(page, f"core-outbox-{suffix}")
    page.check(f"#m-{failed.pk}")
    page.click("text=重新发送所选")
    assert "重新放入发送队列" in page.inner_text(".messages")

    page.goto(f"{base}/policy/parameters/")
    assert "助餐对象最低年龄" in page.inner_text("main")
    assert "canteen.eligibility" not in page.inner_text("main")  # parameter keys only in 技术信息 (folded)
    check_page(page, f"core-parameters-{suffix}")
    assert_no_developer_artefacts(page)
    page.context.close()


@pytest.mark.parametrize("phone", WIDTHS)
def test_auditor_reads_the_audit_log_in_chinese(browser, live_server, gazette, make_user, phone):
    make_user("auditor", "auditor")
    base = live_server.url
    suffix = "phone" if phone else "desktop"
    page = open_as(browser, base, "auditor", phone=phone)
    check_page(page, f"core-home-auditor-{suffix}")
    page.click("nav.main >> text=审计日志")
    main = page.inner_text("main")
    assert "审计日志" in main and "导入" in main
    assert "gazette.Document" not in main  # the model label stays in 技术信息
    check_page(page, f"core-audit-{suffix}")
    assert_no_developer_artefacts(page)
    page.context.close()


@pytest.mark.parametrize("phone", WIDTHS)
def test_clerk_narrows_the_division_chooser_by_typing(
    browser, live_server, gazette, make_user, people, phone
):
    make_user("minzheng", "civil_affairs")
    base = live_server.url
    suffix = "phone" if phone else "desktop"
    page = open_as(browser, base, "minzheng", phone=phone)
    page.goto(f"{base}/people/")
    page.fill("input.select-filter", "乙")
    visible = page.eval_on_selector_all(
        "#id_division option", "os => os.filter(o => !o.hidden).map(o => o.text)"
    )
    assert "乙村" in visible and "甲村" not in visible
    page.select_option("#id_division", label="乙村")
    page.click("form.filters button.primary")
    rows = page.inner_text("table")
    assert (
        "王" in rows and "张" not in rows
    )  # 王德明 lives in 乙庄 (乙村); 张秀英 in 甲村 — names masked, length kept
    check_page(page, f"core-people-{suffix}")
    page.context.close()
