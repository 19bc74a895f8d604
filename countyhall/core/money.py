"""Money: Decimal yuan at fen precision. Never float.

Splits between budgets use the largest-remainder method on whole fen so the parts always sum to the
total exactly; a tie in remainders goes to the earlier party (the order the policy lists them in).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
_MONEY_TEXT = re.compile(r"^[¥￥]?\s*(-)?\s*[¥￥]?\s*([0-9][0-9,，]*)(?:\.([0-9]{1,2}))?\s*(元)?$")


class MoneyError(ValueError):
    """A value that cannot be money: the message says why, in Chinese, for the user."""


def to_money(value: Decimal | int | str) -> Decimal:
    """Return `value` as Decimal yuan with exactly two decimals; reject floats and sub-fen amounts."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError('金额不能使用浮点数，请使用字符串（如 "3.00"）或整数。')
    if isinstance(value, str):
        return parse_money(value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"无法识别的金额：{value!r}。") from exc
    if not amount.is_finite():
        raise MoneyError("金额必须是有限数值。")
    if amount != amount.quantize(FEN):
        raise MoneyError(f"金额最多精确到分（两位小数）：{value}。")
    return amount.quantize(FEN)


def parse_money(text: str) -> Decimal:
    """Parse '1234.5', '¥1,234.50', '12元' into Decimal yuan; reject more than two decimals."""
    cleaned = text.strip()
    match = _MONEY_TEXT.match(cleaned)
    if not match:
        raise MoneyError(f"无法识别的金额：“{text}”。金额应为数字，最多两位小数，例如 1234.50。")
    sign, whole, frac, _ = match.groups()
    digits = whole.replace(",", "").replace("，", "")
    amount = Decimal(f"{'-' if sign else ''}{digits}.{frac or '0'}")
    return amount.quantize(FEN)


def format_money(amount: Decimal, *, symbol: bool = True) -> str:
    """Format as ¥1,234.50 (or 1,234.50 without the symbol)."""
    amount = to_money(amount)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.2f}"
    return f"{sign}{'¥' if symbol else ''}{text}"


def money_str(amount: Decimal) -> str:
    """The interchange form used by the API and CLI: plain yuan with two decimals, e.g. "3.00"."""
    return f"{to_money(amount):.2f}"


def round_fen(amount: Decimal) -> Decimal:
    """Round a computed amount (e.g. 70 % of a price) to fen, half up as in Chinese accounting practice."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def split_by_ratios(total: Decimal, ratios: Sequence[int | Decimal]) -> list[Decimal]:
    """Split `total` into parts proportional to `ratios` that sum to `total` exactly.

    Each part is the exact share floored to the fen; the fen left over go one each to the parties
    with the largest remainders, ties to the earlier party. Every part is then within one fen of its
    exact share.
    """
    total = to_money(total)
    weights = [Decimal(r) for r in ratios]
    if not weights:
        raise MoneyError("分摊比例不能为空。")
    if any(w < 0 for w in weights):
        raise MoneyError("分摊比例不能为负数。")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise MoneyError("分摊比例之和不能为零。")
    negative = total < 0
    total_fen = int(abs(total) / FEN)
    exact = [Decimal(total_fen) * w / weight_sum for w in weights]
    floors = [int(x) for x in exact]  # x >= 0, so int() floors
    leftover = total_fen - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    parts = [(Decimal(f) * FEN).quantize(FEN) for f in floors]
    return [-p if negative else p for p in parts]
