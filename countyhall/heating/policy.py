"""Clean heating under governed policy (core.services.policy): which approved claims lock a reading or figure, what a
proposed change would move (the impact preview), and "why this amount" for a stored entitlement.

Everything here is read-only: the impact preview recomputes the households on file under today's policy and under
the proposal with the rules (pure functions), never writing an entitlement.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from countyhall.core.policy import ALTERNATIVE, ANSWER_LABELS, parameters
from countyhall.core.policy.basis import parameter_rows
from countyhall.core.policy.citations import ADOPTED
from countyhall.core.policy.governed import governed_as, readings_answered
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.policy import PolicyLock
from countyhall.heating import rules
from countyhall.heating.models import Claim, Entitlement, Household
from countyhall.heating.templatetags.heating_labels import BUDGET_LABELS

ZERO = Decimal("0.00")
SPECIAL_POOR_PREFIX = "heating.special_poor."
SPECIAL_POOR_ROWS = (
    200  # the impact preview lists at most this many 特困 households (the per-town totals count all)
)


def heating_key(kind: str, key: str) -> bool:
    """Whether a governed key belongs to clean heating: its readings (heating.yaml) and heating.* figures."""
    registry = parameters()
    if kind == "reading":
        reading = registry.readings.get(key)
        return reading is not None and reading.source_file == "heating.yaml"
    return key.startswith("heating.")


def period_end(period: str) -> dt.date:
    """The last day whose policy a period's figures used: the programme's year for the one-off items, a season's
    last day (the day before the next season starts) for the running subsidies."""
    if period == str(rules.programme_year()):
        return dt.date(int(period), 12, 31)
    return rules.season_end(period)


def policy_locks(*, kind: str, key: str) -> list[PolicyLock]:
    """Approved claims that used the reading (their stored policy basis names it; a claim stored before the basis
    was kept counts as using every reading) or any heating figure: a change must start after their period."""
    if not heating_key(kind, key):
        return []
    approved = Claim.objects.filter(status=Claim.Status.APPROVED)
    periods = set()
    for period, basis in approved.values_list("period", "policy_basis"):
        readings = (basis or {}).get("readings")
        if kind == "reading" and readings is not None and key not in readings:
            continue
        used = (basis or {}).get("parameters")
        if kind == "parameter" and used is not None and key not in used:
            continue  # the claim keeps the parameters it used (issue 13) and this is not one of them
        if kind == "parameter" and used is None and key.startswith(SPECIAL_POOR_PREFIX):
            # A claim stored before the parameters were kept excluded every 特别困难群体 household (B9 was not
            # computed then): it used none of the scheme's figures.
            continue
        periods.add(period)
    if not periods:
        return []
    latest = max(periods, key=period_end)
    return [PolicyLock(through=period_end(latest), what=f"清洁取暖{latest}期间的补贴申领已由财政局审定")]


def policy_check(*, change, on_approval: bool) -> None:
    """A 特别困难群体 amount per household must be one an entitlement can hold (Entitlement.amount: 12 digits, two
    decimals): 999999999999.99 passed the parameter check (it allows 10^12), was approved, and every page reading
    the entitlement back failed (decimal.InvalidOperation on SQLite, numeric overflow on PostgreSQL). An input
    guard, not policy: the scheme's amounts are not printed (四、（四）)."""
    from countyhall.core.errors import ServiceError
    from countyhall.core.figures import model_decimal

    if change.kind != "parameter" or not change.key.startswith(SPECIAL_POOR_PREFIX):
        return
    try:
        model_decimal(Entitlement, "amount", change.value)
    except ServiceError as exc:
        raise ServiceError("value", f"每户补助{exc.message.removeprefix('金额')}") from None


def _town(household: Household) -> str:
    division = household.division
    while division.parent_id is not None and division.kind != "town":
        division = division.parent
    return division.name


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _computed(households, periods, locked) -> dict:
    """Totals per budget, per town and per payee of the rules' figures for the open items of `periods`."""
    from countyhall.heating.services import _terms_for

    budgets: dict[str, Decimal] = defaultdict(Decimal)
    towns: dict[str, Decimal] = defaultdict(Decimal)
    payees: dict[str, Decimal] = defaultdict(Decimal)
    for household in households:
        for period in periods:
            for item, payee, _name, result in _terms_for(household, period):
                if (household.pk, period, item) in locked:
                    continue
                amount = result.data["amount"]
                for budget, share in result.data["shares"].items():
                    budgets[budget] += share
                towns[_town(household)] += amount
                payees[payee] += amount
    return {"budgets": budgets, "towns": towns, "payees": payees}


