"""Report an accident, watch the countdown run, mark the reports done, start and close the emergency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_canteen_walk import login
from tests.browser.test_citation_click import ARTIFACTS
from tests.emergency.conftest import plant_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_watch_countdown_mark_done_and_close(browser, live_server, county_tree, make_user):
    from countyhall.emergency.models import Incident, ReportDeadline
    from countyhall.emergency.services import deadline_done

    plant = plant_setup(county_tree, make_user)
    base = live_server.url
    firm = browser.new_context().new_page()
    login(firm, base, "e-huaneng")
    firm.goto(f"{base}/emergency/new/")
    from countyhall.core.clock import business_now

    # The tests pin the business date (settings.test): the incident happens on it, as the clocks count on it.
    occurred = timezone.localtime(business_now()) - dt.timedelta(minutes=1)
    firm.select_option("#id_enterprise", str(plant["enterprises"]["huaneng"].pk))
    firm.select_option("#id_kind", "leak")
    firm.fill("#id_occurred_at", occurred.strftime("%Y-%m-%dT%H:%M"))
    firm.fill("#id_place", "液氨储罐区")
    firm.fill("#id_injured", "3")
    firm.fill("#id_direct_loss_yuan", "50000")
    for field, text in (
        ("unit_overview", "2×350MW 热电联产"),
        ("scene", "法兰泄漏"),
        ("course", "巡检发现氨味"),
        ("measures", "关闭阀门，喷淋稀释"),
    ):
        firm.fill(f"#id_{field}", text)
    firm.click("form button.primary")
    assert "已接报" in firm.content()
    incident = Incident.objects.get()

    # The countdown runs in the page, without reloading.
    county_row = firm.locator("tr[data-deadline]").first
    first = county_row.locator(".countdown").inner_text()
    assert first.startswith("剩余")
    # The script ticks it down every second. (expect, not wait_for_function: the page's Content-Security-Policy
    # refuses the eval a string predicate needs.)
    expect(county_row.locator(".countdown")).not_to_have_text(first, timeout=5000)

    # The firm marks the county phone report done from the page.
    county_row.locator("input[name=reported_to]").fill("县委值班室 张某")
    county_row.locator("button").click()
    assert "电话报告（县级）：已记录" in firm.content()

    # Another desk records the city report; the firm's open page shows it at the next poll, no reload.
    city = ReportDeadline.objects.get(incident=incident, kind="phone_city")
    deadline_done(actor=plant["users"]["yingji"], deadline=city, reported_to="市应急局 值班员")
    cell = f"tr[data-deadline='{city.pk}'] .done-cell"
    expect(firm.locator(cell)).to_contain_text("市应急局", timeout=15000)
    assert firm.locator(f"tr[data-deadline='{city.pk}'] .countdown").inner_text() == "按时完成"
    for kind in ("written_initial", "written_accident"):
        row = firm.locator(
            f"tr[data-deadline='{ReportDeadline.objects.get(incident=incident, kind=kind).pk}']"
        )
        row.locator("input[name=reported_to]").fill("县政府值班室")
        row.locator("button").click()
    assert ReportDeadline.objects.filter(incident=incident, done_at__isnull=True).count() == 0

    # The county headquarters' office starts the response and, on the commander's approval, ends it.
    hq = browser.new_context().new_page()
    login(hq, base, "e-fagai")
    hq.goto(f"{base}/emergency/i/{incident.pk}/")
    hq.fill("input[name=decided_by]", "分管副县长 李某")
    hq.click("text=启动应急响应")
    assert "已启动应急响应" in hq.content()
    hq.click("text=启动医疗救护组")
    hq.fill("input[name=commander]", "李某")
    hq.click("text=宣布应急结束")
    assert "确认宣布应急结束" in hq.content() and incident.status != "ended"
    hq.click("#confirm-button")
    assert "已宣布应急结束" in hq.content() and "应急结束" in hq.inner_text("#status")
    incident.refresh_from_db()
    assert incident.status == "ended" and incident.ended_by == "李某"
    hq.screenshot(path=str(ARTIFACTS / "emergency-walk.png"), full_page=True)
    firm.context.close()
    hq.context.close()
