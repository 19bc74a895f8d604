"""The people list and search at county scale (issue 11): the same rows and scope as before, with fewer and
cheaper queries: a county-wide scope as an always-true condition, the ID number matched exactly upper-cased,
short caseless names by plain LIKE, a capped count."""

from __future__ import annotations

import pytest

from countyhall.core.roles import Role
from countyhall.core.selectors.people import person_list_for_user
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db


def test_search_finds_the_same_people_by_any_part_of_the_name_or_the_id_number(make_user, people):
    officer = make_user("search-county", Role.CIVIL_AFFAIRS)
    assert [p.name for p in person_list_for_user(officer, query="王")] == ["王德明"]
    assert [p.name for p in person_list_for_user(officer, query="德明")] == ["王德明"]
    assert [p.name for p in person_list_for_user(officer, query="王德明")] == ["王德明"]
    # Typed with a lower-case x, as a clerk might: the stored numbers are upper-case.
    with_x = people["b"].id_number
    assert [p.name for p in person_list_for_user(officer, query=with_x.lower())] == ["王德明"]
    assert list(person_list_for_user(officer, query="李")) == []


def test_a_town_scope_still_hides_the_other_towns_people(make_user, people, county_tree):
    from countyhall.core.services.people import person_register

    person_register(
        actor="test",
        id_number=valid_id("37032219500101003"),
        name="王小明",
        division=county_tree["village_a"],
    )
    town_officer = make_user("search-town", Role.CIVIL_AFFAIRS, "tianzhen")
    county_officer = make_user("search-c", Role.CIVIL_AFFAIRS)
    assert {p.name for p in person_list_for_user(county_officer, query="王")} == {"王德明", "王小明"}
    # 王德明 lives in 青城镇: outside the 田镇 officer's scope, whatever the search.
    assert {p.name for p in person_list_for_user(town_officer, query="王")} == {"王小明"}
    assert list(person_list_for_user(town_officer, query=people["b"].id_number)) == []


def test_people_page_counts_up_to_a_cap(
    client, make_user, people, monkeypatch, django_assert_max_num_queries
):
    from countyhall.core.views import people as people_view

    monkeypatch.setattr(people_view, "PEOPLE_COUNT_CAP", 1)
    client.force_login(make_user("search-cap", Role.CIVIL_AFFAIRS))
    with django_assert_max_num_queries(
        26
    ):  # + the governed-policy check and the administrators' policy to-do
        html = client.get("/people/").content.decode()
    assert "共超过 1 条" in html and "（可用筛选条件缩小范围）" in html
    # A search that leaves fewer rows than the cap: the exact count, the row, its read logged (unchanged).
    html = client.get("/people/", {"q": "王"}).content.decode()
    assert "王德明" in html and "共 1 条" in html
