"""Fixtures of the operation, performance and portfolio tests: the two administered figures entered and approved
(four eyes) the way an administrator would, and two projects of two units in an approved plan."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture
def figures(make_user):
    """egov.performance.scale_max = 100 and egov.rating.min_projects = 2, from 1号's date."""
    from countyhall.core.services.policy import governed_refresh, policy_change_approve, policy_change_propose

    proposer, approver = make_user("egov-admin-1", "system_admin"), make_user("egov-admin-2", "system_admin")
    for key, value in (("egov.performance.scale_max", 100), ("egov.rating.min_projects", 2)):
        change = policy_change_propose(
            actor=proposer,
            kind="parameter",
            key=key,
            value=value,
            valid_from=dt.date(2021, 7, 20),
            reason="评分表印发",
        )
        policy_change_approve(actor=approver, change=change, note="已核对")
    governed_refresh(force=True)
    yield
    governed_refresh(force=True)


@pytest.fixture
def in_plan(egov_users, draft, reviewer_org, settings):
    """Two projects (the unit's and another unit's) in plan 2022, approved; the business date then 2022-06-15."""
    from countyhall.egov.services import application_submit, plan_approve, plan_compile
    from tests.egov.test_cycle import _reviewed

    own = _reviewed(
        application_submit(actor=egov_users["unit"], application=draft(name="智慧社区平台")),
        egov_users,
        reviewer_org,
    )
    other = _reviewed(
        application_submit(
            actor=egov_users["other_unit"],
            application=draft(actor=egov_users["other_unit"], name="另一单位的系统"),
        ),
        egov_users,
        reviewer_org,
        approved="500000.00",
    )
    plan = plan_compile(actor=egov_users["bigdata"], plan_year=own.plan_year)
    plan_approve(actor=egov_users["government"], plan=plan, reference="高政字〔2021〕60号")
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    own.refresh_from_db()
    other.refresh_from_db()
    return {"own": own, "other": other, "plan": plan}
