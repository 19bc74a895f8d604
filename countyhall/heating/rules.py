"""Rules of 高政办字〔2021〕37号, the 2021 winter clean-heating plan (POLICIES.md section B).

Each money rule returns `amount` and `shares` (one entry per paying budget, summing exactly to the
amount by the largest-remainder split), plus what a cap cut off (`uncapped`, `excess`): caps are
shown, not hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from rest_framework import serializers

from countyhall.core.money import round_fen, split_by_ratios
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.rules.fields import MoneyField, QuantityField
from countyhall.core.rules.registry import RuleResult, StrictInput, rule
from countyhall.core.rules.trace import ParameterTrace

ZERO = Decimal("0.00")
SEASON_RE = re.compile(r"^(\d{4})-(\d{4})$")
MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")


def programme_date() -> dt.date:
    """The day 37号 took effect (the first value of heating.programme.year): the one-off subsidies, deadlines and
    B8 are properties of the 2021 programme and are looked up on this date, not on the day they are computed."""
    return parameters().get("heating.programme.year").values[0].valid_from


def programme_value(name: str):
    """A figure of the 2021 programme in force on its date, with its citation (a page quoting it cites it; a rule
    reads it through its ParameterTrace instead)."""
    return parameters().at(name, programme_date())


def programme_year() -> int:
    """The conversion year of this plan's households (二、, L5396: 2021)."""
    return programme_value("heating.programme.year").value


def policy_date(name: str) -> dt.date:
    """A deadline of the plan (heating.deadline.*, 五、（四）): a text parameter holding an ISO date."""
    raw = programme_value(name).value
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name}: 应为日期（YYYY-MM-DD），实际为 {raw!r}") from None


def _shares(amount: Decimal, ratio: dict[str, int]) -> dict[str, Decimal]:
    return dict(zip(ratio, split_by_ratios(amount, list(ratio.values())), strict=True))


def season_start(season: str) -> dt.date:
    """A heating season "2021-2022" begins on heating.season.start of its first year (the text says 采暖期 and
    prints no dates: an administered figure, by default Shandong's 11-15)."""
    match = SEASON_RE.match(season)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"采暖季应写成“2021-2022”的形式：{season}")
    raw = programme_value("heating.season.start").value
    month_day = MONTH_DAY_RE.match(raw)
    if not month_day:
        raise ValueError(f"heating.season.start: 应为“月-日”（如 11-15），实际为 {raw!r}")
    return dt.date(int(match.group(1)), int(month_day.group(1)), int(month_day.group(2)))


def season_end(season: str) -> dt.date:
    """The last day a season's figures cover: the day before the next season starts."""
    first = int(season[:4])
    return season_start(f"{first + 1}-{first + 2}") - dt.timedelta(days=1)


def gas_network_terms(*, households: int, on: dt.date | None = None) -> RuleResult:
    """B3: 3,000 per household to the gas company, above-city : county : town = 58 : 32 : 10."""
    trace = ParameterTrace(on or programme_date())
    amount = trace.get("heating.gas_network.per_household") * households
    return trace.result(
        {
            "amount": amount,
            "shares": _shares(amount, trace.get("heating.gas_network.split")),
            "payee": "gas_company",
        }
    )


def gas_boiler_terms(*, price: Decimal, on: dt.date | None = None) -> RuleResult:
    """B4: 70 % of the price up to 2,700, plus 700 from the county; split 46 : 34 : 10 : 10.

    Who is paid (B13): the text says 补贴用户 (四、（一）2, L5470); the boilers are contracted by 金捷 (五、（二）,
    L5559), so by default the claim goes to the gas company; the alternative pays the household."""
    trace = ParameterTrace(on or programme_date())
    uncapped = round_fen(price * trace.get("heating.gas_boiler.rate_percent") / 100)
    cap = trace.get("heating.gas_boiler.cap")
    part = min(uncapped, cap)
    extra = trace.get("heating.gas_boiler.county_extra")
    amount = part + extra
    ratio = trace.get("heating.gas_boiler.split")
    basis = trace.get("heating.gas_boiler.split_basis")
    if basis == "whole_subsidy":
        shares = _shares(amount, ratio)
    elif basis == "seventy_percent_part":
        shares = _shares(part, ratio)
        shares["county"] += extra
    else:
        raise ValueError(f"heating.gas_boiler.split_basis: unknown value {basis!r}")
    payee = "gas_company" if trace.adopted("B13") else "household"
    return trace.result(
        {
            "amount": amount,
            "shares": shares,
            "uncapped": uncapped + extra,
            "excess": uncapped - part,
            "payee": payee,
            "split_basis": basis,
        }
    )


