"""Who may set prices, manage terminals, ask for and decide late entries, set the back-dating window:
every role against the services, with scope, and the PERMISSIONS table checked against the predicates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens import access
from countyhall.canteens.services.late_entries import (
    backdate_window_set,
    late_entry_decide,
    late_entry_request,
)
from countyhall.canteens.services.prices import price_set
from countyhall.canteens.services.terminals import TerminalActor, terminal_issue
from countyhall.core.access import AccessDenied
from countyhall.core.actors import SystemActor
from countyhall.core.roles import Role
from tests.canteens.conftest import enter_backdate_window

pytestmark = pytest.mark.django_db
MONEY_ACTIONS = {
    "canteens.price_set",
    "canteens.terminal_manage",
    "canteens.late_entry_request",
    "canteens.late_entry_decide",
    "canteens.backdate_window_set",
}


def _user(world, make_user, role, scope):
    """A user with `role`; "own" scope is the facility's operator organisation or its town, "other" elsewhere."""
    from countyhall.core.models import Organisation

    division = {"own": "qingcheng", "other": "tianzhen", "county": "county"}[scope]
    user = make_user(f"u-{role}-{scope}", role, division)
    if role == Role.CANTEEN_OPERATOR:
        user.organisation = (
            world["operator_org"]
            if scope == "own"
            else Organisation.objects.create(
                name=f"其他运营方-{scope}", kind="care_organisation", division=world["village_a"]
            )
        )
        user.save()
    return user


def _do(action, world, user):
    facility = world["facility"]
    if action == "canteens.price_set":
        return price_set(actor=user, facility=facility, price=Decimal("9.00"), valid_from=dt.date(2022, 7, 1))
    if action == "canteens.terminal_manage":
        return terminal_issue(actor=user, facility=facility, name="窗口")
    if action == "canteens.late_entry_request":
        return late_entry_request(
            actor=user, facility=facility, identifier="C001", meal_date=dt.date(2022, 6, 1), reason="网络中断"
        )
    if action == "canteens.late_entry_decide":
        return late_entry_decide(actor=user, entry=world["entry"], approve=False, reason="无佐证")
    if action == "canteens.backdate_window_set":
        return backdate_window_set(actor=user, days=5, reason="春节期间网络中断")
    raise AssertionError(action)


@pytest.fixture
def world(filed_world):
    enter_backdate_window(3)
    filed_world["entry"] = late_entry_request(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 6, 2),
        reason="终端故障",
    )
    return filed_world


# action, role, scope, allowed
CASES = [
    ("canteens.price_set", Role.CANTEEN_OPERATOR, "own", True),
    ("canteens.price_set", Role.CANTEEN_OPERATOR, "other", False),
    ("canteens.price_set", Role.TOWN_OFFICER, "own", True),
    ("canteens.price_set", Role.TOWN_OFFICER, "other", False),
    ("canteens.price_set", Role.CIVIL_AFFAIRS, "county", True),
    ("canteens.price_set", Role.FINANCE, "county", False),
    ("canteens.price_set", Role.AUDITOR, "county", False),
    ("canteens.terminal_manage", Role.CANTEEN_OPERATOR, "own", True),
    ("canteens.terminal_manage", Role.CANTEEN_OPERATOR, "other", False),
    ("canteens.terminal_manage", Role.TOWN_OFFICER, "own", False),
    ("canteens.terminal_manage", Role.CIVIL_AFFAIRS, "county", True),
    ("canteens.terminal_manage", Role.MARKET_REGULATION, "county", False),
    ("canteens.late_entry_request", Role.CANTEEN_OPERATOR, "own", True),
    ("canteens.late_entry_request", Role.CANTEEN_OPERATOR, "other", False),
    ("canteens.late_entry_request", Role.TOWN_OFFICER, "own", True),
    ("canteens.late_entry_request", Role.TOWN_OFFICER, "other", False),
    ("canteens.late_entry_request", Role.CIVIL_AFFAIRS, "county", True),
    ("canteens.late_entry_request", Role.FINANCE, "county", False),
    ("canteens.late_entry_decide", Role.CIVIL_AFFAIRS, "county", True),
    ("canteens.late_entry_decide", Role.CANTEEN_OPERATOR, "own", False),
    ("canteens.late_entry_decide", Role.TOWN_OFFICER, "own", False),
    ("canteens.late_entry_decide", Role.FINANCE, "county", False),
    # 补录期限 is an administered figure under four eyes: a system administrator proposes, another approves.
    ("canteens.backdate_window_set", Role.SYSTEM_ADMIN, "county", True),
    ("canteens.backdate_window_set", Role.CIVIL_AFFAIRS, "county", False),
    ("canteens.backdate_window_set", Role.CANTEEN_OPERATOR, "own", False),
    ("canteens.backdate_window_set", Role.TOWN_OFFICER, "own", False),
]


@pytest.mark.parametrize(("action", "role", "scope", "allowed"), CASES)
def test_services_enforce_the_table(world, make_user, action, role, scope, allowed):
    user = _user(world, make_user, role, scope)
    if allowed:
        assert _do(action, world, user) is not None
    else:
        with pytest.raises(AccessDenied):
            _do(action, world, user)


@pytest.mark.parametrize("action", sorted(MONEY_ACTIONS))
@pytest.mark.parametrize(
    "actor", [SystemActor("cli:root"), TerminalActor(label="terminal:1", terminal_id=1, facility_id=1)]
)
def test_system_actors_and_terminals_do_none_of_it(world, action, actor):
    with pytest.raises(AccessDenied):
        _do(action, world, actor)


def _predicate(action, user, world):
    facility = world["facility"]
    return {
        "canteens.price_set": lambda: access.can_set_prices(user, facility),
        "canteens.terminal_manage": lambda: access.can_manage_terminals(user, facility),
        "canteens.late_entry_request": lambda: access.can_request_late_entry(user, facility),
        "canteens.late_entry_decide": lambda: access.can_decide_late_entry(user, world["entry"]),
        "canteens.backdate_window_set": lambda: access.can_set_backdate_window(user),
    }[action]()


def test_permission_table_agrees_with_the_predicates(world, make_user):
    table = {p.action: p for p in access.PERMISSIONS if p.action in MONEY_ACTIONS}
    assert set(table) == MONEY_ACTIONS
    for role in Role:
        # In scope: the facility's own operator organisation and town; county roles county-wide.
        user = _user(
            world, make_user, role, "own" if role in (Role.CANTEEN_OPERATOR, Role.TOWN_OFFICER) else "county"
        )
        for action, permission in table.items():
            assert _predicate(action, user, world) == (role in permission.allowed), (action, role)


def test_access_page_lists_the_money_actions(client, make_user):
    client.force_login(make_user("admin", Role.SYSTEM_ADMIN))
    html = client.get("/access/").content.decode()
    for label in (
        "录入机构价目表",
        "发放、更换、停用登记终端",
        "审核午餐补录申请",
        "提出补录期限（天）的调整",
    ):
        assert label in html
