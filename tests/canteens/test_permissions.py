"""Who may do what in the canteens: every write action × role (with scope), through the services themselves,
and the published PERMISSIONS table agrees with the predicates the services require."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from countyhall.canteens import access
from countyhall.canteens.models import Facility, Settlement
from countyhall.canteens.services import elders as elder_services
from countyhall.canteens.services import evaluations as evaluation_services
from countyhall.canteens.services import facilities as facility_services
from countyhall.canteens.services import settlements as settlement_services
from countyhall.core.access import AccessDenied
from countyhall.core.actors import SystemActor
from countyhall.core.models import Organisation
from countyhall.core.roles import Role
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db

ALL_USERS = [
    "minzheng",
    "shichang",
    "caizheng",
    "auditor",
    "admin",
    "housing",
    "town",
    "town_other",
    "operator",
    "operator_other",
    "system",
]


@pytest.fixture
def world(canteen_world, make_user):
    """canteen_world plus a town officer of the other town, an operator of another firm in the same village,
    the departments without canteen duties, and a system actor."""
    users = canteen_world["users"]
    other_org = Organisation.objects.create(
        name="另一家餐饮公司", kind="enterprise", division=canteen_world["village_b"]
    )
    users["operator_other"] = make_user("op-other", Role.CANTEEN_OPERATOR, "village_b")
    users["operator_other"].organisation = other_org
    users["operator_other"].save()
    users["town_other"] = make_user("town-other", Role.TOWN_OFFICER, "tianzhen")
    users["auditor"] = make_user("auditor", Role.AUDITOR)
    users["admin"] = make_user("admin", Role.SYSTEM_ADMIN)
    users["housing"] = make_user(
        "housing", Role.HOUSING
    )  # may edit persons in general, but not canteen elders
    users["system"] = SystemActor("cli:test")
    return canteen_world


def _in_state(world, status: str) -> Facility:
    """The world's facility moved to `status` by the people whose step it is."""
    users, facility = world["users"], world["facility"]
    if status == "draft":
        return facility
    facility_services.facility_submit(actor=users["operator"], facility=facility)
    if status == "town_review":
        return Facility.objects.get(pk=facility.pk)
    facility_services.facility_town_review(actor=users["town"], facility=facility, approve=True)
    return Facility.objects.get(pk=facility.pk)


def _workbook(rows) -> bytes:
    book = Workbook()
    book.active.append([c[1] for c in elder_services.IMPORT_COLUMNS])
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _settlement(world, status: str) -> Settlement:
    settlement = Settlement.objects.create(facility=world["facility"], year=2021, month=10, status=status)
    return settlement


FACILITY_FIELDS = dict(
    name="青城镇乙村长者助餐服务点",
    kind="service_point",
    model="service_point",
    setting="rural",
    operator_kind="care_org",
    meal_supplier="配送甲",
    lunch_price=Decimal("8.00"),
)


def act_facility_register(world, actor):
    facility_services.facility_register(
        actor=actor, operator=world["operator_org"], division=world["natural_b"], **FACILITY_FIELDS
    )


def act_facility_update(world, actor):
    facility_services.facility_update(actor=actor, facility=world["facility"], seats=40)


def act_facility_submit(world, actor):
    facility_services.facility_submit(actor=actor, facility=world["facility"])


def act_facility_town_review(world, actor):
    facility_services.facility_town_review(
        actor=actor, facility=_in_state(world, "town_review"), approve=True
    )


def act_facility_county_evaluate(world, actor):
    facility_services.facility_county_evaluate(
        actor=actor, facility=_in_state(world, "county_evaluation"), approve=True
    )


def act_facility_staff_add(world, actor):
    facility_services.facility_staff_add(
        actor=actor, facility=world["facility"], name="帮厨乙", health_certificate_no="JK002"
    )


def act_menu_publish(world, actor):
    facility_services.menu_publish(
        actor=actor, facility=world["facility"], week_start=dt.date(2022, 5, 9), items={"mon": "面条"}
    )


def act_facility_revoke(world, actor):
    facility_services.facility_revoke(actor=actor, facility=world["facility"], reason="违规经营")


def act_elder_register(world, actor):
    elder_services.elder_register(
        actor=actor,
        id_number=valid_id("37032219440404066"),
        name="吴六",
        division=world["natural_b"],
        gaoqing_hukou=True,
    )


