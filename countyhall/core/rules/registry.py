from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from rest_framework import serializers
from rest_framework.settings import api_settings

from countyhall.core.errors import ServiceError
from countyhall.core.policy import Citation, NoPolicyInForce
from countyhall.core.workdays import CalendarYearUnknown

from .schema import INTEGER_CEILING, UNKNOWN_MESSAGE, serializer_json_schema, validate_against_schema


class RuleInputError(ServiceError):
    """Bad input to a rule: the field (dotted path) and the rule it breaks.

    `errors` lists every problem found in the input at once, each with its field; `field`/`message` are the
    first of them, kept for callers that read a single error.
    """

    def __init__(self, field: str, message: str, *, errors: list[tuple[str, str]] | None = None):
        super().__init__(field, message)
        self.errors = errors or [(field, message)]

    @classmethod
    def from_errors(cls, errors: list[tuple[str, str]]) -> RuleInputError:
        return cls(*errors[0], errors=errors)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "errors": [{"field": f, "message": m} for f, m in self.errors]}


@dataclass
class RuleResult:
    data: dict[str, Any]
    citations: list[Citation] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(
        default_factory=dict
    )  # reading id → the answer applied (adopted/alternative)
    changes: list[int] = field(default_factory=list)  # approved PolicyChange ids behind the figures
    versions: dict[str, str] = field(default_factory=dict)  # parameter → first day of the value used (ISO)

    def as_json(self) -> dict[str, Any]:
        citations = sorted(set(self.citations), key=lambda c: (c.document, c.line))
        readings = sorted(set(self.readings))
        return {
            **to_json(self.data),
            "citations": [c.as_dict() for c in citations],
            "readings": readings,
            # "why this amount": the answer applied for each reading and the approved changes of governed policy.
            "reading_answers": {r: self.answers.get(r, "adopted") for r in readings},
            "policy_changes": list(self.changes),
            "parameter_versions": dict(sorted(self.versions.items())),
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
    """Rule input: unknown keys are an error, not silently ignored; the known fields are still checked, so
    every problem is reported at once."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if not unknown:
            return super().to_internal_value(data)
        errors = {name: [UNKNOWN_MESSAGE] for name in unknown}
        try:
            super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                errors = {**exc.detail, **errors}
        raise serializers.ValidationError(errors)


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    description: str
    input: type[serializers.Serializer]
    function: Callable[..., RuleResult]
    example: dict
    public: bool = False  # offered to citizens in the form-based calculator (/calc/) and on /subsidies/
    output_labels: dict = field(
        default_factory=dict
    )  # dotted result key → Chinese label (core/rules/present.py)

    @cached_property
    def input_schema(self) -> dict:
        """The published JSON Schema of the input; `calc()` holds every input to it."""
        return serializer_json_schema(self.input())

    def catalogue_entry(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "input_schema": self.input_schema,
            "example": self.example,
            "public": self.public,
        }


RULES: dict[str, Rule] = {}


def rule(
    *,
    name: str,
    title: str,
    input: type[serializers.Serializer],
    example: dict,
    description: str = "",
    public: bool = False,
    output_labels: dict | None = None,
):
    """Register a rule function taking the validated input as keyword arguments. `public`: a citizen may ask
    it (what lunch subsidy do I get?); the others are staff tools."""

    def decorator(function: Callable[..., RuleResult]) -> Callable[..., RuleResult]:
        if name in RULES:
            raise RuntimeError(f"rule {name} registered twice")
        RULES[name] = Rule(
            name=name,
            title=title,
            description=description or (function.__doc__ or "").strip(),
            input=input,
            function=function,
            example=example,
            public=public,
            output_labels=dict(output_labels or {}),
        )
        return function

    return decorator


def _flatten(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """DRF's nested error structure as (dotted field, message) pairs; non-field errors name their parent."""
    if isinstance(errors, dict):
        found = []
        for key, value in errors.items():
            name = (
                prefix
                if key == api_settings.NON_FIELD_ERRORS_KEY
                else (f"{prefix}.{key}" if prefix else str(key))
            )
            found += _flatten(value, name)
        return found
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            return [(prefix or "(input)", str(e)) for e in errors]
        found = []
        for index, item in enumerate(errors):
            if item:  # a many=True serializer reports {} for each valid item
                found += _flatten(item, f"{prefix}.{index}" if prefix else str(index))
        return found
    return [(prefix or "(input)", str(errors))]


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def input_errors(selected: Rule, payload: dict, serializer: serializers.Serializer) -> list[tuple[str, str]]:
    """Every problem with `payload`: first against the published schema, then the serializer's own checks
    (real dates, choices, cross-field rules) for the fields the schema found no fault with."""
    errors = validate_against_schema(serializer, selected.input_schema, payload)
    if not serializer.is_valid():
        errors += [e for e in _flatten(serializer.errors) if not any(_overlaps(e[0], f) for f, _ in errors)]
    order = {name: index for index, name in enumerate(selected.input_schema["properties"])}
    return sorted(errors, key=lambda e: order.get(e[0].split(".")[0], len(order)))


def calc(name: str, payload: Any) -> dict[str, Any]:
    """Validate `payload` against the rule's published schema and serializer, run it, return its JSON result."""
    if name not in RULES:
        raise RuleInputError("rule", f"未知规则：{name}。可用规则：{', '.join(sorted(RULES))}。")
    if not isinstance(payload, dict):
        raise RuleInputError("(input)", "输入必须是一个 JSON 对象。")
    selected = RULES[name]
    serializer = selected.input(data=payload)
    errors = input_errors(selected, payload, serializer)
    if errors:
        raise RuleInputError.from_errors(errors)
    try:
        result = selected.function(**serializer.validated_data)
    except NoPolicyInForce as exc:
        raise RuleInputError(getattr(exc, "field", "date"), str(exc)) from exc
    except CalendarYearUnknown as exc:
        raise RuleInputError("calendar", str(exc)) from exc
    except ServiceError:
        raise  # a rule's own refusal (RuleInputError is one), already naming its field
    except (OverflowError, ArithmeticError, ValueError) as exc:
        # An input the schema admits but the arithmetic cannot carry (a date at 9999-12-31 stepped past the
        # last year, an amount beyond Decimal's precision): a 400 naming the input, never a server error.
        raise RuleInputError(
            "(input)",
            f"输入值超出可计算的范围（日期应在 1900–2100 年之间，数量不超过 "
            f"{INTEGER_CEILING:,}）：{type(exc).__name__}",
        ) from exc
    return result.as_json()


def rule_catalogue(*, public_only: bool = False) -> list[dict]:
    return [RULES[name].catalogue_entry() for name in sorted(RULES) if RULES[name].public or not public_only]
