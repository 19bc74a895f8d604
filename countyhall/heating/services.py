"""Write services of the clean-heating ledger; each audits in its own transaction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import IO

from django.db import transaction
from django.db.models import Sum

from countyhall.core.access import AccessDenied, require
from countyhall.core.actors import actor_user, as_actor
from countyhall.core.clock import business_date, business_now, chinese_date
from countyhall.core.db import policy_lock
from countyhall.core.errors import ServiceError
from countyhall.core.excel import cell_text, sheet_rows
from countyhall.core.figures import model_decimal, model_integer
from countyhall.core.identity import IdNumberError, mask_id_number, mask_name, parse_id_number
from countyhall.core.models import AuditEntry, Division, Person
from countyhall.core.money import MoneyError, parse_money
from countyhall.core.reports import workbook_bytes, workbook_file
from countyhall.core.services.audit import audit_record, history_text, model_snapshot
from countyhall.core.services.people import person_register
from countyhall.heating import access, rules
from countyhall.heating.models import (
    Acceptance,
    Claim,
    Device,
    Entitlement,
    EquipmentInspection,
    FuelPurchase,
    Household,
    MeterReading,
    Method,
    PublicInstitution,
    SeasonUse,
    TenderedEquipment,
    VillagePlan,
)


def programme_period() -> str:
    """The period of the one-off subsidies: the programme's year ("2021", heating.programme.year)."""
    return str(rules.programme_year())


def __getattr__(name: str):
    # `services.PROGRAMME` (pages, jobs) reads the programme's year from the parameters, not from code.
    if name == "PROGRAMME":
        return programme_period()
    raise AttributeError(name)


@transaction.atomic
def village_plan_set(
    *,
    actor,
    division: Division,
    method: str,
    planned_households: int,
    construction_done_on: dt.date | None = None,
    commissioning_done_on: dt.date | None = None,
    demolition_year: int | None = None,
    gas_review_passed_on: dt.date | None = None,
    gas_review_note: str = "",
    biomass_basis: str = "",
) -> VillagePlan:
    """A village's plan with the conditions of its method (三、（一）（二）): a contradiction is refused, a condition
    not yet recorded (the gas expert review) is kept and shown as not met."""
    actor = as_actor(actor)
    require(access.can_set_plan(actor, division), "只能为本人所在镇（街道）的自然村制定改造计划。")
    if division.kind != Division.Kind.NATURAL_VILLAGE:
        raise ServiceError("division", "改造以自然村为单位整建制实施（B1），请选择自然村。")
    if method not in Method.values:
        raise ServiceError("method", "改造方式应为气代煤或生物质。")
    model_integer(VillagePlan, "planned_households", planned_households, high=MAX_HOUSEHOLDS_CHECKED)
    plan = VillagePlan.objects.filter(division=division).first()
    before = model_snapshot(plan) if plan else None
    plan = plan or VillagePlan(division=division)
    if method != Method.GAS:
        gas_review_passed_on, gas_review_note = None, ""
    if method != Method.BIOMASS:
        biomass_basis = ""
    conditions = rules.village_plan_terms(
        method=method,
        year=plan.year,
        demolition_year=demolition_year,
        gas_review_passed_on=gas_review_passed_on,
        biomass_basis=biomass_basis,
        construction_done_on=construction_done_on,
    )
    if conditions.data["errors"]:
        raise ServiceError(*conditions.data["errors"][0])
    plan.method, plan.planned_households = method, planned_households
    plan.construction_done_on, plan.commissioning_done_on = construction_done_on, commissioning_done_on
    plan.demolition_year, plan.gas_review_passed_on = demolition_year, gas_review_passed_on
    plan.gas_review_note, plan.biomass_basis = (gas_review_note or "").strip(), biomass_basis
    plan.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        instance=plan,
        before=before,
        after=model_snapshot(plan),
    )
    return plan


# An input guard, not policy: more households than a town has (10^12 failed PostgreSQL's integer column).
MAX_HOUSEHOLDS_CHECKED = 1_000_000
# The divisions that lead the work (各镇办): towns, 街道 and the development zone.
TOWN_KINDS = frozenset({Division.Kind.TOWN, Division.Kind.STREET, Division.Kind.DEVELOPMENT_ZONE})


@transaction.atomic
def inspection_record(
    *, actor, town: Division, done_on: dt.date, households_checked: int = 0, findings: str = ""
) -> EquipmentInspection:
    """B11 (五、（四）, L5589): the town's full inspection and maintenance of the equipment installed since 2017."""
    actor = as_actor(actor)
    if town.kind not in TOWN_KINDS:
        raise ServiceError("town", "设备设施全面检查维护由各镇（街道）牵头完成，请选择镇（街道）。")
    require(access.can_record_inspection(actor, town), "只能记录本人所在镇（街道）的设备设施检查维护。")
    if done_on > business_date():
        raise ServiceError("done_on", f"完成日期不能晚于今天（{business_date().isoformat()}）。")
    if not 0 <= households_checked <= MAX_HOUSEHOLDS_CHECKED:
        raise ServiceError("households_checked", f"检查户数应在 0 至 {MAX_HOUSEHOLDS_CHECKED:,} 户之间。")
    inspection = EquipmentInspection.objects.filter(town=town).first()
    before = model_snapshot(inspection) if inspection else None
    inspection = inspection or EquipmentInspection(town=town)
    inspection.done_on, inspection.households_checked = done_on, households_checked
    inspection.findings, inspection.recorded_by = (findings or "").strip(), actor_user(actor)
    inspection.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        instance=inspection,
        before=before,
        after=model_snapshot(inspection),
    )
    return inspection


@transaction.atomic
def household_register(
    *,
    actor,
    division: Division,
    id_number: str,
    name: str,
    address: str,
    method: str,
    members: int = 1,
    special_poor: bool = False,
    converted_year: int | None = None,
) -> Household:
    """A household once per conversion year, by the householder's 身份证号."""
    actor = as_actor(actor)
    converted_year = converted_year or rules.programme_year()
    require(access.can_edit_household(actor, division), "只能登记本人所在镇（街道）的改造户。")
    if division.kind != Division.Kind.NATURAL_VILLAGE:
        raise ServiceError("division", "改造户应登记到自然村。")
    if method not in Method.values:
        raise ServiceError("method", "改造方式应为气代煤或生物质。")
    if not address.strip():
        raise ServiceError("address", "住址不能为空。")
    try:
        parsed = parse_id_number(id_number)
    except IdNumberError as exc:
        raise ServiceError("id_number", str(exc)) from None
    person = Person.objects.filter(id_number=parsed.value).select_related("division").first()
    if person is not None and not actor.is_system and not access.can_edit_household(actor, person.division):
        # The person lives (is registered) outside the actor's town: registering would attach another town's
        # resident to this ledger; the resident's own town must check it. Nothing is moved or rewritten.
        raise AccessDenied(
            "该身份证号的人员登记在其他镇（街道），不在本人数据范围内，请由所在镇（街道）核实。",
            field="id_number",
        )
    person = person or person_register(
        actor=actor, id_number=parsed.value, name=name, division=division, address=address
    )
    if Household.objects.filter(householder=person, converted_year=converted_year).exists():
        raise ServiceError("id_number", f"该户主 {converted_year} 年的改造已登记。")
    household = Household.objects.create(
        division=division,
        householder=person,
        address=address.strip(),
        members=members,
        special_poor=special_poor,
        method=method,
        converted_year=converted_year,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=household, after=model_snapshot(household)
    )
    return household


# Device.price is DecimalField(max_digits=12, decimal_places=2): anything larger or finer is refused here,
# before it is stored, instead of breaking every later read of the ledger (1E+20 was once accepted).
DEVICE_PRICE_LIMIT = Decimal("9999999999.99")


