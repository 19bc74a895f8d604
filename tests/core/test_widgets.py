"""The division chooser: town → village as option groups, within the user's scope, searchable by a static JS."""

from __future__ import annotations

import pytest

from countyhall.core.widgets import DivisionChoiceField, division_choices

pytestmark = pytest.mark.django_db


def test_division_choices_group_villages_under_their_town(county_tree):
    choices = division_choices()
    assert choices[0] == ("", "全部区划")
    assert choices[1] == (county_tree["county"].pk, "高青县（全县）")
    groups = dict(choices[2:])
    assert groups["田镇街道"] == [
        (county_tree["tianzhen"].pk, "田镇街道（全街道）"),
        (county_tree["village_a"].pk, "甲村"),
    ]
    assert (county_tree["village_b"].pk, "乙村") in groups["青城镇"]
    assert all(label != "乙庄" for _, label in groups["青城镇"])  # natural villages only when asked for


def test_scope_limits_the_choices(county_tree):
    groups = dict(division_choices(scope=county_tree["qingcheng"], blank=None))
    assert list(groups) == ["青城镇"]
    field = DivisionChoiceField(scope=county_tree["qingcheng"], required=False)
    assert field.clean(str(county_tree["village_b"].pk)) == county_tree["village_b"]


def test_people_search_uses_the_searchable_chooser(client, make_user, people):
    client.force_login(make_user("people-clerk", "civil_affairs"))
    html = client.get("/people/").content.decode()
    assert "data-searchable" in html and '<optgroup label="田镇街道">' in html
    assert "countyhall/searchable-select.js" in html and '<label for="id_division">区划</label>' in html


@pytest.mark.parametrize("value", [None, "", "2", 3, "x&y"])
def test_searchable_select_renders_what_the_django_template_renders(value):
    """SearchableSelect writes its options directly (fast for 600+ divisions); the HTML is Django's Select's."""
    import re

    from django import forms

    from countyhall.core.widgets import SearchableSelect

    choices = [
        ("", "全部区划"),
        (1, "高青县（全县）"),
        ("田镇", [(2, "田镇（全镇）"), (3, "　甲村 <东>")]),
        ("x&y", "A & B"),
        ("青城镇", [(2, "重复的值只选第一个")]),
    ]
    fast = SearchableSelect(attrs={"class": "wide"}, choices=choices)
    slow = SearchableSelect(attrs={"class": "wide"}, choices=choices)
    attrs = {"id": "id_division", "required": True, "aria-describedby": "help"}

    def normal(html: str) -> str:
        return re.sub(r">\s+<", "><", str(html)).strip()

    assert normal(fast.render("division", value, attrs)) == normal(
        forms.Select.render(slow, "division", value, attrs)
    )