def _table(title: str, label: str, names, today: dict, proposal: dict, note: str = "") -> dict:
    rows = []
    for code in sorted(set(today) | set(proposal)):
        before, after = today.get(code, ZERO), proposal.get(code, ZERO)
        rows.append([names(code), _yuan(before), _yuan(after), _yuan(after - before)])
    return {
        "title": title,
        "columns": [label, "今天的政策（元）", "按提议（元）", "变化（元）"],
        "rows": rows,
        "note": note,
    }


def open_periods() -> list[str]:
    """Periods with entitlements not yet in an approved claim, and the programme's year while none of its claims is
    approved (the households on file, even before a first computation)."""
    periods = set(
        Entitlement.objects.exclude(claim__status=Claim.Status.APPROVED).values_list("period", flat=True)
    )
    programme = str(rules.programme_year())
    if not Claim.objects.filter(period=programme, status=Claim.Status.APPROVED).exists():
        periods.add(programme)
    return sorted(periods)


def policy_impact(*, change, proposal) -> list[dict]:
    """The open periods recomputed under today's policy and under `proposal` (a dry run: rules only, no writes):
    per budget (how much moves between city and county), per town and per payee, money as yuan strings."""
    if not heating_key(change.kind, change.key):
        return []
    periods = open_periods()
    households = list(
        Household.objects.filter(special_poor=False)
        .select_related("division__parent__parent")
        .prefetch_related("devices", "season_uses")
    )
    locked = set(
        Entitlement.objects.filter(claim__status=Claim.Status.APPROVED, adjusts=None).values_list(
            "household_id", "period", "item"
        )
    )
    today = _computed(households, periods, locked)
    with governed_as(proposal):
        proposed = _computed(households, periods, locked)
    note = (
        f"试算 {len(households)} 户（不含特别困难群体）在未审定期间（{'、'.join(periods)}）的补贴，不写入台账；"
        f"已审定的申领不变。一次性补贴按方案印发日（{rules.programme_date().isoformat()}）的政策计算，"
        "运行费用按各采暖季开始日的政策计算：生效日晚于该日的变更不改变该期间的金额。"
    )
    payee_labels = dict(Claim.Payee.choices)
    return [
        *special_poor_impact(periods=periods, locked=locked, proposal=proposal),
        _table(
            "清洁取暖：按预算分担",
            "预算",
            lambda c: BUDGET_LABELS.get(c, c),
            today["budgets"],
            proposed["budgets"],
            note,
        ),
        _table("清洁取暖：按镇（街道）", "镇（街道）", lambda c: c, today["towns"], proposed["towns"]),
        _table(
            "清洁取暖：按收款方",
            "收款方",
            lambda c: payee_labels.get(c, c),
            today["payees"],
            proposed["payees"],
        ),
    ]


def _special_poor_figures(households, periods, locked) -> dict[int, dict]:
    """B9: per 特困 household, what it would receive in the open periods (None items: 待管理员录入)."""
    from countyhall.heating.services import _terms_for

    found: dict[int, dict] = {}
    for household in households:
        amount, pending = ZERO, 0
        for period in periods:
            for item, _payee, _name, result in _terms_for(household, period):
                if (household.pk, period, item) in locked:
                    continue
                if result.data["amount"] is None:
                    pending += 1
                else:
                    amount += result.data["amount"]
        found[household.pk] = {"amount": amount, "pending": pending}
    return found


def _figure_text(figure: dict) -> str:
    text = _yuan(figure["amount"])
    return f"{text}（另有 {figure['pending']} 项待管理员录入）" if figure["pending"] else text


