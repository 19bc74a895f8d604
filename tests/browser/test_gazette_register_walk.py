"""The gazette register walked at desktop and phone width (issue 15): a document read as in force on a day, the
figures its expiry affects, and a person's posts. Every page fits the width, passes axe-core, keeps a screenshot."""

from __future__ import annotations

import pytest

from tests.browser.walk import assert_no_developer_artefacts, check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


@pytest.fixture
def gazette(gazette_path):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.gazette.services import gazette_ingest

    gazette_ingest(
        path=gazette_path, actor="browser-test"
    )  # a transactional test starts from an empty database
    calendar_seed_year(year=2021, actor="browser-test")


@pytest.mark.parametrize("phone", WIDTHS)
def test_register_walk(browser, live_server, gazette, phone):
    base = live_server.url
    suffix = "phone" if phone else "desktop"
    page = open_as(browser, base, "", phone=phone)
    page.goto(f"{base}/gazette/")
    page.click("text=关于加快推进“长者食堂”建设的实施意见")
    assert "长者食堂" in page.inner_text("h1")
    assert "现行有效" in page.inner_text("#standing")  # on the business date of the tests, 2022-06-15

    # as in force on a day: the banner says what held then and what changed later
    page.fill("#on-form input[name=on]", "2022-06-15")
    page.click("#on-form button[type=submit]")
    banner = page.inner_text("#point-in-time")
    assert "2022年6月15日时" in banner and "现行有效" in banner and "有效期届满" in banner
    check_page(page, f"gazette-as-of-{suffix}")
    assert_no_developer_artefacts(page)

    # the figures its expiry affects
    page.click("#affected-link")
    text = page.inner_text("main")
    assert "自2024年1月1日起" in text and "长者食堂" in text
    check_page(page, f"gazette-affected-{suffix}")

    # the list filtered by words: ranked by relevance, the matches highlighted, and the page says so
    page.goto(f"{base}/gazette/?q=清洁取暖 补贴")
    assert "按相关度排列" in page.inner_text("#list-order")
    assert page.locator("#documents mark").count() > 0
    check_page(page, f"gazette-list-ranked-{suffix}")

    # a person's posts over time
    page.goto(f"{base}/gazette/posts/?post=县工业和信息化局副局长&on=2021-08-25")
    assert "杨凡" in page.inner_text("#memberships")
    check_page(page, f"gazette-posts-{suffix}")
    page.click("#memberships >> text=杨凡")
    posts = page.inner_text("#posts")
    assert "县新型工业发展服务中心副主任" in posts and "试用期至2022年8月24日" in posts
    check_page(page, f"gazette-person-{suffix}")


@pytest.mark.parametrize("phone", WIDTHS)
def test_an_administrator_records_and_corrects_an_amendment(browser, live_server, gazette, make_user, phone):
    """The entry form, its confirmation page and the correction page, at desktop and phone width."""
    base = live_server.url
    suffix = "phone" if phone else "desktop"
    make_user("walk-register-admin", "system_admin")
    page = open_as(browser, base, "walk-register-admin", phone=phone)
    page.goto(f"{base}/gazette/register/")
    page.click("#event-new")
    page.fill("input[name=number]", "高政办发〔2021〕2号")
    page.select_option("select[name=kind]", "amended")
    page.fill("input[name=date]", "2022-01-01")
    page.fill("input[name=cause_number]", "高政办发〔2021〕3号")
    page.fill("input[name=clauses]", "五、（一）2")
    page.fill("input[name=version]", "2")
    page.fill("textarea[name=note]", "补贴标准调整")
    check_page(page, f"gazette-event-form-{suffix}")
    page.click("#event-form button[type=submit]")
    lines = page.inner_text("#confirm-lines")
    assert "自2022年1月1日起" in lines and "所涉条款 五、（一）2" in lines and "第2版" in lines
    check_page(page, f"gazette-event-confirm-{suffix}")
    page.click("#confirm-yes")
    assert "已登记" in page.inner_text("main")
    page.click("#events >> a.event-correct")
    page.fill("input[name=date]", "2022-02-01")
    page.fill("textarea[name=reason]", "生效日期录错")
    page.click("#event-correct-form button[type=submit]")
    assert "更正原登记" in page.inner_text("#confirm-lines")
    page.click("#confirm-yes")
    assert "已更正" in page.inner_text("main")
    page.goto(f"{base}/gazette/register/?history=1&kind=amended")
    assert "更正理由：生效日期录错" in page.inner_text("#events")
    check_page(page, f"gazette-register-history-{suffix}")
