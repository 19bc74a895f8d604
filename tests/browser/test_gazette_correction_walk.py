"""The gazette administrator corrects a mistaken entry (walk15), at desktop and phone width: a repeal recorded against
the wrong document is withdrawn from the document's own page, through a confirmation page that asks for the reason;
the document reads in force again and the register keeps the entry marked withdrawn. Then a department opens the
figures an expiry affects and follows a clause link to the clause. Every page fits the width and passes axe-core."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.walk import check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]
CANTEENS = "高政办发〔2021〕2号"


@pytest.fixture
def gazette(gazette_path):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.gazette.services import gazette_ingest

    gazette_ingest(
        path=gazette_path, actor="browser-test"
    )  # a transactional test starts from an empty database
    calendar_seed_year(year=2021, actor="browser-test")


@pytest.mark.parametrize("phone", WIDTHS)
def test_a_mistaken_repeal_is_withdrawn_with_its_reason(browser, live_server, gazette, make_user, phone):
    from countyhall.core.roles import Role
    from countyhall.gazette.services import event_record

    admin = make_user("walk15-admin", Role.SYSTEM_ADMIN)
    make_user("walk15-civil", Role.CIVIL_AFFAIRS)
    event_record(
        actor=admin,
        number=CANTEENS,
        kind="repealed",
        date=dt.date(2022, 3, 1),
        cause_number="高政办发〔2021〕3号",
    )
    base = live_server.url
    suffix = "phone" if phone else "desktop"
    page = open_as(browser, base, "walk15-admin", phone=phone)
    page.goto(f"{base}/gazette/")
    page.click("text=关于加快推进“长者食堂”建设的实施意见")
    assert "已废止" in page.inner_text("#standing")
    page.click("#events .withdraw-link")
    assert "撤销文件事件登记" in page.inner_text("h1") and "2022年3月1日" in page.inner_text(
        "#withdraw-event"
    )
    check_page(page, f"gazette-withdraw-{suffix}")
    page.fill("#id_reason", "错")
    page.check("#id_confirm")
    page.click("#withdraw-form button[type=submit]")
    assert "至少 4 个字" in page.inner_text("#withdraw-form")  # refused by the field, the input kept
    page.fill("#id_reason", "依据文件录错，3号并未废止2号")
    if not page.is_checked("#id_confirm"):
        page.check("#id_confirm")
    page.click("#withdraw-form button[type=submit]")
    assert "已撤销" in page.inner_text("main") and "3号并未废止2号" in page.inner_text("#events")
    check_page(page, f"gazette-register-withdrawn-{suffix}")
    page.click("#events >> text=高政办发〔2021〕2号 >> nth=0")
    assert "现行有效" in page.inner_text("#standing")

    # a department follows the figures an expiry affects to the clause that sets them
    page = open_as(browser, base, "walk15-civil", phone=phone)
    page.goto(f"{base}/gazette/")
    page.click("text=关于加快推进“长者食堂”建设的实施意见")
    page.click("#affected-link")
    check_page(page, f"gazette-affected-stacked-{suffix}")
    clause = page.locator("a.clause-link").first
    words = clause.inner_text()
    clause.click()
    assert words in page.inner_text(".clause.highlight")
