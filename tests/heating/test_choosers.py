"""The ledger filter and the setup forms offer divisions grouped town → village, searchable, within scope."""

from __future__ import annotations

import pytest

from tests.heating.test_ledger import ledger  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_ledger_filter_is_grouped_and_searchable(client, ledger, county_tree):  # noqa: F811
    client.force_login(ledger["officer"])
    html = client.get("/heating/ledger/", {"division": county_tree["village_b"].pk}).content.decode()
    assert 'id="ledger-division" data-searchable' in html and '<optgroup label="青城镇">' in html
    assert f'<option value="{county_tree["village_b"].pk}" selected>' in html
    assert "countyhall/searchable-select.js" in html


def test_setup_forms_offer_only_the_scope(client, ledger, county_tree, make_user):  # noqa: F811
    client.force_login(make_user("qc-housing", "housing", "qingcheng"))
    response = client.get("/heating/setup/")
    html = response.content.decode()
    assert response.status_code == 200
    plan = html.split('name="plan-division"', 1)[1].split("</select>", 1)[0]
    assert "data-searchable" in html and '<optgroup label="青城镇">' in plan and "乙庄" in plan
    assert "田镇街道" not in plan and "甲村" not in plan  # outside the scope: not offered
