"""Issue 12, the accident module as its people use it, at desktop and phone width: the power enterprise sees the
reports it owes and marks one done from its phone (the board with its countdowns fits the screen); the
指挥部办公室 sees the clock on its home page, is told in-app when the level rises, lowers it with a reason
(confirmed first) and the units are told; the town officer sees the incident in its area."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.walk import check_page, open_as
from tests.emergency.conftest import plant_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enterprise_headquarters_and_town_do_their_jobs(browser, live_server, county_tree, make_user):
    from countyhall.core.models import Organisation
    from countyhall.emergency.models import Incident, TimelineEntry
    from countyhall.emergency.services import incident_figures_update, incident_report

    plant = plant_setup(county_tree, make_user)
    office = Organisation.objects.create(
        name="高青县发展和改革局", short_name="县发改局", kind="department", division=county_tree["county"]
    )
    plant["users"]["hq"].organisation = office
    plant["users"]["hq"].save()
    from countyhall.core.clock import business_now

    now = business_now()  # the pinned business date of the tests: the clocks count on it
    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="leak",
        occurred_at=now - dt.timedelta(minutes=2),
        place="液氨储罐区",
        injured=3,
        reported_at=now - dt.timedelta(minutes=1),
    )
    base = live_server.url
    url = f"{base}/emergency/i/{incident.pk}/"

    # The enterprise, on its phone: the to-do names the reports it owes; the board fits and counts down.
    firm = open_as(browser, base, "e-huaneng", phone=True)
    assert "本单位应办的事故报告" in firm.inner_text(".todos")
    check_page(firm, "emergency-enterprise-home")
    firm.goto(url)
    row = firm.locator("tr[data-deadline]").first
    first = row.locator(".countdown").inner_text()
    assert first.startswith("剩余")
    expect(row.locator(".countdown")).not_to_have_text(first, timeout=5000)
    check_page(firm, "emergency-enterprise-board")
    row.locator("input[name=reported_to]").fill("县委值班室 张某")
    row.locator("button").click()
    assert "电话报告（县级）：已记录" in firm.content()
    # Another enterprise sees nothing of it.
    other = open_as(browser, base, "e-other")
    assert "本单位应办的事故报告" not in other.content()
    assert other.goto(url).status == 404

    # The headquarters' office: the accident clock on its home page, urgent.
    hq = open_as(browser, base, "e-fagai")
    todos = hq.inner_text(".todos")
    assert "事故报告时限未办结" in todos and "已接报、尚未启动响应的事故" in todos
    assert hq.locator(".todos li.urgent").count() >= 1
    check_page(hq, "emergency-hq-home")

    # The figures rise to 较大: the office is told in-app.
    incident_figures_update(
        actor=plant["users"]["huaneng"], incident=incident, deaths=0, missing=1, injured=11
    )
    hq.goto(f"{base}/notices/")
    assert "事故响应等级升为较大（III级）" in hq.content()
    hq.goto(url)
    assert "较大（III级）" in hq.inner_text("#level")
    check_page(hq, "emergency-hq-incident")

    # It lowers the level with a reason; the confirmation page comes first, and the timeline keeps it.
    hq.locator("#lower summary").click()
    hq.select_option("#lower-level", "IV")
    hq.fill("#lower-reason", "失踪人员已找到，伤员多为轻伤")
    hq.fill("#lower-by", "分管副县长 李某")
    hq.get_by_role("button", name="下一步：确认调低").click()
    assert "一般（IV级）" in hq.inner_text("#confirm-level")
    check_page(hq, "emergency-hq-confirm")
    assert Incident.objects.get(pk=incident.pk).level == "III"
    hq.click("#confirm-button")
    assert "已调低响应等级" in hq.content() and "一般（IV级）" in hq.inner_text("#level")
    assert TimelineEntry.objects.filter(
        incident=incident, kind="level", text__contains="失踪人员已找到"
    ).exists()
    firm.goto(f"{base}/notices/")
    assert "事故响应等级调低为一般（IV级）" in firm.content()
    check_page(firm, "emergency-enterprise-notices")
    hq_phone = open_as(browser, base, "e-fagai", phone=True)
    hq_phone.goto(url)
    check_page(hq_phone, "emergency-hq-incident")

    # The town officer sees the incident in its area.
    town = open_as(browser, base, "e-tianzhen", phone=True)
    assert "本辖区进行中的发电企业事故" in town.inner_text(".todos")
    town.goto(f"{base}/emergency/?status=reported")
    assert "液氨储罐区" in town.content()
    check_page(town, "emergency-town-list")
    for page in (firm, other, hq, hq_phone, town):
        page.context.close()