def act_tekun_status_add(world, actor):
    elder_services.tekun_status_add(
        actor=actor,
        elder=world["elders"]["same_80"],
        source="青民救〔2021〕9号",
        valid_from=dt.date(2021, 1, 1),
    )


def act_elder_mark_left(world, actor):
    elder_services.elder_mark_left(
        actor=actor, elder=world["elders"]["same_80"], moved_away_on=dt.date(2022, 3, 1)
    )


def act_elder_import(world, actor):
    row = [valid_id("37032219440404077"), "郑七", "是", world["natural_b"].code, "", "", "", "", ""]
    report = elder_services.elder_import(actor=actor, content=_workbook([row]))
    if not report.applied:
        # A town officer of another town may open the import, but every row of this town is refused.
        assert "数据范围" in report.errors[0].message
        raise AccessDenied(report.errors[0].message)


def act_settlement_compute(world, actor):
    settlement_services.settlement_compute(actor=actor, facility=world["facility"], year=2021, month=10)


def act_settlement_approve_civil_affairs(world, actor):
    settlement_services.settlement_approve(actor=actor, settlement=_settlement(world, "draft"))


def act_settlement_approve_finance(world, actor):
    settlement_services.settlement_approve(
        actor=actor, settlement=_settlement(world, "civil_affairs_approved")
    )


def act_evaluation_record(world, actor):
    evaluation_services.evaluation_record(
        actor=actor,
        facility=world["facility"],
        year=2021,
        passed=True,
        evaluator="第三方甲",
        evaluated_on=dt.date(2022, 1, 10),
    )


def act_operating_subsidy_compute(world, actor):
    evaluation_services.operating_subsidy_compute(actor=actor, year=2021)


def act_elder_update(world, actor):
    elder = world["elders"]["same_80"]
    elder_services.elder_update(
        actor=actor,
        elder=elder,
        reason="姓名录错",
        name="赵一一",
        division=elder.person.division,
        gaoqing_hukou=True,
        card_number="C001",
    )


def act_elder_left_undo(world, actor):
    elder = world["elders"]["same_80"]
    elder_services.elder_mark_left(actor=world["users"]["town"], elder=elder, died_on=dt.date(2022, 3, 1))
    elder_services.elder_left_undo(actor=actor, elder=elder, what="death", reason="误登记，老人健在")


def act_settlement_send_back(world, actor):
    # 民政's turn (a draft) for everyone but 财政, whose turn comes after 民政's approval.
    status = "civil_affairs_approved" if actor == world["users"].get("caizheng") else "draft"
    settlement_services.settlement_send_back(
        actor=actor, settlement=_settlement(world, status), reason="人次有误"
    )


def act_settlement_resubmit(world, actor):
    settlement = _settlement(world, "draft")
    settlement_services.settlement_send_back(
        actor=world["users"]["minzheng"], settlement=settlement, reason="人次有误"
    )
    settlement_services.settlement_resubmit(actor=actor, settlement=settlement, note="已作废重复登记")


KEEPERS = {"minzheng", "town", "operator"}
ELDER_KEEPERS = {"minzheng", "town", "system"}
# action → (service call, the users allowed; everyone else is refused with AccessDenied)
TABLE = {
    "canteens.facility_register": (act_facility_register, KEEPERS | {"system"}),
    "canteens.facility_update": (act_facility_update, KEEPERS),
    "canteens.facility_submit": (act_facility_submit, KEEPERS),
    "canteens.facility_town_review": (act_facility_town_review, {"town"}),
    "canteens.facility_county_evaluate": (act_facility_county_evaluate, {"minzheng", "shichang"}),
    "canteens.facility_staff_add": (act_facility_staff_add, KEEPERS),
    "canteens.menu_publish": (act_menu_publish, KEEPERS),
    "canteens.facility_revoke": (act_facility_revoke, {"minzheng"}),
    "canteens.elder_register": (act_elder_register, ELDER_KEEPERS),
    "canteens.tekun_status_add": (act_tekun_status_add, ELDER_KEEPERS),
    "canteens.elder_mark_left": (act_elder_mark_left, ELDER_KEEPERS),
    "canteens.elder_import": (act_elder_import, ELDER_KEEPERS),
    "canteens.settlement_compute": (act_settlement_compute, {"minzheng", "caizheng", "system"}),
    "canteens.settlement_approve_civil_affairs": (act_settlement_approve_civil_affairs, {"minzheng"}),
    "canteens.settlement_approve_finance": (act_settlement_approve_finance, {"caizheng"}),
    "canteens.evaluation_record": (act_evaluation_record, {"minzheng"}),
    "canteens.operating_subsidy_compute": (act_operating_subsidy_compute, {"minzheng", "caizheng", "system"}),
    # Corrections name the person who made them: no system actor.
    "canteens.elder_update": (act_elder_update, {"minzheng", "town"}),
    "canteens.elder_left_undo": (act_elder_left_undo, {"minzheng", "town"}),
    "canteens.settlement_send_back": (act_settlement_send_back, {"minzheng", "caizheng"}),
    "canteens.settlement_resubmit": (act_settlement_resubmit, {"operator", "minzheng"}),
}
# Lunch check-in and void are written by canteens/services/lunches.py (the counter's own module); their
# predicates are checked against the table below.
PREDICATE_ONLY = {"canteens.lunch_check_in", "canteens.lunch_void"}
# Prices, terminals, late entries and the back-dating window have their own table: test_prices_permissions.py.
MONEY_ACTIONS = {
    "canteens.price_set",
    "canteens.terminal_manage",
    "canteens.late_entry_request",
    "canteens.late_entry_decide",
    "canteens.backdate_window_set",
}


