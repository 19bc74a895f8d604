"""Two power enterprises in two towns, the county headquarters, a town officer and the printed command structure."""

from __future__ import annotations

import pytest

from countyhall.core.models import Organisation


@pytest.fixture
def plant(county_tree, make_user):
    return plant_setup(county_tree, make_user)


def plant_setup(county_tree, make_user) -> dict:
    from countyhall.emergency.services import command_structure_load, enterprise_register

    command_structure_load(actor="test")
    county = county_tree["county"]
    orgs = {
        key: Organisation.objects.create(name=name, kind="enterprise", division=county)
        for key, name in [("huaneng", "高青示例热电有限公司"), ("other", "青城示例生物质发电有限公司")]
    }
    enterprises = {
        "huaneng": enterprise_register(
            actor="test",
            organisation=orgs["huaneng"],
            division=county_tree["village_a"],
            principal="周某",
            duty_phone="0533-6000000",
        ),
        "other": enterprise_register(
            actor="test", organisation=orgs["other"], division=county_tree["village_b"]
        ),
    }
    users = {
        "hq": make_user("e-fagai", "development"),
        "yingji": make_user("e-yingji", "emergency"),
        "town": make_user("e-tianzhen", "town_officer", "tianzhen"),
        "auditor": make_user("e-audit", "auditor"),
    }
    for key in ("huaneng", "other"):
        user = make_user(f"e-{key}", "power_enterprise")
        user.organisation = orgs[key]
        user.save()
        users[key] = user
    return {"enterprises": enterprises, "users": users, "orgs": orgs}
