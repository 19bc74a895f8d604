"""建设地点 and 建设单位 are grouped, searchable choosers; the queryset still decides what is accepted."""

from __future__ import annotations

import pytest

from countyhall.permits.forms import ProjectForm

pytestmark = pytest.mark.django_db


def test_project_form_choosers(client, world, county_tree):
    client.force_login(world["users"]["approval"])
    html = client.get("/permits/new/").content.decode()
    assert 'name="site"' in html and 'name="applicant"' in html and html.count("data-searchable") >= 2
    assert '<optgroup label="青城镇">' in html and "countyhall/searchable-select.js" in html
    # Exactly the organisations the queryset accepts as 建设单位 are offered, now grouped by area.
    field = ProjectForm().fields["applicant"]
    offered = {value for _, options in field.widget.choices[1:] for value, _ in options}
    assert offered == set(field.queryset.values_list("pk", flat=True))
