"""The elder search (民政, unmasked): by name, ID number or card number, within the user's scope, whether it is
matched on the person table (three characters or more, index-usable) or on the elder-person join."""

from __future__ import annotations

import pytest

from countyhall.canteens.selectors import elder_list_for_user
from countyhall.core.models import Person

pytestmark = pytest.mark.django_db


def _found(user, query):
    return set(elder_list_for_user(user, query=query).values_list("pk", flat=True))


def test_search_by_name_id_number_and_card(canteen_world):
    users, elders = canteen_world["users"], canteen_world["elders"]
    minzheng = users["minzheng"]
    zhao = elders["same_80"]
    assert _found(minzheng, "赵") == {zhao.pk}  # one character: the join
    assert _found(minzheng, "赵一") == {zhao.pk}
    Person.objects.filter(pk=zhao.person_id).update(name="赵一明")
    assert _found(minzheng, "赵一明") == {zhao.pk}  # three: the person subquery
    assert _found(minzheng, zhao.person.id_number.lower()) == {zhao.pk}
    assert _found(minzheng, "C001") == {zhao.pk}
    assert _found(minzheng, "钱二钱") == set()


def test_search_with_latin_letters_stays_case_insensitive(canteen_world):
    users, elders = canteen_world["users"], canteen_world["elders"]
    Person.objects.filter(pk=elders["same_65"].person_id).update(name="Anna钱")
    assert _found(users["minzheng"], "anna") == {elders["same_65"].pk}
    assert _found(users["minzheng"], "an") == {elders["same_65"].pk}


def test_search_keeps_the_scope(canteen_world, make_user):
    # A town officer of 田镇 finds nobody of 青城镇, whatever the search (both forms of the query).
    other = make_user("town2", "town_officer", "tianzhen")
    zhao = canteen_world["elders"]["same_80"]
    for query in ("赵一", zhao.person.id_number, "C001"):
        assert _found(other, query) == set()
    assert _found(canteen_world["users"]["town"], zhao.person.id_number) == {zhao.pk}