def _running_season(trace: ParameterTrace, season: str, converted: int) -> str:
    """Why this season earns no running subsidy under B8, or "" when it does."""
    # B8 is a property of the 2021 programme: read it on the programme's date, not the season's.
    seasons = trace.get("heating.running_subsidy.seasons", on=programme_date())
    year = trace.get("heating.programme.year", on=programme_date())
    if converted != year:
        return f"本方案的运行费用补贴只适用于{year}年改造户（该户为{converted}年改造）。"
    first = int(season[:4]) - converted
    if trace.adopted("B8", on=programme_date()):
        # 6 heating seasons: converted-(converted+1) … (converted+5)-(converted+6).
        last = seasons - 1
        span = f"{converted}-{converted + 1}至{converted + last}-{converted + last + 1}采暖季"
    else:
        # 6 calendar years converted … converted+5: the last whole season ends in the sixth year.
        last = seasons - 2
        span = f"{converted}—{converted + seasons - 1}年，即{converted}-{converted + 1}至{converted + last}-{converted + last + 1}采暖季"
    if not 0 <= first <= last:
        return f"{season}采暖季不在{year}年改造户连补{seasons}年的期间内（{span}）。"
    return ""


def _running_terms(*, quantity: Decimal, season: str, converted: int, rate: str, cap: str) -> RuleResult:
    """A running subsidy (B5 gas, B7 fuel): rate × quantity up to the cap, in B8's six seasons, split 3 : 7."""
    trace = ParameterTrace(season_start(season))
    trace.get("heating.season.start", on=programme_date())  # the season's dates are an administered figure
    reason = _running_season(trace, season, converted)
    if reason:
        return trace.result(
            {
                "amount": ZERO,
                "shares": {"city": ZERO, "county": ZERO},
                "uncapped": ZERO,
                "excess": ZERO,
                "eligible": False,
                "reason": reason,
            }
        )
    per_unit = trace.get(rate)
    uncapped = round_fen(quantity * per_unit)
    amount = round_fen(min(quantity, Decimal(trace.get(cap))) * per_unit)
    return trace.result(
        {
            "amount": amount,
            "shares": _shares(amount, trace.get("heating.general.split")),
            "uncapped": uncapped,
            "excess": uncapped - amount,
            "eligible": True,
            "reason": "",
        }
    )


def gas_use_terms(*, m3: Decimal, season: str, converted: int) -> RuleResult:
    """B5 with B8: 1 yuan per m³ used in the season, at most 1,200 m³; city : county = 3 : 7."""
    return _running_terms(
        quantity=m3,
        season=season,
        converted=converted,
        rate="heating.gas_use.per_m3",
        cap="heating.gas_use.cap_m3",
    )


def biomass_stove_weights(*, upper_percent: Decimal, remainder_split: str, general: dict[str, int]) -> dict:
    """B6's weights: the upper-level share first, the rest city : county by the general split (adopted) or the county
    alone (alternative). The general split is normalised by its own sum: 30 : 70 gives the shares of 3 : 7."""
    rest = Decimal(100) - upper_percent
    if remainder_split == "city_county_3_7":
        total = Decimal(sum(general.values()))
        if total <= 0:
            raise ValueError("heating.general.split: 份数之和应大于0")
        # Every weight scaled by the general split's sum, so no weight is a fraction and none assumes a sum of 10.
        return {
            "upper": upper_percent * total,
            "city": rest * general["city"],
            "county": rest * general["county"],
        }
    if remainder_split == "county_only":
        return {"upper": upper_percent, "city": Decimal(0), "county": rest}
    raise ValueError(f"heating.biomass_stove.remainder_split: unknown value {remainder_split!r}")


def _payment_policy(trace: ParameterTrace) -> str | None:
    """付款方式继续执行2019年付款政策 (四、（二）1, L5502): an administered text, None until entered."""
    try:
        return trace.get("heating.biomass_stove.payment_policy")
    except NoPolicyInForce:
        citation = parameters().get("heating.biomass_stove.payment_policy").citation
        if citation is not None:
            trace.citations.append(citation)
        return None


