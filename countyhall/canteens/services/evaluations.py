"""Yearly third-party evaluation (A16) and the operating subsidy (A14) it gates."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count

from countyhall.canteens import access
from countyhall.canteens.models import Evaluation, Facility, Lunch, OperatingSubsidy
from countyhall.canteens.rules import operating_subsidy_terms
from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.services.audit import audit_record, model_snapshot

from .facilities import facility_revoke
from .lunches import policy_basis


@transaction.atomic
def evaluation_record(
    *,
    actor,
    facility: Facility,
    year: int,
    passed: bool,
    evaluator: str,
    evaluated_on: dt.date,
    score=None,
    note: str = "",
) -> Evaluation:
    """Record the year's evaluation; a second failed year in a row revokes the facility's qualification."""
    actor = as_actor(actor)
    require(
        access.can_record_evaluation(actor, facility), "年度评估结果由县民政局录入（委托第三方机构评估）。"
    )
    if not evaluator.strip():
        raise ServiceError("evaluator", "请填写第三方评估机构。")
    if evaluated_on.year < year:
        raise ServiceError("evaluated_on", "评估日期不能早于被评估年度。")
    if Evaluation.objects.filter(facility=facility, year=year).exists():
        raise ServiceError("year", f"{facility.name} {year} 年度的评估已录入。")
    evaluation = Evaluation.objects.create(
        facility=facility,
        year=year,
        passed=passed,
        evaluator=evaluator.strip(),
        evaluated_on=evaluated_on,
        score=score,
        note=note,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=evaluation,
        after=model_snapshot(evaluation),
        object_repr=f"{facility.name} {year}年度评估",
    )
    if not passed:
        _revoke_if_failed_in_a_row(actor=actor, facility=facility, year=year)
    return evaluation


def failed_run(*, failed_years: set[int], year: int, limit: int) -> range | None:
    """A run of `limit` consecutive evaluation years, all failed, that contains `year` — or None. By the
    evaluation's year, not by the order the results were entered in (六、（四）, L1376: 连续2年考核不合格)."""
    for first in range(year - limit + 1, year + 1):
        run = range(first, first + limit)
        if all(y in failed_years for y in run):
            return run
    return None


def _revoke_if_failed_in_a_row(*, actor, facility: Facility, year: int) -> None:
    try:
        revoke_after = parameters().at("canteen.evaluation.revoke_after_failed_years", dt.date(year, 12, 31))
    except NoPolicyInForce:
        return
    limit, cited = revoke_after.value, revoke_after.citation
    if not limit or facility.status == Facility.Status.REVOKED:
        return
    failed = dict(
        Evaluation.objects.filter(
            facility=facility, passed=False, year__range=(year - limit + 1, year + limit - 1)
        ).values_list("year", "evaluated_on")
    )
    run = failed_run(failed_years=set(failed), year=year, limit=limit)
    if run is None:
        return
    # Revoked as of the day the run was established: the later of its evaluation dates (a year entered late
    # revokes on the day that completes the run, never before either evaluation existed).
    on = max(failed[y] for y in run)
    facility_revoke(
        actor=actor,
        facility=facility,
        on=on,
        reason=f"连续 {limit} 年考核不合格（{run.start}—{run.stop - 1}年），取消运营资质"
        f"（{cited.document} {cited.clause}）。",
    )


@transaction.atomic
def operating_subsidy_compute(*, actor, year: int) -> list[OperatingSubsidy]:
    """Compute A14 for every facility that served in `year`: lunches counted in one grouped query."""
    actor = as_actor(actor)
    require(access.can_compute_operating_subsidy(actor), "运营补贴由民政局、财政局核算。")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    counts = dict(
        Lunch.objects.filter(status=Lunch.Status.ACCEPTED, meal_date__range=(start, end))
        .values("facility_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("facility_id", "n")
    )
    evaluations = dict(Evaluation.objects.filter(year=year).values_list("facility_id", "passed"))
    facilities = Facility.objects.filter(service_start__isnull=False, service_start__lte=end).exclude(
        revoked_on__lt=start
    )
    results = []
    for facility in facilities:
        outcome = operating_subsidy_terms(
            facility_type=facility.kind,
            service_start=facility.service_start,
            year=year,
            lunches=counts.get(facility.pk, 0),
            evaluation_passed=evaluations.get(facility.pk, False),
        )
        data = outcome.data
        reason = data["reason"]
        if facility.pk not in evaluations and data["reason_code"] == "evaluation_failed":
            reason = f"{year}年度尚未录入评估结果（未通过评估的不予发放运营补贴）。"
        subsidy, _ = OperatingSubsidy.objects.update_or_create(
            facility=facility,
            year=year,
            defaults={
                "lunches": counts.get(facility.pk, 0),
                "evaluation_passed": evaluations.get(facility.pk, False),
                "eligible": data["eligible"],
                "reason": reason,
                "amount": data["amount"],
                "city": data["city"],
                "county": data["county"],
                "citations": [c.as_dict() for c in sorted(set(outcome.citations))],
                "readings": sorted(set(outcome.readings)),
                "policy_basis": policy_basis(outcome),
            },
        )
        results.append(subsidy)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="canteens.OperatingSubsidy",
        object_repr=f"{year}年度运营补贴核算",
        after={"year": year, "facilities": len(results), "eligible": sum(r.eligible for r in results)},
    )
    return results
