from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers


class ExactDecimalField(serializers.DecimalField):
    """A decimal given as a string ("12.50") or an integer; floats are refused, they are not exact."""

    float_message = '须写成字符串（如 "12.50"）或整数，不能使用浮点数。'

    def to_internal_value(self, data):
        if isinstance(data, float | bool):
            raise serializers.ValidationError(self.float_message)
        return super().to_internal_value(data)


class MoneyField(ExactDecimalField):
    """Yuan with at most two decimals."""

    float_message = '金额须写成字符串（如 "12.50"）或整数，不能使用浮点数。'

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)


class QuantityField(ExactDecimalField):
    """A measured quantity (m³, tonnes) with up to three decimals."""

    float_message = '数量须写成字符串（如 "1.5"）或整数，不能使用浮点数。'

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, with a naive time at the edge of the calendar ("0001-01-01") refused as out of range:
    made aware in Asia/Shanghai it overflowed inside DRF's own check and the request failed with a 500."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