def biomass_stove_terms(*, price: Decimal, on: dt.date | None = None) -> RuleResult:
    """B6: 85 % of the price up to 3,500; upper-level money first, the rest city : county 3 : 7 (reading)."""
    trace = ParameterTrace(on or programme_date())
    uncapped = round_fen(price * trace.get("heating.biomass_stove.rate_percent") / 100)
    amount = min(uncapped, trace.get("heating.biomass_stove.cap"))
    weights = biomass_stove_weights(
        upper_percent=Decimal(trace.get("heating.biomass_stove.upper_share_percent")),
        remainder_split=trace.get("heating.biomass_stove.remainder_split"),
        general=trace.get("heating.general.split"),
    )
    return trace.result(
        {
            "amount": amount,
            "shares": _shares(amount, weights),
            "uncapped": uncapped,
            "excess": uncapped - amount,
            "payee": "supplier",
            "payment_policy": _payment_policy(trace),
        }
    )


def biomass_fuel_terms(*, tonnes: Decimal, season: str, converted: int) -> RuleResult:
    """B7 with B8: 600 per tonne, at most 2 tonnes a year; the general 3 : 7 split (B2)."""
    return _running_terms(
        quantity=tonnes,
        season=season,
        converted=converted,
        rate="heating.biomass_fuel.per_tonne",
        cap="heating.biomass_fuel.cap_tonnes",
    )


# B9 (四、（四）, L5520–5524): the items of a 特别困难群体 household and the administered figure of each. The scheme's
# amounts are not printed: each is a figure per household (the running items per household and season).
SPECIAL_POOR_ITEMS = ("gas_network", "gas_boiler", "biomass_stove", "gas_use", "biomass_fuel")
SPECIAL_POOR_RUNNING = ("gas_use", "biomass_fuel")
SPECIAL_POOR_PENDING = "待管理员录入"


def special_poor_terms(
    *, item: str, season: str | None = None, converted: int | None = None, on: dt.date | None = None
) -> RuleResult:
    """B9: a 特别困难群体 household follows 《高青县特别困难群体冬季清洁取暖改造工程补助工程实施方案》 instead of the
    general standards. Its amount per household (per season for the running items, within B8's seasons) is the
    administered figure heating.special_poor.<item>; until an administrator has entered one (and a second approved
    it) the amount is None ("待管理员录入") and nothing is paid — never a figure of our own. Who pays is reading
    B9 (the county alone, adopted; the general city : county split, the alternative)."""
    if item not in SPECIAL_POOR_ITEMS:
        raise ValueError(f"未知的特别困难群体补助项目：{item}")
    running = item in SPECIAL_POOR_RUNNING
    if running and (season is None or converted is None):
        raise ValueError("运行费用补助须给出采暖季和改造年度")
    trace = ParameterTrace(on or (season_start(season) if running else programme_date()))
    if running:
        trace.get("heating.season.start", on=programme_date())
        reason = _running_season(trace, season, converted)
        if reason:
            return trace.result(
                {
                    "amount": ZERO,
                    "shares": {"county": ZERO},
                    "entered": True,
                    "eligible": False,
                    "payee": "household",
                    "reason": reason,
                    "excess": ZERO,
                }
            )
    # The payees of the general items (B3, B13, B6): the scheme changes the amount, not who is paid.
    if item == "gas_boiler":
        payee = "gas_company" if trace.adopted("B13") else "household"
    else:
        payee = {"gas_network": "gas_company", "biomass_stove": "supplier"}.get(item, "household")
    name = f"heating.special_poor.{item}"
    try:
        amount = trace.get(name)
    except NoPolicyInForce:
        citation = parameters().get(name).citation
        if citation is not None:
            trace.citations.append(citation)
        return trace.result(
            {
                "amount": None,
                "shares": {},
                "entered": False,
                "eligible": True,
                "payee": payee,
                "reason": SPECIAL_POOR_PENDING,
                "excess": ZERO,
            }
        )
    budget = trace.get("heating.special_poor.budget")
    if budget == "county_only":
        shares = {"county": amount}
    elif budget == "city_county_3_7":
        shares = _shares(amount, trace.get("heating.general.split"))
    else:
        raise ValueError(f"heating.special_poor.budget: unknown value {budget!r}")
    return trace.result(
        {
            "amount": amount,
            "shares": shares,
            "entered": True,
            "eligible": True,
            "payee": payee,
            "reason": "",
            "excess": ZERO,
        }
    )