def special_poor_impact(*, periods, locked, proposal) -> list[dict]:
    """B9 (四、（四）, L5520–5524): the 特别困难群体 households on file, per town and one by one, with what they receive in
    the open periods today and under the proposal (items not entered: 待管理员录入, not paid). Names masked."""
    from countyhall.core.identity import mask_name

    households = list(
        Household.objects.filter(special_poor=True)
        .select_related("householder", "division__parent__parent")
        .prefetch_related("devices", "season_uses")
        .order_by("division__path", "pk")
    )
    if not households:
        return []
    today = _special_poor_figures(households, periods, locked)
    with governed_as(proposal):
        proposed = _special_poor_figures(households, periods, locked)
    towns: dict[str, dict] = {}
    rows = []
    for household in households:
        before, after = today[household.pk], proposed[household.pk]
        town = towns.setdefault(
            _town(household),
            {"households": 0, "before": ZERO, "after": ZERO, "pending_before": 0, "pending_after": 0},
        )
        town["households"] += 1
        town["before"] += before["amount"]
        town["after"] += after["amount"]
        town["pending_before"] += before["pending"]
        town["pending_after"] += after["pending"]
        if len(rows) < SPECIAL_POOR_ROWS:
            rows.append(
                [
                    _town(household),
                    f"{mask_name(household.householder.name)}（改造户 #{household.pk}）",
                    household.get_method_display(),
                    _figure_text(before),
                    _figure_text(after),
                    _yuan(after["amount"] - before["amount"]),
                ]
            )
    town_rows = [
        [
            name,
            str(t["households"]),
            _figure_text({"amount": t["before"], "pending": t["pending_before"]}),
            _figure_text({"amount": t["after"], "pending": t["pending_after"]}),
            _yuan(t["after"] - t["before"]),
        ]
        for name, t in sorted(towns.items())
    ]
    note = (
        f"特别困难群体按《高青县特别困难群体冬季清洁取暖改造工程补助工程实施方案》补助（四、（四））：试算在册 "
        f"{len(households)} 户在未审定期间（{'、'.join(periods)}）的补助，不写入台账；未录入金额的项目不予拨付。"
    )
    if len(households) > SPECIAL_POOR_ROWS:
        note += f"逐户列出前 {SPECIAL_POOR_ROWS} 户，按镇合计包括全部 {len(households)} 户。"
    return [
        {
            "title": "清洁取暖：特别困难群体（按镇）",
            "columns": ["镇（街道）", "特困户数", "今天的政策（元）", "按提议（元）", "变化（元）"],
            "rows": town_rows,
            "note": note,
        },
        {
            "title": "清洁取暖：特别困难群体（逐户）",
            "columns": ["镇（街道）", "改造户", "方式", "今天的政策（元）", "按提议（元）", "变化（元）"],
            "rows": rows,
            "note": "",
        },
    ]


# --- "Why this amount" ---------------------------------------------------------------------------------------


def _other(answer: str) -> str:
    return ADOPTED if answer == ALTERNATIVE else ALTERNATIVE


def entitlement_why(entitlement: Entitlement, household: Household | None = None) -> dict:
    """The citations and readings (with the answer applied, in words) behind a stored entitlement, and for each
    reading with another answer the figure under it, computed side by side (not stored)."""
    from countyhall.heating.services import _terms_for

    registry = parameters()
    basis = entitlement.policy_basis or {}
    answers = basis.get("readings") or {reading_id: ADOPTED for reading_id in entitlement.readings}
    readings, alternatives = [], []
    household = household or entitlement.household
    for reading_id, answer in sorted(answers.items()):
        reading = registry.readings.get(reading_id)
        if reading is None:
            continue
        readings.append(
            {
                "id": reading_id,
                "question": reading.question,
                "answer": ANSWER_LABELS.get(answer, answer),
                "text": reading.answer_text(answer),
                "citation": reading.citation,
            }
        )
        if not reading.alternative or entitlement.adjusts_id:
            continue
        other = _other(answer)
        with readings_answered({reading_id: other}):
            found = [
                r for item, _p, _n, r in _terms_for(household, entitlement.period) if item == entitlement.item
            ]
        figure = found[0].data if found else None
        alternatives.append(
            {
                "id": reading_id,
                "answer": ANSWER_LABELS[other],
                "text": reading.answer_text(other),
                "amount": figure["amount"] if figure else None,
                "shares": [(BUDGET_LABELS.get(b, b), v) for b, v in figure["shares"].items()]
                if figure
                else [],
                "payee": dict(Claim.Payee.choices).get(figure.get("payee"), "")
                if figure and figure.get("payee")
                else "",
                "note": "" if figure else "按这种理解，该项目前不予核算",
            }
        )
    return {
        "citations": entitlement.citations,
        "readings": readings,
        "alternatives": alternatives,
        "changes": basis.get("changes", []),
        "parameters": parameter_rows(basis),
    }


def stove_shares_under(amount: Decimal, answer: str) -> dict[str, Decimal]:
    """B6 side by side on a claim: a stored stove amount split as the given answer of B6 would split it."""
    with readings_answered({"B6": answer}):
        trace = ParameterTrace(rules.programme_date())
        weights = rules.biomass_stove_weights(
            upper_percent=Decimal(trace.get("heating.biomass_stove.upper_share_percent")),
            remainder_split=trace.get("heating.biomass_stove.remainder_split"),
            general=trace.get("heating.general.split"),
        )
    return rules._shares(amount, weights)
