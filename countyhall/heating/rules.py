"""Rules of 高政办字〔2021〕37号, the 2021 winter clean-heating plan (POLICIES.md section B).

Each money rule returns `amount` and `shares` (one entry per paying budget, summing exactly to the
amount by the largest-remainder split), plus what a cap cut off (`uncapped`, `excess`): caps are
shown, not hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_FLOOR, Decimal

from rest_framework import serializers

from countyhall.core.money import round_fen, split_by_ratios
from countyhall.core.rules.fields import MoneyField, QuantityField
from countyhall.core.rules.registry import RuleResult, StrictInput, rule
from countyhall.core.rules.trace import ParameterTrace

ZERO = Decimal("0.00")
# The one-off subsidies belong to the 2021 programme: looked up on the plan's date unless asked otherwise.
PROGRAMME_DATE = dt.date(2021, 8, 28)
SEASON_RE = re.compile(r"^(\d{4})-(\d{4})$")


def _shares(amount: Decimal, ratio: dict[str, int]) -> dict[str, Decimal]:
    return dict(zip(ratio, split_by_ratios(amount, list(ratio.values())), strict=True))


def season_start(season: str) -> dt.date:
    """A heating season "2021-2022" begins in November 2021 (Shandong's heating period)."""
    match = SEASON_RE.match(season)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"采暖季应写成“2021-2022”的形式：{season}")
    return dt.date(int(match.group(1)), 11, 15)


def gas_network_terms(*, households: int, on: dt.date = PROGRAMME_DATE) -> RuleResult:
    """B3: 3,000 per household to the gas company, above-city : county : town = 58 : 32 : 10."""
    trace = ParameterTrace(on)
    amount = trace.get("heating.gas_network.per_household") * households
    return trace.result({"amount": amount, "shares": _shares(amount, trace.get("heating.gas_network.split")),
                         "payee": "gas_company"})


def gas_boiler_terms(*, price: Decimal, on: dt.date = PROGRAMME_DATE) -> RuleResult:
    """B4: 70 % of the price up to 2,700, plus 700 from the county; split 46 : 34 : 10 : 10."""
    trace = ParameterTrace(on)
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
    return trace.result({"amount": amount, "shares": shares, "uncapped": uncapped + extra,
                         "excess": uncapped - part, "payee": "household", "split_basis": basis})


def _running_season(trace: ParameterTrace, season: str, converted: int) -> str:
    """Why this season earns no running subsidy under B8, or "" when it does."""
    # B8 is a property of the 2021 programme: read it on the programme's date, not the season's.
    seasons = trace.get("heating.running_subsidy.seasons", on=PROGRAMME_DATE)
    if converted != 2021:
        return f"本方案的运行费用补贴只适用于2021年改造户（该户为{converted}年改造）。"
    first = int(season[:4]) - converted
    if not 0 <= first < seasons:
        return (f"{season}采暖季不在2021年改造户连补{seasons}年的期间内"
                f"（{converted}-{converted + 1}至{converted + seasons - 1}-{converted + seasons}采暖季）。")
    return ""


def _running_terms(*, quantity: Decimal, season: str, converted: int, rate: str, cap: str) -> RuleResult:
    """A running subsidy (B5 gas, B7 fuel): rate × quantity up to the cap, in B8's six seasons, split 3 : 7."""
    trace = ParameterTrace(season_start(season))
    reason = _running_season(trace, season, converted)
    if reason:
        return trace.result({"amount": ZERO, "shares": {"city": ZERO, "county": ZERO}, "uncapped": ZERO,
                             "excess": ZERO, "eligible": False, "reason": reason})
    per_unit = trace.get(rate)
    uncapped = round_fen(quantity * per_unit)
    amount = round_fen(min(quantity, Decimal(trace.get(cap))) * per_unit)
    return trace.result({"amount": amount, "shares": _shares(amount, trace.get("heating.general.split")),
                         "uncapped": uncapped, "excess": uncapped - amount, "eligible": True, "reason": ""})


def gas_use_terms(*, m3: Decimal, season: str, converted: int) -> RuleResult:
    """B5 with B8: 1 yuan per m³ used in the season, at most 1,200 m³; city : county = 3 : 7."""
    return _running_terms(quantity=m3, season=season, converted=converted, rate="heating.gas_use.per_m3",
                          cap="heating.gas_use.cap_m3")


