"""Load policy parameters from YAML with a strict schema, and look them up by date.

Each parameter has dated values; each value carries its citation (文号, clause, seed line) and, where
the gazette is ambiguous, the id of the reading it adopts. A lookup outside every value's range is
an error ("no policy in force"): a parameter's last value never silently applies forever.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from . import governed
from .citations import ADOPTED, ANSWERS, Citation, Reading

FILE_KEYS = {"parameters", "readings"}
PARAMETER_KEYS = {
    "label",
    "description",
    "unit",
    "values",
    "administered",
    "citation",
    "format",
    "unentered",
    "labels",
}
# A text parameter's shape (key `format`), checked at load and when an administrator enters a value: name → (check,
# the rule in Chinese).
MONTH_DAY_PATTERN = re.compile(r"^(\d{2})-(\d{2})$")


def _is_month_day(text: str) -> bool:
    match = MONTH_DAY_PATTERN.match(text)
    if not match:
        return False
    try:
        dt.date(
            2021, int(match.group(1)), int(match.group(2))
        )  # not a leap year: 02-29 is not every year's day
    except ValueError:
        return False
    return True


TEXT_FORMATS = {"month_day": (_is_month_day, "应为“月-日”，两位数字，如 11-15（每年都有的日期）")}
VALUE_KEYS = {"from", "to", "value", "citation", "reading", "note"}
CITATION_KEYS = {"document", "clause", "line"}
READING_KEYS = {"question", "text", "alternative", "citation", "effects"}
UNITS = {
    "CNY": "元",
    "CNY_per_m3": "元/立方米",
    "CNY_per_tonne": "元/吨",
    "count": "个",
    "points": "分",
    "persons": "人次",
    "households": "户",
    "days": "日",
    "day_of_month": "日（每月）",
    "list": "清单",
    "working_days": "工作日",
    "minutes": "分钟",
    "hours": "小时",
    "months": "个月",
    "years": "年",
    "age_years": "周岁",
    "m2": "平方米",
    "m3": "立方米",
    "tonnes": "吨",
    "percent": "%",
    "ratio": "比例",
    "bool": "是/否",
    "text": "文本",
}
# Units whose values are whole numbers (the file's integers; a page's digits, core.services.policy).
INTEGER_UNITS = frozenset(
    {
        "count",
        "points",
        "persons",
        "households",
        "days",
        "day_of_month",
        "working_days",
        "minutes",
        "hours",
        "months",
        "years",
        "age_years",
        "m2",
        "m3",
        "tonnes",
    }
)
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
DOCUMENT_PATTERN = re.compile(r"^高政(办发|办字|字|任|发)〔\d{4}〕\d+号$")


class ParameterError(ValueError):
    """A parameter file that does not follow the schema; the message names the file and the key."""


class NoPolicyInForce(LookupError):
    """No value of the parameter applies on the date asked about."""

    def __init__(self, name: str, on: dt.date, ranges: list[tuple[dt.date, dt.date | None]]):
        self.name = name
        self.on = on
        self.ranges = ranges
        spans = "；".join(f"{a.isoformat()} 至 {b.isoformat() if b else '今'}" for a, b in ranges) or "无"
        super().__init__(f"{on.isoformat()} 没有有效的政策规定（参数 {name}；有效期：{spans}）。")


@dataclass(frozen=True)
class ParameterValue:
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None
    citation: Citation
    reading: str | None = None
    note: str = ""
    change_id: int | None = None  # the approved PolicyChange that set this value (None: the YAML file's)
    answer: str = ADOPTED  # the answer of `reading` this value follows

    def applies_on(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    unit: str
    description: str
    values: tuple[ParameterValue, ...]
    source_file: str
    administered: bool = False
    format: str = ""  # a text parameter's shape (TEXT_FORMATS), e.g. month_day
    # An administered figure (printed in no text, or in an unprinted attachment) names the clause that calls for
    # it; its values are entered by administrators (core.models.PolicyChange), not in the file.
    citation: Citation | None = None
    # What the platform does while an administered figure has no value entered, when the code falls back to
    # something (补录期限: the platform's 3 days) rather than refusing with NoPolicyInForce; the figure's page says
    # it instead of the generic "calculations report no policy in force".
    unentered: str = ""
    # The Chinese name of each coded value of a text parameter (city_county_3_7 → 按总则由市、县 3：7 分担) and of
    # each party of a ratio (above_city → 市级以上): what a page shows instead of the code.
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def unit_label(self) -> str:
        return UNITS[self.unit]

    def display(self, value: Any) -> str:
        """A value as a civil servant reads it, with its unit: 是/否, the coded answer's Chinese name, 11月15日 for a
        month-day, a ratio's parties by name; never the file's codes."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if self.unit == "ratio" and isinstance(value, dict):
            return "：".join(f"{self.labels.get(party, party)} {weight}" for party, weight in value.items())
        if self.unit == "list" and isinstance(value, list | tuple):
            return "、".join(str(item) for item in value)
        if self.unit == "text":
            if value in self.labels:
                return self.labels[value]
            if self.format == "month_day" and MONTH_DAY_PATTERN.match(str(value)):
                month, day = MONTH_DAY_PATTERN.match(str(value)).groups()
                return f"{int(month)}月{int(day)}日"
            return str(value)
        return f"{value} {self.unit_label}"

    def at(self, on: dt.date) -> ParameterValue:
        for value in self.values:
            if value.applies_on(on):
                return value
        raise NoPolicyInForce(self.name, on, [(v.valid_from, v.valid_to) for v in self.values])