def task_equivalent_terms(*, heated_area_m2: Decimal, on: dt.date | None = None) -> RuleResult:
    """B10: a public-service institution counts 1 household per 150 m² heated (floor; alternative: half up)."""
    trace = ParameterTrace(on or programme_date())
    per = Decimal(trace.get("heating.public_institution.m2_per_household"))
    rounding = ROUND_FLOOR if trace.adopted("B10") else ROUND_HALF_UP
    households = int((heated_area_m2 / per).to_integral_value(rounding=rounding))
    return trace.result({"households": households, "amount": ZERO, "subsidy": False})


def installation_payable_terms(*, accepted_on: dt.date | None, on: dt.date | None = None) -> RuleResult:
    """B12 (reading): the installation subsidies (network, boiler, stove) are claimed only once the household's
    village passed the county's third-party acceptance (五、（三）, L5575); the alternative pays on installation."""
    trace = ParameterTrace(on or programme_date())
    if accepted_on is not None or not trace.adopted("B12"):
        return trace.result({"payable": True, "reason": ""})
    return trace.result(
        {
            "payable": False,
            "reason": "尚未通过县级第三方综合验收：改造补贴在验收合格后核算申领（文件未规定拨付时点，按平台采用的理解）",
        }
    )


METHOD_LABELS = {"gas": "气代煤", "biomass": "生物质"}
BIOMASS_BASIS_LABELS = {
    "demolition": "3-5年内列入拆迁计划的村居",
    "whole_village": "已经整建制实施生物质改造的村居",
    "unsuitable": "不适宜其他方式进行清洁取暖改造的居民",
}


def village_plan_terms(
    *,
    method: str,
    year: int,
    demolition_year: int | None,
    gas_review_passed_on: dt.date | None,
    biomass_basis: str = "",
    construction_done_on: dt.date | None = None,
    on: dt.date | None = None,
) -> RuleResult:
    """三、（一）（二）: the conditions of a village's method.

    Gas (L5410–5418): no demolition planned within 5 years and the gas expert review passed before the works;
    biomass (L5420–5434): a village due for demolition in 3–5 years, one already converted to biomass as a whole,
    or residents unsuited to other methods. `checks` lists each condition with met True/False/None (not yet
    recorded); `errors` (field, message) are contradictions a service refuses."""
    trace = ParameterTrace(on or programme_date())
    checks: list[dict] = []
    errors: list[tuple[str, str]] = []
    years_to_demolition = None if demolition_year is None else demolition_year - year
    if method == "gas":
        limit = trace.get("heating.gas_village.no_demolition_years")
        no_demolition = years_to_demolition is None or years_to_demolition > limit
        checks.append(
            {
                "condition": f"{limit}年内无拆迁计划",
                "met": no_demolition,
                "detail": "无拆迁计划" if demolition_year is None else f"{demolition_year}年列入拆迁计划",
            }
        )
        if not no_demolition:
            errors.append(
                (
                    "demolition_year",
                    f"{limit}年内有拆迁计划的村居不实施气代煤（三、（一））；3-5年内列入拆迁计划的"
                    "村居开展生物质取暖改造（三、（二））。",
                )
            )
        checks.append(
            {
                "condition": "燃气专家评审通过",
                "met": gas_review_passed_on is not None,
                "detail": gas_review_passed_on.isoformat() if gas_review_passed_on else "尚未评审通过",
            }
        )
        if (
            construction_done_on is not None
            and gas_review_passed_on is not None
            and gas_review_passed_on > construction_done_on
        ):
            # A missing review is shown as a condition not met; a review recorded after the works contradicts
            # "由燃气专家评审通过后实施" and is refused.
            errors.append(
                (
                    "gas_review_passed_on",
                    "气代煤须“由燃气专家评审通过后实施”（三、（一））：评审通过日期不能晚于"
                    "完成工程建设日期。",
                )
            )
    elif method == "biomass":
        low = trace.get("heating.biomass_village.demolition_years_from")
        high = trace.get("heating.biomass_village.demolition_years_to")
        in_window = years_to_demolition is not None and low <= years_to_demolition <= high
        label = BIOMASS_BASIS_LABELS.get(biomass_basis, "")
        checks.append(
            {
                "condition": "生物质改造的依据（3-5年内拆迁、已整建制实施生物质或不适宜其他方式）",
                "met": None if not biomass_basis else (in_window if biomass_basis == "demolition" else True),
                "detail": label or "尚未填写",
            }
        )
        if biomass_basis == "demolition" and not in_window:
            errors.append(
                (
                    "demolition_year",
                    f"依据为“{low}-{high}年内列入拆迁计划”，但记录的拆迁年份"
                    f"{'为空' if demolition_year is None else f'为{demolition_year}年'}，"
                    f"不在{year + low}—{year + high}年之间（三、（二））。",
                )
            )
        if biomass_basis and biomass_basis not in BIOMASS_BASIS_LABELS:
            errors.append(("biomass_basis", "未知的生物质改造依据。"))
    met = all(check["met"] for check in checks) and not errors
    return trace.result({"met": met, "checks": checks, "errors": errors})


