from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from countyhall.core.errors import ServiceError
from countyhall.core.policy import Citation, NoPolicyInForce
from countyhall.core.workdays import CalendarYearUnknown

from .schema import serializer_json_schema


class RuleInputError(ServiceError):
    """Bad input to a rule: the field (dotted path) and the rule it breaks."""


@dataclass
class RuleResult:
    data: dict[str, Any]
    citations: list[Citation] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        citations = sorted(set(self.citations), key=lambda c: (c.document, c.line))
        return {
            **to_json(self.data),
            "citations": [c.as_dict() for c in citations],
            "readings": sorted(set(self.readings)),
        }


def to_json(value: Any) -> Any:
    """Money (Decimal) as a yuan string with two decimals, dates as ISO strings."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


class StrictInput(serializers.Serializer):
    """Rule input: unknown keys are an error, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({unknown[0]: ["未知字段（本规则不接受该输入）。"]})
        return super().to_internal_value(data)


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    description: str
    input: type[serializers.Serializer]
    function: Callable[..., RuleResult]
    example: dict

    def catalogue_entry(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "input_schema": serializer_json_schema(self.input()),
            "example": self.example,
        }


RULES: dict[str, Rule] = {}


def rule(*, name: str, title: str, input: type[serializers.Serializer], example: dict, description: str = ""):
    """Register a rule function taking the validated input as keyword arguments."""

    def decorator(function: Callable[..., RuleResult]) -> Callable[..., RuleResult]:
        if name in RULES:
            raise RuntimeError(f"rule {name} registered twice")
        RULES[name] = Rule(name=name, title=title, description=description or (function.__doc__ or "").strip(),
                           input=input, function=function, example=example)
        return function

    return decorator


def _first_error(errors: Any, prefix: str = "") -> tuple[str, str]:
    if isinstance(errors, dict):
        key = next(iter(errors))
        field_name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
        return _first_error(errors[key], field_name)
    if isinstance(errors, list) and errors:
        return _first_error(errors[0], prefix)
    return prefix or "(input)", str(errors)


def calc(name: str, payload: Any) -> dict[str, Any]:
    """Validate `payload` against the rule's schema, run it, and return its JSON result."""
    if name not in RULES:
        raise RuleInputError("rule", f"未知规则：{name}。可用规则：{', '.join(sorted(RULES))}。")
    if not isinstance(payload, dict):
        raise RuleInputError("(input)", "输入必须是一个 JSON 对象。")
    selected = RULES[name]
    serializer = selected.input(data=payload)
    if not serializer.is_valid():
        raise RuleInputError(*_first_error(serializer.errors))
    try:
        result = selected.function(**serializer.validated_data)
    except NoPolicyInForce as exc:
        raise RuleInputError(getattr(exc, "field", "date"), str(exc)) from exc
    except CalendarYearUnknown as exc:
        raise RuleInputError("calendar", str(exc)) from exc
    return result.as_json()


def rule_catalogue() -> list[dict]:
    return [RULES[name].catalogue_entry() for name in sorted(RULES)]