@dataclass
class ParameterRegistry:
    parameters: dict[str, Parameter] = field(default_factory=dict)
    readings: dict[str, Reading] = field(default_factory=dict)
    # parameter name → the readings whose answers change it (filled by load_parameter_dir)
    effects_on: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise KeyError(f"未定义的政策参数：{name}") from None

    def at(self, name: str, on: dt.date) -> ParameterValue:
        """The value in force on `on`: the file's, unless an approved change (governed) or the answer in force of
        a reading with effects on this parameter says otherwise; then the calculator's overrides."""
        parameter = self.get(name)
        snapshot = governed.current()
        entry = snapshot.parameter_entry(name, on)
        if (
            parameter.administered
            and parameter.citation is not None
            and (entry is not None or not parameter.values)
        ):
            if entry is None:
                raise NoPolicyInForce(name, on, [])
            value = ParameterValue(
                value=entry.value,
                valid_from=entry.valid_from,
                valid_to=None,
                citation=parameter.citation,
                change_id=entry.change_id,
                note=f"管理员录入（{entry.reason}）" if entry.reason else "管理员录入",
            )
        else:
            value = parameter.at(on)
            if entry is not None and entry.valid_from >= value.valid_from:
                # A change dated inside the file's value: the figure changes, the clause and its end date stay.
                value = dataclasses.replace(
                    value,
                    value=entry.value,
                    change_id=entry.change_id,
                    note=f"管理员调整（原值 {value.value}；{entry.reason}）",
                )
        for reading_id in self.effects_on.get(name, ()):
            answer = snapshot.answer(reading_id, on)
            effect = self.readings[reading_id].effects.get(answer, {})
            if name in effect:
                value = dataclasses.replace(value, value=effect[name], reading=reading_id, answer=answer)
            elif value.reading == reading_id:
                value = dataclasses.replace(value, answer=answer)
        if (
            value.reading
            and value.reading in self.readings
            and value.reading not in self.effects_on.get(name, ())
        ):
            # A value that follows a reading applied in code (no effect on this figure): still record the answer in
            # force, or a rule reading it after the reading's switch would record "adopted" over the real answer.
            value = dataclasses.replace(value, answer=snapshot.answer(value.reading, on))
        overrides = _OVERRIDES.get()
        if name in overrides:
            # Keep the citation of the value in force: an override changes the figure, not its legal basis.
            return dataclasses.replace(value, value=overrides[name], note=f"覆盖值（原值 {value.value}）")
        return value

    def reading(self, reading_id: str) -> Reading:
        return self.readings[reading_id]

    def answer(self, reading_id: str, on: dt.date) -> str:
        """The answer of a reading in force on `on` ("adopted" unless an approved change says "alternative")."""
        if reading_id not in self.readings:
            raise KeyError(f"未定义的解读：{reading_id}")
        return governed.current().answer(reading_id, on)

    def __iter__(self):
        return iter(sorted(self.parameters.values(), key=lambda p: p.name))


