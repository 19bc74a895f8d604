"""API and pages: scope, structured errors, the live board JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from countyhall.core.clock import business_now

pytestmark = pytest.mark.django_db


def test_report_update_and_mark_done_through_the_api(plant):
    api = APIClient()
    api.force_authenticate(plant["users"]["huaneng"])
    occurred = (business_now() - dt.timedelta(minutes=5)).replace(microsecond=0)
    response = api.post(
        "/api/v1/emergency/incidents",
        {
            "enterprise": plant["enterprises"]["huaneng"].pk,
            "kind": "leak",
            "occurred_at": occurred.isoformat(),
            "place": "氨区",
            "injured": 3,
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["level"] == "IV"
    pk = response.json()["id"]
    board = api.get(f"/api/v1/emergency/incidents/{pk}").json()["board"]
    county = next(d for d in board["deadlines"] if d["kind"] == "phone_county")
    assert county["state"] == "open" and 0 < county["seconds_left"] <= 300
    raised = api.post(
        f"/api/v1/emergency/incidents/{pk}/figures", {"deaths": 0, "missing": 0, "injured": 10}, format="json"
    ).json()
    assert raised["level"] == "III" and raised["computed_level"] == "III"
    done = api.post(
        f"/api/v1/emergency/deadlines/{county['id']}/done", {"reported_to": "县委值班室"}, format="json"
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    bad = api.post(
        f"/api/v1/emergency/incidents/{pk}/figures", {"deaths": -1, "missing": 0, "injured": 0}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "deaths"
    other = APIClient()
    other.force_authenticate(plant["users"]["other"])
    assert other.get("/api/v1/emergency/incidents").json() == []
    assert other.get(f"/api/v1/emergency/incidents/{pk}").status_code == 404
    refused = other.post(
        "/api/v1/emergency/incidents",
        {
            "enterprise": plant["enterprises"]["huaneng"].pk,
            "kind": "fire",
            "occurred_at": occurred.isoformat(),
            "place": "x",
        },
        format="json",
    )
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "enterprise"


@pytest.mark.parametrize("occurred_at", ["0001-01-01", "0001-01-01T00:00:00"])
def test_a_time_at_the_calendars_edge_is_a_400_naming_the_field(plant, occurred_at):
    """Attack (attack13): a naive "0001-01-01" made aware in Asia/Shanghai overflowed inside DRF's own check: a 500
    from the incident API and from /api/v1/calc/emergency.report_deadlines (E2)."""
    from countyhall.emergency.models import Incident

    api = APIClient()
    api.force_authenticate(plant["users"]["huaneng"])
    response = api.post(
        "/api/v1/emergency/incidents",
        {
            "enterprise": plant["enterprises"]["huaneng"].pk,
            "kind": "leak",
            "occurred_at": occurred_at,
            "place": "氨区",
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "occurred_at"
    assert not Incident.objects.exists()
    calc = api.post("/api/v1/calc/emergency.report_deadlines", {"occurred_at": occurred_at}, format="json")
    assert calc.status_code == 400 and calc.json()["error"] == {
        "field": "occurred_at",
        "message": "时间数值超出有效范围。",
    }


def test_pages_per_role(plant, client, make_user):
    from countyhall.emergency.services import incident_report

    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=business_now() - dt.timedelta(minutes=2),
        place="栈桥",
    )
    for key in ("hq", "yingji", "town", "huaneng", "auditor"):
        client.force_login(plant["users"][key])
        for url in (
            "/emergency/",
            "/emergency/registers/",
            "/emergency/warnings/",
            "/emergency/drills/",
            f"/emergency/i/{incident.pk}/",
            f"/emergency/i/{incident.pk}/clock.json",
        ):
            assert client.get(url).status_code == 200, (key, url)
    client.force_login(plant["users"]["hq"])
    html = client.get(f"/emergency/i/{incident.pk}/").content.decode()
    assert "启动应急响应" in html and "emergency/countdown.js" in html
    assert client.get("/emergency/outbox/").status_code == 200
    client.force_login(plant["users"]["other"])
    assert client.get(f"/emergency/i/{incident.pk}/").status_code == 404
    assert client.get("/emergency/outbox/").status_code == 403
    client.force_login(make_user("e-canteen", "canteen_operator"))
    assert client.get("/emergency/").status_code == 403


def test_cli_seed_is_idempotent_and_outbox_send(monkeypatch, capsys, plant):
    from tests.core.test_calc import run_cli

    code, out = run_cli(monkeypatch, capsys, ["emergency", "seed"])
    assert code == 0 and out["created"] == {
        "posts": 0,
        "groups": 0,
        "duty_offices": 0,
    }  # the fixture seeded it
    code, out = run_cli(monkeypatch, capsys, ["outbox", "send"])
    assert code == 0 and set(out) == {"sent", "failed", "no_sender"}


def test_registers_page_records_an_expert_and_a_duty_office(plant, client):
    from countyhall.emergency.models import DutyOffice, Expert

    client.force_login(plant["users"]["hq"])
    client.post("/emergency/registers/", {"form": "expert", "x-name": "孙工", "x-speciality": "锅炉"})
    client.post(
        "/emergency/registers/",
        {"form": "office", "o-name": "县委值班室", "o-tier": "county", "o-mobile": "13800000001"},
    )
    assert Expert.objects.filter(name="孙工").exists()
    assert DutyOffice.objects.get(name="县委值班室").mobile == "13800000001"
    client.force_login(plant["users"]["huaneng"])
    response = client.post("/emergency/registers/", {"form": "expert", "x-name": "冒名", "x-speciality": "x"})
    assert response.status_code == 403 and not Expert.objects.filter(name="冒名").exists()


def test_printable_report_and_excel_export(plant, client):
    import io
    import subprocess

    from openpyxl import load_workbook

    from countyhall.emergency.services import incident_report

    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="hydrogen",
        occurred_at=business_now() - dt.timedelta(minutes=3),
        place="氢气站",
        unit_overview="热电联产",
        course="氢气泄漏",
    )
    client.force_login(plant["users"]["huaneng"])
    pdf = client.get(f"/emergency/i/{incident.pk}/report.pdf").content
    assert pdf[:4] == b"%PDF"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "事故发生单位概况" in text and "氢气站" in text
    book = load_workbook(io.BytesIO(client.get("/emergency/?format=xlsx").getvalue()))
    rows = list(book.active.values)
    assert rows[0][1] == "企业" and rows[1][2] == "氢系统泄漏爆炸事故"
