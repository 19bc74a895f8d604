"""A town officer on a phone uploads a large elder list: the job page's bar moves while a real worker imports,
then the page shows the import report; the job list fits the screen too."""

from __future__ import annotations

import pytest

from tests.browser.walk import check_page, open_as
from tests.canteens.test_jobs import ROWS, workbook
from tests.jobs_worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_large_import_on_a_phone_shows_progress_then_the_report(browser, live_server, county_tree, make_user,
                                                                  tmp_path):
    make_user("town", "town_officer", "qingcheng")
    upload = tmp_path / "老人.xlsx"
    upload.write_bytes(workbook())
    page = open_as(browser, live_server.url, "town", phone=True)
    page.goto(f"{live_server.url}/canteens/elders/import/")
    page.set_input_files("input[type=file]", str(upload))
    page.click("form[enctype] button.primary")
    page.wait_for_url("**/jobs/*/")
    assert page.locator("#job-bar").count() == 1
    check_page(page, "job-queued")
    with running_worker():
        page.wait_for_selector("text=导入结果", timeout=120_000)
    assert f"新增 {ROWS}" in page.content()
    check_page(page, "job-done")
    page.goto(f"{live_server.url}/jobs/")
    assert "已完成" in page.content()
    check_page(page, "jobs-list")
    page.context.close()