def _check_device_money_and_dates(
    *, price: Decimal, installed_on: dt.date | None, commissioned_on: dt.date | None
) -> None:
    if not price.is_finite() or price > DEVICE_PRICE_LIMIT or price != price.quantize(Decimal("0.01")):
        raise ServiceError("price", "购买价格应为金额，最多两位小数，且不超过 9,999,999,999.99 元。")
    today = business_date()
    for name, label, value in (
        ("installed_on", "安装日期", installed_on),
        ("commissioned_on", "调试日期", commissioned_on),
    ):
        if value is not None and value > today:
            raise ServiceError(name, f"{label}不能晚于今天（{today.isoformat()}）。")
    if installed_on and commissioned_on and installed_on > commissioned_on:
        raise ServiceError("installed_on", "安装日期不能晚于调试日期。")


@transaction.atomic
def device_record(
    *,
    actor,
    household: Household,
    kind: str,
    model_name: str,
    supplier: str,
    price: Decimal,
    tendered_price: Decimal | None = None,
    invoice_no: str = "",
    installed_on: dt.date | None = None,
    commissioned_on: dt.date | None = None,
) -> Device:
    actor = as_actor(actor)
    require(access.can_edit_household(actor, household.division), "只能登记本人所在镇（街道）改造户的设备。")
    expected = Device.Kind.GAS_BOILER if household.method == Method.GAS else Device.Kind.BIOMASS_STOVE
    if kind != expected:
        raise ServiceError(
            "kind", f"{household.get_method_display()}改造户的设备应为{Device.Kind(expected).label}。"
        )
    if price is None or price < 0:
        raise ServiceError("price", "购买价格不能为空或为负数。")
    _check_device_money_and_dates(price=price, installed_on=installed_on, commissioned_on=commissioned_on)
    if not model_name.strip():
        raise ServiceError("model_name", "请填写市级招标入围的设备型号（B13）。")
    tendered = TenderedEquipment.objects.filter(kind=kind)
    if tendered.exists():
        listed = tendered.filter(model_name=model_name.strip(), supplier=supplier.strip()).first()
        if listed is None:
            raise ServiceError("model_name", f"{model_name}（{supplier}）不在市级招标入围目录中（B13）。")
        tendered_price = tendered_price or listed.price
    device, created = Device.objects.update_or_create(
        household=household,
        kind=kind,
        defaults={
            "model_name": model_name.strip(),
            "supplier": supplier.strip(),
            "price": price,
            "tendered_price": tendered_price,
            "invoice_no": invoice_no.strip(),
            "installed_on": installed_on,
            "commissioned_on": commissioned_on,
        },
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=device,
        after=model_snapshot(device),
        object_repr=f"改造户 #{household.pk} 设备",
    )
    return device


@transaction.atomic
def season_use_record(
    *,
    actor,
    household: Household,
    season: str,
    gas_m3: Decimal | None = None,
    fuel_tonnes: Decimal | None = None,
) -> SeasonUse:
    actor = as_actor(actor)
    require(access.can_record_use(actor, household), "只能登记本人所在镇（街道）改造户的用量。")
    try:
        rules.season_start(season)
    except ValueError as exc:
        raise ServiceError("season", str(exc)) from None
    if household.method == Method.GAS and (gas_m3 is None or fuel_tonnes is not None):
        raise ServiceError("gas_m3", "气代煤改造户应登记用气量。")
    if household.method == Method.BIOMASS and (fuel_tonnes is None or gas_m3 is not None):
        raise ServiceError("fuel_tonnes", "生物质改造户应登记燃料吨数。")
    for value, name in ((gas_m3, "gas_m3"), (fuel_tonnes, "fuel_tonnes")):
        if value is not None and value < 0:
            raise ServiceError(name, "用量不能为负数。")
    use, created = SeasonUse.objects.update_or_create(
        household=household, season=season, defaults={"gas_m3": gas_m3, "fuel_tonnes": fuel_tonnes}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=use,
        after=model_snapshot(use),
        object_repr=f"改造户 #{household.pk} {season}",
    )
    return use


def _device(household: Household, kind: str) -> Device | None:
    return next((d for d in household.devices.all() if d.kind == kind), None)


def _with_basis(result, *others):
    """`result` also citing the readings and changes of `others` (the B12 check behind an installation item)."""
    for other in others:
        result.citations += other.citations
        result.readings += other.readings
        result.answers.update(other.answers)
        result.changes = sorted(set(result.changes) | set(other.changes))
        result.versions = {**other.versions, **result.versions}
    return result


def _terms_for(household: Household, period: str) -> list[tuple[str, str, str, object]]:
    """(item, payee, payee name, rule result) for what `household` is entitled to in `period`.

    Payees (B3, B4, B13): the gas company is paid the network subsidy and, by reading B13, the boiler subsidy (it
    contracts the boilers with the suppliers); a biomass stove's subsidy goes to its supplier; the running
    subsidies go to the household. The installation items wait for the county acceptance (reading B12).
    """
    if household.special_poor:
        return _special_poor_terms_for(household, period)
    if period == programme_period():
        if household.converted_year != rules.programme_year():
            return []
        payable = rules.installation_payable_terms(accepted_on=household.accepted_on)
        if not payable.data["payable"]:
            return []
        if household.method == Method.GAS:
            items = [
                (
                    "gas_network",
                    "gas_company",
                    "",
                    _with_basis(rules.gas_network_terms(households=1), payable),
                )
            ]
            boiler = _device(household, Device.Kind.GAS_BOILER)
            if boiler:
                result = _with_basis(rules.gas_boiler_terms(price=boiler.price), payable)
                items.append(("gas_boiler", result.data["payee"], "", result))
            return items
        stove = _device(household, Device.Kind.BIOMASS_STOVE)
        return (
            [
                (
                    "biomass_stove",
                    "supplier",
                    stove.supplier,
                    _with_basis(rules.biomass_stove_terms(price=stove.price), payable),
                )
            ]
            if stove
            else []
        )
    # Read the prefetched rows: .filter() here would query once per household in the compute loop.
    use = next((u for u in household.season_uses.all() if u.season == period), None)
    if use is None:
        return []
    if household.method == Method.GAS:
        return [
            (
                "gas_use",
                "household",
                "",
                rules.gas_use_terms(m3=use.gas_m3, season=period, converted=household.converted_year),
            )
        ]
    return [
        (
            "biomass_fuel",
            "household",
            "",
            rules.biomass_fuel_terms(
                tonnes=use.fuel_tonnes, season=period, converted=household.converted_year
            ),
        )
    ]


def _special_poor_terms_for(household: Household, period: str) -> list[tuple[str, str, str, object]]:
    """B9: the items of a 特别困难群体 household, each at the scheme's administered amount (rules.special_poor_terms);
    the same conditions as the general items hold (the programme's households, B12's acceptance, a registered
    device, a season's recorded use, B8's seasons). An item whose amount is not entered has data["amount"] None:
    listed as 待管理员录入, never stored or paid."""
    if period == programme_period():
        if household.converted_year != rules.programme_year():
            return []
        payable = rules.installation_payable_terms(accepted_on=household.accepted_on)
        if not payable.data["payable"]:
            return []
        if household.method == Method.GAS:
            items = [("gas_network", "", _with_basis(rules.special_poor_terms(item="gas_network"), payable))]
            if _device(household, Device.Kind.GAS_BOILER):
                items.append(
                    ("gas_boiler", "", _with_basis(rules.special_poor_terms(item="gas_boiler"), payable))
                )
        else:
            stove = _device(household, Device.Kind.BIOMASS_STOVE)
            items = (
                [
                    (
                        "biomass_stove",
                        stove.supplier,
                        _with_basis(rules.special_poor_terms(item="biomass_stove"), payable),
                    )
                ]
                if stove
                else []
            )
        return [(item, result.data["payee"], name, result) for item, name, result in items]
    use = next((u for u in household.season_uses.all() if u.season == period), None)
    if use is None:
        return []
    item = "gas_use" if household.method == Method.GAS else "biomass_fuel"
    result = rules.special_poor_terms(item=item, season=period, converted=household.converted_year)
    return [(item, "household", "", result)]


