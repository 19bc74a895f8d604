"""A visitor searches the gazette at desktop and phone width: ranked hits with the words marked, the clause opened
from a hit, a 文号 typed with square brackets and 第 finding its document first."""

from __future__ import annotations

import re

import pytest

from .walk import DESKTOP, assert_accessible, assert_fits, check_page, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 812}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_375], ids=["desktop", "phone"])
def test_search_walk(browser, live_server, gazette_path, viewport):
    from countyhall.gazette.services import gazette_ingest

    # A transactional test starts from an empty database.
    gazette_ingest(path=gazette_path, actor="browser-test")
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/gazette/")
    page.click("main >> text=全文检索")
    settle(page)
    assert page.url.endswith("/gazette/search/")

    page.fill("#s-q", "助餐补贴")
    page.click("#gazette-search button.primary")
    check_page(page, "gazette-search")
    first = page.locator(".search-hit").first
    assert "五、（一）" in first.inner_text()
    assert page.locator(".search-hit mark", has_text="助餐").count() > 3

    first.locator(".hit-title a").click()
    page.wait_for_url(re.compile(r"/gazette/(d/\d+|u/.+)/\?highlight=c-5-1#c-5-1$"))
    clause = page.locator(
        ".clause", has=page.locator("#c-5-1")
    ).first  # the div carries the eId, the anchor inside
    assert "highlight" in (clause.get_attribute("class") or "") and clause.is_visible()

    page.goto(f"{live_server.url}/gazette/search/?q=高政办发[2021]第2号")
    settle(page)
    first = page.locator(".search-hit").first
    assert "关于加快推进“长者食堂”建设的实施意见" in first.inner_text() and "文号命中" in first.inner_text()
    assert_fits(page)
    assert_accessible(page)

    page.goto(f"{live_server.url}/gazette/search/?q=补贴&year=二〇二一")
    assert "年度" in page.inner_text("main")
    context.close()
