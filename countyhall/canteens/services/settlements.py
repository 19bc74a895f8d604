"""Settlement: set-based totals per facility and period, approval by 民政 then 财政, then locked.

Payment rhythm (A15, L1279–1290): rural 特困 meal money is paid monthly out of care funds; every
other meal subsidy is paid once a year; community canteens advance the subsidy and settle yearly.
So monthly statements are for statistics and the care fund, the yearly statement is what the
budgets pay. Amounts were frozen on each lunch when it was recorded: a later change to an elder's
record never changes a settled figure (the OpenSPP #626 failure mode).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from countyhall.canteens import access, notices
from countyhall.canteens.models import Facility, Lunch, Settlement, SettlementAdjustment
from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date, business_now
from countyhall.core.db import policy_lock
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record, model_snapshot

AMOUNT_FIELDS = ["city", "county", "care_fund", "operator_discount", "elder_pays", "unfunded", "extra_charge"]
ZERO = Decimal("0.00")
ADJUSTMENT_FIELDS = ["city", "county", "care_fund", "operator_discount", "elder_paid", "unfunded"]
NO_ADJUSTMENTS = dict.fromkeys(ADJUSTMENT_FIELDS, ZERO)
SETTLEMENT_TOTAL_FIELDS = [
    "lunches",
    "free_lunches",
    "city",
    "county",
    "care_fund",
    "operator_discount",
    "elder_paid",
    "unfunded",
    "extra_charges",
    "adjustments_total",
    "policy_basis",
    "computed_at",
]


def merged_basis(bases) -> dict:
    """The policy basis of a period from its lunches' (a few distinct values): each reading with every answer its
    lunches were computed under — one answer unless a governed change took effect inside the period."""
    from countyhall.core.policy.basis import merged_parameters

    readings: dict[str, set[str]] = {}
    changes: set[int] = set()
    parsed = []
    for basis in bases:
        if isinstance(basis, str):  # SQLite may hand back the JSON text of a grouped value
            import json

            basis = json.loads(basis)
        parsed.append(basis)
        for reading, answer in ((basis or {}).get("readings") or {}).items():
            readings.setdefault(reading, set()).add(answer)
        changes.update((basis or {}).get("changes") or [])
    merged = {"readings": {r: sorted(a) for r, a in sorted(readings.items())}, "changes": sorted(changes)}
    if all("parameters" in (basis or {}) for basis in parsed):
        # and every version of each parameter its lunches read (issue 13); a lunch stored before the versions were
        # kept leaves them out, rather than a list that looks complete
        merged["parameters"] = merged_parameters(parsed)
    return merged


def period_bounds(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ServiceError("month", "月份应为 1 到 12。")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def lunch_totals(lunches) -> dict:
    """One aggregate query: counts and the sum of every budget over the given lunches."""
    sums = lunches.aggregate(
        lunches=Count("id"),
        free_lunches=Count("id", filter=Q(free=True)),
        **{name: Sum(name) for name in AMOUNT_FIELDS},
    )
    return {
        key: (value if value is not None else ZERO) if key in AMOUNT_FIELDS else value
        for key, value in sums.items()
    }


def _apply_totals(settlement: Settlement, totals: dict, adjustments: dict) -> None:
    settlement.lunches = totals["lunches"]
    settlement.free_lunches = totals["free_lunches"]
    settlement.city = totals["city"] + adjustments["city"]
    settlement.county = totals["county"] + adjustments["county"]
    settlement.care_fund = totals["care_fund"] + adjustments["care_fund"]
    settlement.operator_discount = totals["operator_discount"] + adjustments["operator_discount"]
    settlement.elder_paid = totals["elder_pays"] + adjustments["elder_paid"]
    settlement.unfunded = totals["unfunded"] + adjustments["unfunded"]
    settlement.extra_charges = totals["extra_charge"]
    settlement.adjustments_total = adjustments["city"] + adjustments["county"]
    settlement.computed_at = timezone.now()


def _adjustment_totals(adjustments) -> dict:
    sums = adjustments.aggregate(**{f: Sum(f) for f in ADJUSTMENT_FIELDS})
    return {f: sums[f] or ZERO for f in ADJUSTMENT_FIELDS}


def settlement_recount(settlement: Settlement) -> Settlement:
    """Recompute a draft settlement from the lunches and adjustments attached to it."""
    if settlement.status != Settlement.Status.DRAFT:
        raise ServiceError("status", "只有待审核的结算单可以重新计算。")
    if settlement.month is None:
        start, end = period_bounds(settlement.year, None)
        lunches = Lunch.objects.filter(
            facility=settlement.facility, status=Lunch.Status.ACCEPTED, meal_date__range=(start, end)
        )
        # The year's lunches are summed as they stand now (voided ones out, late ones in), so a correction
        # of a month of this same year is already in them; only corrections of earlier years are added.
        adjustments = SettlementAdjustment.objects.filter(
            settlement__facility=settlement.facility,
            settlement__year=settlement.year,
            settlement__month__isnull=False,
        ).exclude(original_settlement__year=settlement.year)
    else:
        lunches = settlement.lunch_rows.filter(status=Lunch.Status.ACCEPTED)
        adjustments = settlement.adjustment_rows.all()
    _apply_totals(settlement, lunch_totals(lunches), _adjustment_totals(adjustments))
    settlement.policy_basis = merged_basis(
        lunches.order_by().values_list("policy_basis", flat=True).distinct()
    )
    settlement.save()
    return settlement


@transaction.atomic
def settlement_compute(*, actor, facility: Facility, year: int, month: int | None = None) -> Settlement:
    """Compute (or recompute while still a draft) the statement of one facility for a month or a year."""
    actor = as_actor(actor)
    require(access.can_compute_settlement(actor, facility), "结算单由县民政局或财政局计算。")
    start, end = period_bounds(year, month)
    if end >= business_date() and month is not None:
        raise ServiceError("month", f"{year}年{month}月尚未结束，不能结算。")
    settlement, created = Settlement.objects.select_for_update().get_or_create(
        facility=facility, year=year, month=month
    )
    if settlement.status != Settlement.Status.DRAFT:
        raise ServiceError(
            "status", f"{settlement.period_label}结算单已进入审核或已锁定，更正请以调整方式计入以后的结算期。"
        )
    before = model_snapshot(settlement)
    if month is not None:
        Lunch.objects.filter(
            facility=facility,
            status=Lunch.Status.ACCEPTED,
            meal_date__range=(start, end),
            settlement__isnull=True,
        ).update(settlement=settlement)
        SettlementAdjustment.objects.filter(facility=facility, settlement__isnull=True).update(
            settlement=settlement
        )
    settlement_recount(settlement)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=settlement,
        before=None if created else before,
        after=model_snapshot(settlement),
        note="计算结算单",
    )
    return settlement


@transaction.atomic
def settlement_compute_all(*, actor, year: int, month: int | None = None, progress=None) -> list[Settlement]:
    """Settle every facility that served lunches in the period with one grouped query for all of them.
    `progress(done, total)`: a background job's bar (core.jobs), per facility linked."""
    actor = as_actor(actor)
    require(access.can_compute_settlement(actor), "结算单由县民政局或财政局计算。")
    start, end = period_bounds(year, month)
    if month is not None and end >= business_date():
        raise ServiceError("month", f"{year}年{month}月尚未结束，不能结算。")
    lunches = Lunch.objects.filter(status=Lunch.Status.ACCEPTED, meal_date__range=(start, end))
    # Grouped by facility and policy basis (a few distinct values per facility: the readings' answers its
    # lunches were computed under), summed per facility here.
    by_facility: dict[int, dict] = {}
    bases: dict[int, list] = {}
    for part in (
        lunches.values("facility_id", "policy_basis")
        .order_by()
        .annotate(
            lunches=Count("id"),
            free_lunches=Count("id", filter=Q(free=True)),
            **{name: Sum(name) for name in AMOUNT_FIELDS},
        )
    ):
        facility_id = part.pop("facility_id")
        bases.setdefault(facility_id, []).append(part.pop("policy_basis"))
        row = by_facility.setdefault(facility_id, {"facility_id": facility_id})
        for key, value in part.items():
            row[key] = (row.get(key) or 0) + (value or 0)
    grouped = list(by_facility.values())
    existing = {s.facility_id: s for s in Settlement.objects.filter(year=year, month=month)}
    settlements: list[Settlement] = []
    skipped: list[int] = []
    for row in grouped:
        settlement = existing.get(row["facility_id"]) or Settlement(
            facility_id=row["facility_id"], year=year, month=month
        )
        if settlement.pk and settlement.status != Settlement.Status.DRAFT:
            skipped.append(row["facility_id"])
            continue
        totals = {key: ZERO if value is None else value for key, value in row.items()}
        totals = {
            key: Decimal(str(value)) if key in AMOUNT_FIELDS else value for key, value in totals.items()
        }
        _apply_totals(settlement, totals, NO_ADJUSTMENTS)
        settlement.policy_basis = merged_basis(bases[row["facility_id"]])
        settlements.append(settlement)
    Settlement.objects.bulk_create([s for s in settlements if s.pk is None])
    Settlement.objects.bulk_update([s for s in settlements if s.pk is not None], SETTLEMENT_TOTAL_FIELDS)
    if month is not None:
        for index, settlement in enumerate(settlements, start=1):
            if progress:
                progress(index, len(settlements))
            lunches.filter(facility_id=settlement.facility_id, settlement__isnull=True).update(
                settlement=settlement
            )
            SettlementAdjustment.objects.filter(
                facility_id=settlement.facility_id, settlement__isnull=True
            ).update(settlement=settlement)
    # Corrections of locked periods are rare: recount only the settlements that carry some.
    with_adjustments = set(
        SettlementAdjustment.objects.filter(settlement__year=year).values_list("facility_id", flat=True)
    )
    for settlement in settlements:
        if settlement.facility_id in with_adjustments:
            settlement_recount(settlement)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="canteens.Settlement",
        object_repr=f"{year}年{f'{month}月' if month else '度'}全县结算",
        after={
            "year": year,
            "month": month,
            "facilities": len(settlements),
            "skipped_in_approval_or_locked": skipped,
        },
        note="批量计算结算单",
    )
    return settlements


