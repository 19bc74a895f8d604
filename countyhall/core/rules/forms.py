"""A Django form generated from a rule's input JSON Schema: the calculator a citizen or a clerk fills in.

date → a date field, boolean → 是/否 radio buttons, enum → a select with the Chinese `x-enum-labels`, integer and
money → number fields; a nested object is a group of fields named `parent.child`. Labels come from the schema's
Chinese `title` (else its `description`); the property key never shows outside the 技术信息 part. The form only
collects: validation is the calc's own (`calc()` against the schema and the serializer), and its errors, keyed
by dotted field, are put back next to the field they name.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

YES_NO = (("true", "是"), ("false", "否"))
GENERIC_ENUM_LABELS = {"other": "其他"}


class UnsupportedSchema(Exception):
    """A rule input the form cannot express (a list of objects): the calculator offers the JSON form only."""


def _types(schema: dict) -> set[str]:
    kind = schema.get("type", "")
    return set(kind) if isinstance(kind, list) else {kind}


def _enum_labels(schema: dict) -> list[str]:
    keys = list(schema.get("enum", []))
    labels = schema.get("x-enum-labels")
    if isinstance(labels, list) and len(labels) == len(keys):
        return [str(label) for label in labels]
    # Until a program adds x-enum-labels, a description written "rural 农村 / community 城市社区" names them.
    description = schema.get("description", "")
    found = {}
    for key in keys:
        match = re.search(rf"(?<![A-Za-z_]){re.escape(key)}\s+([^\s/；;，,]+)", description)
        if match:
            found[key] = match.group(1)
    return [found.get(key) or GENERIC_ENUM_LABELS.get(key, key) for key in keys]


def _label(schema: dict, name: str) -> str:
    title = schema.get("title") or ""
    if title:
        return str(title)
    description = str(schema.get("description") or "")
    # "rural 农村 / community 城市社区" is a hint, not a label: only a description without codes stands in for one.
    if description and not re.search(r"[A-Za-z]{3,}", description):
        return description.split("；")[0]
    if "enum" in schema and _enum_labels(schema) != list(schema["enum"]):
        # Until the program adds a title: "canteen 长者食堂 / service_point 长者助餐服务点" → "长者食堂或长者助餐服务点".
        return "或".join(_enum_labels(schema))
    return "（未命名的输入项）"


def _help(schema: dict) -> str:
    if schema.get("title") and schema.get("description"):
        description = str(schema["description"])
        return "" if re.search(r"[A-Za-z]{3,}_|[a-z]+_[a-z]+", description) else description
    return ""


def _field(schema: dict, name: str, required: bool) -> forms.Field:
    types = _types(schema) - {"null"}
    common: dict[str, Any] = {"label": _label(schema, name), "required": required, "help_text": _help(schema)}
    if "enum" in schema:
        choices = list(zip(schema["enum"], _enum_labels(schema), strict=True))
        return forms.ChoiceField(choices=[("", "请选择")] + choices, **common)
    if types == {"boolean"}:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if types == {"string"} and schema.get("format") == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if types == {"string"} and schema.get("format") == "date-time":
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if types == {"integer"}:
        attrs = {"inputmode": "numeric", "step": "1"}
        for bound in ("minimum", "maximum"):
            if bound in schema:
                attrs["min" if bound == "minimum" else "max"] = schema[bound]
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if types == {"string", "integer"} or "pattern" in schema:
        # Money and quantities: kept as the text typed ("8.00") — the rule refuses floats, and so does the form.
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if types == {"string"}:
        return forms.CharField(max_length=schema.get("maxLength"), **common)
    raise UnsupportedSchema(name)


def _walk(schema: dict, prefix: str = "", group: str = ""):
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if _types(prop) == {"object"} and "properties" in prop:
            yield from _walk(prop, f"{path}.", _label(prop, name) if prop.get("title") else group or "")
            continue
        yield path, prop, name in required, group


class RuleForm(forms.Form):
    """The fields of one rule; `payload()` turns the answers into the JSON the calc takes."""

    def __init__(self, schema: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.paths: dict[str, dict] = {}
        for path, prop, required, group in _walk(schema):
            field = _field(prop, path, required)
            field.group = group  # type: ignore[attr-defined]
            self.fields[path] = field
            self.paths[path] = prop

    def payload(self) -> dict:
        """The typed JSON: 是/否 → true/false, integers → numbers, blanks of optional fields left out (the rule's
        own default applies). Numbers that do not parse stay text so that the calc names the field."""
        data: dict = {}
        for path, prop in self.paths.items():
            raw = (self.data.get(path) or "").strip() if self.is_bound else ""
            if raw == "":
                continue
            types = _types(prop) - {"null"}
            value: Any = raw
            if types == {"boolean"}:
                value = {"true": True, "false": False}.get(raw, raw)
            elif types == {"integer"} and re.fullmatch(r"-?\d{1,12}", raw):
                value = int(raw)
            node = data
            *parents, last = path.split(".")
            for parent in parents:
                node = node.setdefault(parent, {})
            node[last] = value
        return data

    def add_calc_errors(self, errors: list[tuple[str, str]]) -> list[str]:
        """Put each calc error next to its field; those naming no field of the form are returned."""
        left = []
        for field, message in errors:
            target = (
                field
                if field in self.fields
                else next((name for name in self.fields if field.startswith(name + ".")), None)
            )
            if target is None:
                left.append(message)
            else:
                self.add_error(target, message)
        return left

    @classmethod
    def initial_from(cls, example: dict, prefix: str = "") -> dict:
        """A rule's example as the form's starting answers (the citizen changes what differs)."""
        initial = {}
        for key, value in (example or {}).items():
            if isinstance(value, dict):
                initial.update(cls.initial_from(value, f"{prefix}{key}."))
            elif isinstance(value, bool):
                initial[f"{prefix}{key}"] = "true" if value else "false"
            elif not isinstance(value, list):
                initial[f"{prefix}{key}"] = value
        return initial
