"""Personal data is scoped by division and role in one place, and every staff read is audited."""

from __future__ import annotations

import pytest

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Person
from countyhall.core.roles import Role
from countyhall.core.selectors.people import person_get_for_user, person_list_for_user
from countyhall.core.services.people import person_register
from tests.conftest import valid_id

# role, scope, people seen, unmasked
CASES = [
    (Role.CIVIL_AFFAIRS, "county", {"a", "b"}, True),
    (Role.TOWN_OFFICER, "tianzhen", {"a"}, True),
    (Role.TOWN_OFFICER, "qingcheng", {"b"}, True),
    (Role.TOWN_OFFICER, "village_b", {"b"}, True),
    (Role.CANTEEN_OPERATOR, "village_b", {"b"}, False),
    (Role.CANTEEN_OPERATOR, "village_a", {"a"}, False),
    (Role.FINANCE, "county", {"a", "b"}, False),
    (Role.AUDITOR, "county", {"a", "b"}, False),
    (Role.SYSTEM_ADMIN, "county", {"a", "b"}, False),
    (Role.HOUSING, "county", {"a", "b"}, True),
    (Role.APPROVAL, "county", set(), False),
    (Role.BIG_DATA, "county", set(), False),
    (Role.DEVELOPMENT, "county", set(), False),
    (Role.EMERGENCY, "county", set(), False),
    (Role.NATURAL_RESOURCES, "county", set(), False),
    (Role.MARKET_REGULATION, "county", set(), False),
    (Role.PERMIT_REVIEWER, "county", set(), False),
    (Role.APPLICANT_FIRM, "county", set(), False),
    (Role.POWER_ENTERPRISE, "county", set(), False),
    # 1号's cycle: they see applications and plans, not people.
    (Role.BUDGET_UNIT, "county", set(), False),
    (Role.AUDIT_OFFICE, "county", set(), False),
    (Role.TRADING_CENTRE, "county", set(), False),
    (Role.SECRECY, "county", set(), False),
    (Role.COUNTY_GOVERNMENT, "county", set(), False),
    (Role.EGOV_REVIEWER, "county", set(), False),
]


def test_every_role_has_a_case():
    assert {case[0] for case in CASES} == set(Role)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "scope", "seen", "unmasked"), CASES)
def test_scope_and_masking_per_role(make_user, people, role, scope, seen, unmasked):
    user = make_user(f"u-{role}-{scope}", role, scope)
    visible = set(person_list_for_user(user))
    assert visible == {people[key] for key in seen}
    for key in seen:
        view = person_get_for_user(user, person_id=people[key].pk)
        assert (view.name == people[key].name) is unmasked
        assert (view.id_number == people[key].id_number) is unmasked
        assert view.masked is not unmasked
    for key in {"a", "b"} - seen:
        with pytest.raises(Person.DoesNotExist):
            person_get_for_user(user, person_id=people[key].pk)


@pytest.mark.django_db
def test_user_without_scope_or_inactive_sees_nobody(make_user, people):
    user = make_user("noscope", Role.CIVIL_AFFAIRS)
    user.division = None
    user.organisation = None
    assert not person_list_for_user(user).exists()
    active = make_user("inactive", Role.CIVIL_AFFAIRS)
    active.is_active = False
    assert not person_list_for_user(active).exists()


@pytest.mark.django_db
def test_each_staff_read_is_audited(make_user, people):
    user = make_user("reader", Role.TOWN_OFFICER, "tianzhen")
    before = AuditEntry.objects.filter(action="read").count()
    person_get_for_user(user, person_id=people["a"].pk, purpose="核对资格")
    entry = AuditEntry.objects.filter(action="read").latest("id")
    assert AuditEntry.objects.filter(action="read").count() == before + 1
    assert (entry.actor, entry.object_type, entry.object_id) == (user, "core.Person", str(people["a"].pk))
    assert "核对资格" in entry.note and "未脱敏" in entry.note
    assert "张秀英" not in entry.object_repr  # the audit trail itself does not spread the name


@pytest.mark.django_db
def test_masked_role_finds_by_full_id_number_only(make_user, people):
    operator = make_user("op", Role.CANTEEN_OPERATOR, "county")
    assert list(person_list_for_user(operator, query="张秀英")) == []
    assert list(person_list_for_user(operator, query=people["a"].id_number)) == [people["a"]]


@pytest.mark.django_db
def test_registration_checks_scope_and_id(make_user, county_tree):
    officer = make_user("officer", Role.TOWN_OFFICER, "tianzhen")
    with pytest.raises(ServiceError) as error:
        person_register(
            actor=officer,
            id_number=valid_id("37032219500101001"),
            name="某",
            division=county_tree["village_b"],
        )
    assert error.value.field == "division"
    with pytest.raises(ServiceError) as error:
        person_register(
            actor=officer, id_number="370322195001010010", name="某", division=county_tree["village_a"]
        )
    assert error.value.field == "id_number" and "校验位" in error.value.message
    person = person_register(
        actor=officer, id_number=valid_id("37032219500101001"), name="某某", division=county_tree["village_a"]
    )
    with pytest.raises(ServiceError, match="只能登记一次"):
        person_register(
            actor=officer, id_number=person.id_number, name="某某", division=county_tree["village_a"]
        )
    operator = make_user("op2", Role.CANTEEN_OPERATOR, "tianzhen")
    with pytest.raises(ServiceError) as error:
        person_register(
            actor=operator,
            id_number=valid_id("37032219500101002"),
            name="某",
            division=county_tree["village_a"],
        )
    assert error.value.field == "actor"


@pytest.mark.django_db
def test_people_api_is_scoped_and_masked(client, make_user, people):
    operator = make_user("api-op", Role.CANTEEN_OPERATOR, "village_b", password="pw-api-1")
    client.force_login(operator)
    data = client.get("/api/v1/people").json()
    assert [row["pk"] for row in data] == [people["b"].pk]
    assert data[0]["name"] == "王*明" and "*" in data[0]["id_number"]
    assert client.get(f"/api/v1/people/{people['a'].pk}").status_code == 404
    assert client.get(f"/api/v1/people/{people['b'].pk}").status_code == 200
    client.logout()
    assert client.get("/api/v1/people").status_code in (401, 403)