@transaction.atomic
def settlement_approve(*, actor, settlement: Settlement, note: str = "") -> Settlement:
    """民政 approves first, then 财政; the second approval locks the statement for good."""
    actor = as_actor(actor)
    policy_lock()  # a policy change being approved decides first whether it reaches this period
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.locked:
        raise ServiceError("status", "结算单已锁定。")
    require(access.can_approve_settlement(actor, settlement), access.settlement_approval_refusal(settlement))
    # A statement covers a closed period: a month (or a year) still running is a to-date figure, not a claim.
    last_day = (
        dt.date(settlement.year, settlement.month, calendar.monthrange(settlement.year, settlement.month)[1])
        if settlement.month
        else dt.date(settlement.year, 12, 31)
    )
    if business_date() <= last_day:
        raise ServiceError(
            "period",
            f"{settlement.period_label}尚未结束（{last_day} 之后方可审核），当前数字仅为截至今日的累计。",
        )
    before = model_snapshot(settlement)
    # The approval is dated on the business date: a demo's settlement for 2022 must not read as approved in
    # the real year. The audit row keeps the real clock.
    now = business_now()
    if settlement.status == Settlement.Status.DRAFT:
        settlement.civil_affairs_by, settlement.civil_affairs_at = actor, now
        settlement.status = Settlement.Status.CIVIL_AFFAIRS_APPROVED
    else:
        settlement.finance_by, settlement.finance_at = actor, now
        settlement.status = Settlement.Status.LOCKED
    settlement.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=settlement,
        before=before,
        after=model_snapshot(settlement),
        note=note or f"审核：{settlement.get_status_display()}",
    )
    notices.settlement_approved(settlement, when=now)
    return settlement


