"""A town officer on a phone uploads a large elder list: the job page's bar moves while a real worker imports,
then the page shows the import report; the job list fits the screen too."""

from __future__ import annotations

import pytest

from tests.browser.walk import check_page, open_as
from tests.canteens.test_jobs import ROWS, workbook
from tests.jobs_worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_large_import_on_a_phone_shows_progress_then_the_report(
    browser, live_server, county_tree, make_user, tmp_path
):
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
    assert "查看导入后的列表" in page.content(), "an applied import links to the imported list"
    # A failed job of the same officer: its row has the 重试 button, the widest action.
    from countyhall.core.models import Job

    done = Job.objects.get(kind="canteens.elder_import")
    failed = Job.objects.create(
        kind=done.kind,
        kind_label=done.kind_label,
        handler=done.handler,
        started_by=done.started_by,
        started_by_label=done.started_by_label,
        state=Job.State.FAILED,
        error="测试：任务失败，可重试",
        params={"mode": "all_or_nothing"},
    )
    page.goto(f"{live_server.url}/jobs/")
    assert "已完成" in page.content() and "100%" in page.content()
    check_page(page, "jobs-list")
    assert_cards_fit(page, failed.pk)
    page.context.close()


def assert_cards_fit(page, failed_pk: int) -> None:
    """At 390 px each job is a card: every cell spans (nearly) the card's width, so 发起人 is not crushed into
    a narrow column, and the 操作 cell with its 重试 button lies inside the screen."""
    width = page.viewport_size["width"]
    cells = page.evaluate(
        """() => Array.from(document.querySelectorAll('table.jobs tbody td[data-label]'))
                 .filter(td => td.offsetParent !== null)
                 .map(td => { const r = td.getBoundingClientRect();
                              return {label: td.dataset.label, left: r.left, right: r.right, width: r.width}; })"""
    )
    assert cells, "the job list has rows"
    for cell in cells:
        assert cell["right"] <= width + 1, f"{cell['label']} is cut off at {cell['right']}px"
        assert cell["width"] >= width * 0.6, f"{cell['label']} is squeezed into {cell['width']}px"
    retry = page.locator(f'form[action$="/jobs/{failed_pk}/action"] button[value=retry]')
    box = retry.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
