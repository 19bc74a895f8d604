"""A JSON Schema for a rule's input serializer, so `GET /api/v1/calc` documents every rule.

The schema is not only documentation: `calc()` validates every input against it before the serializer
runs (see `validate_against_schema`), so what is published is exactly what is accepted at the level of
JSON types, required and unknown keys, enums, bounds and number formats. A field type this module does
not know raises TypeError when the catalogue is built, rather than being published as a loose "string".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators
from rest_framework import serializers

from .fields import ExactDecimalField

REQUIRED_MESSAGE = "该字段是必填项。"
UNKNOWN_MESSAGE = "未知字段（本规则不接受该输入）。"
TYPE_LABELS = {
    "boolean": "布尔值（true 或 false）",
    "integer": "整数",
    "string": "字符串",
    "object": "JSON 对象",
    "array": "数组",
    "null": "null",
}


def serializer_json_schema(serializer: serializers.BaseSerializer) -> dict:
    if isinstance(serializer, serializers.ListSerializer):
        schema: dict = {"type": "array", "items": serializer_json_schema(serializer.child)}
        if getattr(serializer, "min_length", None) is not None:
            schema["minItems"] = serializer.min_length
        if getattr(serializer, "max_length", None) is not None:
            schema["maxItems"] = serializer.max_length
        return schema
    properties: dict = {}
    required: list[str] = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        properties[name] = field_json_schema(field)
        if field.required:
            required.append(name)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def decimal_pattern(field: serializers.DecimalField) -> str:
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    places = field.decimal_places
    fraction = rf"(\.\d{{1,{places}}})?" if places else ""
    return rf"^{sign}\d+{fraction}$"


INTEGER_CEILING = 1_000_000_000


def field_json_schema(field: serializers.Field) -> dict:
    if isinstance(field, serializers.BaseSerializer):
        schema = serializer_json_schema(field)
    elif isinstance(field, serializers.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, serializers.IntegerField):
        schema = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        # No count in a county reaches a billion: an unbounded integer only overflows the arithmetic behind it
        # (a 40-digit household count reached money quantize as a 500), so every integer is published bounded.
        schema["maximum"] = field.max_value if field.max_value is not None else INTEGER_CEILING
    elif isinstance(field, serializers.DecimalField):
        # A decimal is a string ("12.50") or an integer: floats are not exact and are refused (fields.py). The
        # pattern holds the string form to the field's decimal places and sign; minimum holds the integer form.
        # A plain DecimalField is published (and so held) the same way: the schema is the stricter contract.
        schema = {"type": ["string", "integer"], "pattern": decimal_pattern(field)}
        if field.min_value is not None:
            schema["minimum"] = (
                int(field.min_value) if field.min_value == int(field.min_value) else str(field.min_value)
            )
        if field.max_value is not None:
            schema["maximum"] = (
                int(field.max_value) if field.max_value == int(field.max_value) else str(field.max_value)
            )
        if isinstance(schema.get("minimum"), str) or isinstance(schema.get("maximum"), str):
            raise TypeError(
                f"{field.field_name}: a fractional decimal bound cannot be published as an integer bound"
            )
    elif isinstance(field, serializers.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, serializers.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, serializers.ChoiceField):
        keys = list(field.choices)
        if not all(isinstance(k, str) for k in keys):
            raise TypeError(f"{field.field_name}: only string choices can be published")
        schema = {"type": "string", "enum": keys}
    elif isinstance(field, serializers.ListField):
        schema = {"type": "array", "items": field_json_schema(field.child)}
        if field.min_length is not None:
            schema["minItems"] = field.min_length
        if field.max_length is not None:
            schema["maxItems"] = field.max_length
    elif isinstance(field, serializers.DictField):
        schema = {"type": "object", "additionalProperties": field_json_schema(field.child)}
    elif isinstance(field, serializers.CharField):
        schema = {"type": "string"}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if field.min_length is not None:
            schema["minLength"] = field.min_length
        elif not field.allow_blank:
            schema["minLength"] = 1
    elif type(field) is serializers.Field:
        # DictField's and ListField's default child: any JSON value.
        return {}
    else:
        raise TypeError(
            f"{type(field).__name__} ({field.field_name}) has no JSON Schema: add it to core/rules/schema.py"
        )
    if getattr(field, "allow_null", False):
        schema["type"] = [*([schema["type"]] if isinstance(schema["type"], str) else schema["type"]), "null"]
    description = [str(field.help_text)] if field.help_text else []
    if isinstance(field, serializers.DecimalField):
        # Read by people at the calculator: plain Chinese, no "string" or "float" (the API's JSON rule, a string
        # or an integer, is the schema's pattern itself).
        places = field.decimal_places
        description.append("金额，最多两位小数，如 12.50" if places == 2 else f"数字，最多 {places} 位小数")
    if description:
        schema["description"] = "；".join(description)
    # What the form-based calculator shows: a field's Chinese label (set on the serializer field) as its title,
    # and a choice field's display labels as x-enum-labels (same order as enum). Validation ignores both.
    label = getattr(field, "label", None)
    auto = (field.field_name or "").replace("_", " ").capitalize()
    if label and str(label) != auto and "title" not in schema:
        schema["title"] = str(label)
    if isinstance(field, serializers.ChoiceField) and not isinstance(field, serializers.MultipleChoiceField):
        labels = [str(field.choices[key]) for key in schema.get("enum", [])]
        if labels and labels != schema.get("enum"):
            schema["x-enum-labels"] = labels
    if not field.required and field.default is not serializers.empty:
        schema["default"] = field.default() if callable(field.default) else field.default
    return schema


def _dotted(path) -> str:
    return ".".join(str(p) for p in path)


def _field_at(serializer: serializers.BaseSerializer, path) -> serializers.Field | None:
    """The serializer field a JSON path points at (a list index or a dict key steps into the child)."""
    node: Any = serializer
    for step in path:
        if isinstance(node, serializers.ListSerializer | serializers.ListField | serializers.DictField):
            node = node.child
        elif isinstance(node, serializers.Serializer):
            node = node.fields.get(step)
        else:
            return None
        if node is None:
            return None
    return node


def _type_message(error, field) -> str:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    found = error.instance
    if isinstance(field, ExactDecimalField) and isinstance(found, float):
        return field.float_message
    if isinstance(field, serializers.DecimalField) and isinstance(found, float):
        return ExactDecimalField.float_message
    labels = "或".join(TYPE_LABELS.get(t, t) for t in expected if t != "null")
    shown = found if not isinstance(found, str) else f'"{found}"'
    if isinstance(found, dict | list):
        shown = "对象" if isinstance(found, dict) else "数组"
    return f"应为{labels}，不能是 {_json_repr(shown)}。"


def _json_repr(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def _messages(error, serializer) -> Iterator[tuple[str, str]]:
    """(field, Chinese message) for one jsonschema error."""
    path = list(error.absolute_path)
    field = _field_at(serializer, path)
    where = _dotted(path)
    kind = error.validator
    if kind == "required":
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield _dotted([*path, name]), REQUIRED_MESSAGE
    elif kind == "additionalProperties" and error.validator_value is False:
        known = set(error.schema.get("properties", {}))
        for name in sorted(set(error.instance) - known):
            yield _dotted([*path, name]), UNKNOWN_MESSAGE
    elif kind == "type":
        yield where, _type_message(error, field)
    elif kind == "enum":
        yield where, f"应为以下之一：{'、'.join(map(str, error.validator_value))}。"
    elif kind == "minimum":
        yield where, f"不能小于 {error.validator_value}。"
    elif kind == "maximum":
        yield where, f"不能大于 {error.validator_value}。"
    elif kind == "pattern" and isinstance(field, serializers.DecimalField):
        places = field.decimal_places
        sign = "非负" if "-" not in error.validator_value else ""
        yield where, f'应为{sign}数字字符串，最多 {places} 位小数（如 "12.50"），不能有空格或指数写法。'
    elif kind == "pattern":
        yield where, f"格式不正确（应匹配 {error.validator_value}）。"
    elif kind == "minLength":
        yield (
            where,
            "不能为空。" if error.validator_value == 1 else f"长度不能少于 {error.validator_value} 个字符。",
        )
    elif kind == "maxLength":
        yield where, f"长度不能超过 {error.validator_value} 个字符。"
    elif kind == "minItems":
        yield where, f"至少需要 {error.validator_value} 项。"
    elif kind == "maxItems":
        yield where, f"最多 {error.validator_value} 项。"
    else:
        yield where, f"不符合接口说明（{kind}）。"


def _is_integer(checker, instance) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


# JSON Schema counts 10.0 as an integer; the rules do not (a count written as a float is a client bug, and
# DRF would silently truncate 10.5 elsewhere), so "integer" means an integer literal here.
StrictValidator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
)


def validate_against_schema(
    serializer: serializers.BaseSerializer, schema: dict, payload: Any
) -> list[tuple[str, str]]:
    """Every way `payload` breaks the published `schema`, as (dotted field, Chinese message)."""
    found: list[tuple[str, str]] = []
    for error in StrictValidator(schema).iter_errors(payload):
        for item in _messages(error, serializer):
            if item not in found:
                found.append(item)
    return found
