"""Task progress (B1, B10, B11, B12) and ledger checks of the clean-heating programme."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q

from countyhall.core.clock import business_date
from countyhall.core.policy import parameters
from countyhall.heating.models import Device, Entitlement, Household, Method, PublicInstitution, VillagePlan
from countyhall.heating.rules import (
    installation_payable_terms,
    policy_date,
    programme_date,
    programme_year,
    task_equivalent_terms,
)


def construction_deadline() -> dt.date:
    return policy_date("heating.deadline.construction")  # B11, 五、（四） L5587


def commissioning_deadline() -> dt.date:
    return policy_date("heating.deadline.commissioning")  # B11, 五、（四） L5593


@dataclass
class VillageProgress:
    plan: VillagePlan
    registered: int
    accepted: int
    gas: int
    gas_share_ok: bool | None
    construction_overdue: bool
    commissioning_overdue: bool


def village_progress() -> list[VillageProgress]:
    today = business_date()
    minimum = Decimal(parameters().at("heating.gas_village.min_gas_percent", programme_date()).value)
    construction, commissioning = construction_deadline(), commissioning_deadline()
    counts = {row["division_id"]: row for row in Household.objects.values("division_id").order_by().annotate(
        registered=Count("id"), accepted=Count("id", filter=Q(accepted_on__isnull=False)),
        gas=Count("id", filter=Q(method=Method.GAS)))}
    result = []
    for plan in VillagePlan.objects.select_related("division__parent__parent__parent"):  # full_name() on the page
        row = counts.get(plan.division_id, {"registered": 0, "accepted": 0, "gas": 0})
        share_ok = None
        if plan.method == Method.GAS and row["registered"]:
            # B1: in a gas village at least 80 % of converted households use gas ("以上" includes 80 %).
            share_ok = Decimal(row["gas"]) * 100 >= minimum * row["registered"]
        result.append(VillageProgress(
            plan=plan, registered=row["registered"], accepted=row["accepted"], gas=row["gas"], gas_share_ok=share_ok,
            construction_overdue=today > construction and (
                plan.construction_done_on is None or plan.construction_done_on > construction),
            commissioning_overdue=today > commissioning and (
                plan.commissioning_done_on is None or plan.commissioning_done_on > commissioning)))
    return result


def task_summary() -> dict:
    """The county task (B1: 3,224 households): a household counts as done only once accepted (B12)."""
    task = parameters().at("heating.task.households", programme_date()).value
    year = programme_year()
    accepted = Household.objects.filter(converted_year=year, accepted_on__isnull=False).count()
    institutions = sum(task_equivalent_terms(heated_area_m2=p.heated_area_m2).data["households"]
                       for p in PublicInstitution.objects.filter(accepted_on__isnull=False))
    done = accepted + institutions
    return {"task": task, "accepted_households": accepted, "institution_equivalents": institutions, "done": done,
            "remaining": max(task - done, 0), "registered": Household.objects.filter(converted_year=year).count()}


@dataclass
class LedgerFinding:
    kind: str
    detail: str
    household_ids: list[int]
    address: str = ""  # for "same_address": a page masks it for roles that see personal data masked


def ledger_checks(*, price_factor: Decimal = Decimal("1.3")) -> list[LedgerFinding]:
    findings: list[LedgerFinding] = []
    for row in (Household.objects.values("address", "division_id").order_by()
                .annotate(n=Count("id")).filter(n__gt=1)):
        ids = list(Household.objects.filter(address=row["address"], division_id=row["division_id"])
                   .values_list("pk", flat=True))
        findings.append(LedgerFinding("same_address", f"同一住址“{row['address']}”登记了 {row['n']} 户。", ids,
                                      address=row["address"]))
    for device in Device.objects.filter(tendered_price__isnull=False,
                                        price__gt=F("tendered_price") * price_factor).select_related("household"):
        findings.append(LedgerFinding("price", f"{device.get_kind_display()}购买价 {device.price} 元，"
                                               f"招标价 {device.tendered_price} 元。", [device.household_id]))
    for entitlement in Entitlement.objects.filter(excess__gt=0, item__in=["gas_use", "biomass_fuel"]):
        findings.append(LedgerFinding("above_cap", f"{entitlement.period} {entitlement.get_item_display()}超出上限，"
                                                   f"未补贴部分 {entitlement.excess} 元。", [entitlement.household_id]))
    plans = dict(VillagePlan.objects.values_list("division_id", "method"))
    for household in Household.objects.all():
        planned = plans.get(household.division_id)
        if planned is None:
            findings.append(LedgerFinding("no_plan", "所在自然村没有改造计划。", [household.pk]))
        elif planned == Method.BIOMASS and household.method == Method.GAS:
            findings.append(LedgerFinding("method", "生物质改造村登记了气代煤户。", [household.pk]))
    return findings


def household_list_for_user(user):
    """Households a user may see: the user's division and below (a town officer sees the town's only)."""
    scope = user.scope_division if getattr(user, "is_authenticated", False) else None
    if scope is None:
        return Household.objects.none()
    return Household.objects.filter(division__path__startswith=scope.path)


def claim_exclusions(*, period: str, households, limit: int = 200) -> list[tuple[Household, str]]:
    """The households (of `households`) the period's computation left out of every claim, each with the reason,
    so nobody is dropped silently. Empty until the period has been computed."""
    if not Entitlement.objects.filter(period=period).exists():
        return []
    missing = (households.exclude(entitlements__period=period)
               .select_related("householder", "division__parent__parent")
               .prefetch_related("devices", "season_uses").order_by("division__path", "pk")[:limit])
    result = []
    for household in missing:
        if household.special_poor:
            reason = "特别困难群体：按《特别困难群体冬季清洁取暖改造工程补助工程实施方案》另行补助，不在本申领内"
        elif period == str(programme_year()):
            payable = installation_payable_terms(accepted_on=household.accepted_on).data
            if household.converted_year != programme_year():
                reason = f"{household.converted_year}年改造户，不属本方案的设备补贴"
            elif not payable["payable"]:
                reason = payable["reason"]  # reading B12
            else:
                reason = "未登记生物质炉具（设备型号、价格），无法核算炉具补贴"
        elif not any(use.season == period for use in household.season_uses.all()):
            reason = ("该采暖季没有燃气抄表记录（用气量）" if household.method == Method.GAS
                      else "该采暖季没有生物质燃料购买记录")
        else:
            reason = "台账在核算之后有变动，请重新核算"
        result.append((household, reason))
    return result
