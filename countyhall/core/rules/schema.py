"""A JSON Schema for a rule's input serializer, so `GET /api/v1/calc` documents every rule."""

from __future__ import annotations

from rest_framework import serializers


def serializer_json_schema(serializer: serializers.Serializer) -> dict:
    properties: dict = {}
    required: list[str] = []
    for name, field in serializer.fields.items():
        properties[name] = field_json_schema(field)
        if field.required:
            required.append(name)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def field_json_schema(field: serializers.Field) -> dict:
    if isinstance(field, serializers.Serializer):
        schema = serializer_json_schema(field)
    elif isinstance(field, serializers.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, serializers.IntegerField):
        schema = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
    elif isinstance(field, serializers.DecimalField):
        schema = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "description": "金额（元），如 \"3.00\""}
    elif isinstance(field, serializers.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, serializers.ChoiceField):
        schema = {"type": "string", "enum": list(field.choices)}
    elif isinstance(field, serializers.ListField):
        schema = {"type": "array", "items": field_json_schema(field.child)}
    else:
        schema = {"type": "string"}
    if field.help_text:
        schema["description"] = str(field.help_text)
    if not field.required and field.default is not serializers.empty:
        schema["default"] = field.default() if callable(field.default) else field.default
    return schema
