"""Who may do what in accident response: each write refused or allowed by the service itself, with scope
(enterprise A vs B's incident; a town office inside vs outside the area), the headquarters defined once, and
the PERMISSIONS table agreeing with the predicates for every role."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.actors import SystemActor
from countyhall.core.models import Organisation
from countyhall.core.roles import Role
from countyhall.emergency import access, selectors
from countyhall.emergency.models import CommandPost, Incident, PowerEnterprise, ReportDeadline, WorkingGroup
from countyhall.emergency.services import (
    command_post_assign,
    command_structure_load,
    deadline_done,
    drill_record,
    duty_office_set,
    emergency_end,
    enterprise_register,
    evaluation_record,
    expert_add,
    group_activate,
    hazard_add,
    incident_content_update,
    incident_figures_update,
    incident_report,
    response_start,
    timeline_add,
    verification_request,
    warning_cancel,
    warning_issue,
)

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2022, 3, 1, 9, 0, tzinfo=BJ)


def _report(plant, actor_key: str, enterprise_key: str = "huaneng"):
    return incident_report(
        actor=plant["users"][actor_key],
        enterprise=plant["enterprises"][enterprise_key],
        kind="fire",
        occurred_at=T0,
        place="锅炉房",
        injured=1,
        reported_at=T0 + dt.timedelta(minutes=5),
    )


# ---------------------------------------------------------------- services refuse and allow, with scope


def test_incident_report_by_own_enterprise_town_in_area_or_hq(plant):
    # 高青示例热电 lies in 田镇街道 (甲村); 青城示例生物质发电 in 青城镇.
    for key, enterprise, allowed in [
        ("huaneng", "huaneng", True),
        ("other", "huaneng", False),
        ("town", "huaneng", True),
        ("town", "other", False),
        ("hq", "other", True),
        ("yingji", "huaneng", True),
        ("auditor", "huaneng", False),
    ]:
        if allowed:
            assert _report(plant, key, enterprise).pk
        else:
            with pytest.raises(AccessDenied):
                _report(plant, key, enterprise)
    with pytest.raises(AccessDenied):
        _report({**plant, "users": {"cli": SystemActor("cli:root")}}, "cli")


def test_updates_and_reports_of_an_incident_follow_its_enterprise(plant):
    users = plant["users"]
    incident = _report(plant, "huaneng")
    deadline = incident.deadlines.order_by("due_at").first()
    for key in ("other", "auditor"):
        with pytest.raises(AccessDenied):
            incident_figures_update(actor=users[key], incident=incident, deaths=0, missing=0, injured=3)
        with pytest.raises(AccessDenied):
            incident_content_update(actor=users[key], incident=incident, scene="x")
        with pytest.raises(AccessDenied):
            deadline_done(actor=users[key], deadline=deadline, reported_to="县应急局")
        with pytest.raises(AccessDenied):  # 核报 was recorded for any incident before
            verification_request(
                actor=users[key], incident=incident, requested_by="市应急局", mode="phone", text="x"
            )
        with pytest.raises(AccessDenied):
            timeline_add(actor=users[key], incident=incident, kind="situation", text="续报")
    incident_figures_update(actor=users["town"], incident=incident, deaths=0, missing=0, injured=3)
    verification_request(
        actor=users["huaneng"], incident=incident, requested_by="市应急局", mode="phone", text="x"
    )
    assert deadline_done(actor=users["huaneng"], deadline=deadline, reported_to="县应急局").done_at


def test_only_the_headquarters_commands_a_county_response(plant):
    users = plant["users"]
    incident = _report(plant, "huaneng")
    incident_figures_update(actor=users["hq"], incident=incident, deaths=3, missing=0, injured=1)  # Level III
    group = WorkingGroup.objects.first()
    for key in ("huaneng", "town", "auditor"):
        with pytest.raises(AccessDenied):
            response_start(actor=users[key], incident=incident, decided_by="x")
    with pytest.raises(AccessDenied):  # a system actor is not the headquarters
        response_start(actor="cli:root", incident=incident, decided_by="x")
    response_start(actor=users["hq"], incident=incident, decided_by="副县长")
    with pytest.raises(AccessDenied):
        group_activate(actor=users["huaneng"], incident=incident, group=group)
    group_activate(actor=users["yingji"], incident=incident, group=group)
    with pytest.raises(AccessDenied):
        timeline_add(actor=users["town"], incident=incident, kind="task", text="x", group=group)
    with pytest.raises(AccessDenied):
        emergency_end(actor=users["huaneng"], incident=incident, commander="x")
    with pytest.raises(AccessDenied):
        emergency_end(actor=users["town"], incident=incident, commander="x")
    emergency_end(actor=users["hq"], incident=incident, commander="县长")
    with pytest.raises(AccessDenied):
        evaluation_record(actor=users["town"], incident=incident)
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.ENDED


# 34号 4.1, L3969–3975: "Ⅳ级响应 … 由事故发生地镇（办）、经济开发区启动和实施". Who may start and end a response, by
# level and by where the accident happened (高青示例热电 lies in 田镇街道; 青城示例生物质发电 in 青城镇).
@pytest.mark.parametrize(
    ("deaths", "actor", "enterprise", "allowed"),
    [
        (0, "town", "huaneng", True),  # Level IV in the town's own area (L3973)
        (0, "town", "other", False),  # Level IV in another town
        (0, "hq", "huaneng", True),  # the county headquarters may always
        (0, "huaneng", "huaneng", False),  # not the enterprise
        (3, "town", "huaneng", False),  # Level III: the county headquarters (L3965)
        (3, "hq", "huaneng", True),
    ],
)
def test_level_iv_is_started_and_ended_by_the_town_where_it_happened(
    plant, deaths, actor, enterprise, allowed
):
    users = plant["users"]
    incident = _report(plant, "hq", enterprise)
    if deaths:
        incident_figures_update(actor=users["hq"], incident=incident, deaths=deaths, missing=0, injured=1)
        incident.refresh_from_db()
    assert access.can_start_response(users[actor], incident) is allowed
    if not allowed:
        with pytest.raises(AccessDenied):
            response_start(actor=users[actor], incident=incident, decided_by="x")
        return
    response_start(actor=users[actor], incident=incident, decided_by="镇长" if actor == "town" else "副县长")
    group = WorkingGroup.objects.first()
    group_activate(actor=users[actor], incident=incident, group=group)
    ended = emergency_end(actor=users[actor], incident=incident, commander="张某")
    assert ended.status == Incident.Status.ENDED
    end = ended.timeline.filter(kind="end").get()
    assert ("镇（办）、经济开发区负责人" in end.text) is (deaths == 0)


def test_a_town_cannot_raise_its_level_iv_response_to_iii(plant):
    users = plant["users"]
    incident = _report(plant, "town")
    response_start(actor=users["town"], incident=incident, decided_by="镇长")
    incident_figures_update(actor=users["town"], incident=incident, deaths=3, missing=0, injured=1)
    incident.refresh_from_db()
    assert incident.level == "III" and incident.response_level == "IV"
    with pytest.raises(AccessDenied):
        response_start(actor=users["town"], incident=incident, decided_by="镇长")
    response_start(actor=users["hq"], incident=incident, decided_by="副县长")
    with pytest.raises(AccessDenied):  # now a county response: the town no longer ends it
        emergency_end(actor=users["town"], incident=incident, commander="镇长")


def test_warnings_by_the_headquarters_only(plant):
    users = plant["users"]
    values = {"level": "IV", "event": "事故预警", "headline": "h", "description": "d", "area": "高青县"}
    for actor in (users["huaneng"], users["town"], users["auditor"], SystemActor("cli:root")):
        with pytest.raises(AccessDenied):
            warning_issue(actor=actor, **values)
    warning = warning_issue(actor=users["yingji"], **values)
    with pytest.raises(AccessDenied):
        warning_cancel(actor=users["huaneng"], previous=warning, reason="x")
    assert warning_cancel(actor=users["hq"], previous=warning, reason="解除").msg_type == "Cancel"


def test_registers_and_drills(plant, make_user):
    users, enterprises = plant["users"], plant["enterprises"]
    admin = make_user("e-admin", "system_admin")
    for key in ("huaneng", "town", "auditor"):
        with pytest.raises(AccessDenied):
            expert_add(actor=users[key], name="专家", speciality="锅炉")
        with pytest.raises(AccessDenied):
            duty_office_set(actor=users[key], name="县委值班室", tier="county")
        with pytest.raises(AccessDenied):
            command_structure_load(actor=users[key])
        with pytest.raises(AccessDenied):
            command_post_assign(actor=users[key], post=CommandPost.objects.first(), holder="某")
    organisation = Organisation.objects.create(
        name="第三发电", kind="enterprise", division=enterprises["huaneng"].division
    )
    with pytest.raises(AccessDenied):
        enterprise_register(
            actor=users["town"], organisation=organisation, division=enterprises["huaneng"].division
        )
    assert enterprise_register(
        actor=admin, organisation=organisation, division=enterprises["huaneng"].division
    ).pk
    assert expert_add(
        actor=SystemActor("demo"), name="专家", speciality="锅炉"
    ).pk  # the demo loader, explicitly
    with pytest.raises(AccessDenied):  # enterprise B's hazards are not enterprise A's to register
        hazard_add(actor=users["huaneng"], enterprise=enterprises["other"], name="氨罐")
    assert hazard_add(actor=users["huaneng"], enterprise=enterprises["huaneng"], name="氨罐").pk
    with pytest.raises(AccessDenied):
        drill_record(
            actor=users["huaneng"], enterprise=enterprises["other"], held_on=dt.date(2022, 3, 1), scenario="x"
        )
    with pytest.raises(AccessDenied):
        drill_record(
            actor=users["town"], enterprise=enterprises["huaneng"], held_on=dt.date(2022, 3, 1), scenario="x"
        )
    assert drill_record(
        actor=users["huaneng"], enterprise=enterprises["huaneng"], held_on=dt.date(2022, 3, 1), scenario="x"
    ).pk


def test_headquarters_is_defined_once():
    assert selectors.HQ is access.HQ and selectors.is_hq is access.is_hq


# ---------------------------------------------------------------- the table agrees with the predicates


def _answers(
    user, enterprise: PowerEnterprise, incident: Incident, deadline: ReportDeadline
) -> dict[str, bool]:
    return {
        "emergency.registers": access.can_keep_registers(user),
        "emergency.command_structure_load": access.can_load_command_structure(user),
        "emergency.hazard_add": access.can_add_hazard(user, enterprise),
        "emergency.incident_report": access.can_report_incident(user, enterprise),
        "emergency.incident_update": access.can_update_incident(user, incident),
        "emergency.deadline_done": access.can_mark_deadline_done(user, deadline),
        "emergency.verification_request": access.can_request_verification(user, incident),
        "emergency.situation_add": access.can_add_situation(user, incident),
        "emergency.response_start": access.can_command(user, incident),
        "emergency.group_activate": access.can_command(user, incident),
        "emergency.timeline_command": access.can_command(user, incident),
        "emergency.level_lower": access.can_lower_level(user, incident),
        "emergency.end": access.can_command(user, incident),
        "emergency.evaluation_record": access.can_command(user, incident),
        "emergency.warning": access.can_issue_warning(user),
        "emergency.drill_record": access.can_record_drill(user, enterprise),
        "emergency.outbox_dispatch": access.can_dispatch_outbox(user),
    }


@pytest.mark.parametrize("role", list(Role))
def test_permission_table_agrees_with_the_predicates(plant, make_user, role):
    # The most in-scope object for each role: its own enterprise, in its own town.
    enterprise = plant["enterprises"]["huaneng"]
    user = make_user(f"table-{role}", role, "tianzhen")
    if role == Role.POWER_ENTERPRISE:
        user.organisation = enterprise.organisation
        user.save()
    incident = _report(plant, "huaneng")
    answers = _answers(user, enterprise, incident, incident.deadlines.first())
    assert set(answers) == {p.action for p in access.PERMISSIONS}
    for permission in access.PERMISSIONS:
        assert answers[permission.action] == (role in permission.allowed), (role, permission.action)


def test_a_system_actor_is_allowed_only_where_explicit(plant):
    incident = _report(plant, "huaneng")
    answers = _answers(
        SystemActor("cli:root"), plant["enterprises"]["huaneng"], incident, incident.deadlines.first()
    )
    assert {action for action, yes in answers.items() if yes} == {
        "emergency.registers",
        "emergency.command_structure_load",
        "emergency.hazard_add",
        "emergency.drill_record",
    }


def test_the_access_page_shows_the_emergency_table(client, plant, make_user):
    client.force_login(make_user("e-admin-access", "system_admin"))
    html = client.get("/access/").content.decode()
    assert "启动应急响应" in html and "发布、更新、解除预警" in html


@pytest.mark.parametrize("participants", [10**12, -3])
def test_a_drill_with_an_absurd_head_count_names_the_field(plant, participants):
    """Attack: 参演人数 10^12 failed PostgreSQL's integer column with a 500, a negative count its check."""
    from countyhall.core.errors import ServiceError

    users, enterprises = plant["users"], plant["enterprises"]
    with pytest.raises(ServiceError) as error:
        drill_record(
            actor=users["huaneng"],
            enterprise=enterprises["huaneng"],
            held_on=dt.date(2022, 3, 1),
            scenario="锅炉爆管",
            participants=participants,
        )
    assert error.value.field == "participants"
