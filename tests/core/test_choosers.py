"""use_grouped (a ModelChoiceField shown as grouped, searchable choices) and grouping below a town."""

from __future__ import annotations

import pytest
from django import forms

from countyhall.core.models import Division
from countyhall.core.widgets import division_choices, use_grouped

pytestmark = pytest.mark.django_db


def test_a_scope_below_a_town_is_one_group(county_tree):
    # A village clerk's scope: the village and its natural villages in one group, not one group per 自然村.
    choices = division_choices(scope=county_tree["village_b"], include_natural=True, blank=None)
    assert choices == [
        ("乙村", [(county_tree["village_b"].pk, "乙村"), (county_tree["natural_b"].pk, "　乙庄")])
    ]


def test_use_grouped_offers_only_the_queryset_and_still_validates(county_tree):
    class Form(forms.Form):
        division = forms.ModelChoiceField(queryset=Division.objects.filter(kind="natural_village"))

    form = Form()
    use_grouped(form.fields["division"], division_choices(include_natural=True, blank=None))
    html = str(form["division"])
    assert "data-searchable" in html and '<optgroup label="青城镇">' in html
    assert "乙庄" in html and "乙村" not in html.replace("乙庄", "") and "田镇街道" not in html
    assert "required" in html
    assert Form({"division": county_tree["village_a"].pk}).is_valid() is False
    assert Form({"division": county_tree["natural_b"].pk}).is_valid()
