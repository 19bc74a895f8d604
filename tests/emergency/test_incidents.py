"""Intake, versioned figures and the level, the E2 clocks, the response and its end — on the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, OutboxMessage
from countyhall.emergency import selectors
from countyhall.emergency.models import Incident, ReportDeadline, WorkingGroup
from countyhall.emergency.services import (
    deadline_done,
    emergency_end,
    evaluation_record,
    group_activate,
    incident_content_update,
    incident_figures_update,
    incident_report,
    response_start,
    timeline_add,
    verification_request,
)

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2021, 12, 31, 23, 50, tzinfo=BJ)


def _report(plant, **extra):
    values = {
        "kind": "fire",
        "occurred_at": T0,
        "place": "输煤皮带栈桥",
        "deaths": 0,
        "missing": 0,
        "injured": 2,
        "reported_at": T0 + dt.timedelta(minutes=4),
    }
    values.update(extra)
    return incident_report(
        actor=plant["users"]["huaneng"], enterprise=plant["enterprises"]["huaneng"], **values
    )


def test_report_starts_the_e2_clock_across_midnight(plant):
    incident = _report(plant)
    due = {d.kind: d.due_at.astimezone(BJ) for d in incident.deadlines.all()}
    assert due == {
        "phone_county": dt.datetime(2022, 1, 1, 0, 0, tzinfo=BJ),
        "phone_city": dt.datetime(2022, 1, 1, 0, 20, tzinfo=BJ),
        "written_initial": dt.datetime(2022, 1, 1, 0, 40, tzinfo=BJ),
        "written_accident": dt.datetime(2022, 1, 1, 23, 50, tzinfo=BJ),
    }
    assert incident.level == "IV" and incident.figures.get().version == 1
    county = incident.deadlines.get(kind="phone_county")
    assert county.recipients == ["县委值班室", "县委办公室信息调研科", "县政府值班室", "县应急局"]
    assert county.citation["line"] == 4015
    assert AuditEntry.objects.filter(object_type="emergency.Incident", action="create").exists()


def test_a_rise_in_level_after_an_update_notifies_the_new_level(plant):
    incident = _report(plant)
    before = OutboxMessage.objects.count()
    incident_figures_update(
        actor=plant["users"]["huaneng"],
        incident=incident,
        deaths=1,
        missing=2,
        injured=4,
        at=T0 + dt.timedelta(minutes=30),
    )
    incident.refresh_from_db()
    assert incident.level == "III"  # 1 dead + 2 missing = 3 possible deaths (reading E1)
    assert [f.version for f in incident.figures.all()] == [2, 1]  # every version kept
    assert incident.timeline.filter(kind="level").count() == 1
    told = set(
        OutboxMessage.objects.all()[: OutboxMessage.objects.count() - before].values_list(
            "recipient", flat=True
        )
    )
    assert {"县委值班室", "县政府值班室", "总指挥（分管副县长）"} <= told
    assert "市应急局" not in told  # the city is involved from level II
    incident_figures_update(
        actor=plant["users"]["huaneng"],
        incident=incident,
        deaths=0,
        missing=0,
        injured=1,
        at=T0 + dt.timedelta(minutes=50),
    )
    incident.refresh_from_db()
    assert incident.level == "III"  # a response is stood down by the commander, not by a lower count
    incident_figures_update(
        actor=plant["users"]["huaneng"],
        incident=incident,
        deaths=10,
        missing=0,
        injured=0,
        at=T0 + dt.timedelta(minutes=60),
    )
    assert OutboxMessage.objects.filter(recipient="市应急局").exists()


def test_written_reports_need_the_e3_content_and_lateness_stays_visible(plant):
    incident = _report(plant)
    user = plant["users"]["huaneng"]
    phone = incident.deadlines.get(kind="phone_county")
    deadline_done(
        actor=user, deadline=phone, reported_to="县委值班室 王某", done_at=T0 + dt.timedelta(minutes=12)
    )
    phone.refresh_from_db()
    assert phone.late and selectors.deadline_state(phone, now=T0 + dt.timedelta(hours=1))["state"] == "late"
    with pytest.raises(ServiceError) as error:
        deadline_done(
            actor=user, deadline=incident.deadlines.get(kind="written_initial"), reported_to="县政府值班室"
        )
    assert error.value.field == "content" and "事故发生单位概况" in error.value.message
    incident_content_update(
        actor=user,
        incident=incident,
        unit_overview="2×350MW 热电联产",
        scene="栈桥起火",
        course="皮带摩擦起火",
        measures="停运皮带，消防救援大队到场",
    )
    incident_figures_update(
        actor=user,
        incident=incident,
        deaths=0,
        missing=0,
        injured=2,
        direct_loss_yuan=Decimal("120000"),
        at=T0 + dt.timedelta(minutes=20),
    )
    done = deadline_done(
        actor=user,
        deadline=incident.deadlines.get(kind="written_initial"),
        reported_to="县政府值班室",
        done_at=T0 + dt.timedelta(minutes=35),
    )
    assert not done.late
    board = selectors.incident_board(incident, now=T0 + dt.timedelta(minutes=45))
    states = {d["kind"]: d["state"] for d in board["deadlines"]}
    assert states == {
        "phone_county": "late",
        "phone_city": "missed",
        "written_initial": "done",
        "written_accident": "open",
    }


def test_a_verification_request_answered_late(plant):
    incident = _report(plant)
    asked = T0 + dt.timedelta(minutes=40)
    request = verification_request(
        actor=plant["users"]["yingji"],
        incident=incident,
        requested_by="市应急局",
        mode="phone",
        text="核实受伤人数",
        requested_at=asked,
    )
    assert request.due_at == asked + dt.timedelta(minutes=15) and request.citation["line"] == 4038
    written = verification_request(
        actor=plant["users"]["yingji"],
        incident=incident,
        requested_by="市应急局",
        mode="written",
        text="书面报送伤员去向",
        requested_at=asked,
    )
    assert written.due_at == asked + dt.timedelta(minutes=40)
    answered = deadline_done(
        actor=plant["users"]["huaneng"],
        deadline=request,
        reported_to="市应急局值班员",
        done_at=asked + dt.timedelta(minutes=21),
    )
    assert answered.late
    assert "超时 6 分钟" in incident.timeline.filter(kind="deadline").last().text
    with pytest.raises(ServiceError):
        verification_request(
            actor=plant["users"]["yingji"], incident=incident, requested_by="市应急局", mode="fax", text="x"
        )


def test_response_from_start_to_end_and_evaluation(plant):
    incident = _report(plant, injured=12)
    hq, firm = plant["users"]["hq"], plant["users"]["huaneng"]
    assert incident.level == "III"
    with pytest.raises(ServiceError):
        response_start(actor=firm, incident=incident, decided_by="周某")  # the enterprise does not start it
    response_start(
        actor=hq, incident=incident, decided_by="分管副县长 李某", at=T0 + dt.timedelta(minutes=20)
    )
    with pytest.raises(ServiceError):  # already responding at this level
        response_start(actor=hq, incident=incident, decided_by="李某")
    incident_figures_update(
        actor=firm, incident=incident, deaths=0, missing=0, injured=55, at=T0 + dt.timedelta(minutes=22)
    )
    response_start(actor=hq, incident=incident, decided_by="县长 王某", at=T0 + dt.timedelta(minutes=23))
    incident.refresh_from_db()
    assert (incident.level, incident.response_level, incident.response_started_by) == (
        "II",
        "II",
        "分管副县长 李某",
    )
    assert "县长 王某决定提升为重大（II级）响应" in incident.timeline.filter(kind="response").last().text
    group = WorkingGroup.objects.get(name="医疗救护组")
    group_activate(actor=hq, incident=incident, group=group, at=T0 + dt.timedelta(minutes=25))
    with pytest.raises(ServiceError):
        group_activate(actor=hq, incident=incident, group=group)
    with pytest.raises(ServiceError):  # a task for a group that was not activated
        timeline_add(
            actor=hq,
            incident=incident,
            kind="task",
            text="疏散",
            group=WorkingGroup.objects.get(name="警戒保卫组"),
        )
    later = T0 + dt.timedelta(minutes=40)
    timeline_add(actor=hq, incident=incident, kind="task", text="转运伤员至县人民医院", group=group, at=later)
    timeline_add(actor=firm, incident=incident, kind="situation", text="明火已扑灭", at=later)
    timeline_add(
        actor=hq, incident=incident, kind="onsite", text="厂区东门，总指挥 县政府办公室主任", at=later
    )
    with pytest.raises(ServiceError) as error:
        emergency_end(actor=hq, incident=incident, commander=" ")
    assert error.value.field == "commander"
    emergency_end(actor=hq, incident=incident, commander="李某", at=T0 + dt.timedelta(hours=5))
    incident.refresh_from_db()
    assert incident.status == "ended" and incident.onsite_hq.startswith("厂区东门")
    with pytest.raises(ServiceError) as error:
        evaluation_record(actor=hq, incident=incident, evaluation_cause="皮带摩擦")
    assert "直接损失和影响" in error.value.message
    evaluation_record(
        actor=hq,
        incident=incident,
        evaluation_cause="皮带摩擦",
        evaluation_losses="12万元",
        evaluation_handling="按III级响应处置",
        evaluation_lessons="巡检不到位",
        evaluation_suggestions="加装温度监测",
        investigation="调查组已取证",
    )
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds[:2] == ["report", "response"] and kinds[-2:] == ["end", "evaluation"]


def test_an_enterprise_sees_only_its_own_incidents(plant):
    mine = _report(plant)
    other = incident_report(
        actor=plant["users"]["other"],
        enterprise=plant["enterprises"]["other"],
        kind="blackout",
        occurred_at=T0,
        place="主厂房",
        reported_at=T0 + dt.timedelta(minutes=3),
    )
    users = plant["users"]
    assert list(selectors.incident_list_for_user(users["huaneng"])) == [mine]
    assert list(selectors.incident_list_for_user(users["other"])) == [other]
    assert list(selectors.incident_list_for_user(users["town"])) == [mine]  # 田镇街道 holds 甲村
    assert set(selectors.incident_list_for_user(users["hq"])) == {mine, other}
    with pytest.raises(ServiceError):
        incident_report(
            actor=users["other"],
            enterprise=plant["enterprises"]["huaneng"],
            kind="fire",
            occurred_at=T0,
            place="x",
            reported_at=T0,
        )
    with pytest.raises(ServiceError):
        incident_figures_update(actor=users["other"], incident=mine, deaths=0, missing=0, injured=0)
    with pytest.raises(ServiceError):
        deadline_done(actor=users["other"], deadline=mine.deadlines.first(), reported_to="x")


def test_intake_refuses_bad_input_and_writes_nothing(plant):
    with pytest.raises(ServiceError) as error:
        _report(plant, kind="earthquake")
    assert error.value.field == "kind"
    with pytest.raises(ServiceError) as error:
        _report(plant, occurred_at=T0 + dt.timedelta(hours=1))
    assert error.value.field == "occurred_at"
    with pytest.raises(ServiceError) as error:
        _report(plant, deaths=-1)
    assert error.value.field == "deaths"
    assert not Incident.objects.exists() and not ReportDeadline.objects.exists()
