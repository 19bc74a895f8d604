"""plan_year_open: the three deadlines from the rule, stored with their clauses and readings, audited; refused for
anyone but 县大数据局, for a year before 2022 and for a year already open."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.egov.models import PlanYear
from countyhall.egov.services import plan_year_open

pytestmark = pytest.mark.django_db


def test_plan_year_opens_with_its_deadlines_and_audit_row(make_user):
    actor = make_user("egov-bigdata", "big_data")
    plan_year = plan_year_open(actor=actor, year=2022)
    assert (plan_year.application_due, plan_year.joint_review_due, plan_year.annual_plan_due) == (
        dt.date(2021, 9, 30),
        dt.date(2021, 11, 30),
        dt.date(2021, 12, 31),
    )
    assert plan_year.budget_year == 2022 and plan_year.opened_by == actor
    assert {"document": "高政办发〔2021〕1号", "clause": "三、（一）", "line": 441} in plan_year.citations
    assert plan_year.policy_basis["readings"] == {"D03": "adopted", "D31": "adopted", "D47": "adopted"}
    # The parameter versions its deadlines were computed from (issue 13).
    assert set(plan_year.policy_basis["parameters"]) >= {"egov.application.due", "egov.first_plan_year"}
    entry = AuditEntry.objects.get(object_type="egov.PlanYear", object_id=str(plan_year.pk))
    assert entry.action == AuditEntry.Action.CREATE and entry.after["year"] == 2022


@pytest.mark.parametrize("role", ["finance", "auditor", "system_admin", "development"])
def test_only_the_competent_department_opens_a_plan_year(make_user, role):
    with pytest.raises(AccessDenied):
        plan_year_open(actor=make_user(f"egov-{role}", role), year=2022)
    assert not PlanYear.objects.exists()


def test_a_year_before_the_document_or_opened_twice_is_refused(make_user):
    actor = make_user("egov-bigdata", "big_data")
    with pytest.raises(ServiceError) as caught:
        plan_year_open(actor=actor, year=2021)
    assert caught.value.field == "plan_year" and "2022" in caught.value.message
    plan_year_open(actor=actor, year=2022)
    with pytest.raises(ServiceError) as caught:
        plan_year_open(actor=actor, year=2022)
    assert caught.value.field == "year" and "已经开启" in caught.value.message
    assert (
        PlanYear.objects.count() == 1 and AuditEntry.objects.filter(object_type="egov.PlanYear").count() == 1
    )
