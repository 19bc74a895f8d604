"""Pages of the accident module: bad parameters answered 400 (never a server error), buttons from the same
predicates as the services, and the register of named persons audited when read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from countyhall.core.models import AuditEntry
from countyhall.emergency.services import expert_add, incident_report

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/emergency/?status=burning", "状态"),
        ("/emergency/?format=csv", "格式"),
        ("/emergency/drills/?year=abc", "年度"),
        ("/emergency/drills/?year=99999", "年度"),  # was a server error (date out of range)
        ("/emergency/drills/?year=2001", "年度"),  # no drill parameter in force that year: was a server error
        ("/emergency/drills/?format=pdf", "格式"),
    ],
)
def test_bad_query_parameters_are_400_naming_the_field(client, plant, url, field):
    client.force_login(plant["users"]["hq"])
    response = client.get(url)
    assert response.status_code == 400 and field in response.content.decode()


def test_bad_ids_posted_are_a_message_not_a_server_error(client, plant):
    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=dt.datetime(2022, 3, 1, 9, 0, tzinfo=BJ),
        place="x",
        reported_at=dt.datetime(2022, 3, 1, 9, 5, tzinfo=BJ),
    )
    client.force_login(plant["users"]["hq"])
    url = f"/emergency/i/{incident.pk}/"
    for action, key in (("done", "deadline"), ("group", "group"), ("task_done", "entry"), ("log", "group")):
        response = client.post(url, {"action": action, key: "abc", "kind": "task", "text": "x"}, follow=True)
        assert response.status_code == 200 and "应为编号" in response.content.decode(), action
    response = client.post("/emergency/warnings/", {"action": "cancel", "warning": "x", "reason": "r"})
    assert response.status_code == 200 and "应为编号" in response.content.decode()
    response = client.post(
        "/emergency/registers/", {"form": "post", "post": "x", "holder": "某"}, follow=True
    )
    assert response.status_code == 200 and "应为编号" in response.content.decode()


def test_pages_offer_only_what_the_services_allow(client, plant, make_user):
    admin = make_user("e-admin-page", "system_admin")
    client.force_login(admin)
    # Warnings are the headquarters' (the view let an administrator post; the service refused)
    assert client.post("/emergency/warnings/", {"action": "issue", "level": "IV"}).status_code == 403
    assert "发布预警" not in client.get("/emergency/warnings/").content.decode()
    client.force_login(plant["users"]["auditor"])
    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=dt.datetime(2022, 3, 1, 9, 0, tzinfo=BJ),
        place="x",
        reported_at=dt.datetime(2022, 3, 1, 9, 5, tzinfo=BJ),
    )
    html = client.get(f"/emergency/i/{incident.pk}/").content.decode()
    assert "更新伤亡情况" not in html and "已报告</button>" not in html and "续报</button>" not in html
    client.force_login(plant["users"]["town"])  # a town office sees its area's drills but records none
    assert "登记演练" not in client.get("/emergency/drills/").content.decode()
    assert "登记重大危险源" not in client.get("/emergency/registers/").content.decode()
    client.force_login(plant["users"]["huaneng"])
    assert "登记演练" in client.get("/emergency/drills/").content.decode()


def test_reading_the_register_of_named_persons_is_audited(client, plant):
    expert_add(actor=plant["users"]["hq"], name="孙工", speciality="锅炉", phone="13800000000")
    client.force_login(plant["users"]["huaneng"])
    before = AuditEntry.objects.filter(action="read").count()
    assert client.get("/emergency/registers/").status_code == 200
    assert AuditEntry.objects.filter(action="read").count() == before + 1
    entry = AuditEntry.objects.filter(action="read").latest("id")
    # one expert and the principal (周某) of the user's own enterprise
    assert entry.object_type == "emergency.Expert" and entry.after["count"] == 2
    assert "孙工" not in entry.object_repr


def test_expert_names_are_masked_in_the_audit_log(plant):
    expert = expert_add(actor=plant["users"]["hq"], name="孙大工", speciality="锅炉", phone="13800000000")
    entry = AuditEntry.objects.filter(object_type="emergency.Expert", object_id=str(expert.pk)).latest("id")
    assert entry.after["name"] == "孙*工" and "孙大工" not in entry.object_repr
