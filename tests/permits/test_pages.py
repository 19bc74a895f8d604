from __future__ import annotations

import datetime as dt

import pytest

from countyhall.permits.models import Case
from countyhall.permits.services import permit_stage_submit

pytestmark = pytest.mark.django_db


def test_review_and_decide_through_the_pages(client, world):
    users, project = world["users"], world["project"]
    case = permit_stage_submit(
        actor=users["approval"], project=project, stage="立项用地规划许可", accepted_on=dt.date(2022, 6, 1)
    )
    url = f"/permits/p/{project.pk}/"
    client.force_login(users["approval"])
    assert "示例小区" in client.get("/permits/").content.decode()
    client.post(
        url, {"case": case.pk, "action": "opinion", "opinion": "request_correction", "reasons": "缺红线图"}
    )
    assert Case.objects.get(pk=case.pk).status == "awaiting_applicant"
    assert "停止计时中" in client.get(url).content.decode()
    client.post(url, {"case": case.pk, "action": "resume"})
    client.post(url, {"case": case.pk, "action": "opinion", "opinion": "approve"})
    client.force_login(users["resources"])
    client.post(url, {"case": case.pk, "action": "opinion", "opinion": "approve"})
    # The decision is confirmed on a page of its own before anything is written.
    confirm = client.post(url, {"case": case.pk, "action": "decide", "decision": "approve"}).content.decode()
    assert "确认作出统一决定" in confirm and "不可撤销" in confirm
    assert Case.objects.get(pk=case.pk).status == "in_review"
    html = client.post(
        url, {"case": case.pk, "action": "decide", "decision": "approve", "confirmed": "1"}, follow=True
    ).content.decode()
    assert "准予许可" in html and Case.objects.get(pk=case.pk).status == "approved"
    client.force_login(world["admin"])
    assert client.get(url).status_code == 200


def test_pages_refuse_other_roles(client, world, make_user):
    client.force_login(make_user("canteen-p", "canteen_operator"))
    assert client.get("/permits/").status_code == 403
