"""The demo loads through the services, and every permit page opens for the roles that use it."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    from countyhall.core.demo import demo_load

    demo_load(actor="test-demo")
    lines = []
    for app in ("canteens", "heating", "permits", "emergency"):
        lines += importlib.import_module(f"countyhall.{app}.demo").load(actor="test-demo")
    return lines


def test_permit_demo_pages_for_each_role(demo, client):
    from countyhall.core.models import User
    from countyhall.permits.models import ClockNotice, Project

    assert any("工程建设项目审批" in line for line in demo)
    assert ClockNotice.objects.filter(kind="escalation").exists()  # the late 县人防办
    plant = Project.objects.get(code="2022-370322-26-03-000123")
    garden = Project.objects.get(code="2022-370322-70-03-000456")
    for username in ("shenpi", "ziran", "zhujian", "renfang", "auditor", "admin"):
        client.force_login(User.objects.get(username=username))
        for url in (
            "/permits/",
            "/permits/limits/",
            "/permits/credit/",
            "/permits/reports/",
            f"/permits/p/{plant.pk}/",
        ):
            assert client.get(url).status_code == 200, (username, url)
        if username not in ("auditor", "admin"):
            assert client.get("/permits/desk/").status_code == 200, username
    client.force_login(User.objects.get(username="renfang"))
    desk = client.get("/permits/desk/").content.decode()
    assert "已超期（1）" in desk and plant.code in desk
    client.force_login(User.objects.get(username="qiye"))
    assert plant.code in client.get("/permits/").content.decode()
    assert client.get(f"/permits/p/{garden.pk}/").status_code == 404  # another firm's project
    client.force_login(User.objects.get(username="shenpi"))
    html = client.get(
        f"/permits/reports/?lead={plant.cases.first().lead_id}&year=2022&month=6"
    ).content.decode()
    assert "锦绣家园二期" in html  # rooms overdue for hand-over to 民政 (filed 2022-02-28)


def test_emergency_demo_pages(demo, client):
    from countyhall.core.models import User
    from countyhall.emergency.models import Incident

    live = Incident.objects.get(status="reported")
    assert live.level == "III"  # 11 injured or poisoned: the update raised the level from IV
    for username in ("fagai", "yingji", "dianchang", "tianzhen", "auditor", "admin"):
        client.force_login(User.objects.get(username=username))
        for url in ("/emergency/", "/emergency/warnings/", "/emergency/drills/", "/emergency/registers/"):
            assert client.get(url).status_code == 200, (username, url)
    client.force_login(User.objects.get(username="dianchang"))
    assert client.get(f"/emergency/i/{live.pk}/").status_code == 200
    client.force_login(User.objects.get(username="fagai"))
    drills = client.get("/emergency/drills/?year=2022").content.decode()
    assert "差 1 次" in drills  # the biomass plant held one drill in 2022
