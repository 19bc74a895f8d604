"""Core writes: role × action, through the services, with scope; and the PERMISSIONS table agrees with the
predicates for every role."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core import permissions
from countyhall.core.access import AccessDenied
from countyhall.core.actors import SystemActor
from countyhall.core.roles import Role
from countyhall.core.services.calendar import (
    calendar_day_correct,
    calendar_year_create_manual,
    calendar_year_enter,
)
from countyhall.core.services.divisions import division_upsert, organisation_upsert
from countyhall.core.services.people import person_register
from tests.conftest import valid_id

_serial = iter(range(100, 999))


def _register(user, tree, where):
    return person_register(
        actor=user, id_number=valid_id(f"37032219500101{next(_serial)}"), name="测试人", division=tree[where]
    )


def _division(user, tree, where):
    return division_upsert(
        actor=user, code=f"370322001{next(_serial)}", name="新村", kind="village", parent=tree["tianzhen"]
    )


def _organisation(user, tree, where):
    return organisation_upsert(
        actor=user, name=f"新机构{next(_serial)}", kind="department", division=tree["county"]
    )


def _calendar_year(user, tree, where):
    return calendar_year_create_manual(
        year=2000 + next(_serial) % 100 + 100, basis="国务院办公厅通知", actor=user
    )


def _calendar_year_enter(user, tree, where):
    # A made-up notice (test fixture, not real holidays).
    year = 2000 + next(_serial) % 100 + 100
    return calendar_year_enter(
        actor=user,
        year=year,
        holidays=[("测试节", dt.date(year, 1, 1), dt.date(year, 1, 1))],
        makeup_workdays=[],
        notice_number=f"国办发明电〔{year - 1}〕1号",
        notice_title="（测试用虚构通知）",
    )


def _calendar_day(user, tree, where):
    return calendar_day_correct(
        date=dt.date(2022, 10, 8), kind="holiday", holiday_name="地方调整", note="测试修正", actor=user
    )


ACTIONS = {
    "core.person_register": _register,
    "core.division_upsert": _division,
    "core.organisation_upsert": _organisation,
    "core.calendar_year_create_manual": _calendar_year,
    "core.calendar_year_enter": _calendar_year_enter,
    "core.calendar_day_correct": _calendar_day,
}

# action, role, the user's scope, where the object lies, allowed
CASES = [
    ("core.person_register", Role.TOWN_OFFICER, "tianzhen", "village_a", True),
    ("core.person_register", Role.TOWN_OFFICER, "tianzhen", "village_b", False),  # another town
    ("core.person_register", Role.TOWN_OFFICER, "village_b", "natural_b", True),
    ("core.person_register", Role.CIVIL_AFFAIRS, "county", "village_b", True),
    ("core.person_register", Role.HOUSING, "county", "village_a", True),
    ("core.person_register", Role.CANTEEN_OPERATOR, "village_b", "village_b", False),
    ("core.person_register", Role.FINANCE, "county", "village_a", False),
    ("core.person_register", Role.AUDITOR, "county", "village_a", False),
    ("core.person_register", Role.SYSTEM_ADMIN, "county", "village_a", False),
    ("core.division_upsert", Role.SYSTEM_ADMIN, "county", "county", True),
    ("core.division_upsert", Role.TOWN_OFFICER, "tianzhen", "tianzhen", False),
    ("core.division_upsert", Role.CIVIL_AFFAIRS, "county", "county", False),
    ("core.organisation_upsert", Role.SYSTEM_ADMIN, "county", "county", True),
    ("core.organisation_upsert", Role.APPLICANT_FIRM, "county", "county", False),
    ("core.organisation_upsert", Role.AUDITOR, "county", "county", False),
    ("core.calendar_year_create_manual", Role.SYSTEM_ADMIN, "county", "county", True),
    ("core.calendar_year_create_manual", Role.APPROVAL, "county", "county", False),
    ("core.calendar_year_enter", Role.SYSTEM_ADMIN, "county", "county", True),
    ("core.calendar_year_enter", Role.AUDITOR, "county", "county", False),
    ("core.calendar_day_correct", Role.SYSTEM_ADMIN, "county", "county", True),
    ("core.calendar_day_correct", Role.PERMIT_REVIEWER, "county", "county", False),
    ("core.calendar_day_correct", Role.AUDITOR, "county", "county", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role", "scope", "where", "allowed"), CASES)
def test_core_write_per_role_and_scope(make_user, county_tree, action, role, scope, where, allowed):
    user = make_user(f"perm-{role}"[:30], role, scope)
    run = ACTIONS[action]
    if allowed:
        assert run(user, county_tree, where) is not None
    else:
        with pytest.raises(AccessDenied):
            run(user, county_tree, where)


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_system_actors_may_write_core_data(county_tree, action):
    assert ACTIONS[action](SystemActor("cli:root"), county_tree, "village_a") is not None


def test_every_core_action_is_tested_and_in_the_table():
    assert {p.action for p in permissions.PERMISSIONS} == set(ACTIONS) | {"core.calendar_seed_year"}
    assert {case[0] for case in CASES} == set(ACTIONS)


PREDICATES = {
    "core.person_register": lambda user, tree: permissions.can_register_person(user, tree["village_a"]),
    "core.division_upsert": lambda user, tree: permissions.can_edit_divisions(user),
    "core.organisation_upsert": lambda user, tree: permissions.can_edit_divisions(user),
    "core.calendar_seed_year": lambda user, tree: permissions.can_edit_calendar(user),
    "core.calendar_year_create_manual": lambda user, tree: permissions.can_edit_calendar(user),
    "core.calendar_year_enter": lambda user, tree: permissions.can_edit_calendar(user),
    "core.calendar_day_correct": lambda user, tree: permissions.can_edit_calendar(user),
}


@pytest.mark.django_db
@pytest.mark.parametrize("permission", permissions.PERMISSIONS, ids=lambda p: p.action)
def test_permission_table_agrees_with_the_predicates(make_user, county_tree, permission):
    for index, role in enumerate(Role):
        # In scope: a town role in the object's town, everyone else county-wide.
        scope = "tianzhen" if permission.allowed.get(role) == "本镇（街道）" else "county"
        user = make_user(f"table-{index}", role, scope)
        assert PREDICATES[permission.action](user, county_tree) == (role in permission.allowed), role


@pytest.mark.django_db
def test_core_table_is_on_the_access_page(client, make_user):
    client.force_login(make_user("acc-core-auditor", Role.AUDITOR))
    html = client.get("/access/").content.decode()
    assert "平台基础" in html and "登记人员（按身份证号）" in html and "修正某日的工作日/节假日" in html
