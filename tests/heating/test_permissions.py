"""Clean heating's permission table: every role × every write action, through the services, with scope.

The town officer of 青城镇 (where the test village 乙庄 lies) is the "own town"; the officer of 田镇街道
is "another town". Every refused action raises AccessDenied from the service itself, so a page, the CLI
or any later caller gets the same answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.access import SCOPE_COUNTY, SCOPE_TOWN, AccessDenied
from countyhall.core.actors import SystemActor
from countyhall.core.policy.governed import readings_answered
from countyhall.core.roles import Role
from countyhall.heating import access, services
from countyhall.heating.models import Acceptance, Claim, Household, VillagePlan
from tests.conftest import valid_id
from tests.heating.test_ledger import book, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county_tree, make_user):
    """A gas village in 青城镇 with a gas and a biomass household, a draft claim and a passed town step."""
    housing = make_user("perm-housing", Role.HOUSING)
    natural_b = county_tree["natural_b"]
    plan = services.village_plan_set(actor=housing, division=natural_b, method="gas", planned_households=2)
    gas = services.household_register(
        actor=housing,
        division=natural_b,
        id_number=valid_id("37032219500101101"),
        name="燃气户",
        address="乙庄1号",
        method="gas",
    )
    biomass = services.household_register(
        actor=housing,
        division=natural_b,
        id_number=valid_id("37032219500101102"),
        name="生物质户",
        address="乙庄2号",
        method="biomass",
    )
    services.device_record(
        actor=housing,
        household=gas,
        kind="gas_boiler",
        model_name="JX-24",
        supplier="示例",
        price=Decimal("4000.00"),
    )
    services.acceptance_record(
        actor=housing, plan=plan, stage="town_initial", passed=True, decided_on=dt.date(2021, 10, 25)
    )
    services.acceptance_record(
        actor=housing, plan=plan, stage="county_application", passed=True, decided_on=dt.date(2021, 10, 27)
    )
    # The third-party step stays open here: a draft claim under reading B12's alternative (paid before acceptance).
    with readings_answered({"B12": "alternative"}):
        services.entitlements_compute(actor=housing, period="2021")
        [claim] = services.claims_build(actor=housing, period="2021")
    return {"plan": plan, "gas": gas, "biomass": biomass, "claim": claim, **county_tree}


def _import(actor, w):
    report = services.ledger_import(actor=actor, content=book([row(7)]))
    if not report.applied:
        # A row outside the importer's town is a row error naming the reason, not a write.
        assert any("范围" in message for _, _, message in report.errors), report.errors
        raise AccessDenied("; ".join(message for _, _, message in report.errors))
    assert report.created == 1


ACTIONS = {
    "heating.village_plan_set": lambda a, w: services.village_plan_set(
        actor=a, division=w["natural_b"], method="gas", planned_households=3
    ),
    "heating.household_register": lambda a, w: services.household_register(
        actor=a,
        division=w["natural_b"],
        id_number=valid_id("37032219500101109"),
        name="新户",
        address="乙庄9号",
        method="gas",
    ),
    "heating.device_record": lambda a, w: services.device_record(
        actor=a,
        household=w["gas"],
        kind="gas_boiler",
        model_name="JX-24",
        supplier="示例",
        price=Decimal("3900.00"),
    ),
    "heating.season_use_record": lambda a, w: (
        services.season_use_record(actor=a, household=w["gas"], season="2021-2022", gas_m3=Decimal("900")),
        services.meter_reading_record(
            actor=a,
            household=w["gas"],
            season="2022-2023",
            read_on=dt.date(2022, 11, 20),
            reading_m3=Decimal("10"),
        ),
        services.fuel_purchase_record(
            actor=a,
            household=w["biomass"],
            season="2021-2022",
            bought_on=dt.date(2021, 11, 20),
            tonnes=Decimal("1.5"),
        ),
    ),
    "heating.ledger_import": _import,
    "heating.inspection_record": lambda a, w: services.inspection_record(
        actor=a, town=w["qingcheng"], done_on=dt.date(2021, 9, 28), households_checked=120
    ),
    "heating.public_institution_set": lambda a, w: services.public_institution_set(
        actor=a, name="乙庄小学", division=w["natural_b"], heated_area_m2=Decimal("300")
    ),
    "heating.tendered_equipment_add": lambda a, w: services.tendered_equipment_add(
        actor=a, kind="gas_boiler", model_name="JX-24", supplier="示例", price=Decimal("3800.00")
    ),
    "heating.entitlements_compute": lambda a, w: (
        services.entitlements_compute(actor=a, period="2021"),
        services.claims_build(actor=a, period="2021"),
    ),
    "heating.claim_approve": lambda a, w: services.claim_approve(actor=a, claim=w["claim"]),
    "heating.claim_return": lambda a, w: services.claim_return(
        actor=a, claim=w["claim"], reason="发票复印件缺失"
    ),
    "heating.household_correct": lambda a, w: services.household_correct(
        actor=a, household=w["gas"], reason="住址录错", address="乙庄1号院"
    ),
    "heating.acceptance_town": lambda a, w: services.acceptance_record(
        actor=a, plan=w["plan"], stage="town_initial", passed=True, decided_on=dt.date(2021, 10, 26)
    ),
    "heating.acceptance_third_party": lambda a, w: services.acceptance_record(
        actor=a, plan=w["plan"], stage="third_party", passed=True, decided_on=dt.date(2021, 11, 10)
    ),
}

PERMISSION = {p.action: p for p in access.PERMISSIONS}

# (role, the user's scope): every role at county scope, and the town officer in its own and another town.
USERS = [(role, "county") for role in Role if role != Role.TOWN_OFFICER] + [
    (Role.TOWN_OFFICER, "qingcheng"),
    (Role.TOWN_OFFICER, "tianzhen"),
]


def _expected(action: str, role: str, scope: str) -> bool:
    granted = PERMISSION[action].scope_for(role)
    if granted is None:
        return False
    # 乙庄 lies in 青城镇: a town-scoped grant reaches it from 青城镇 only.
    return granted == SCOPE_COUNTY or scope in ("county", "qingcheng")


def test_every_write_action_has_a_permission_and_a_case():
    assert set(ACTIONS) == set(PERMISSION)
    assert {role for role, _ in USERS} == set(Role)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize(("role", "scope"), USERS)
def test_role_may_or_may_not_write(world, make_user, action, role, scope):
    user = make_user(f"u-{role}-{scope}", role, scope)
    if _expected(action, role, scope):
        ACTIONS[action](user, world)
    else:
        with pytest.raises(AccessDenied):
            ACTIONS[action](user, world)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_system_actors_load_data_but_never_approve_money(world, action):
    actor = SystemActor("demo")
    if action in ("heating.claim_approve", "heating.claim_return"):
        with pytest.raises(AccessDenied):
            ACTIONS[action](actor, world)
    else:
        ACTIONS[action](actor, world)


def test_refused_acceptance_changes_nothing(world, make_user):
    """The finding: anyone who may open heating could record B12 for any village and mark it accepted."""
    for user in (
        make_user("aud", Role.AUDITOR),
        make_user("fin", Role.FINANCE),
        make_user("tz", Role.TOWN_OFFICER, "tianzhen"),
        make_user("qc", Role.TOWN_OFFICER, "qingcheng"),
    ):
        with pytest.raises(AccessDenied):
            ACTIONS["heating.acceptance_third_party"](user, world)
    assert not Acceptance.objects.filter(stage="third_party").exists()
    assert not Household.objects.filter(accepted_on__isnull=False).exists()
    assert Claim.objects.get(pk=world["claim"].pk).status == Claim.Status.DRAFT


PREDICATES = {
    "heating.village_plan_set": lambda u, o: access.can_set_plan(u, o["division"]),
    "heating.household_register": lambda u, o: access.can_edit_household(u, o["division"]),
    "heating.device_record": lambda u, o: access.can_edit_household(u, o["household"].division),
    "heating.season_use_record": lambda u, o: access.can_record_use(u, o["household"]),
    "heating.ledger_import": lambda u, o: (
        access.can_import_ledger(u) and access.can_edit_household(u, o["division"])
    ),
    "heating.inspection_record": lambda u, o: access.can_record_inspection(u, o["town"]),
    "heating.public_institution_set": lambda u, o: access.can_set_institution(u, o["division"]),
    "heating.tendered_equipment_add": lambda u, o: access.can_set_tendered(u),
    "heating.entitlements_compute": lambda u, o: access.can_compute(u),
    "heating.claim_approve": lambda u, o: access.can_approve_claim(u, o["claim"]),
    "heating.claim_return": lambda u, o: access.can_return_claim(u, o["claim"]),
    "heating.household_correct": lambda u, o: access.can_correct_household(u, o["household"]),
    "heating.acceptance_town": lambda u, o: (
        access.can_record_acceptance(u, o["plan"], "town_initial")
        and access.can_record_acceptance(u, o["plan"], "county_application")
    ),
    "heating.acceptance_third_party": lambda u, o: access.can_record_acceptance(u, o["plan"], "third_party"),
}


@pytest.mark.parametrize("permission", access.PERMISSIONS, ids=lambda p: p.action)
def test_permission_table_agrees_with_the_predicates(county_tree, make_user, permission):
    assert set(PREDICATES) == set(PERMISSION)
    natural_b = county_tree["natural_b"]
    objects = {
        "division": natural_b,
        "household": Household(division=natural_b),
        "plan": VillagePlan(division=natural_b),
        "claim": Claim(period="2021", payee="gas_company"),
        "town": county_tree["qingcheng"],
    }
    for role in Role:
        granted = permission.scope_for(role)
        # A role with a town-scoped grant is tried in the object's town; every other role at county scope.
        scope = "qingcheng" if granted == SCOPE_TOWN else "county"
        user = make_user(f"t-{role}", role, scope)
        assert PREDICATES[permission.action](user, objects) == (granted is not None), (
            permission.action,
            role,
        )
        if granted == SCOPE_TOWN:
            other = make_user(f"t-{role}-other", role, "tianzhen")
            assert not PREDICATES[permission.action](other, objects), (
                permission.action,
                role,
                "another town",
            )


def test_access_page_shows_the_heating_table(client, make_user):
    client.force_login(make_user("acc-heating", Role.AUDITOR))
    html = client.get("/access/").content.decode()
    for permission in access.PERMISSIONS:
        assert permission.label in html


def test_acceptance_stages_agree_with_the_predicate(county_tree, make_user):
    """The dashboard's chooser asks access.acceptance_stages for all plans at once: the same answer as
    can_record_acceptance for each plan and step, for every role in and out of the plan's town."""
    plans = [
        VillagePlan(pk=1, division=county_tree["natural_b"]),
        VillagePlan(pk=2, division=county_tree["qingcheng"]),
    ]
    stages = Acceptance.Stage.values
    for role in Role:
        for scope in ("county", "qingcheng", "tianzhen"):
            user = make_user(f"as-{role}-{scope}", role, scope)
            expected = {
                plan: [s for s in stages if access.can_record_acceptance(user, plan, s)] for plan in plans
            }
            assert access.acceptance_stages(user, plans, stages) == expected, (role, scope)
