"""The enterprise register chooses the organisation and the town through grouped, searchable selects."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_enterprise_form_choosers(client, plant):
    client.force_login(plant["users"]["hq"])
    html = client.get("/emergency/registers/").content.decode()
    assert 'name="e-organisation"' in html and 'name="e-division"' in html
    assert html.count("data-searchable") >= 2 and '<optgroup label="田镇街道">' in html
    assert "countyhall/searchable-select.js" in html
