"""The canteens' hooks into governed policy (core.programs.Program.policy_locks / policy_impact).

Locks: an approved settlement (民政 approved, or locked by 财政) used the canteen parameters and readings up to
the end of its period; a change to a canteen key must start after the latest such period.

Impact: the lunches of open periods (no approved settlement yet) dated from the change's start are recomputed
with the lunch rule under today's policy and under the proposal, per budget and per town; the yearly operating
subsidies from the change's year on likewise. Pure reads: nothing is written.

Lunches are grouped before the rule runs, so a county's open month is a few thousand rule calls, not a million:
the rule's result depends on the meal date only through the policy in force, which is constant between the
"breakpoints" (the parameter file's dates and the governed changes of canteen keys in either snapshot); the
elder's age on the meal date is stored on the lunch. 特困 lunches at the meal standard and lunches with a
separately charged meal depend on the day's price list too: they are grouped by day.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, DateField, F, IntegerField, Min, Q, Value, When
from django.utils.dateformat import format as date_format

from countyhall.canteens.models import Facility, Lunch, OperatingSubsidy, PriceListEntry, Settlement
from countyhall.canteens.names import town_names, town_of
from countyhall.canteens.rules import FacilityTerms, TekunSupport, lunch_terms, operating_subsidy_terms
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.policy import governed, parameters
from countyhall.core.policy.governed import GovernedPolicy
from countyhall.core.services.policy import PolicyLock

ZERO = Decimal("0.00")
PARAMETER_FILE = "canteen.yaml"
APPROVED = [Settlement.Status.CIVIL_AFFAIRS_APPROVED, Settlement.Status.LOCKED]
# (label, key in the rule's data, field on Lunch)
BUDGETS = [
    ("市财政补贴", "city"),
    ("县财政补贴", "county"),
    ("照护资金", "care_fund"),
    ("运营方优惠", "operator_discount"),
    ("老人自付", "elder_pays"),
    ("政策未明确付款方", "unfunded"),
    ("另行收费（高标准餐）", "extra_charge"),
]
BACKDATE_KEY = "canteen.backdate_days"  # 补录期限: which dates a counter records itself (services/lunches.py)
OPERATING_KEYS_PREFIX = ("canteen.operating_subsidy.", "canteen.evaluation.")
OPERATING_READINGS = {"A14", "A18"}


def canteen_keys() -> tuple[set[str], set[str]]:
    """The parameters and readings of the canteen parameter file."""
    registry = parameters()
    return (
        {name for name, p in registry.parameters.items() if p.source_file == PARAMETER_FILE},
        {rid for rid, r in registry.readings.items() if r.source_file == PARAMETER_FILE},
    )


def is_canteen_key(kind: str, key: str) -> bool:
    params, readings = canteen_keys()
    return key in (readings if kind == "reading" else params)


def _period_end(year: int, month: int | None) -> dt.date:
    if month is None:
        return dt.date(year, 12, 31)
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def policy_locks(*, kind: str, key: str) -> list[PolicyLock]:
    """The latest period an approved settlement covers: its lunches were computed with every canteen key."""
    if not is_canteen_key(kind, key):
        return []
    ends = [
        (_period_end(year, month), year, month)
        for year, month in Settlement.objects.filter(status__in=APPROVED)
        .values_list("year", "month")
        .distinct()
    ]
    locks = []
    if key == BACKDATE_KEY:
        # Each day's counter used the window in force that day (which dates it recorded itself, which it sent to
        # 民政 as late entries): a change of the window starts today at the earliest.
        locks.append(
            PolicyLock(
                through=business_date() - dt.timedelta(days=1),
                what="登记台已按当日的补录期限登记午餐、提交补录申请",
            )
        )
    if not ends:
        return locks
    through, year, month = max(ends)
    period = f"{year}年{month}月" if month else f"{year}年度"
    return [PolicyLock(through=through, what=f"长者食堂{period}结算单已审核"), *locks]


def affects_lunch_amounts(kind: str, key: str) -> bool:
    """A canteen key the lunch rule reads at the counter (not the 补录期限, not the yearly operating subsidy)."""
    if not is_canteen_key(kind, key) or key == BACKDATE_KEY:
        return False
    return not (key in OPERATING_READINGS or key.startswith(OPERATING_KEYS_PREFIX))


def latest_recorded_lunch() -> dt.date | None:
    """The last meal date with an accepted lunch: its amounts were charged at the counter under the policy then."""
    return (
        Lunch.objects.filter(status=Lunch.Status.ACCEPTED, voided_at__isnull=True)
        .order_by("-meal_date")
        .values_list("meal_date", flat=True)
        .first()
    )


def policy_check(*, change, on_approval: bool) -> None:
    """补录期限 within 0–MAX_BACKDATE_DAYS whichever page proposes it: the figure's own page reaches the policy
    service directly, not through backdate_window_set (a window of 10^12 days opened the whole history to the
    counter and broke the impact preview's date arithmetic).

    A change of what a lunch costs starts after the last recorded lunch: each lunch's amounts were fixed at the
    counter (the elder paid their share there, services/lunches.py), so a change dated back into recorded lunches
    would say a policy applied that no lunch was charged under (attack13: the preview recomputed them, the approval
    did not)."""
    from countyhall.canteens.services.late_entries import MAX_BACKDATE_DAYS
    from countyhall.core.errors import ServiceError

    if (
        change.kind == "parameter"
        and change.key == BACKDATE_KEY
        and not 0 <= int(change.value) <= MAX_BACKDATE_DAYS
    ):
        raise ServiceError(
            "value", f"补录期限应为 0 到 {MAX_BACKDATE_DAYS} 之间的整数天数，实际为 {change.value}。"
        )
    if affects_lunch_amounts(change.kind, change.key):
        latest = latest_recorded_lunch()
        if latest is not None and change.valid_from <= latest:
            raise ServiceError(
                "valid_from",
                f"长者食堂已登记{chinese_date(latest)}的午餐，登记时已按当日政策计算补贴、向老人收费；"
                f"影响午餐金额的变更最早自{chinese_date(latest + dt.timedelta(days=1))}起生效（已登记的午餐不追溯重算）。",
            )


# ---------------------------------------------------------------------------------------------------------
# Impact


def _breakpoints(snapshots: list[GovernedPolicy], since: dt.date) -> list[dt.date]:
    """The days from which the canteen policy in force may differ from the day before."""
    params, readings = canteen_keys()
    registry = parameters()
    days = {since}
    for name in params:
        for value in registry.get(name).values:
            days.add(value.valid_from)
            if value.valid_to:
                days.add(value.valid_to + dt.timedelta(days=1))
    for snapshot in snapshots:
        for key, entries in [*snapshot.parameters.items(), *snapshot.readings.items()]:
            if key in params or key in readings:
                days.update(entry.valid_from for entry in entries)
    return sorted(day for day in days if day >= since)


def _open_lunches(since: dt.date):
    """Accepted lunches from `since` on that no approved settlement covers."""
    approved_years = list(
        Settlement.objects.filter(status__in=APPROVED, month__isnull=True).values_list("facility_id", "year")
    )
    lunches = Lunch.objects.filter(status=Lunch.Status.ACCEPTED, meal_date__gte=since).exclude(
        settlement__status__in=APPROVED
    )
    for facility_id, year in approved_years:
        lunches = lunches.exclude(facility_id=facility_id, meal_date__year=year)
    return lunches


def _born(age: int, on: dt.date) -> dt.date:
    """A birth date giving `age` full years on `on` (the lunch stores the age on its meal date)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February
        return on.replace(year=on.year - age, day=28)


class _Prices:
    """The price lists of the facilities concerned, loaded once: the lunch price and each separately charged
    meal in force on a day."""

    def __init__(self, facility_ids):
        self.entries: dict[tuple[int, str, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for entry in PriceListEntry.objects.filter(facility_id__in=list(facility_ids)).order_by("valid_from"):
            self.entries[(entry.facility_id, entry.kind, entry.label)].append((entry.valid_from, entry.price))

    def on(self, facility_id: int, kind: str, label: str, day: dt.date) -> Decimal | None:
        rows = self.entries.get((facility_id, kind, label), [])
        index = bisect.bisect_right([d for d, _ in rows], day) - 1
        return rows[index][1] if index >= 0 else None


def _lunch_groups(since: dt.date, breakpoints: list[dt.date], *, until: dt.date | None = None):
    segment = Case(
        *[When(meal_date__gte=day, then=Value(i)) for i, day in reversed(list(enumerate(breakpoints)))],
        default=Value(-1),
        output_field=IntegerField(),
    )
    by_day = Q(care_fund__gt=0) | ~Q(extra_label="")
    lunches = _open_lunches(since)
    if until is not None:
        lunches = lunches.filter(meal_date__lte=until)
    return (
        lunches.annotate(
            segment=segment,
            day=Case(When(by_day, then=F("meal_date")), default=Value(None), output_field=DateField()),
            same_village=Case(
                When(elder__person__division_id=F("facility__division_id"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values(
            "segment",
            "day",
            "facility_id",
            "age",
            "tekun",
            "price",
            "extra_label",
            "extra_charge",
            "care_fund",
            "same_village",
        )
        .order_by()
        .annotate(n=Count("id"), first_day=Min("meal_date"))
    )


def _recompute(group: dict, facility: Facility, prices: _Prices) -> dict[str, Decimal]:
    day = group["day"] or group["first_day"]
    dispersed_tekun = group["tekun"] and group["care_fund"] > 0
    price = group["price"]
    if dispersed_tekun:
        # The stored price is the meal standard: the rule needs the day's lunch price to apply a new standard.
        price = prices.on(facility.pk, PriceListEntry.Kind.LUNCH, "", day) or price
    extra_price = None
    if group["extra_label"]:
        extra_price = prices.on(facility.pk, PriceListEntry.Kind.HIGHER, group["extra_label"], day)
    result = lunch_terms(
        birth_date=_born(group["age"] or 0, day),
        meal_date=day,
        gaoqing_hukou=True,
        tekun=group["tekun"],
        tekun_support=TekunSupport.DISPERSED
        if dispersed_tekun or not group["tekun"]
        else TekunSupport.CENTRALISED,
        facility=FacilityTerms(
            type=facility.kind,
            setting=facility.setting,
            operator=facility.operator_kind,
            same_village=bool(group["same_village"]),
        ),
        price=price,
        extra_price=extra_price,
    ).data
    if not result["eligible"]:
        # No subsidised lunch under this policy: the elder pays the lunch price.
        return {**dict.fromkeys((key for _, key in BUDGETS), ZERO), "elder_pays": price}
    return {
        "city": result["subsidy"]["city"],
        "county": result["subsidy"]["county"],
        **{key: result[key] for _, key in BUDGETS if key not in ("city", "county")},
    }


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


REFERENCE_DAYS = 30


def _lunch_projection(*, change, today: GovernedPolicy, proposal: GovernedPolicy) -> list[dict]:
    """What the change would move, shown on lunches that exist. A change starts after the last recorded lunch
    (policy_check), so the lunches of open periods in the 30 days before its start are recomputed as if it had
    applied to them: the estimate of a like period under the proposal. Nothing recorded is recomputed."""
    latest = latest_recorded_lunch()
    if latest is None or change.valid_from <= latest:
        # No lunch yet, or a start the check refuses: the lunches from the start as they are (the check's message
        # says why the change cannot be approved).
        return _lunch_impact(since=change.valid_from, today=today, proposal=proposal)
    end = min(latest, change.valid_from - dt.timedelta(days=1))
    since = end - dt.timedelta(days=REFERENCE_DAYS - 1)
    entries = (proposal.readings if change.kind == "reading" else proposal.parameters).get(change.key, ())
    entry = next((e for e in entries if e.valid_from == change.valid_from), None)
    if entry is None:
        return []
    as_if = proposal.with_entry(change.kind, change.key, dataclasses.replace(entry, valid_from=since))
    note = (
        f"变更自{chinese_date(change.valid_from)}起适用于此后登记的午餐；已登记的午餐按登记时的金额结算，不重新计算。"
        f"下表按提议重新计算{chinese_date(since)}至{chinese_date(end)}未审核结算期内已登记的午餐，"
        "作为变更生效后同等就餐量的估算。"
    )
    return _lunch_impact(since=since, until=end, today=today, proposal=as_if, note=note)


def _lunch_impact(
    *,
    since: dt.date,
    today: GovernedPolicy,
    proposal: GovernedPolicy,
    until: dt.date | None = None,
    note: str = "",
) -> list[dict]:
    groups = list(_lunch_groups(since, _breakpoints([today, proposal], since), until=until))
    facilities = {
        f.pk: f
        for f in Facility.objects.filter(pk__in={g["facility_id"] for g in groups}).select_related("division")
    }
    prices = _Prices({g["facility_id"] for g in groups if g["day"] is not None})
    towns = town_names()
    totals = {which: defaultdict(lambda: ZERO) for which in ("today", "proposal")}
    per_town = {which: defaultdict(lambda: defaultdict(lambda: ZERO)) for which in ("today", "proposal")}
    lunches = 0
    for group in groups:
        facility = facilities[group["facility_id"]]
        town = town_of(facility.division, towns) or facility.division.name
        lunches += group["n"]
        for which, snapshot in (("today", today), ("proposal", proposal)):
            with governed.governed_as(snapshot):
                amounts = _recompute(group, facility, prices)
            for key, amount in amounts.items():
                totals[which][key] += amount * group["n"]
                per_town[which][town][key] += amount * group["n"]
    note = (
        (note + f"（共 {lunches} 人次）")
        if note
        else (
            f"未审核结算期内 {date_format(since, 'Y年n月j日')} 起的 {lunches} 人次午餐，按现行政策和按提议分别重新计算"
            "（已审核的结算单不变；被拒绝的登记不重新计算）。"
        )
    )
    budget_rows = [
        [
            label,
            _yuan(totals["today"][key]),
            _yuan(totals["proposal"][key]),
            _yuan(totals["proposal"][key] - totals["today"][key]),
        ]
        for label, key in BUDGETS
    ]
    town_rows = []
    for town in sorted(set(per_town["today"]) | set(per_town["proposal"])):
        for label, key in BUDGETS:
            before, after = per_town["today"][town][key], per_town["proposal"][town][key]
            if before or after:
                town_rows.append([town, label, _yuan(before), _yuan(after), _yuan(after - before)])
    return [
        {
            "title": "长者食堂助餐补贴：未审核结算期（按预算）",
            "columns": ["预算", "现行政策（元）", "按提议（元）", "差额（元）"],
            "rows": budget_rows,
            "note": note,
        },
        {
            "title": "长者食堂助餐补贴：未审核结算期（按镇、街道）",
            "columns": ["镇（街道）", "预算", "现行政策（元）", "按提议（元）", "差额（元）"],
            "rows": town_rows,
            "note": note if town_rows else "没有受影响的午餐。",
        },
    ]


def _operating_impact(*, since: dt.date, today: GovernedPolicy, proposal: GovernedPolicy) -> list[dict]:
    subsidies = list(
        OperatingSubsidy.objects.filter(year__gte=since.year).select_related("facility__division")
    )
    towns = town_names()
    rows = []
    for subsidy in sorted(subsidies, key=lambda s: (s.year, s.facility.name)):
        facility = subsidy.facility
        if facility.service_start is None:
            continue
        outcome = {}
        for which, snapshot in (("today", today), ("proposal", proposal)):
            with governed.governed_as(snapshot):
                outcome[which] = operating_subsidy_terms(
                    facility_type=facility.kind,
                    service_start=facility.service_start,
                    year=subsidy.year,
                    lunches=subsidy.lunches,
                    evaluation_passed=subsidy.evaluation_passed,
                ).data
        rows.append(
            [
                str(subsidy.year),
                town_of(facility.division, towns),
                facility.name,
                f"{_yuan(outcome['today']['city'])} / {_yuan(outcome['today']['county'])}",
                f"{_yuan(outcome['proposal']['city'])} / {_yuan(outcome['proposal']['county'])}",
                _yuan(outcome["proposal"]["amount"] - outcome["today"]["amount"]),
            ]
        )
    return [
        {
            "title": "长者食堂年度运营补贴（市 / 县）",
            "rows": rows,
            "columns": ["年度", "镇（街道）", "机构", "现行政策（元）", "按提议（元）", "差额（元）"],
            "note": f"{since.year}年度起已核算的运营补贴，按现行政策和按提议分别重新计算。"
            if rows
            else "尚无已核算的运营补贴。",
        }
    ]


def _backdate_impact(*, change, proposal: GovernedPolicy) -> list[dict]:
    """补录期限: on the change's start date, the earliest day a counter may record itself today and under the
    proposal, and the pending late entries per town that the proposal's window would cover (the counter could
    record them itself) or that would still need 民政's approval."""
    from countyhall.canteens.models import LateEntry
    from countyhall.canteens.services.lunches import backdate_days

    on = change.valid_from
    with governed.governed_as(governed.current()):
        now = backdate_days(on)
    with governed.governed_as(proposal):
        then = backdate_days(on)
    window = [
        ["补录期限", f"{now} 天", f"{then} 天"],
        [
            f"{chinese_date(on)} 登记台可自行补录的最早就餐日",
            chinese_date(on - dt.timedelta(days=now)),
            chinese_date(on - dt.timedelta(days=then)),
        ],
    ]
    towns = town_names()
    per_town: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    pending = LateEntry.objects.filter(status=LateEntry.Status.PENDING).select_related("facility__division")
    for entry in pending.only(
        "meal_date", "facility__division__kind", "facility__division__path", "facility__division__name"
    ):
        row = per_town[town_of(entry.facility.division, towns) or "（未归属镇街）"]
        row[0] += 1
        inside_now = (on - entry.meal_date).days <= now
        inside_then = (on - entry.meal_date).days <= then
        row[1] += inside_then and not inside_now
        row[2] += inside_now and not inside_then
    rows = [
        [town, str(n), str(opened), str(closed)] for town, (n, opened, closed) in sorted(per_town.items())
    ]
    return [
        {
            "title": "补录期限（高政办发〔2021〕2号 四、（二）5）",
            "columns": ["项目", "现行", "变更后"],
            "rows": window,
            "note": "期限内的日期由登记台自行补录；更早的日期须提交补录申请，由县民政局审核。",
        },
        {
            "title": "待审核的补录申请（按镇街）",
            "columns": ["镇街", "待审核申请", "变更后登记台可自行补录", "变更后须审核（原可自行补录）"],
            "rows": rows,
            "note": "按生效日计算；已提交的申请仍由县民政局审核，期限只决定今后的登记。"
            if rows
            else "没有待审核的补录申请。",
        },
    ]


def policy_impact(*, change, proposal: GovernedPolicy) -> list[dict]:
    if not is_canteen_key(change.kind, change.key):
        return []
    if change.key == BACKDATE_KEY:
        return _backdate_impact(change=change, proposal=proposal)
    today = governed.current()
    if affects_lunch_amounts(change.kind, change.key):
        tables = _lunch_projection(change=change, today=today, proposal=proposal)
    else:
        tables = []
    if change.key in OPERATING_READINGS or change.key.startswith(OPERATING_KEYS_PREFIX):
        tables += _operating_impact(since=change.valid_from, today=today, proposal=proposal)
    return tables


def _cites(number: str, source_file: str) -> bool:
    return any(
        value.citation.document == number
        for parameter in parameters()
        if parameter.source_file == source_file
        for value in parameter.values
    )


def cited_open_items(*, number: str, from_date: dt.date) -> list[dict]:
    """The gazette register's hook (Program.cited_open_items): when a document canteen.yaml cites (高政办发〔2021〕2号)
    ends or is amended from `from_date`, the lunches, monthly and yearly settlements and operating subsidies of the
    periods from that day, each with how many are still open (not locked)."""
    from django.urls import reverse

    if not _cites(number, "canteen.yaml"):
        return []
    since = chinese_date(from_date)
    month_from = Q(year__gt=from_date.year) | Q(year=from_date.year, month__gte=from_date.month)
    settlements = Settlement.objects.filter(
        Q(month__isnull=False) & month_from | Q(month__isnull=True, year__gte=from_date.year)
    )
    open_settlements = settlements.exclude(status=Settlement.Status.LOCKED).count()
    subsidies = OperatingSubsidy.objects.filter(year__gte=from_date.year)
    lunches = Lunch.objects.filter(meal_date__gte=from_date, status=Lunch.Status.ACCEPTED)
    return [
        {
            "label": f"{since}起的午餐补贴（每餐市、县补贴）",
            "count": lunches.count(),
            "key": "canteens.Lunch",
            "url": reverse("canteens:subsidies"),
            "change": f"{since}起就餐的午餐补贴失去依据，须按后续政策核定",
        },
        {
            "label": f"{from_date.year}年{from_date.month}月起的结算（其中未锁定 {open_settlements} 份）",
            "count": settlements.count(),
            "key": "canteens.Settlement",
            "url": reverse("canteens:settlements"),
            "change": f"{since}起的结算须按后续政策重算",
        },
        {
            "label": f"{from_date.year}年度起的运营补贴",
            "count": subsidies.count(),
            "key": "canteens.OperatingSubsidy",
            "url": reverse("canteens:subsidies"),
            "change": f"{from_date.year}年度起的运营补贴失去依据",
        },
    ]