def policy_basis(data: dict) -> dict:
    """What a stored figure keeps of its computation: each reading's answer, the approved changes and the version
    (first day of the value) of every parameter read."""
    from countyhall.core.policy.basis import basis_of

    return basis_of(data)


@dataclass
class PendingChange:
    """A recompute changed an amount that sits in a claim not yet approved: shown, never silent."""

    household_id: int
    item: str
    old: Decimal
    new: Decimal
    claim_id: int | None

    @property
    def difference(self) -> Decimal:
        return self.new - self.old


@dataclass
class ComputeReport:
    period: str
    computed: int = 0
    locked: int = 0
    adjustments: int = 0
    special_poor: list[int] = field(default_factory=list)  # B9: households with an item 待管理员录入
    special_poor_pending: int = 0  # those items
    changed: list[PendingChange] = field(default_factory=list)


def _minus(shares: dict, other: dict) -> dict:
    keys = sorted(set(shares) | set(other))
    return {k: f"{Decimal(shares.get(k, '0')) - Decimal(other.get(k, '0')):.2f}" for k in keys}


def _settled(base: Entitlement) -> tuple[Decimal, dict]:
    """What has been approved for this item so far: the base amount plus approved adjustments."""
    amount = base.amount
    shares = {budget: Decimal(value) for budget, value in base.shares.items()}
    for adjustment in base.adjustments.filter(claim__status=Claim.Status.APPROVED):
        amount += adjustment.amount
        for budget, value in adjustment.shares.items():
            shares[budget] = shares.get(budget, Decimal("0")) + Decimal(value)
    return amount, {budget: f"{value:.2f}" for budget, value in shares.items()}


@transaction.atomic
def entitlements_compute(*, actor, period: str, progress=None) -> ComputeReport:
    """Every household's entitlements for the programme's year ("2021", one-off items) or one heating season.

    An amount already approved is never rewritten: if the ledger changed since (a corrected price,
    a corrected meter reading), the difference becomes an adjustment row for the next claim.
    特别困难群体 (B9) follow their own scheme, whose amounts are administered figures: computed at the amount
    entered, or listed (report.special_poor) while it is 待管理员录入.
    """
    actor = as_actor(actor)
    require(access.can_compute(actor), "补贴由县住建局统一核算。")
    if period != programme_period():
        try:
            rules.season_start(period)
        except ValueError as exc:
            raise ServiceError("period", str(exc)) from None
    report = ComputeReport(period=period)
    total = Household.objects.count() if progress else 0
    for index, household in enumerate(Household.objects.prefetch_related("devices", "season_uses"), start=1):
        if progress and index % 200 == 0:
            # A background job's bar (core.jobs): households done of all households.
            progress(index, total)
        terms = _terms_for(household, period)
        if household.special_poor:
            # B9: an item whose scheme amount is not entered yet is listed (待管理员录入), never stored or paid.
            pending = [item for item, _payee, _name, result in terms if result.data["amount"] is None]
            if pending:
                report.special_poor.append(household.pk)
                report.special_poor_pending += len(pending)
            terms = [term for term in terms if term[3].data["amount"] is not None]
        if period == programme_period() and household.accepted_on is None and not terms:
            # Reading B12: installation items wait for the county acceptance; rows computed earlier leave the open
            # claims (claims_build recounts them). An approved row is never touched.
            Entitlement.objects.filter(
                household=household, period=period, adjusts=None, adjustments__isnull=True
            ).exclude(claim__status=Claim.Status.APPROVED).delete()
        for item, payee, payee_name, result in terms:
            data = result.as_json()
            values = {
                "payee": payee,
                "payee_name": payee_name,
                "amount": Decimal(data["amount"]),
                "excess": Decimal(data.get("excess", "0")),
                "shares": data["shares"],
                "citations": data["citations"],
                "readings": data["readings"],
                "policy_basis": policy_basis(data),
            }
            base = (
                Entitlement.objects.filter(household=household, period=period, item=item, adjusts=None)
                .select_related("claim")
                .first()
            )
            if base is None or base.claim is None or base.claim.status != Claim.Status.APPROVED:
                if base is not None and base.claim_id is not None and base.amount != values["amount"]:
                    report.changed.append(
                        PendingChange(household.pk, item, base.amount, values["amount"], base.claim_id)
                    )
                Entitlement.objects.update_or_create(
                    household=household, period=period, item=item, adjusts=None, defaults=values
                )
                report.computed += 1
                continue
            settled_amount, settled_shares = _settled(base)
            pending = base.adjustments.exclude(claim__status=Claim.Status.APPROVED).first()
            difference = values["amount"] - settled_amount
            if difference == 0:
                if pending is not None:
                    pending.delete()
                report.locked += 1
                continue
            Entitlement.objects.update_or_create(
                pk=pending.pk if pending else None,
                defaults={
                    **values,
                    "household": household,
                    "period": period,
                    "item": item,
                    "adjusts": base,
                    "amount": difference,
                    "shares": _minus(values["shares"], settled_shares),
                    "claim": None,
                },
            )
            report.adjustments += 1
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="heating.Entitlement",
        object_repr=f"{period} 补贴核算",
        after={
            "computed": report.computed,
            "locked": report.locked,
            "adjustments": report.adjustments,
            "special_poor": report.special_poor,
            "changed": [[c.household_id, c.item, str(c.old), str(c.new)] for c in report.changed],
        },
    )
    return report


CLAIM_AMOUNT_TOP = Decimal("9999999999.99")  # Claim.amount: 12 digits, two decimals


@transaction.atomic
def claims_build(*, actor, period: str) -> list[Claim]:
    """Group the period's unclaimed entitlements by payee into draft claims, with totals per budget."""
    actor = as_actor(actor)
    require(access.can_compute(actor), "补贴申领由县住建局统一生成。")
    claims = []
    open_rows = Entitlement.objects.filter(period=period).exclude(claim__status=Claim.Status.APPROVED)
    for payee, payee_name in (
        open_rows.values_list("payee", "payee_name").distinct().order_by("payee", "payee_name")
    ):
        claim, _ = Claim.objects.get_or_create(
            period=period, payee=payee, payee_name=payee_name, status=Claim.Status.DRAFT
        )
        # A claim 财政局 sent back stays as it was (status, reason); its rows move into the resubmission.
        returned = Claim.objects.filter(
            period=period,
            payee=payee,
            payee_name=payee_name,
            status=Claim.Status.RETURNED,
            resubmitted_as__isnull=True,
        )
        open_rows.filter(payee=payee, payee_name=payee_name, claim__status=Claim.Status.RETURNED).update(
            claim=claim
        )
        returned.update(resubmitted_as=claim)
        open_rows.filter(payee=payee, payee_name=payee_name, claim__isnull=True).update(claim=claim)
        shares: dict[str, Decimal] = {}
        basis: dict = {"readings": {}, "changes": set(), "parameters": {}}
        complete = True
        for entitlement_shares, entitlement_basis in claim.entitlements.values_list("shares", "policy_basis"):
            for budget, amount in entitlement_shares.items():
                shares[budget] = shares.get(budget, Decimal("0")) + Decimal(amount)
            for reading_id, answer in (entitlement_basis or {}).get("readings", {}).items():
                # Two answers of one reading in one claim (a change dated inside the period) are both kept.
                known = basis["readings"].get(reading_id)
                basis["readings"][reading_id] = answer if known in (None, answer) else "mixed"
            basis["changes"] |= set((entitlement_basis or {}).get("changes", []))
            if "parameters" not in (entitlement_basis or {}):
                complete = False  # stored before the versions were kept: the claim cannot say which it used
            for name, version in (entitlement_basis or {}).get("parameters", {}).items():
                # Two versions of one parameter in one claim (a season's change) are both kept.
                known = basis["parameters"].setdefault(name, [])
                if version not in known:
                    known.append(version)
        claim.policy_basis = {
            "readings": dict(sorted(basis["readings"].items())),
            "changes": sorted(basis["changes"]),
        }
        if complete:
            # Only a complete list lets the locks (heating.policy) tell which parameters the claim did not use.
            claim.policy_basis["parameters"] = {
                name: sorted(v) for name, v in sorted(basis["parameters"].items())
            }
        # Summed here, not by the database: SQLite's Sum of a total past the column fails on the read back.
        claim.amount = sum(claim.entitlements.values_list("amount", flat=True), Decimal("0"))
        # A total the claim's column cannot hold (many households at a huge administered amount) is refused,
        # nothing written, rather than failing the save or every later read.
        model_decimal(Claim, "amount", claim.amount, low=-CLAIM_AMOUNT_TOP)  # an adjustment claim is negative
        claim.shares = {budget: f"{amount:.2f}" for budget, amount in sorted(shares.items())}
        claim.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, instance=claim, after=model_snapshot(claim)
        )
        claims.append(claim)
    claim_submit_notices(claims=claims)
    return claims


