"""Query parameters and URL parts that do not parse answer 400 naming the field, never a 500."""

from __future__ import annotations

import pytest

from countyhall.core.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize("month", [0, 13])
def test_calendar_month_outside_1_to_12_is_a_400(client, make_user, month):
    client.force_login(make_user("cal-month", Role.SYSTEM_ADMIN))
    response = client.get(f"/calendar/2022/{month}/")
    assert response.status_code == 400
    assert "月份" in response.content.decode()
