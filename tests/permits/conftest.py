"""Shared fixture: three departments, two configured stages of social_civil, one project."""

from __future__ import annotations

import pytest

from countyhall.core.models import Organisation
from countyhall.permits.services import project_register, stage_limit_set


@pytest.fixture
def world(county_tree, make_user):
    county = county_tree["county"]
    orgs = {key: Organisation.objects.create(name=name, kind="department", division=county) for key, name in [
        ("approval", "县行政审批服务局"), ("resources", "县自然资源局"), ("housing", "县住房和城乡建设局")]}
    users = {}
    for key, role in (("approval", "approval"), ("resources", "natural_resources"), ("housing", "housing")):
        users[key] = make_user(f"u-{key}", role)
        users[key].organisation = orgs[key]
        users[key].save()
    admin = make_user("admin-p", "system_admin")
    stage_limit_set(actor=admin, category="social_civil", stage="立项用地规划许可", working_days=10,
                    lead=orgs["resources"], participants=[orgs["approval"]], basis="流程图（示例）")
    stage_limit_set(actor=admin, category="social_civil", stage="工程建设许可", working_days=15,
                    lead=orgs["approval"], participants=[orgs["resources"], orgs["housing"]], basis="流程图（示例）")
    applicant = Organisation.objects.create(name="示例置业公司", kind="enterprise", division=county)
    project = project_register(actor=users["approval"], code="2021-370322-70-03-000001", name="示例小区",
                               category="social_civil", site=county_tree["village_a"], applicant=applicant)
    return {"orgs": orgs, "users": users, "admin": admin, "project": project}
