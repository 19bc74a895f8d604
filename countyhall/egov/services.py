"""Writes of the e-government program, each audited in its transaction."""

from __future__ import annotations

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import actor_user, audit_record, model_snapshot
from countyhall.egov import access
from countyhall.egov.models import PlanYear
from countyhall.egov.rules import cycle_deadlines_terms


@transaction.atomic
def plan_year_open(*, actor, year: int) -> PlanYear:
    """Open plan year `year` with its three deadlines from egov.cycle_deadlines (applications by 9月底, joint review by
    11月底, the annual plan by 12月底 of the year before), stored with the clauses and readings applied."""
    require(access.can_open_plan_year(actor), "只有县大数据局（县电子政务主管部门）可以开启计划年度。")
    if PlanYear.objects.filter(year=year).exists():
        raise ServiceError("year", f"{year}计划年度已经开启，不能重复开启。")
    terms = cycle_deadlines_terms(plan_year=year)
    result = terms.as_json()
    plan_year = PlanYear.objects.create(
        year=year,
        application_due=terms.data["application_due"],
        joint_review_due=terms.data["joint_review_due"],
        annual_plan_due=terms.data["annual_plan_due"],
        budget_year=terms.data["budget_year"],
        citations=result["citations"],
        policy_basis={"readings": result["reading_answers"], "changes": result["policy_changes"]},
        opened_by=actor_user(actor),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=plan_year, after=model_snapshot(plan_year))
    return plan_year
