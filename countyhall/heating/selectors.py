"""Task progress (B1, B10, B11, B12) and ledger checks of the clean-heating programme."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from countyhall.core.clock import business_date
from countyhall.core.policy import Citation, parameters
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
    gas_share_citation: Citation | None = (
        None  # the clause of the minimum share (三、（二）), when it applies
    )


def village_progress(plans=None) -> list[VillageProgress]:
    """The progress of every village plan, or of `plans` (a page of them: the households counted for those
    villages only)."""
    today = business_date()
    min_gas = parameters().at("heating.gas_village.min_gas_percent", programme_date())
    minimum, minimum_cited = Decimal(min_gas.value), min_gas.citation
    construction, commissioning = construction_deadline(), commissioning_deadline()
    households = Household.objects.all()
    if plans is None:
        plans = VillagePlan.objects.select_related(
            "division__parent__parent__parent"
        )  # full_name() on the page
    else:
        plans = list(plans)
        households = households.filter(division_id__in=[plan.division_id for plan in plans])
    counts = {
        row["division_id"]: row
        for row in households.values("division_id")
        .order_by()
        .annotate(
            registered=Count("id"),
            accepted=Count("id", filter=Q(accepted_on__isnull=False)),
            gas=Count("id", filter=Q(method=Method.GAS)),
        )
    }
    result = []
    for plan in plans:
        row = counts.get(plan.division_id, {"registered": 0, "accepted": 0, "gas": 0})
        share_ok = None
        if plan.method == Method.GAS and row["registered"]:
            # B1: in a gas village at least 80 % of converted households use gas ("以上" includes 80 %).
            share_ok = Decimal(row["gas"]) * 100 >= minimum * row["registered"]
        result.append(
            VillageProgress(
                plan=plan,
                registered=row["registered"],
                accepted=row["accepted"],
                gas=row["gas"],
                gas_share_ok=share_ok,
                gas_share_citation=minimum_cited if share_ok is not None else None,
                construction_overdue=today > construction
                and (plan.construction_done_on is None or plan.construction_done_on > construction),
                commissioning_overdue=today > commissioning
                and (plan.commissioning_done_on is None or plan.commissioning_done_on > commissioning),
            )
        )
    return result


def town_progress() -> dict[str, list[int]]:
    """Per town: [planned, registered, accepted] households of the villages with a plan (the dashboard's chart),
    summed in two grouped queries instead of from every village's progress row."""
    # The town of a plan's natural village is its grandparent; a plan on a division without a parent counts
    # under its own name.
    town = Coalesce("division__parent__parent__name", "division__name")
    by_town: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in VillagePlan.objects.values(town=town).order_by().annotate(planned=Sum("planned_households")):
        by_town[row["town"]][0] += row["planned"] or 0
    for row in (
        Household.objects.filter(division__heating_plan__isnull=False)
        .values(town=town)
        .order_by()
        .annotate(registered=Count("id"), accepted=Count("id", filter=Q(accepted_on__isnull=False)))
    ):
        by_town[row["town"]][1] += row["registered"]
        by_town[row["town"]][2] += row["accepted"]
    return by_town


def money_by_budget() -> dict[str, dict[str, Decimal]]:
    """Every entitlement's shares summed per period and budget (the dashboard's 资金 table)."""
    money: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    # Grouped by identical share sets (a few hundred for the county's 8,000 entitlements): each set is decoded
    # once and counted; the sums stay exact Decimal.
    for row in Entitlement.objects.values("period", "shares").order_by().annotate(n=Count("id")):
        for budget, amount in row["shares"].items():
            money[row["period"]][budget] += Decimal(amount) * row["n"]
    return money


def task_summary() -> dict:
    """The county task (B1: 3,224 households): a household counts as done only once accepted (B12)."""
    task_value = parameters().at("heating.task.households", programme_date())
    task = task_value.value
    year = programme_year()
    accepted = Household.objects.filter(converted_year=year, accepted_on__isnull=False).count()
    institutions = sum(
        task_equivalent_terms(heated_area_m2=p.heated_area_m2).data["households"]
        for p in PublicInstitution.objects.filter(accepted_on__isnull=False)
    )
    done = accepted + institutions
    return {
        "task": task,
        "task_citation": task_value.citation,
        "accepted_households": accepted,
        "institution_equivalents": institutions,
        "done": done,
        "remaining": max(task - done, 0),
        "registered": Household.objects.filter(converted_year=year).count(),
    }


@dataclass
class LedgerFinding:
    kind: str
    detail: str
    household_ids: list[int]
    address: str = ""  # for "same_address": a page masks it for roles that see personal data masked
    period: str = ""  # for "above_cap": the period whose subsidy list shows the entitlement


def ledger_checks(*, price_factor: Decimal = Decimal("1.3")) -> list[LedgerFinding]:
    findings: list[LedgerFinding] = []
    shared = (
        Household.objects.values("address", "division_id").order_by().annotate(n=Count("id")).filter(n__gt=1)
    )
    # The households of every shared address in one query (was one query per address), grouped here in the
    # grouped query's order.
    same: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk, address, division_id in (
        Household.objects.filter(address__in=shared.values("address"))
        .order_by("pk")
        .values_list("pk", "address", "division_id")
    ):
        same[(address, division_id)].append(pk)
    for row in shared:
        ids = same[(row["address"], row["division_id"])]
        findings.append(
            LedgerFinding(
                "same_address",
                f"同一住址“{row['address']}”登记了 {row['n']} 户。",
                ids,
                address=row["address"],
            )
        )
    for device in Device.objects.filter(
        tendered_price__isnull=False, price__gt=F("tendered_price") * price_factor
    ).select_related("household"):
        findings.append(
            LedgerFinding(
                "price",
                f"{device.get_kind_display()}购买价 {device.price} 元，招标价 {device.tendered_price} 元。",
                [device.household_id],
            )
        )
    items = dict(Entitlement.Item.choices)
    # Four columns, not whole entitlements: a county has thousands above the cap.
    for household_id, period, item, excess in Entitlement.objects.filter(
        excess__gt=0, item__in=["gas_use", "biomass_fuel"]
    ).values_list("household_id", "period", "item", "excess"):
        findings.append(
            LedgerFinding(
                "above_cap",
                f"{period} {items[item]}超出上限，未补贴部分 {excess} 元。",
                [household_id],
                period=period,
            )
        )
    plans = dict(VillagePlan.objects.values_list("division_id", "method"))
    # Three columns, not whole households: the check reads only these.
    for pk, division_id, method in Household.objects.values_list("pk", "division_id", "method"):
        planned = plans.get(division_id)
        if planned is None:
            findings.append(LedgerFinding("no_plan", "所在自然村没有改造计划。", [pk]))
        elif planned == Method.BIOMASS and method == Method.GAS:
            findings.append(LedgerFinding("method", "生物质改造村登记了气代煤户。", [pk]))
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
    missing = (
        households.exclude(entitlements__period=period)
        .select_related("householder", "division__parent__parent")
        .prefetch_related("devices", "season_uses")
        .order_by("division__path", "pk")[:limit]
    )
    result = []
    for household in missing:
        if household.special_poor and any(row["period"] == period for row in special_poor_pending(household)):
            reason = (
                "特别困难群体：按《高青县特别困难群体冬季清洁取暖改造工程补助工程实施方案》补助，"
                "该方案的补助金额待管理员录入，录入并经审核后方可核算（四、（四））"
            )
        elif period == str(programme_year()):
            payable = installation_payable_terms(accepted_on=household.accepted_on).data
            if household.converted_year != programme_year():
                reason = f"{household.converted_year}年改造户，不属本方案的设备补贴"
            elif not payable["payable"]:
                reason = payable["reason"]  # reading B12
            else:
                reason = "未登记生物质炉具（设备型号、价格），无法核算炉具补贴"
        elif not any(use.season == period for use in household.season_uses.all()):
            reason = (
                "该采暖季没有燃气抄表记录（用气量）"
                if household.method == Method.GAS
                else "该采暖季没有生物质燃料购买记录"
            )
        else:
            reason = "台账在核算之后有变动，请重新核算"
        result.append((household, reason))
    return result


def special_poor_pending(household: Household) -> list[dict]:
    """B9 (四、（四）, L5520–5524): the items of a 特别困难群体 household whose scheme amount no administrator has entered
    yet, per period (the programme's year and each season with recorded use): shown as 待管理员录入, never paid.
    Reads the household's prefetched devices and uses where the caller prefetched them."""
    if not household.special_poor:
        return []
    from countyhall.heating.services import _terms_for

    labels = dict(Entitlement.Item.choices)
    periods = [str(programme_year()), *sorted({use.season for use in household.season_uses.all()})]
    return [
        {
            "period": period,
            "item": item,
            "label": labels.get(item, item),
            "status": result.data["reason"],
            "citations": result.citations,
        }
        for period in periods
        for item, _payee, _name, result in _terms_for(household, period)
        if result.data["amount"] is None
    ]