class _Season(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            season_start(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class GasNetworkInput(StrictInput):
    households = serializers.IntegerField(min_value=0, label="改造户数", help_text="气代煤改造户数")


class PriceInput(StrictInput):
    price = MoneyField(label="购买价格（元）", help_text="发票上的设备购买价格")


class GasUseInput(StrictInput):
    m3 = QuantityField(label="采暖期用气量（立方米）", help_text="燃气表采暖季末读数减去季初读数")
    season = _Season(label="采暖季", help_text="采暖季，如 2021-2022")
    converted = serializers.IntegerField(
        min_value=2017, max_value=2100, label="改造年度", help_text="如 2021"
    )


class BiomassFuelInput(StrictInput):
    tonnes = QuantityField(label="采暖期购买生物质燃料（吨）", help_text="该采暖季各次购买之和")
    season = _Season(label="采暖季", help_text="采暖季，如 2021-2022")
    converted = serializers.IntegerField(
        min_value=2017, max_value=2100, label="改造年度", help_text="如 2021"
    )


class AreaInput(StrictInput):
    heated_area_m2 = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        label="采暖面积（平方米）",
        help_text="公服机构的采暖面积",
    )


rule(
    name="heating.gas_network",
    title="燃气管网及户内设施补贴",
    input=GasNetworkInput,
    example={"households": 10},
    description="户均3000元补贴燃气企业，市级以上、县、镇按 58：32：10 分担。",
)(gas_network_terms)
rule(
    name="heating.gas_boiler",
    public=True,
    title="燃气壁挂炉补贴",
    input=PriceInput,
    example={"price": "4200.00"},
    description="购买价格的70%（最高2700元），县政府每户追加700元；市级以上、县、镇、金捷按 46：34：10：10 分担。",
)(gas_boiler_terms)
rule(
    name="heating.gas_use",
    public=True,
    title="气代煤用气补贴",
    input=GasUseInput,
    example={"m3": "1500", "season": "2021-2022", "converted": 2021},
    description="采暖期用气每立方米补贴1元，每户每年最多1200立方米；2021年改造户连补6个采暖季；市县 3：7 分担。",
)(gas_use_terms)
rule(
    name="heating.biomass_stove",
    public=True,
    title="生物质炉具补贴",
    input=PriceInput,
    example={"price": "3000.00"},
    description="炉具购置价格的85%（最高3500元）；先用上级资金，其余按市、县 3：7 分担（是否改由县财政单独承担，见政策解读）。",
)(biomass_stove_terms)
rule(
    name="heating.biomass_fuel",
    public=True,
    title="生物质燃料补贴",
    input=BiomassFuelInput,
    example={"tonnes": "1.5", "season": "2021-2022", "converted": 2021},
    description="生物质燃料每吨补贴600元，每户每年最多2吨；2021年改造户连补6个采暖季；市县 3：7 分担。",
)(biomass_fuel_terms)
rule(
    name="heating.task_equivalent",
    title="公服机构折算改造户数",
    input=AreaInput,
    example={"heated_area_m2": 320},
    description="非营利性公益场所按采暖面积每150平方米折算1户计入任务数，不享受财政补贴。",
)(task_equivalent_terms)
