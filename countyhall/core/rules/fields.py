from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers


class MoneyField(serializers.DecimalField):
    """Yuan with at most two decimals, given as a string ("12.50") or an integer; floats are refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float | bool):
            raise serializers.ValidationError("金额须写成字符串（如 \"12.50\"）或整数，不能使用浮点数。")
        return super().to_internal_value(data)