@transaction.atomic
def claim_approve(*, actor, claim: Claim) -> Claim:
    actor = as_actor(actor)
    policy_lock()  # a policy change being approved decides first whether it reaches this period
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    require(access.can_approve_claim(actor, claim), "补贴申领由财政局审定。")
    if claim.status == Claim.Status.APPROVED:
        raise ServiceError("status", "该申领已审定锁定，更正须另行调整。")
    before = model_snapshot(claim)
    # The approval is a business date (a demo pinned to 2021 approves in 2021); the audit row keeps the real clock.
    claim.status, claim.approved_by, claim.approved_at = (
        Claim.Status.APPROVED,
        actor_user(actor),
        business_now(),
    )
    claim.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=claim,
        before=before,
        after=model_snapshot(claim),
    )
    return claim


# --- The ledger in Excel, in the columns the towns keep ------------------------------------------

LEDGER_COLUMNS = [
    "自然村代码",
    "户主姓名",
    "身份证号",
    "住址",
    "家庭人口",
    "特别困难群体（是/否）",
    "改造方式（气代煤/生物质）",
    "设备型号",
    "供货商",
    "购买价格",
    "发票号码",
    "安装日期",
    "调试日期",
]
METHOD_TEXT = {"气代煤": Method.GAS, "生物质": Method.BIOMASS}


@dataclass
class LedgerImport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    applied: bool = False
    updated: int = 0  # existing households changed (only with update_existing)
    skipped: int = 0  # existing households whose row differs, left as they are (update_existing not chosen)
    changes: list = field(default_factory=list)  # LedgerChange rows: the preview of every changed field


def ledger_export(households=None, *, masked: bool = False) -> bytes:
    """The ledger in the import layout; `masked` for roles that may not see names and ID numbers."""
    with ledger_export_file(households, masked=masked) as output:
        return output.read()


def ledger_export_file(households=None, *, masked: bool = False) -> IO[bytes]:
    """`ledger_export` as an open temporary file (deleted when closed): the page streams it and the job copies it
    to its result file, so neither holds the workbook in memory (docs/benchmarks.md, "Exports: memory")."""
    households = Household.objects.all() if households is None else households

    methods = dict(Household._meta.get_field("method").flatchoices)

    def rows():
        # Plain tuples read in chunks, each chunk's devices in one query, written as they come (workbook_file is
        # write-only): memory stays flat with the number of households. Model instances with their devices
        # prefetched held about 6 KB a household until the driver's 2,000-row fetch was released (17 MB for the
        # county's 3,229 households, docs/benchmarks.md "Exports: memory").
        values = households.values_list(
            "pk",
            "division__code",
            "householder__name",
            "householder__id_number",
            "address",
            "members",
            "special_poor",
            "method",
        ).iterator(chunk_size=500)
        for batch in iter(lambda: list(islice(values, 500)), []):
            first_device = {}
            for device in Device.objects.filter(household_id__in=[row[0] for row in batch]).order_by("pk"):
                first_device.setdefault(device.household_id, device)  # the first device, as the page shows it
            for pk, code, name, id_number, address, members, special_poor, method in batch:
                device = first_device.get(pk)
                if masked:
                    name, id_number = mask_name(name), mask_id_number(id_number)
                yield [
                    code,
                    name,
                    id_number,
                    address,
                    members,
                    "是" if special_poor else "否",
                    methods.get(method, method),
                    device.model_name if device else "",
                    device.supplier if device else "",
                    device.price if device else None,
                    device.invoice_no if device else "",
                    device.installed_on if device else None,
                    device.commissioned_on if device else None,
                ]

    return workbook_file(sheet_title="清洁取暖台账", headers=LEDGER_COLUMNS, rows=rows())


# What each column takes, for the clerk filling in the empty template (its second sheet, and the ledger page).
LEDGER_COLUMN_NOTES = {
    "自然村代码": "12 至 15 位区划代码；该自然村须已有住建局登记的村改造计划",
    "户主姓名": "必填",
    "身份证号": "18 位居民身份证号码，同一户只登记一次",
    "住址": "必填",
    "家庭人口": "1 至 99 的整数，不填为 1",
    "特别困难群体（是/否）": "填“是”或“否”，不填为否",
    "改造方式（气代煤/生物质）": "填“气代煤”或“生物质”，须与村改造计划一致",
    "设备型号": "选填",
    "供货商": "选填",
    "购买价格": "金额，最多两位小数，如 2980.00；不填则不登记设备",
    "发票号码": "同一张发票只能用于一户",
    "安装日期": "如 2021-09-25",
    "调试日期": "如 2021-10-08，不早于安装日期",
}
# The example row imports in the demo county: 青城镇河口村 (gas plan) and a valid 身份证号 (GB 11643 check digit).
_EXAMPLE_ID_STEM = "37032219650315002"


def ledger_import_template() -> bytes:
    """The empty ledger template: the import columns, one example row, and a second sheet of column notes (the
    import reads the first sheet only)."""
    from io import BytesIO

    from openpyxl import load_workbook

    from countyhall.core.identity import check_digit

    example = [
        "370322101201001",
        "王某某",
        _EXAMPLE_ID_STEM + check_digit(_EXAMPLE_ID_STEM),
        "青城镇河口村1号",
        3,
        "否",
        "气代煤",
        "壁挂炉 L1PB20",
        "示例燃气设备公司",
        Decimal("2980.00"),
        "00000001",
        dt.date(2021, 9, 25),
        dt.date(2021, 10, 8),
    ]
    workbook = load_workbook(
        BytesIO(workbook_bytes(sheet_title="清洁取暖台账", headers=LEDGER_COLUMNS, rows=[example]))
    )
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "填写说明"])
    for column in LEDGER_COLUMNS:
        notes.append([column, LEDGER_COLUMN_NOTES[column]])
    notes.append(["", "第一行是示例，请删除后填写；日期也可写作 2021/9/25 或 2021年9月25日。"])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 28, 70
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Text columns and the model field each is stored in: a cell longer than the field is a row error naming the
# column (PostgreSQL would otherwise refuse the INSERT with a 500; SQLite would store it silently).
TEXT_LIMITS = {
    1: ("户主姓名", Person._meta.get_field("name").max_length),
    3: (
        "住址",
        min(Household._meta.get_field("address").max_length, Person._meta.get_field("address").max_length),
    ),
    7: ("设备型号", Device._meta.get_field("model_name").max_length),
    8: ("供货商", Device._meta.get_field("supplier").max_length),
    10: ("发票号码", Device._meta.get_field("invoice_no").max_length),
}
# A service's refusal names a model field; the import report names the workbook column instead.
FIELD_COLUMNS = {
    "division": "自然村代码",
    "name": "户主姓名",
    "id_number": "身份证号",
    "address": "住址",
    "members": "家庭人口",
    "method": "改造方式（气代煤/生物质）",
    "kind": "改造方式（气代煤/生物质）",
    "model_name": "设备型号",
    "supplier": "供货商",
    "price": "购买价格",
    "invoice_no": "发票号码",
}
NO_PLAN_MESSAGE = "所在自然村没有改造计划（请先由住建局登记村改造计划）"
MAX_MEMBERS = 99  # a household's members: a PositiveSmallIntegerField, and no real household is larger


