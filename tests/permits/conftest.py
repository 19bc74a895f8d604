"""Shared fixture: three departments, two configured stages of social_civil, one project."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.models import Organisation, PolicyChange, RoleGrant, User
from countyhall.core.services.policy import governed_refresh, policy_change_approve
from countyhall.permits.services import project_register, stage_limit_set


def configure_stage(*, actor, category: str, valid_from: dt.date = dt.date(2021, 8, 9), **kwargs):
    """stage_limit_set, then its proposed limits approved by a second system administrator (four eyes) and loaded
    into the process's governed snapshot (the approval's own refresh runs on commit, which a test never reaches)."""
    limit = stage_limit_set(actor=actor, category=category, valid_from=valid_from, **kwargs)
    approver = User.objects.filter(username="admin-p2").first()
    if approver is None:
        approver = User.objects.create_user(
            username="admin-p2", password="pw-for-tests-1", display_name="admin-p2"
        )
        RoleGrant.objects.create(user=approver, role="system_admin")
    for change in PolicyChange.objects.filter(
        state="proposed", key__startswith=f"permit.stage_limit.{category}."
    ):
        policy_change_approve(actor=approver, change=change)
    governed_refresh(force=True)
    return limit


@pytest.fixture
def world(county_tree, make_user):
    county = county_tree["county"]
    orgs = {
        key: Organisation.objects.create(name=name, kind="department", division=county)
        for key, name in [
            ("approval", "县行政审批服务局"),
            ("resources", "县自然资源局"),
            ("housing", "县住房和城乡建设局"),
        ]
    }
    users = {}
    for key, role in (("approval", "approval"), ("resources", "natural_resources"), ("housing", "housing")):
        users[key] = make_user(f"u-{key}", role)
        users[key].organisation = orgs[key]
        users[key].save()
    admin = make_user("admin-p", "system_admin")
    configure_stage(
        actor=admin,
        category="social_civil",
        stage="立项用地规划许可",
        working_days=10,
        lead=orgs["resources"],
        participants=[orgs["approval"]],
        basis="流程图（示例）",
    )
    configure_stage(
        actor=admin,
        category="social_civil",
        stage="工程建设许可",
        working_days=15,
        lead=orgs["approval"],
        participants=[orgs["resources"], orgs["housing"]],
        basis="流程图（示例）",
    )
    applicant = Organisation.objects.create(name="示例置业公司", kind="enterprise", division=county)
    project = project_register(
        actor=users["approval"],
        code="2021-370322-70-03-000001",
        name="示例小区",
        category="social_civil",
        site=county_tree["village_a"],
        applicant=applicant,
    )
    return {"orgs": orgs, "users": users, "admin": admin, "project": project}
