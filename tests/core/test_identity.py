from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.identity import (
    IdNumberError,
    check_digit,
    full_years,
    mask_address,
    mask_birth_date,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_id_number,
)


def test_check_digit_known_example():
    # The worked example of GB 11643-1999.
    assert check_digit("11010519491231002") == "X"
    parsed = parse_id_number("11010519491231002x")
    assert parsed.birth_date == dt.date(1949, 12, 31) and parsed.sex == "F" and parsed.value.endswith("X")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "校验位"),
        ("1101051949123100", "18位"),
        ("11010519491332002X", "校验位"),
        ("abc", "18位"),
    ],
)
def test_bad_id_numbers(value, message):
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(value)


def test_invalid_birth_date_with_valid_check_digit():
    first17 = "37032219490231001"
    with pytest.raises(IdNumberError, match="出生日期"):
        parse_id_number(first17 + check_digit(first17))


def test_masks():
    assert mask_id_number("370322194805120011") == "370322********0011"
    assert mask_name("张秀英") == "张*英"
    assert mask_name("王") == "*"
    assert mask_name("冯玉梅（示例）") == "冯*梅（**）"  # a bracketed note is not part of the name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("孙华", "孙*"),
        ("孙立华", "孙*华"),  # first and last kept
        ("欧阳明华", "欧阳**"),  # a two-character surname stays readable
        ("爱新觉罗溥仪", "爱新****"),
        ("王", "*"),
        ("", ""),
    ],
)
def test_mask_name_keeps_the_length(name, masked):
    assert mask_name(name) == masked
    assert len(mask_name(name)) == len(name)


def test_mask_other_personal_fields():
    assert mask_phone("13800001111") == "138****1111"
    assert mask_phone("") == ""
    assert mask_address("甲村1号") == "（已脱敏）"
    assert mask_birth_date(dt.date(1948, 5, 12)) == "1948年"
    assert mask_birth_date("1948-05-12") == "1948年"


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        (dt.date(1961, 9, 2), dt.date(2021, 9, 1), 59),
        (dt.date(1961, 9, 2), dt.date(2021, 9, 2), 60),  # 周岁 on the birthday itself
        (dt.date(1941, 9, 2), dt.date(2021, 9, 2), 80),
        (dt.date(1960, 2, 29), dt.date(2021, 2, 28), 60),
        (dt.date(1960, 2, 29), dt.date(2020, 2, 28), 59),
        (dt.date(1960, 2, 29), dt.date(2020, 2, 29), 60),
    ],
)
def test_full_years(birth, on, years):
    assert full_years(birth, on) == years