def biomass_stove_terms(*, price: Decimal, on: dt.date = PROGRAMME_DATE) -> RuleResult:
    """B6: 85 % of the price up to 3,500; upper-level money first, the rest city : county 3 : 7 (reading)."""
    trace = ParameterTrace(on)
    uncapped = round_fen(price * trace.get("heating.biomass_stove.rate_percent") / 100)
    amount = min(uncapped, trace.get("heating.biomass_stove.cap"))
    upper_percent = Decimal(trace.get("heating.biomass_stove.upper_share_percent"))
    rest = Decimal(100) - upper_percent
    if trace.get("heating.biomass_stove.remainder_split") == "city_county_3_7":
        general = trace.get("heating.general.split")
        weights = {"upper": upper_percent * 10, "city": rest * general["city"], "county": rest * general["county"]}
    else:
        weights = {"upper": upper_percent, "city": Decimal(0), "county": rest}
    return trace.result({"amount": amount, "shares": _shares(amount, weights), "uncapped": uncapped,
                         "excess": uncapped - amount, "payee": "household"})


def biomass_fuel_terms(*, tonnes: Decimal, season: str, converted: int) -> RuleResult:
    """B7 with B8: 600 per tonne, at most 2 tonnes a year; the general 3 : 7 split (B2)."""
    return _running_terms(quantity=tonnes, season=season, converted=converted, rate="heating.biomass_fuel.per_tonne",
                          cap="heating.biomass_fuel.cap_tonnes")


def task_equivalent_terms(*, heated_area_m2: Decimal, on: dt.date = PROGRAMME_DATE) -> RuleResult:
    """B10: a public-service institution counts 1 household per 150 m² heated (floor), with no subsidy."""
    trace = ParameterTrace(on)
    per = Decimal(trace.get("heating.public_institution.m2_per_household"))
    households = int((heated_area_m2 / per).to_integral_value(rounding=ROUND_FLOOR))
    return trace.result({"households": households, "amount": ZERO, "subsidy": False})


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
    converted = serializers.IntegerField(min_value=2017, max_value=2100, label="改造年度", help_text="如 2021")


class BiomassFuelInput(StrictInput):
    tonnes = QuantityField(label="采暖期购买生物质燃料（吨）", help_text="该采暖季各次购买之和")
    season = _Season(label="采暖季", help_text="采暖季，如 2021-2022")
    converted = serializers.IntegerField(min_value=2017, max_value=2100, label="改造年度", help_text="如 2021")


class AreaInput(StrictInput):
    heated_area_m2 = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"),
                                              label="采暖面积（平方米）", help_text="公服机构的采暖面积")


rule(name="heating.gas_network", title="燃气管网及户内设施补贴", input=GasNetworkInput,
     example={"households": 10}, description="户均3000元补贴燃气企业，市级以上、县、镇按 58：32：10 分担。")(gas_network_terms)
rule(name="heating.gas_boiler", public=True, title="燃气壁挂炉补贴", input=PriceInput, example={"price": "4200.00"},
     description="购买价格的70%（最高2700元），县政府每户追加700元；市级以上、县、镇、金捷按 46：34：10：10 分担。")(gas_boiler_terms)
rule(name="heating.gas_use", public=True, title="气代煤用气补贴", input=GasUseInput,
     example={"m3": "1500", "season": "2021-2022", "converted": 2021},
     description="采暖期用气每立方米补贴1元，每户每年最多1200立方米；2021年改造户连补6个采暖季；市县 3：7 分担。")(gas_use_terms)
rule(name="heating.biomass_stove", public=True, title="生物质炉具补贴", input=PriceInput,
     example={"price": "3000.00"},
     description="炉具购置价格的85%（最高3500元）；先用上级资金，其余按解读 B6 分担。")(biomass_stove_terms)
rule(name="heating.biomass_fuel", public=True, title="生物质燃料补贴", input=BiomassFuelInput,
     example={"tonnes": "1.5", "season": "2021-2022", "converted": 2021},
     description="生物质燃料每吨补贴600元，每户每年最多2吨；2021年改造户连补6个采暖季；市县 3：7 分担。")(biomass_fuel_terms)
rule(name="heating.task_equivalent", title="公服机构折算改造户数", input=AreaInput,
     example={"heated_area_m2": 320},
     description="非营利性公益场所按采暖面积每150平方米折算1户计入任务数，不享受财政补贴。")(task_equivalent_terms)