def _row_scope_problems(actor, division: Division | None, id_number: str) -> list[tuple[str, str]]:
    """Reasons a row lies outside the importer's scope; such a row is reported and never moved or rewritten."""
    if actor.is_system:
        return []
    problems = []
    if division is not None and not access.can_edit_household(actor, division):
        problems.append(("自然村代码", "该自然村不在本人所在镇（街道）范围内"))
    if id_number:
        household = (
            Household.objects.filter(householder__id_number=id_number, converted_year=rules.programme_year())
            .select_related("division")
            .first()
        )
        if household is not None and not access.can_edit_household(actor, household.division):
            problems.append(("身份证号", "该户已在其他镇（街道）登记，不在本人范围内，未导入"))
        elif household is None:
            person = Person.objects.filter(id_number=id_number).select_related("division").first()
            if person is not None and not access.can_edit_household(actor, person.division):
                problems.append(("身份证号", "该身份证号的人员登记在其他镇（街道），不在本人范围内，未导入"))
    return problems


DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def import_date(value) -> dt.date | None:
    """A date as clerks write it: an Excel date cell, an Excel serial number, 2021-09-25, 2021/9/25, 2021.9.25 or
    2021年9月25日. ValueError for anything else (a row error naming the column)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day count (1900 system).
        if 20000 <= value <= 80000 and float(value).is_integer():
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = cell_text(value)
    if not text:
        return None
    match = DATE_TEXT.match(text)
    if not match:
        raise ValueError(text)
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


@dataclass
class LedgerChange:
    """One field of an existing household that a re-imported row would change (shown before confirming)."""

    row: int
    household_id: int
    name: str  # the householder's name, masked for roles without unmasked access by the page
    field: str
    old: str
    new: str


DATE_MESSAGE = "日期应写作 2021-09-25、2021/9/25 或 2021年9月25日（或 Excel 日期）"


def _row_changes(household: Household, values: dict) -> list[tuple[str, str, object, object]]:
    """(field name, label, old, new) for each field the row would change on an existing household."""
    changes = []
    for name, label in HOUSEHOLD_FIELDS.items():
        if getattr(household, name) != values[name]:
            changes.append((name, label, getattr(household, name), values[name]))
    device = next(iter(household.devices.all()), None)
    if values["price"] is not None:
        for name, label in DEVICE_FIELDS.items():
            old = getattr(device, name) if device else None
            if old != values[name] and not (device is None and values[name] in ("", None)):
                changes.append((name, label, old, values[name]))
    return changes


def ledger_import(
    *,
    actor,
    content: bytes,
    mode: str = "all_or_nothing",
    update_existing: bool = False,
    dry_run: bool = False,
    progress=None,
) -> LedgerImport:
    """Import households and devices; bad rows are reported by row number and nothing is half-written.

    A row for a household already in the ledger is compared field by field: its changes are listed
    (`report.changes`) and applied only with `update_existing` (each as a correction with the row named as the
    reason, so the household's history keeps the old value). `dry_run` checks and previews everything and
    writes nothing (the page's preview before the clerk confirms). `progress(done, total)` for a background
    job's bar (core.jobs): called per batch of rows written."""
    actor = as_actor(actor)
    require(access.can_import_ledger(actor), "当前角色无权导入清洁取暖台账。")
    if mode not in ("all_or_nothing", "valid_only"):
        raise ServiceError("mode", "导入方式应为“有错误时全部不导入”或“只导入有效行”。")
    rows = sheet_rows(content, LEDGER_COLUMNS)
    divisions = {d.code: d for d in Division.objects.filter(kind=Division.Kind.NATURAL_VILLAGE)}
    plans = dict(VillagePlan.objects.values_list("division_id", "method"))
    report = LedgerImport()
    parsed = []
    invoices_seen: dict[str, int] = {}
    ids_seen: dict[str, int] = {}
    for number, values in rows:
        report.rows += 1
        problems = []
        for index, (column, limit) in TEXT_LIMITS.items():
            if len(cell_text(values[index])) > limit:
                problems.append((column, f"超过 {limit} 个字"))
        division = divisions.get(cell_text(values[0]))
        if division is None:
            problems.append(("自然村代码", "未知的自然村代码"))
        elif division.pk not in plans:
            # B1: a village converts as a whole by its plan; a household in a village without one was silently
            # taken (walk finding), so its subsidy rested on no plan and no acceptance.
            problems.append(("自然村代码", NO_PLAN_MESSAGE))
        method = METHOD_TEXT.get(cell_text(values[6]))
        if method is None:
            problems.append(("改造方式（气代煤/生物质）", "应填“气代煤”或“生物质”"))
        elif division is not None and plans.get(division.pk) == Method.BIOMASS and method == Method.GAS:
            # B1: a village converts as a whole by its plan's method; gas in a biomass village contradicts it.
            problems.append(
                ("改造方式（气代煤/生物质）", f"{division.name}的村改造计划为生物质，不能登记气代煤户")
            )
        try:
            id_number = parse_id_number(cell_text(values[2])).value
        except IdNumberError as exc:
            problems.append(("身份证号", str(exc)))
            id_number = ""
        if id_number in ids_seen:
            problems.append(("身份证号", f"与第 {ids_seen[id_number]} 行的身份证号重复，同一户只登记一次"))
        elif id_number:
            ids_seen[id_number] = number
        name = cell_text(values[1])
        if id_number and name:
            known = Person.objects.filter(id_number=id_number).values_list("name", flat=True).first()
            if known is not None and known != name:
                problems.append(
                    (
                        "户主姓名",
                        f"该身份证号已登记为“{mask_name(known)}”，与本行姓名“{name}”不一致，"
                        "请核对身份证号或姓名",
                    )
                )
        members_text = cell_text(values[4]) or "1"
        members = int(members_text) if members_text.isdecimal() else 0
        if not 1 <= members <= MAX_MEMBERS:
            problems.append(("家庭人口", f"应为 1 至 {MAX_MEMBERS} 的整数"))
        special_text = cell_text(values[5])
        if special_text not in ("", "是", "否"):
            problems.append(("特别困难群体（是/否）", "应填“是”或“否”"))
        try:
            price = parse_money(cell_text(values[9])) if cell_text(values[9]) else None
        except MoneyError:
            problems.append(("购买价格", "应为金额，最多两位小数"))
            price = None
        dates = {}
        for index, key, column in ((11, "installed_on", "安装日期"), (12, "commissioned_on", "调试日期")):
            try:
                dates[key] = import_date(values[index])
            except (ValueError, OverflowError):
                problems.append((column, DATE_MESSAGE))
                dates[key] = None
        installed, commissioned = dates["installed_on"], dates["commissioned_on"]
        if price is not None:
            try:
                _check_device_money_and_dates(
                    price=price, installed_on=installed, commissioned_on=commissioned
                )
            except ServiceError as exc:
                column = {"price": "购买价格", "installed_on": "安装日期", "commissioned_on": "调试日期"}[
                    exc.field
                ]
                problems.append((column, exc.message))
        invoice_no = cell_text(values[10])
        if invoice_no:
            if invoice_no in invoices_seen:
                problems.append(
                    ("发票号码", f"与第 {invoices_seen[invoice_no]} 行的发票号码重复，同一张发票不能重复申领")
                )
            else:
                invoices_seen[invoice_no] = number
                other = (
                    Device.objects.filter(invoice_no=invoice_no)
                    .exclude(household__householder__id_number=id_number)
                    .select_related("household__householder")
                    .first()
                )
                if other is not None:
                    problems.append(
                        (
                            "发票号码",
                            f"已用于改造户 {mask_name(other.household.householder.name)}"
                            f"（台账编号 {other.household_id}）的设备，同一张发票不能重复申领",
                        )
                    )
        if not name:
            problems.append(("户主姓名", "必填"))
        if not cell_text(values[3]):
            problems.append(("住址", "必填"))
        problems.extend(_row_scope_problems(actor, division, id_number))
        report.errors.extend((number, f, m) for f, m in problems)
        if not problems:
            parsed.append(
                (
                    number,
                    division,
                    id_number,
                    values,
                    method,
                    members,
                    special_text == "是",
                    price,
                    installed,
                    commissioned,
                )
            )
    with transaction.atomic():
        for index, (
            number,
            division,
            id_number,
            values,
            method,
            members,
            special,
            price,
            installed,
            commissioned,
        ) in enumerate(parsed, start=1):
            if progress and index % 100 == 0:
                progress(index, len(parsed))
            existing = (
                Household.objects.filter(
                    householder__id_number=id_number, converted_year=rules.programme_year()
                )
                .select_related("householder", "division")
                .prefetch_related("devices")
                .first()
            )
            row_values = {
                "address": cell_text(values[3]),
                "members": members,
                "special_poor": special,
                "model_name": cell_text(values[7]),
                "supplier": cell_text(values[8]),
                "price": price,
                "invoice_no": cell_text(values[10]),
                "installed_on": installed,
                "commissioned_on": commissioned,
            }
            if existing is not None:
                if existing.division_id != division.pk or existing.method != method:
                    report.errors.append(
                        (
                            number,
                            "自然村代码"
                            if existing.division_id != division.pk
                            else "改造方式（气代煤/生物质）",
                            f"与台账不一致（台账：{existing.division.name}，{existing.get_method_display()}），"
                            "所在村和改造方式不能通过导入更改",
                        )
                    )
                    continue
                changes = _row_changes(existing, row_values)
                if not changes:
                    report.unchanged += 1
                    continue
                report.changes.extend(
                    LedgerChange(
                        number,
                        existing.pk,
                        existing.householder.name,
                        label,
                        history_text(old),
                        history_text(new),
                    )
                    for _, label, old, new in changes
                )
                if not update_existing:
                    report.skipped += 1
                    continue
                household_changes = {n: v for n, _, _, v in changes if n in HOUSEHOLD_FIELDS}
                device_changes = {n: v for n, _, _, v in changes if n in DEVICE_FIELDS}
                has_device = next(iter(existing.devices.all()), None) is not None
                try:
                    with transaction.atomic():
                        if household_changes or (device_changes and has_device):
                            household_correct(
                                actor=actor,
                                household=existing,
                                reason=f"台账导入第 {number} 行",
                                **household_changes,
                                **(device_changes if has_device else {}),
                            )
                        if device_changes and not has_device:
                            device_record(
                                actor=actor,
                                household=existing,
                                kind=Device.Kind.GAS_BOILER
                                if method == Method.GAS
                                else Device.Kind.BIOMASS_STOVE,
                                **{n: row_values[n] for n in DEVICE_FIELDS},
                            )
                except ServiceError as exc:
                    report.errors.append((number, FIELD_COLUMNS.get(exc.field, exc.field), exc.message))
                    continue
                report.updated += 1
                continue
            try:
                with transaction.atomic():
                    household = household_register(
                        actor=actor,
                        division=division,
                        id_number=id_number,
                        name=cell_text(values[1]),
                        address=cell_text(values[3]),
                        method=method,
                        members=members,
                        special_poor=special,
                    )
                    if price is not None:
                        device_record(
                            actor=actor,
                            household=household,
                            kind=Device.Kind.GAS_BOILER
                            if method == Method.GAS
                            else Device.Kind.BIOMASS_STOVE,
                            model_name=cell_text(values[7]),
                            supplier=cell_text(values[8]),
                            price=price,
                            invoice_no=cell_text(values[10]),
                            installed_on=installed,
                            commissioned_on=commissioned,
                        )
            except ServiceError as exc:
                report.errors.append((number, FIELD_COLUMNS.get(exc.field, exc.field), exc.message))
                continue
            report.created += 1
        report.errors.sort()
        # All-or-nothing still runs every row (inside this transaction, then rolled back), so its report lists
        # every error the valid-only report would, not only the first kind found.
        if dry_run or (report.errors and mode == "all_or_nothing"):
            transaction.set_rollback(True)
            if not dry_run:
                report.created = report.unchanged = report.updated = report.skipped = 0
            return report
    report.applied = True
    return report


STAGE_ORDER = [
    Acceptance.Stage.TOWN_INITIAL,
    Acceptance.Stage.COUNTY_APPLICATION,
    Acceptance.Stage.THIRD_PARTY,
]


@transaction.atomic
def acceptance_record(
    *, actor, plan: VillagePlan, stage: str, passed: bool, decided_on: dt.date, findings: str = ""
) -> Acceptance:
    """Record one B12 step in order; the third party's pass marks the village's households accepted."""
    actor = as_actor(actor)
    if stage not in STAGE_ORDER:
        raise ServiceError("stage", "未知的验收环节。")
    require(
        access.can_record_acceptance(actor, plan, stage),
        "镇初验和县级验收申请由本镇（街道）记录，第三方综合验收由县住建局记录。",
    )
    index = STAGE_ORDER.index(stage)
    if index > 0 and not plan.acceptances.filter(stage=STAGE_ORDER[index - 1], passed=True).exists():
        raise ServiceError("stage", f"须先完成“{Acceptance.Stage(STAGE_ORDER[index - 1]).label}”。")
    # A step is recorded once it happened: a third-party pass dated ahead (2030) marked the village's households
    # accepted today and reading B12 paid their installation subsidies before any acceptance.
    today = business_date()
    if decided_on > today:
        raise ServiceError("decided_on", f"验收日期不能晚于今天（{chinese_date(today)}）：验收完成后再记录。")
    if index > 0:
        previous = (
            plan.acceptances.filter(stage=STAGE_ORDER[index - 1], passed=True).order_by("decided_on").first()
        )
        if decided_on < previous.decided_on:
            raise ServiceError(
                "decided_on",
                f"验收日期不能早于“{Acceptance.Stage(STAGE_ORDER[index - 1]).label}”"
                f"通过的日期（{chinese_date(previous.decided_on)}）。",
            )
    if not passed and not findings.strip():
        raise ServiceError("findings", "未通过时请写明验收意见。")
    acceptance = Acceptance.objects.create(
        plan=plan,
        stage=stage,
        passed=passed,
        decided_on=decided_on,
        decided_by=actor_user(actor),
        findings=findings,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=acceptance,
        after=model_snapshot(acceptance),
        object_repr=f"{plan.division} {acceptance}",
    )
    if stage == Acceptance.Stage.THIRD_PARTY and passed:
        updated = Household.objects.filter(division=plan.division, accepted_on__isnull=True).update(
            accepted_on=decided_on
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            object_type="heating.Household",
            object_repr=f"{plan.division} 改造户验收合格",
            after={"households": updated, "on": decided_on},
        )
    return acceptance


@transaction.atomic
def meter_reading_record(
    *, actor, household: Household, season: str, read_on: dt.date, reading_m3: Decimal
) -> SeasonUse:
    """Record a gas meter reading; the season's use becomes the last reading minus the first."""
    actor = as_actor(actor)
    require(access.can_record_use(actor, household), "只能登记本人所在镇（街道）改造户的抄表。")
    if household.method != Method.GAS:
        raise ServiceError("household", "只有气代煤改造户登记燃气抄表。")
    try:
        rules.season_start(season)
    except ValueError as exc:
        raise ServiceError("season", str(exc)) from None
    readings = list(household.meter_readings.filter(season=season).order_by("read_on"))
    if any(r.read_on == read_on for r in readings):
        raise ServiceError("read_on", "该日期已有抄表记录。")
    earlier = [r for r in readings if r.read_on < read_on]
    later = [r for r in readings if r.read_on > read_on]
    if (earlier and reading_m3 < earlier[-1].reading_m3) or (later and reading_m3 > later[0].reading_m3):
        raise ServiceError("reading_m3", "表数应随抄表日期递增。")
    reading = MeterReading.objects.create(
        household=household, season=season, read_on=read_on, reading_m3=reading_m3
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=reading,
        after=model_snapshot(reading),
        object_repr=f"改造户 #{household.pk} 抄表",
    )
    values = list(
        household.meter_readings.filter(season=season)
        .order_by("read_on")
        .values_list("reading_m3", flat=True)
    )
    return season_use_record(actor=actor, household=household, season=season, gas_m3=values[-1] - values[0])


@transaction.atomic
def fuel_purchase_record(
    *, actor, household: Household, season: str, bought_on: dt.date, tonnes: Decimal, invoice_no: str = ""
) -> SeasonUse:
    """Record a biomass fuel purchase; the season's fuel is the sum of its purchases."""
    actor = as_actor(actor)
    require(access.can_record_use(actor, household), "只能登记本人所在镇（街道）改造户的燃料购买。")
    if household.method != Method.BIOMASS:
        raise ServiceError("household", "只有生物质改造户登记燃料购买。")
    if tonnes <= 0:
        raise ServiceError("tonnes", "吨数应大于零。")
    try:
        rules.season_start(season)
    except ValueError as exc:
        raise ServiceError("season", str(exc)) from None
    purchase = FuelPurchase.objects.create(
        household=household, season=season, bought_on=bought_on, tonnes=tonnes, invoice_no=invoice_no.strip()
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=purchase,
        after=model_snapshot(purchase),
        object_repr=f"改造户 #{household.pk} 燃料购买",
    )
    total = household.fuel_purchases.filter(season=season).aggregate(total=Sum("tonnes"))["total"]
    return season_use_record(actor=actor, household=household, season=season, fuel_tonnes=total)


@transaction.atomic
def tendered_equipment_add(
    *, actor, kind: str, model_name: str, supplier: str, price: Decimal
) -> TenderedEquipment:
    actor = as_actor(actor)
    require(access.can_set_tendered(actor), "市级招标入围设备目录由县住建局录入。")
    if kind not in Device.Kind.values:
        raise ServiceError("kind", "未知的设备类别。")
    if price is None or price <= 0:
        raise ServiceError("price", "招标价格应大于零。")
    item, created = TenderedEquipment.objects.update_or_create(
        kind=kind, model_name=model_name.strip(), supplier=supplier.strip(), defaults={"price": price}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=item,
        after=model_snapshot(item),
    )
    return item


@transaction.atomic
def public_institution_set(
    *, actor, name: str, division: Division, heated_area_m2: Decimal, accepted_on: dt.date | None = None
) -> PublicInstitution:
    """B10: a non-profit public place converted in the programme's year; counts toward the task, earns no subsidy."""
    actor = as_actor(actor)
    require(access.can_set_institution(actor, division), "公服机构由县住建局登记。")
    if not name.strip():
        raise ServiceError("name", "名称不能为空。")
    if heated_area_m2 is None or heated_area_m2 < 0:
        raise ServiceError("heated_area_m2", "采暖面积不能为空或为负数。")
    institution, created = PublicInstitution.objects.update_or_create(
        name=name.strip(),
        defaults={"division": division, "heated_area_m2": heated_area_m2, "accepted_on": accepted_on},
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=institution,
        after=model_snapshot(institution),
    )
    return institution


# --- Claims sent back, notices, and corrections that never erase (issue 12) ---------------------------------


def _organisations_with_role(role: str):
    """The organisations (at county scope) whose staff hold `role`: where an in-app notice for that office goes."""
    from countyhall.core.models import Organisation

    return (
        Organisation.objects.filter(users__role_grants__role=role, division__parent__isnull=True)
        .distinct()
        .order_by("pk")
    )


def _notify_role(*, role: str, subject: str, body: str, source) -> None:
    from countyhall.core.notifications import notify

    for organisation in _organisations_with_role(role):
        notify(
            channel="in_app",
            recipient=str(organisation),
            organisation=organisation,
            subject=subject,
            body=body,
            source=source,
        )


def claim_label(claim: Claim) -> str:
    return f"{claim.period} {claim.get_payee_display()}{(' ' + claim.payee_name) if claim.payee_name else ''}"


@transaction.atomic
def claim_submit_notices(*, claims: list[Claim]) -> None:
    """财政局 is told in-app when 住建局 (re)submits claims for approval."""
    from countyhall.core.clock import format_local
    from countyhall.core.roles import Role

    drafts = [c for c in claims if c.status == Claim.Status.DRAFT]
    if not drafts:
        return
    total = sum((c.amount for c in drafts), Decimal("0"))
    lines = "\n".join(f"· {claim_label(c)}：{c.amount:,.2f} 元" for c in drafts)
    _notify_role(
        role=Role.FINANCE,
        subject=f"清洁取暖补贴申领待审定（{len(drafts)} 项）",
        body=f"县住建局于 {format_local(business_now())} 提交清洁取暖补贴申领 {len(drafts)} 项，"
        f"合计 {total:,.2f} 元，请审定：\n{lines}",
        source=drafts[0],
    )


@transaction.atomic
def claim_return(*, actor, claim: Claim, reason: str) -> Claim:
    """财政局 sends a draft claim back to 住建局 with a reason (B14: only money to its purpose is approved).

    The claim is kept as it was, marked 已退回 with the reason; its entitlements go back to 住建局, who corrects
    the ledger, recomputes and builds a new claim (which `claims_build` links as the resubmission)."""
    from countyhall.core.clock import format_local
    from countyhall.core.roles import Role

    actor = as_actor(actor)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    require(access.can_return_claim(actor, claim), "补贴申领由财政局审定或退回。")
    if claim.status != Claim.Status.DRAFT:
        raise ServiceError("status", f"只有待审核的申领可以退回（该申领{claim.get_status_display()}）。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "退回原因：必填，请写明需要住建局更正的内容。")
    if len(reason) > 500:
        raise ServiceError("reason", "退回原因：最多 500 个字。")
    before = model_snapshot(claim)
    claim.status, claim.returned_reason = Claim.Status.RETURNED, reason
    claim.returned_by, claim.returned_at = actor_user(actor), business_now()
    claim.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=claim,
        before=before,
        after=model_snapshot(claim),
        note=f"退回：{reason}",
    )
    _notify_role(
        role=Role.HOUSING,
        subject=f"清洁取暖补贴申领被退回：{claim_label(claim)}",
        body=f"财政局于 {format_local(claim.returned_at)} 退回申领“{claim_label(claim)}”"
        f"（{claim.amount:,.2f} 元）。退回原因：{reason}\n请更正台账后重新核算并提交。",
        source=claim,
    )
    return claim


def _record_corrections(
    *, actor, household: Household, record: str, changes: list[tuple[str, object, object]], reason: str
) -> list:
    from countyhall.core.actors import actor_label
    from countyhall.heating.models import Correction

    return [
        Correction.objects.create(
            household=household,
            record=record,
            field=label,
            old=history_text(old)[:200],
            new=history_text(new)[:200],
            reason=reason,
            by=actor_user(actor),
            by_label=actor_label(actor),
        )
        for label, old, new in changes
    ]


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "更正原因：必填（更正不删除原值，原值与原因记入历史）。")
    if len(reason) > 500:
        raise ServiceError("reason", "更正原因：最多 500 个字。")
    return reason


HOUSEHOLD_FIELDS = {"address": "住址", "members": "家庭人口", "special_poor": "特别困难群体"}
DEVICE_FIELDS = {
    "model_name": "设备型号",
    "supplier": "供货商",
    "price": "购买价格",
    "invoice_no": "发票号码",
    "installed_on": "安装日期",
    "commissioned_on": "调试日期",
}


@transaction.atomic
def household_correct(*, actor, household: Household, reason: str, **values) -> list:
    """Correct a household's address, members, 特困 flag and its device; each changed field is kept as
    old → new with the reason (the page's history) and audited. Nothing changed: nothing written."""
    actor = as_actor(actor)
    household = Household.objects.select_for_update().get(pk=household.pk)
    require(access.can_correct_household(actor, household), "只能更正本人所在镇（街道）的改造户。")
    reason = _reason(reason)
    unknown = set(values) - set(HOUSEHOLD_FIELDS) - set(DEVICE_FIELDS)
    if unknown:
        raise ServiceError(sorted(unknown)[0], "该字段不能在此更正。")
    if "address" in values and not str(values["address"] or "").strip():
        raise ServiceError("address", "住址不能为空。")
    if "members" in values and not (
        isinstance(values["members"], int) and 1 <= values["members"] <= MAX_MEMBERS
    ):
        raise ServiceError("members", f"家庭人口应为 1 至 {MAX_MEMBERS} 的整数。")
    before = model_snapshot(household)
    changes = []
    for name, label in HOUSEHOLD_FIELDS.items():
        if name in values:
            new = values[name].strip() if isinstance(values[name], str) else values[name]
            if getattr(household, name) != new:
                changes.append((label, getattr(household, name), new))
                setattr(household, name, new)
    device = household.devices.first()
    device_values = {name: values[name] for name in DEVICE_FIELDS if name in values}
    device_changes = []
    if device_values:
        if device is None:
            raise ServiceError("price", "该户尚未登记设备，请先登记设备。")
        for name, label in DEVICE_FIELDS.items():
            if name in device_values:
                new = (
                    device_values[name].strip()
                    if isinstance(device_values[name], str)
                    else device_values[name]
                )
                if getattr(device, name) != new:
                    device_changes.append((label, getattr(device, name), new))
    if not changes and not device_changes:
        raise ServiceError("reason", "没有需要更正的内容（各项与原值相同）。")
    if changes:
        household.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=household,
            before=before,
            after=model_snapshot(household),
            note=f"更正：{reason}",
        )
    if device_changes:
        merged = {name: getattr(device, name) for name in DEVICE_FIELDS}
        merged.update({name: (v.strip() if isinstance(v, str) else v) for name, v in device_values.items()})
        if merged["price"] is None:
            raise ServiceError("price", "购买价格不能为空。")
        _check_invoice_unique(invoice_no=merged["invoice_no"], household=household)
        device_record(actor=actor, household=household, kind=device.kind, **merged)
    return _record_corrections(
        actor=actor, household=household, record="改造户信息", changes=changes, reason=reason
    ) + _record_corrections(
        actor=actor, household=household, record="采暖设备", changes=device_changes, reason=reason
    )


