"""Log in, open a parameter, follow its citation to the clause in the gazette."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


def test_login_and_open_clause_from_citation(browser, live_server, gazette_path, make_user):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.gazette.services import gazette_ingest

    # A transactional test starts from an empty database.
    gazette_ingest(path=gazette_path, actor="browser-test")
    calendar_seed_year(year=2021, actor="browser-test")
    make_user("zhujian", "housing", password="pw-browser-1")

    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "zhujian")
    page.fill("#id_password", "pw-browser-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "欢迎" in page.inner_text("h1")

    page.click("nav.main >> text=政策参数")
    page.click("text=法定审批时限的计日方式")
    page.click("a.citation")
    page.wait_for_url(re.compile(r"/gazette/u/.+/2021/3/\?highlight=sec_2__subsec_4#sec_2__subsec_4$"))
    clause = page.locator("#sec_2__subsec_4")
    assert "分类制定审批流程" in clause.inner_text()
    assert "highlight" in (clause.get_attribute("class") or "")
    assert clause.is_visible()
    assert "关于印发《高青县优化提升工程建设项目审批制度改革实施方案》的通知" in page.inner_text("h1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "citation-clause.png"))
    page.close()