def test_every_write_action_is_in_the_table():
    assert {p.action for p in access.PERMISSIONS} == set(TABLE) | PREDICATE_ONLY | MONEY_ACTIONS


@pytest.mark.parametrize("user_key", ALL_USERS)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_role_and_scope_per_action(world, settings, action, user_key):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)  # October 2021 is a closed period, open for settlement
    call, allowed = TABLE[action]
    actor = world["users"][user_key]
    if user_key in allowed:
        call(world, actor)
    else:
        with pytest.raises(AccessDenied):
            call(world, actor)


# --- The table agrees with the predicates, for every role ------------------------------------------


def _predicate_cases(world):
    """action → predicate(user) over a representative object in scope (own town, own firm's facility)."""
    facility = world["facility"]

    def state(status):
        changed = copy.copy(facility)
        changed.status = status
        return changed

    elder = world["elders"]["same_80"]
    draft = Settlement(facility=facility, year=2021, month=10, status="draft")
    approved = Settlement(facility=facility, year=2021, month=10, status="civil_affairs_approved")
    lunch = type("LunchLike", (), {"facility": facility})()
    returned = Settlement(
        facility=facility, year=2021, month=10, status="draft", returned_at=dt.datetime(2022, 1, 5)
    )
    return {
        "canteens.facility_register": lambda u: access.can_register_facility(
            u, world["natural_b"], world["operator_org"]
        ),
        "canteens.facility_update": lambda u: access.can_edit_facility(u, facility),
        "canteens.facility_submit": lambda u: access.can_submit_facility(u, facility),
        "canteens.facility_town_review": lambda u: access.can_town_review(u, state("town_review")),
        "canteens.facility_county_evaluate": lambda u: access.can_county_evaluate(
            u, state("county_evaluation")
        ),
        "canteens.facility_staff_add": lambda u: access.can_manage_staff(u, facility),
        "canteens.menu_publish": lambda u: access.can_publish_menu(u, facility),
        "canteens.facility_revoke": lambda u: access.can_revoke_facility(u, state("filed")),
        "canteens.elder_register": lambda u: access.can_register_elder(u, world["natural_b"]),
        "canteens.tekun_status_add": lambda u: access.can_edit_elder(u, elder),
        "canteens.elder_mark_left": lambda u: access.can_edit_elder(u, elder),
        "canteens.elder_import": lambda u: (
            access.can_import_elders(u) and access.can_register_elder(u, world["natural_b"])
        ),
        "canteens.lunch_check_in": lambda u: access.can_record_lunches(u, state("filed")),
        "canteens.lunch_void": lambda u: access.can_void_lunch(u, lunch),
        "canteens.settlement_compute": lambda u: access.can_compute_settlement(u, facility),
        "canteens.settlement_approve_civil_affairs": lambda u: access.can_approve_settlement(u, draft),
        "canteens.settlement_approve_finance": lambda u: access.can_approve_settlement(u, approved),
        "canteens.evaluation_record": lambda u: access.can_record_evaluation(u, facility),
        "canteens.operating_subsidy_compute": lambda u: access.can_compute_operating_subsidy(u),
        "canteens.elder_update": lambda u: access.can_correct_elder(u, elder),
        "canteens.elder_left_undo": lambda u: access.can_correct_elder(u, elder),
        "canteens.settlement_send_back": lambda u: (
            access.can_send_back_settlement(u, draft) or access.can_send_back_settlement(u, approved)
        ),
        "canteens.settlement_resubmit": lambda u: access.can_resubmit_settlement(u, returned),
    }