def _check_invoice_unique(*, invoice_no: str, household: Household | None) -> None:
    """One invoice pays one device: an invoice number already on another household's device is refused."""
    invoice_no = (invoice_no or "").strip()
    if not invoice_no:
        return
    other = (
        Device.objects.filter(invoice_no=invoice_no)
        .exclude(household=household)
        .select_related("household__householder")
        .first()
    )
    if other is not None:
        raise ServiceError(
            "invoice_no",
            f"发票号码 {invoice_no} 已用于改造户 {mask_name(other.household.householder.name)}"
            f"（台账编号 {other.household_id}）的设备，同一张发票不能重复申领。",
        )


def _season_use_from_readings(*, actor, household: Household, season: str) -> SeasonUse | None:
    values = list(
        household.meter_readings.filter(season=season)
        .order_by("read_on")
        .values_list("reading_m3", flat=True)
    )
    if not values:
        return None
    return season_use_record(actor=actor, household=household, season=season, gas_m3=values[-1] - values[0])


@transaction.atomic
def meter_reading_correct(
    *, actor, reading: MeterReading, reading_m3: Decimal, reason: str
) -> SeasonUse | None:
    """Correct a mistyped meter reading; the old figure stays in the history and the season's use follows."""
    actor = as_actor(actor)
    reading = MeterReading.objects.select_for_update().select_related("household").get(pk=reading.pk)
    household = reading.household
    require(access.can_correct_household(actor, household), "只能更正本人所在镇（街道）改造户的抄表。")
    reason = _reason(reason)
    if reading_m3 is None or reading_m3 < 0:
        raise ServiceError("reading_m3", "表数不能为空或为负数。")
    if reading_m3 == reading.reading_m3:
        raise ServiceError("reading_m3", "表数与原值相同，无需更正。")
    others = household.meter_readings.filter(season=reading.season).exclude(pk=reading.pk)
    if (
        others.filter(read_on__lt=reading.read_on, reading_m3__gt=reading_m3).exists()
        or others.filter(read_on__gt=reading.read_on, reading_m3__lt=reading_m3).exists()
    ):
        raise ServiceError("reading_m3", "表数应随抄表日期递增。")
    before = model_snapshot(reading)
    old = reading.reading_m3
    reading.reading_m3 = reading_m3
    reading.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=reading,
        before=before,
        after=model_snapshot(reading),
        object_repr=f"改造户 #{household.pk} 抄表",
        note=f"更正：{reason}",
    )
    _record_corrections(
        actor=actor,
        household=household,
        record="燃气抄表",
        changes=[(f"{reading.read_on.isoformat()} 表数", old, reading_m3)],
        reason=reason,
    )
    return _season_use_from_readings(actor=actor, household=household, season=reading.season)


