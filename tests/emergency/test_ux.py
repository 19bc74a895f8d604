"""Issue 12 for the accident module: to-dos per role, in-app notices to the 指挥部办公室 and the units a level
involves (not another enterprise), a level lowered with a reason, confirmation before ending a response."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.clock import business_now
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation, OutboxMessage
from countyhall.emergency import todos
from countyhall.emergency.models import Incident, TimelineEntry
from countyhall.emergency.services import (
    incident_figures_update,
    incident_report,
    response_level_lower,
    response_start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(plant, county_tree):
    # 2.1.3: the headquarters' office sits in 县发展改革局; its staff belong to that organisation.
    office = Organisation.objects.create(
        name="高青县发展和改革局", short_name="县发改局", kind="department", division=county_tree["county"]
    )
    plant["users"]["hq"].organisation = office
    plant["users"]["hq"].save()
    now = business_now()
    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="leak",
        occurred_at=now - dt.timedelta(minutes=3),
        place="液氨储罐区",
        injured=3,
        reported_at=now - dt.timedelta(minutes=1),
    )
    return {**plant, "office": office, "incident": incident}


def _in_app(org):
    return list(
        OutboxMessage.objects.filter(channel="in_app", organisation=org).values_list("subject", flat=True)
    )


def test_a_rise_reaches_the_headquarters_office_and_the_enterprise_in_app(scene):
    incident_figures_update(
        actor=scene["users"]["huaneng"], incident=scene["incident"], deaths=0, missing=1, injured=11
    )
    assert Incident.objects.get(pk=scene["incident"].pk).level == "III"
    assert any("升为较大" in s for s in _in_app(scene["office"]))
    assert any("升为较大" in s for s in _in_app(scene["orgs"]["huaneng"]))
    assert _in_app(scene["orgs"]["other"]) == []  # another enterprise hears nothing of it


def test_the_level_is_lowered_with_a_reason_on_the_timeline_and_told(scene):
    incident = scene["incident"]
    incident_figures_update(
        actor=scene["users"]["huaneng"], incident=incident, deaths=0, missing=1, injured=11
    )
    with pytest.raises(AccessDenied):
        response_level_lower(
            actor=scene["users"]["huaneng"], incident=incident, level="IV", reason="x", decided_by="x"
        )
    with pytest.raises(ServiceError) as err:
        response_level_lower(
            actor=scene["users"]["hq"], incident=incident, level="IV", reason=" ", decided_by="李某"
        )
    assert err.value.field == "reason"
    with pytest.raises(ServiceError) as err:
        response_level_lower(
            actor=scene["users"]["hq"], incident=incident, level="II", reason="x", decided_by="李某"
        )
    assert err.value.field == "level"
    lowered = response_level_lower(
        actor=scene["users"]["hq"],
        incident=incident,
        level="IV",
        reason="失踪人员已找到，无人死亡",
        decided_by="李某",
    )
    assert lowered.level == "IV"
    entry = TimelineEntry.objects.filter(incident=incident, kind="level").latest("pk")
    assert "调低为一般（IV级）" in entry.text and "失踪人员已找到" in entry.text
    assert AuditEntry.objects.filter(note__startswith="调低响应等级", object_id=str(incident.pk)).exists()
    assert any("调低为一般" in s for s in _in_app(scene["office"]))
    assert any("调低为一般" in s for s in _in_app(scene["orgs"]["huaneng"]))
    assert _in_app(scene["orgs"]["other"]) == []
    # Figures no worse than before do not undo the headquarters' decision …
    incident_figures_update(
        actor=scene["users"]["huaneng"], incident=incident, deaths=0, missing=0, injured=12
    )
    assert Incident.objects.get(pk=incident.pk).level == "IV"
    # … worse ones raise it again.
    incident_figures_update(
        actor=scene["users"]["huaneng"], incident=incident, deaths=10, missing=0, injured=12
    )
    assert Incident.objects.get(pk=incident.pk).level == "II"


def test_lowering_while_responding_lowers_the_response_too(scene):
    incident = scene["incident"]
    incident_figures_update(
        actor=scene["users"]["huaneng"], incident=incident, deaths=0, missing=1, injured=11
    )
    response_start(actor=scene["users"]["hq"], incident=incident, decided_by="李某")
    lowered = response_level_lower(
        actor=scene["users"]["yingji"], incident=incident, level="IV", reason="核实", decided_by="李某"
    )
    assert lowered.response_level == "IV"


def _labels(user):
    return {t.label.split("（")[0]: t for t in todos.todos_for(user)}


def test_todos_per_role_and_scope(scene):
    hq = _labels(scene["users"]["hq"])
    reports = hq["事故报告时限未办结"]
    assert reports.count == 4 and reports.urgent and "reports=open" in reports.url
    assert reports.menu == "emergency:incidents"
    assert hq["已接报、尚未启动响应的事故"].count == 1
    assert _labels(scene["users"]["huaneng"])["本单位应办的事故报告"].count == 4
    assert "本单位应办的事故报告" not in _labels(scene["users"]["other"])
    assert _labels(scene["users"]["town"])["本辖区进行中的发电企业事故"].count == 1


def test_ending_a_response_is_confirmed_first(client, scene):
    incident = scene["incident"]
    response_start(actor=scene["users"]["hq"], incident=incident, decided_by="李某")
    url = f"/emergency/i/{incident.pk}/"
    client.force_login(scene["users"]["hq"])
    missing = client.post(url, {"action": "end", "commander": ""})
    assert missing.status_code == 400 and "请填写总指挥姓名" in missing.content.decode()
    page = client.post(url, {"action": "end", "commander": "李某"}).content.decode()
    assert "确认宣布应急结束" in page
    assert Incident.objects.get(pk=incident.pk).status == "responding"
    client.post(url, {"action": "end", "commander": "李某", "confirmed": "1"})
    assert Incident.objects.get(pk=incident.pk).status == "ended"


def test_the_lower_form_and_its_confirmation(client, scene):
    incident = scene["incident"]
    incident_figures_update(
        actor=scene["users"]["huaneng"], incident=incident, deaths=0, missing=1, injured=11
    )
    url = f"/emergency/i/{incident.pk}/"
    client.force_login(scene["users"]["hq"])
    assert "调低响应等级" in client.get(url).content.decode()
    page = client.post(url, {"action": "lower", "level": "IV", "reason": "核实", "decided_by": "李某"})
    assert page.status_code == 200 and "确认调低响应等级" in page.content.decode()
    client.post(
        url, {"action": "lower", "level": "IV", "reason": "核实", "decided_by": "李某", "confirmed": "1"}
    )
    assert Incident.objects.get(pk=incident.pk).level == "IV"
    client.force_login(scene["users"]["huaneng"])
    assert "调低响应等级</summary>" not in client.get(url).content.decode()


def test_incident_list_reports_filter_and_scope(client, scene):
    client.force_login(scene["users"]["hq"])
    assert "液氨储罐区" in client.get("/emergency/?reports=open").content.decode()
    assert client.get("/emergency/?reports=x").status_code == 400
    client.force_login(scene["users"]["other"])
    assert "液氨储罐区" not in client.get("/emergency/?reports=open").content.decode()
    assert client.get(f"/emergency/i/{scene['incident'].pk}/").status_code == 404
