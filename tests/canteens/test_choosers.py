"""The elder list filters by division through the grouped, searchable chooser (same `division` parameter)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_elder_list_division_chooser(client, make_user, county_tree):
    client.force_login(make_user("mz-chooser", "civil_affairs"))
    html = client.get("/canteens/elders/", {"division": county_tree["village_b"].pk}).content.decode()
    assert 'name="division" id="elder-division" data-searchable' in html
    assert '<label for="elder-division">' in html and '<optgroup label="青城镇">' in html
    assert "countyhall/searchable-select.js" in html