@transaction.atomic
def fuel_purchase_correct(*, actor, purchase: FuelPurchase, tonnes: Decimal, reason: str) -> SeasonUse:
    """Correct a fuel purchase's tonnes (0 voids a purchase entered by mistake; the row and history remain)."""
    actor = as_actor(actor)
    purchase = FuelPurchase.objects.select_for_update().select_related("household").get(pk=purchase.pk)
    household = purchase.household
    require(access.can_correct_household(actor, household), "只能更正本人所在镇（街道）改造户的燃料购买。")
    reason = _reason(reason)
    if tonnes is None or tonnes < 0:
        raise ServiceError("tonnes", "吨数不能为空或为负数（填 0 表示该笔作废）。")
    if tonnes == purchase.tonnes:
        raise ServiceError("tonnes", "吨数与原值相同，无需更正。")
    before = model_snapshot(purchase)
    old = purchase.tonnes
    purchase.tonnes = tonnes
    purchase.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=purchase,
        before=before,
        after=model_snapshot(purchase),
        object_repr=f"改造户 #{household.pk} 燃料购买",
        note=f"更正：{reason}",
    )
    _record_corrections(
        actor=actor,
        household=household,
        record="燃料购买",
        changes=[(f"{purchase.bought_on.isoformat()} 吨数", old, tonnes)],
        reason=reason,
    )
    total = household.fuel_purchases.filter(season=purchase.season).aggregate(total=Sum("tonnes"))["total"]
    return season_use_record(actor=actor, household=household, season=purchase.season, fuel_tonnes=total)