def settlement_approve_many(*, actor, settlements, note: str = "") -> tuple[list[Settlement], list[tuple]]:
    """Batch approval: each statement on its own (one refused does not hold the others back).

    Returns (approved, refused) where refused is a list of (settlement, Chinese reason)."""
    approved, refused = [], []
    for settlement in settlements:
        try:
            approved.append(settlement_approve(actor=actor, settlement=settlement, note=note))
        except ServiceError as exc:
            refused.append((settlement, exc.message))
    return approved, refused


@transaction.atomic
def settlement_send_back(*, actor, settlement: Settlement, reason: str) -> Settlement:
    """Return a statement instead of approving it: it becomes (or stays) a draft, the reason is kept, and the
    operator is told (财政's send-back also tells 民政). Nothing is erased: the audit row keeps the before."""
    actor = as_actor(actor)
    settlement = (
        Settlement.objects.select_for_update().select_related("facility__operator").get(pk=settlement.pk)
    )
    if settlement.locked:
        raise ServiceError("status", "结算单已锁定，不能退回；更正请以调整方式计入以后的结算期。")
    require(access.can_send_back_settlement(actor, settlement), "只有当前审核环节的部门可以退回结算单。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请写明退回原因（运营方据此更正）。")
    if len(reason) > 300:
        raise ServiceError("reason", "退回原因不能超过 300 个字符。")
    before = model_snapshot(settlement)
    by = "财政局" if settlement.status == Settlement.Status.CIVIL_AFFAIRS_APPROVED else "县民政局"
    now = business_now()
    settlement.status = Settlement.Status.DRAFT
    settlement.civil_affairs_by = settlement.civil_affairs_at = None
    settlement.returned_at, settlement.returned_by, settlement.return_reason = now, actor, reason
    settlement.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=settlement,
        before=before,
        after=model_snapshot(settlement),
        note=f"{by}退回：{reason}",
    )
    notices.settlement_sent_back(settlement, by=by, reason=reason, when=now)
    return settlement


@transaction.atomic
def settlement_resubmit(*, actor, settlement: Settlement, note: str = "") -> Settlement:
    """The operator answers a send-back (corrected lunches, late entries): 民政 is told to recompute and approve."""
    actor = as_actor(actor)
    settlement = (
        Settlement.objects.select_for_update().select_related("facility__operator").get(pk=settlement.pk)
    )
    require(access.can_resubmit_settlement(actor, settlement), "只有被退回的结算单可由本机构运营方重新提交。")
    before = model_snapshot(settlement)
    now = business_now()
    settlement.resubmitted_at = now
    settlement.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=settlement,
        before=before,
        after=model_snapshot(settlement),
        note=f"重新提交：{note}" if note else "重新提交",
    )
    notices.settlement_resubmitted(settlement, note=note.strip()[:200], when=now)
    return settlement