@pytest.mark.parametrize("role", list(Role))
def test_permission_table_agrees_with_the_predicates(world, make_user, role):
    # Each role at its most favourable scope: a town officer in the facility's town, an operator of its firm.
    scope = {Role.TOWN_OFFICER: "qingcheng", Role.CANTEEN_OPERATOR: "village_b"}.get(role, "county")
    user = make_user(f"table-{role}", role, scope)
    if role == Role.CANTEEN_OPERATOR:
        user.organisation = world["operator_org"]
        user.save()
    cases = _predicate_cases(world)
    assert set(cases) == {p.action for p in access.PERMISSIONS} - MONEY_ACTIONS
    for permission in access.PERMISSIONS:
        if permission.action in MONEY_ACTIONS:
            continue  # checked in test_prices_permissions.py
        assert cases[permission.action](user) == (role in permission.allowed), (permission.action, role)


def test_system_actor_only_where_the_table_says_so(world):
    system = world["users"]["system"]
    allowed = {action for action, case in _predicate_cases(world).items() if case(system)}
    assert allowed == {
        "canteens.facility_register",
        "canteens.elder_register",
        "canteens.tekun_status_add",
        "canteens.elder_mark_left",
        "canteens.elder_import",
        "canteens.settlement_compute",
        "canteens.operating_subsidy_compute",
    }


def test_access_page_shows_the_canteen_table(client, make_user):
    client.force_login(make_user("acc-auditor", Role.AUDITOR))
    html = client.get("/access/").content.decode()
    assert "登记长者食堂/助餐服务点" in html and "结算单财政局审定并锁定" in html and "本镇（街道）" in html


# --- The program's door: a role outside access.USERS gets 403 on every staff page ----------------------------

OUTSIDE_ROLES = sorted(role.value for role in Role if role not in access.USERS)
STAFF_URLS = [
    "/canteens/",
    "/canteens/elders/",
    "/canteens/elders/{elder}/",
    "/canteens/elders/{elder}/left/",
    "/canteens/elders/{elder}/edit/",
    "/canteens/elders/new/",
    "/canteens/elders/import/",
    "/canteens/elders/template.xlsx",
    "/canteens/lunches/",
    "/canteens/settlements/",
    "/canteens/subsidies/",
    "/canteens/fraud/",
    "/canteens/late-entries/",
    "/canteens/facilities/",
    "/canteens/facilities/{facility}/",
    "/canteens/facilities/{facility}/counter/",
    "/canteens/facilities/{facility}/prices/",
    "/canteens/facilities/{facility}/terminals/",
    "/canteens/facilities/{facility}/staff/",
    "/canteens/facilities/{facility}/menu/",
]


@pytest.mark.parametrize("role", OUTSIDE_ROLES)
def test_roles_outside_the_program_get_403_on_every_staff_page(client, canteen_world, make_user, role):
    """Attack finding: 住建 (person.view) read elders' names, 特困 and lunches; 审批, a firm, a power enterprise
    opened the dashboard, lunches, settlements and facilities."""
    ids = {"elder": canteen_world["elders"]["same_80"].pk, "facility": canteen_world["facility"].pk}
    client.force_login(make_user(f"outside-{role}", role))
    answers = {url: client.get(url.format(**ids)).status_code for url in STAFF_URLS}
    assert {url: code for url, code in answers.items() if code != 403} == {}
    # The death confirmation refuses a POST too, and nothing is written.
    elder = canteen_world["elders"]["same_80"]
    assert client.post(f"/canteens/elders/{elder.pk}/left/", {"status": "died"}).status_code == 403
    elder.refresh_from_db()
    assert elder.died_on is None


def test_public_page_stays_open_to_outside_roles(client, canteen_world, make_user):
    client.force_login(make_user("outside-housing", Role.HOUSING))
    assert client.get("/canteens/public/").status_code == 200


def test_elder_selector_returns_nothing_for_roles_outside_the_program(canteen_world, make_user):
    from countyhall.canteens.selectors import elder_list_for_user

    assert not elder_list_for_user(make_user("outside-housing", Role.HOUSING)).exists()
    assert elder_list_for_user(canteen_world["users"]["minzheng"]).exists()
