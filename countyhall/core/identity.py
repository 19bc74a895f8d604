"""Resident identity numbers (公民身份号码, GB 11643-1999): check digit, birth date, sex. Pure functions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str  # where the birth was registered, not the current 户籍


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse_id_number(raw: str) -> IdNumber:
    value = (raw or "").strip().upper()
    if not ID_PATTERN.match(value):
        raise IdNumberError("身份证号应为18位，前17位为数字，最后一位为数字或X。")
    expected = check_digit(value[:17])
    if value[17] != expected:
        raise IdNumberError(f"身份证号校验位不正确（按 GB 11643 应为 {expected}）。")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("身份证号中的出生日期无效。") from None
    if birth.year < 1880:
        raise IdNumberError("身份证号中的出生日期无效。")
    return IdNumber(
        value=value, birth_date=birth, sex="M" if int(value[16]) % 2 else "F", region_code=value[:6]
    )


def mask_id_number(value: str) -> str:
    """Keep region and the last four characters: 370322********123X."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str) -> str:
    """Keep the name's length so a masked list still reads as a list of people: 孙*华, 欧阳**, 孙*, *.

    Three characters keep the first and the last; four or more (often a two-character surname such as 欧阳)
    keep the first two; two keep the first; one is a single star.
    """
    name = (name or "").strip()
    if not name:
        return ""
    # A note in brackets after the name (张三（示例）) is not part of it: mask the name, keep the note's
    # length as stars, so 冯玉梅（示例） reads 冯*梅（**） and not 冯玉*****.
    for bracket, closing in (("（", "）"), ("(", ")")):
        head, found, rest = name.partition(bracket)
        if found and head:
            return (
                mask_name(head)
                + bracket
                + "*" * len(rest.rstrip(closing))
                + (closing if rest.endswith(closing) else "")
            )
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    if len(name) == 3:
        return name[0] + "*" + name[-1]
    return name[:2] + "*" * (len(name) - 2)


def mask_phone(value: str) -> str:
    """Keep the carrier prefix and the last four digits: 138****1111."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """An address pinpoints a household; a masked view only says that one is on file."""
    return "（已脱敏）" if (value or "").strip() else ""


def mask_birth_date(value) -> str:
    """Only the year of birth: enough to check an age band, not enough to identify a person."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value or "")
    return f"{text[:4]}年" if len(text) >= 4 else ""


def full_years(birth: dt.date, on: dt.date) -> int:
    """Age in full years (周岁) on `on`; someone born on 29 February turns a year older on 1 March."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years
