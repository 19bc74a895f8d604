"""Figures a client sends for a model's number columns, checked before the save: a value the column cannot hold
(10^12 in an integer column on PostgreSQL, NaN or 10^15 in a DecimalField of 12 digits, three decimals in one of
two) failed the write with a 500. A ServiceError names the field and the rule instead. Input guards, not policy:
a program's own rule (a figure's maximum in the gazette) is checked by the program."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from countyhall.core.errors import ServiceError

_POSTGRESQL_TOPS = {
    "SmallIntegerField": 32767,
    "PositiveSmallIntegerField": 32767,
    "IntegerField": 2**31 - 1,
    "PositiveIntegerField": 2**31 - 1,
}


def _label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def model_integer(model, field: str, value, *, low: int = 0, high: int | None = None) -> int | None:
    """`value` as a whole number from `low` to `high` (or what the column holds); None stays None."""
    if value is None:
        return None
    column = model._meta.get_field(field)
    # PostgreSQL's range of the column on every database: SQLite would hold 10^12 where production fails.
    top = _POSTGRESQL_TOPS.get(column.get_internal_type(), 2**63 - 1)
    high = min(high, top) if high is not None else top
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        raise ServiceError(
            field, f"{_label(model, field)}应为 {low:,} 至 {high:,} 之间的整数，实际为 {value}。"
        )
    return value


def model_decimal(model, field: str, value, *, low: Decimal = Decimal(0)) -> Decimal | None:
    """`value` as a Decimal the DecimalField holds (its digits and decimal places), not below `low`."""
    if value is None:
        return None
    column = model._meta.get_field(field)
    label = _label(model, field)
    if isinstance(value, float | bool):
        raise ServiceError(field, f"{label}应为十进制数（不接受浮点数）。")
    try:
        value = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError(field, f"{label}应为数字。") from None
    step = Decimal(1).scaleb(-column.decimal_places)
    limit = Decimal(10) ** (column.max_digits - column.decimal_places)
    if not value.is_finite() or not low <= value < limit:
        raise ServiceError(field, f"{label}应在 {low} 至 {limit - step} 之间。")
    if value != value.quantize(step):
        raise ServiceError(field, f"{label}最多 {column.decimal_places} 位小数。")
    return value
