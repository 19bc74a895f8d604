"""Second attack round: casualty counts beyond the column, reports dated in the future, names in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.clock import business_now
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.emergency.models import CommandPost
from countyhall.emergency.services import (
    command_post_assign,
    deadline_done,
    emergency_end,
    enterprise_register,
    incident_report,
    response_start,
)

pytestmark = pytest.mark.django_db


def _report(plant, **extra):
    values = {
        "kind": "fire",
        "occurred_at": business_now() - dt.timedelta(minutes=5),
        "place": "输煤皮带栈桥",
        "deaths": 0,
        "missing": 0,
        "injured": 2,
    }
    values.update(extra)
    return incident_report(
        actor=plant["users"]["huaneng"], enterprise=plant["enterprises"]["huaneng"], **values
    )


def test_casualty_counts_beyond_the_column_are_refused_naming_the_field(plant, client):
    with pytest.raises(ServiceError) as refused:
        _report(plant, injured=2_147_483_648)
    assert refused.value.field == "injured"
    client.force_login(plant["users"]["huaneng"])
    incident = _report(plant)
    response = client.post(
        f"/api/v1/emergency/incidents/{incident.pk}/figures",
        {"deaths": 10**12, "missing": 0, "injured": 0},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "deaths"


def test_a_report_cannot_be_marked_done_in_the_future(plant):
    incident = _report(plant)
    deadline = incident.deadlines.order_by("due_at").first()
    with pytest.raises(ServiceError) as refused:
        deadline_done(
            actor=plant["users"]["huaneng"],
            deadline=deadline,
            reported_to="县应急局",
            done_at=business_now() + dt.timedelta(days=3),
        )
    assert refused.value.field == "done_at"


def test_named_persons_are_masked_in_the_audit_log(plant, county_tree):
    from countyhall.core.models import Organisation

    org = Organisation.objects.create(name="第三示例电厂", kind="enterprise", division=county_tree["county"])
    enterprise_register(
        actor="test", organisation=org, division=county_tree["village_a"], principal="欧阳大明"
    )
    post = CommandPost.objects.first()
    command_post_assign(actor=plant["users"]["hq"], post=post, holder="司马小红")
    incident = _report(plant)
    response_start(actor=plant["users"]["hq"], incident=incident, decided_by="诸葛长青")
    emergency_end(actor=plant["users"]["hq"], incident=incident, commander="上官飞燕")
    stored = str(list(AuditEntry.objects.values("object_repr", "before", "after", "note")))
    for name in ("欧阳大明", "司马小红", "诸葛长青", "上官飞燕"):
        assert name not in stored
