from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyhall.core.money import (
    MoneyError,
    format_money,
    money_str,
    parse_money,
    round_fen,
    split_by_ratios,
    to_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "3.00"),
        ("3.5", "3.50"),
        ("¥1,234.50", "1234.50"),
        ("1，234.5元", "1234.50"),
        ("-2.00", "-2.00"),
        ("0.01", "0.01"),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.234", "abc", "", "1.2.3", "三元"])
def test_parse_money_rejects(text):
    with pytest.raises(MoneyError):
        parse_money(text)


def test_floats_are_never_money():
    with pytest.raises(MoneyError):
        to_money(0.1)
    with pytest.raises(MoneyError):
        to_money(Decimal("0.001"))


def test_format_money():
    assert format_money(Decimal("1234.5")) == "¥1,234.50"
    assert format_money(Decimal("-3")) == "-¥3.00"
    assert money_str(Decimal("3")) == "3.00"
    assert round_fen(Decimal("2700") * Decimal("0.7") + Decimal("0.005")) == Decimal("1890.01")


@pytest.mark.parametrize(
    ("total", "ratios", "parts"),
    [
        ("3000.00", [58, 32, 10], ["1740.00", "960.00", "300.00"]),  # 37号 gas network, per household
        (
            "3400.00",
            [46, 34, 10, 10],
            ["1564.00", "1156.00", "340.00", "340.00"],
        ),  # 37号 wall-hung boiler cap
        ("40000.00", [5, 95], ["2000.00", "38000.00"]),  # 2号 operating subsidy, city : county
        ("0.01", [1, 1], ["0.01", "0.00"]),  # tie: the earlier party gets the fen
        ("0.02", [1, 1, 1], ["0.01", "0.01", "0.00"]),
        ("100.00", [1, 1, 1], ["33.34", "33.33", "33.33"]),
        ("-100.00", [1, 1, 1], ["-33.34", "-33.33", "-33.33"]),  # an adjustment entry
        ("10.00", [3, 7], ["3.00", "7.00"]),
        ("0.00", [3, 7], ["0.00", "0.00"]),
    ],
)
def test_split_examples(total, ratios, parts):
    assert split_by_ratios(Decimal(total), ratios) == [Decimal(p) for p in parts]


def test_split_rejects_bad_ratios():
    for ratios in ([], [0, 0], [-1, 2]):
        with pytest.raises(MoneyError):
            split_by_ratios(Decimal("1.00"), ratios)


@given(
    fen=st.integers(min_value=0, max_value=10**11),
    ratios=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6).filter(
        lambda r: sum(r) > 0
    ),
)
def test_split_sums_exactly_and_each_part_is_within_a_fen(fen, ratios):
    total = Decimal(fen) / 100
    parts = split_by_ratios(total, ratios)
    assert sum(parts) == total
    weight = sum(ratios)
    for part, ratio in zip(parts, ratios, strict=True):
        exact = total * Decimal(ratio) / Decimal(weight)
        assert abs(part - exact) < Decimal("0.01")
        assert part == part.quantize(Decimal("0.01"))
