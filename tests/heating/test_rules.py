"""Table-driven tests of POLICIES.md section B: every rule and reading, caps on both sides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from countyhall.core.policy import parameters_override
from countyhall.core.rules import RuleInputError, calc
from countyhall.heating.rules import (
    biomass_fuel_terms,
    biomass_stove_terms,
    gas_boiler_terms,
    gas_network_terms,
    gas_use_terms,
    task_equivalent_terms,
)

M = Decimal


def money(shares: dict) -> dict:
    return {k: str(v) for k, v in shares.items()}


def test_gas_network_per_household_and_split():
    result = gas_network_terms(households=10)
    assert result.data["amount"] == M("30000.00")
    assert money(result.data["shares"]) == {"above_city": "17400.00", "county": "9600.00", "town": "3000.00"}
    assert {(c.clause, c.line) for c in result.citations} >= {("四、（一）1", 5462)}


@pytest.mark.parametrize(
    ("price", "amount", "excess", "shares"),
    [
        # 70 % below the 2,700 cap, plus the county's 700; the whole amount split 46 : 34 : 10 : 10 (B4)
        (
            "3000.00",
            "2800.00",
            "0.00",
            {"above_city": "1288.00", "county": "952.00", "town": "280.00", "jinjie": "280.00"},
        ),
        (
            "3857.14",
            "3400.00",
            "0.00",
            {"above_city": "1564.00", "county": "1156.00", "town": "340.00", "jinjie": "340.00"},
        ),
        (
            "3857.15",
            "3400.00",
            "0.01",
            {"above_city": "1564.00", "county": "1156.00", "town": "340.00", "jinjie": "340.00"},
        ),
        (
            "4200.00",
            "3400.00",
            "240.00",
            {"above_city": "1564.00", "county": "1156.00", "town": "340.00", "jinjie": "340.00"},
        ),
        (
            "3333.33",
            "3033.33",
            "0.00",
            {"above_city": "1395.33", "county": "1031.33", "town": "303.34", "jinjie": "303.33"},
        ),
    ],
)
def test_gas_boiler_reading_b4(price, amount, excess, shares):
    result = gas_boiler_terms(price=M(price))
    assert result.data["amount"] == M(amount) and result.data["excess"] == M(excess)
    assert money(result.data["shares"]) == shares
    assert sum(result.data["shares"].values()) == result.data["amount"]
    assert "B4" in result.readings


def test_gas_boiler_alternative_reading_b4():
    with parameters_override({"heating.gas_boiler.split_basis": "seventy_percent_part"}):
        result = gas_boiler_terms(price=M("4200.00"))
    # the ratio splits the capped 2,700; the county bears the 700 alone
    assert money(result.data["shares"]) == {
        "above_city": "1242.00",
        "county": "1618.00",
        "town": "270.00",
        "jinjie": "270.00",
    }
    assert result.data["amount"] == M("3400.00") and result.data["split_basis"] == "seventy_percent_part"


@pytest.mark.parametrize(
    ("m3", "amount", "excess"),
    [
        ("0", "0.00", "0.00"),
        ("1199", "1199.00", "0.00"),
        ("1200", "1200.00", "0.00"),
        ("1201", "1200.00", "1.00"),
        ("1500.5", "1200.00", "300.50"),
        ("850.25", "850.25", "0.00"),
    ],
)
def test_gas_use_cap(m3, amount, excess):
    result = gas_use_terms(m3=M(m3), season="2022-2023", converted=2021)
    assert (result.data["amount"], result.data["excess"]) == (M(amount), M(excess))
    assert sum(result.data["shares"].values()) == result.data["amount"]


def test_gas_use_split_is_city_county_3_7():
    assert money(gas_use_terms(m3=M("1000"), season="2021-2022", converted=2021).data["shares"]) == {
        "city": "300.00",
        "county": "700.00",
    }


@pytest.mark.parametrize(
    ("season", "eligible"),
    [("2021-2022", True), ("2026-2027", True), ("2027-2028", False), ("2020-2021", False)],
)
def test_six_seasons_reading_b8(season, eligible):
    for result in (
        gas_use_terms(m3=M("100"), season=season, converted=2021),
        biomass_fuel_terms(tonnes=M("1"), season=season, converted=2021),
    ):
        assert result.data["eligible"] is eligible
        if not eligible:
            assert result.data["amount"] == M("0.00") and "连补6年" in result.data["reason"]
        assert "B8" in result.readings


def test_running_subsidy_only_for_2021_conversions():
    result = gas_use_terms(m3=M("100"), season="2021-2022", converted=2019)
    assert result.data["amount"] == M("0.00") and "2021年改造户" in result.data["reason"]


@pytest.mark.parametrize(
    ("price", "amount", "excess", "shares"),
    [
        ("3000.00", "2550.00", "0.00", {"upper": "0.00", "city": "765.00", "county": "1785.00"}),
        ("4117.64", "3499.99", "0.00", {"upper": "0.00", "city": "1050.00", "county": "2449.99"}),
        ("4117.65", "3500.00", "0.00", {"upper": "0.00", "city": "1050.00", "county": "2450.00"}),
        ("5000.00", "3500.00", "750.00", {"upper": "0.00", "city": "1050.00", "county": "2450.00"}),
    ],
)
def test_biomass_stove_reading_b6(price, amount, excess, shares):
    result = biomass_stove_terms(price=M(price))
    assert (result.data["amount"], result.data["excess"]) == (M(amount), M(excess))
    assert money(result.data["shares"]) == shares
    assert "B6" in result.readings


def test_biomass_stove_alternative_reading_and_upper_share():
    with parameters_override({"heating.biomass_stove.remainder_split": "county_only"}):
        assert money(biomass_stove_terms(price=M("3000.00")).data["shares"]) == {
            "upper": "0.00",
            "city": "0.00",
            "county": "2550.00",
        }
    with parameters_override({"heating.biomass_stove.upper_share_percent": "40"}):
        shares = biomass_stove_terms(price=M("3000.00")).data["shares"]
        assert money(shares) == {"upper": "1020.00", "city": "459.00", "county": "1071.00"}


@pytest.mark.parametrize(
    ("tonnes", "amount", "excess"),
    [
        ("1.99", "1194.00", "0.00"),
        ("2", "1200.00", "0.00"),
        ("2.01", "1200.00", "6.00"),
        ("0.5", "300.00", "0.00"),
    ],
)
def test_biomass_fuel_cap(tonnes, amount, excess):
    result = biomass_fuel_terms(tonnes=M(tonnes), season="2021-2022", converted=2021)
    assert (result.data["amount"], result.data["excess"]) == (M(amount), M(excess))
    assert sum(result.data["shares"].values()) == result.data["amount"]


@pytest.mark.parametrize(
    ("area", "households"), [("149.99", 0), ("150", 1), ("320", 2), ("450", 3), ("0", 0)]
)
def test_task_equivalent_reading_b10(area, households):
    result = task_equivalent_terms(heated_area_m2=M(area))
    assert result.data["households"] == households and "B10" in result.readings


def test_calc_interface():
    out = calc("heating.gas_boiler", {"price": "4200.00"})
    assert (
        out["amount"] == "3400.00"
        and out["shares"]["jinjie"] == "340.00"
        and out["readings"] == ["B13", "B4"]
    )
    out = calc("heating.gas_use", {"m3": "1500", "season": "2021-2022", "converted": 2021})
    assert out["amount"] == "1200.00" and out["excess"] == "300.00"
    assert calc("heating.task_equivalent", {"heated_area_m2": 320})["households"] == 2
    with pytest.raises(RuleInputError) as error:
        calc("heating.gas_use", {"m3": "1500", "season": "2021-2023", "converted": 2021})
    assert error.value.field == "season"
    with pytest.raises(RuleInputError) as error:
        calc("heating.biomass_fuel", {"tonnes": 1.5, "season": "2021-2022", "converted": 2021})
    assert error.value.field == "tonnes"