def _fail(path: Path, where: str, message: str) -> ParameterError:
    return ParameterError(f"{path.name}: {where}: {message}")


def _check_keys(path: Path, where: str, data: Any, allowed: set[str], required: Iterable[str] = ()) -> dict:
    if not isinstance(data, dict):
        raise _fail(path, where, f"应为映射（mapping），实际为 {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise _fail(path, where, f"未知键 {', '.join(unknown)}（允许：{', '.join(sorted(allowed))}）")
    for key in required:
        if key not in data or data[key] in (None, ""):
            raise _fail(path, where, f"缺少必填键 {key}")
    return data


def _date(path: Path, where: str, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise _fail(path, where, "日期不应包含时间")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise _fail(path, where, f"无效日期 {raw!r}（应为 YYYY-MM-DD）")


def _citation(path: Path, where: str, raw: Any) -> Citation:
    data = _check_keys(path, where, raw, CITATION_KEYS, required=CITATION_KEYS)
    document = str(data["document"])
    if not DOCUMENT_PATTERN.match(document):
        raise _fail(path, f"{where}.document", f"文号格式不正确：{document}")
    line = data["line"]
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise _fail(path, f"{where}.line", f"行号应为正整数，实际为 {line!r}")
    return Citation(document=document, clause=str(data["clause"]), line=line)


def _typed_value(path: Path, where: str, unit: str, raw: Any) -> Any:
    if unit.startswith("CNY") or unit == "percent":
        # YAML floats are rejected: 0.1 + 0.2 is not money.
        if isinstance(raw, bool) or isinstance(raw, float):
            raise _fail(path, where, f'金额/百分比须写成字符串或整数（如 "3.00"），不能是浮点数 {raw!r}')
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise _fail(path, where, f"无效数值 {raw!r}") from None
        if not value.is_finite():
            raise _fail(path, where, f"无效数值 {raw!r}")
        if value < 0:
            raise _fail(path, where, f"不能为负数：{raw!r}")
        if unit == "percent" and value > 100:
            raise _fail(path, where, f"百分比应在 0 到 100 之间：{raw!r}")
        if value.adjusted() > 12:
            raise _fail(path, where, f"数值超出范围：{raw!r}")
        if unit.startswith("CNY") and value != value.quantize(Decimal("0.01")):
            raise _fail(path, where, f"金额最多两位小数：{raw!r}")
        return value
    if unit in INTEGER_UNITS:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _fail(path, where, f"应为整数，实际为 {raw!r}")
        if raw < 0:
            raise _fail(path, where, f"不能为负数：{raw!r}")
        if raw > 10**12:
            raise _fail(path, where, f"数值超出范围：{raw!r}")
        return raw
    if unit == "ratio":
        if not isinstance(raw, dict) or not raw:
            raise _fail(path, where, "比例应写成 {参与方: 份数} 的映射")
        for party, weight in raw.items():
            if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
                raise _fail(path, f"{where}.{party}", f"份数应为非负整数，实际为 {weight!r}")
        return dict(raw)
    if unit == "list":
        if (
            not isinstance(raw, list)
            or not raw
            or not all(isinstance(item, str) and item.strip() for item in raw)
        ):
            raise _fail(path, where, f"应为非空的文本清单，实际为 {raw!r}")
        return [item.strip() for item in raw]
    if unit == "bool":
        if not isinstance(raw, bool):
            raise _fail(path, where, f"应为 true/false，实际为 {raw!r}")
        return raw
    if not isinstance(raw, str):
        raise _fail(path, where, f"应为文本，实际为 {raw!r}")
    return raw


def check_format(path: Path, where: str, fmt: str, value: Any) -> Any:
    """A text value against its parameter's `format` (TEXT_FORMATS); no format: any text."""
    if fmt:
        check, rule = TEXT_FORMATS[fmt]
        if not check(value):
            raise _fail(path, where, f"{rule}，实际为 {value!r}")
    return value


def _load_file(
    path: Path, registry: ParameterRegistry, reading_refs: list[tuple[Path, str, str]], effect_refs: list
) -> None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path.name}: YAML 语法错误：{exc}") from exc
    if data is None:
        return
    data = _check_keys(path, "(文件)", data, FILE_KEYS)
    for reading_id, raw in (data.get("readings") or {}).items():
        where = f"readings.{reading_id}"
        item = _check_keys(path, where, raw, READING_KEYS, required=["text"])
        if reading_id in registry.readings:
            raise _fail(path, where, "解读编号重复定义")
        effects = item.get("effects") or {}
        if not isinstance(effects, dict) or not all(
            answer in ANSWERS and isinstance(changes, dict) for answer, changes in effects.items()
        ):
            raise _fail(path, f"{where}.effects", f"应为 {{{'/'.join(ANSWERS)}: {{参数名: 取值}}}} 的映射")
        if effects and not item.get("alternative"):
            raise _fail(path, f"{where}.effects", "写明效果的解读须同时写明另一种理解（alternative）")
        effect_refs.append((path, where, str(reading_id), effects))
        registry.readings[str(reading_id)] = Reading(
            id=str(reading_id),
            text=str(item["text"]).strip(),
            alternative=str(item.get("alternative") or "").strip(),
            citation=_citation(path, f"{where}.citation", item["citation"]) if item.get("citation") else None,
            question=str(item.get("question") or "").strip(),
            source_file=path.name,
        )
    for name, raw in (data.get("parameters") or {}).items():
        where = f"parameters.{name}"
        if not NAME_PATTERN.match(str(name)):
            raise _fail(path, where, "参数名应为小写点分形式，如 canteen.lunch.city_60_79")
        if name in registry.parameters:
            raise _fail(path, where, f"参数重复定义（已见于 {registry.parameters[name].source_file}）")
        item = _check_keys(path, where, raw, PARAMETER_KEYS, required=["label", "unit"])
        unit = str(item["unit"])
        if unit not in UNITS:
            raise _fail(path, f"{where}.unit", f"未知单位 {unit}（允许：{', '.join(sorted(UNITS))}）")
        administered = bool(item.get("administered", False))
        fmt = str(item.get("format") or "")
        if fmt and (fmt not in TEXT_FORMATS or unit != "text"):
            raise _fail(
                path, f"{where}.format", f"未知格式 {fmt}（文本参数允许：{', '.join(sorted(TEXT_FORMATS))}）"
            )
        raw_values = item.get("values") or []
        if not isinstance(raw_values, list):
            raise _fail(path, f"{where}.values", "应为列表")
        if not raw_values and not administered:
            raise _fail(
                path, f"{where}.values", "至少需要一个有效值（或标注 administered: true 由管理员录入）"
            )
        if administered and not raw_values and not item.get("citation"):
            raise _fail(path, f"{where}.citation", "由管理员录入的参数须写明要求该数值的条款（citation）")
        values = []
        for index, raw_value in enumerate(raw_values):
            vwhere = f"{where}.values[{index}]"
            entry = _check_keys(path, vwhere, raw_value, VALUE_KEYS, required=["from", "citation"])
            if "value" not in entry:
                raise _fail(path, vwhere, "缺少必填键 value")
            valid_from = _date(path, f"{vwhere}.from", entry["from"])
            valid_to = _date(path, f"{vwhere}.to", entry["to"]) if entry.get("to") is not None else None
            if valid_to is not None and valid_to < valid_from:
                raise _fail(path, f"{vwhere}.to", "结束日期早于开始日期")
            reading = entry.get("reading")
            if reading is not None:
                reading_refs.append((path, f"{vwhere}.reading", str(reading)))
            values.append(
                ParameterValue(
                    value=check_format(
                        path,
                        f"{vwhere}.value",
                        fmt,
                        _typed_value(path, f"{vwhere}.value", unit, entry["value"]),
                    ),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    citation=_citation(path, f"{vwhere}.citation", entry["citation"]),
                    reading=str(reading) if reading is not None else None,
                    note=str(entry.get("note") or ""),
                )
            )
        values.sort(key=lambda v: v.valid_from)
        for earlier, later in zip(values, values[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise _fail(
                    path, f"{where}.values", f"有效期重叠：{earlier.valid_from} 与 {later.valid_from}"
                )
        registry.parameters[str(name)] = Parameter(
            name=str(name),
            label=str(item["label"]),
            unit=unit,
            description=str(item.get("description") or "").strip(),
            values=tuple(values),
            source_file=path.name,
            administered=administered,
            format=fmt,
            citation=_citation(path, f"{where}.citation", item["citation"]) if item.get("citation") else None,
            unentered=str(item.get("unentered") or "").strip(),
            labels=_labels(path, where, unit, item.get("labels"), values),
        )


def _labels(path: Path, where: str, unit: str, raw: Any, values: list[ParameterValue]) -> dict[str, str]:
    """A parameter's `labels`: the Chinese name of every coded text value or ratio party the file uses."""
    if raw is None:
        return {}
    if unit not in ("text", "ratio"):
        raise _fail(path, f"{where}.labels", "只有文本（text）和比例（ratio）参数可以写 labels")
    if (
        not isinstance(raw, dict)
        or not raw
        or not all(
            isinstance(code, str) and isinstance(name, str) and name.strip() for code, name in raw.items()
        )
    ):
        raise _fail(path, f"{where}.labels", "应写成 {代码: 中文名称} 的映射")
    labels = {code: name.strip() for code, name in raw.items()}
    for index, value in enumerate(values):
        codes = list(value.value) if unit == "ratio" else [value.value]
        missing = [code for code in codes if code not in labels]
        if missing:
            raise _fail(path, f"{where}.values[{index}]", f"{'、'.join(missing)} 没有中文名称（labels）")
    return labels


def load_parameter_dir(directory: Path) -> ParameterRegistry:
    """Load every *.yaml in `directory`; the first schema violation raises ParameterError."""
    registry = ParameterRegistry()
    reading_refs: list[tuple[Path, str, str]] = []
    effect_refs: list = []
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise ParameterError(f"{directory}: 没有找到任何参数文件（*.yaml）")
    for path in files:
        _load_file(path, registry, reading_refs, effect_refs)
    for path, where, reading_id in reading_refs:
        if reading_id not in registry.readings:
            raise _fail(path, where, f"引用了未定义的解读 {reading_id}")
    effects_on: dict[str, list[str]] = {}
    for path, where, reading_id, effects in effect_refs:
        typed: dict[str, dict] = {}
        for answer, changes in effects.items():
            typed[answer] = {}
            for name, raw in changes.items():
                if name not in registry.parameters:
                    raise _fail(path, f"{where}.effects.{answer}", f"引用了未定义的参数 {name}")
                unit = registry.parameters[name].unit
                typed[answer][name] = _typed_value(path, f"{where}.effects.{answer}.{name}", unit, raw)
                labels = registry.parameters[name].labels
                if labels and unit == "text" and typed[answer][name] not in labels:
                    raise _fail(
                        path,
                        f"{where}.effects.{answer}.{name}",
                        f"{raw} 没有中文名称（参数 {name} 的 labels）",
                    )
                if reading_id not in effects_on.setdefault(name, []):
                    effects_on[name].append(reading_id)
        registry.readings[reading_id] = dataclasses.replace(
            registry.readings[reading_id],
            effects=MappingProxyType({a: MappingProxyType(v) for a, v in typed.items()}),
        )
    registry.effects_on = {name: tuple(ids) for name, ids in effects_on.items()}
    return registry


_OVERRIDES: contextvars.ContextVar[MappingProxyType] = contextvars.ContextVar(
    "parameter_overrides", default=MappingProxyType({})
)


@contextlib.contextmanager
def parameters_override(values: dict[str, object]) -> Iterator[None]:
    """Switch parameter values (e.g. a reading's alternative) for the code run inside the block."""
    token = _OVERRIDES.set(MappingProxyType({**_OVERRIDES.get(), **values}))
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


@cache
def _registry_for(directory: str) -> ParameterRegistry:
    return load_parameter_dir(Path(directory))


def parameters() -> ParameterRegistry:
    """The registry for the configured parameter directory, loaded once per process."""
    from django.conf import settings

    return _registry_for(str(settings.POLICY_PARAMETER_DIR))
