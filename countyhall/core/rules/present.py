"""A rule's JSON result as a citizen reads it: Chinese labels, 是/否, amounts in 元 — codes left to 技术信息.

A rule may pass `output_labels` ({dotted key: Chinese label}) to `@rule`; the common figures below are the
fallback. A figure with no label, or a value that is a code ("age_80_plus"), is shown only in the technical
part, never as English in the table.
"""

from __future__ import annotations

import re
from typing import Any

# Common result keys across rules (amounts are yuan strings "3.00" in the JSON result).
COMMON_LABELS = {
    "eligible": "是否符合条件",
    "reason": "说明",
    "age": "年龄（周岁）",
    "free": "是否免费就餐",
    "amount": "补贴金额（元）",
    "uncapped": "按标准计算的金额（元）",
    "excess": "超出上限、不予补贴的部分（元）",
    "subsidy.total": "每餐补贴合计（元）",
    "subsidy.city": "其中：市财政补贴（元）",
    "subsidy.county": "其中：县财政补贴（元）",
    "elder_pays": "老人自付（元）",
    "operator_discount": "运营方优惠（元）",
    "care_fund": "照护服务组织承担（元）",
    "unfunded": "政策未明确付款方的部分（元）",
    "city": "市财政承担（元）",
    "county": "县财政承担（元）",
    "shares.upper": "上级资金承担（元）",
    "shares.above_city": "市级及以上资金承担（元）",
    "shares.city": "市财政承担（元）",
    "shares.county": "县财政承担（元）",
    "shares.town": "镇（街道）承担（元）",
    "shares.jinjie": "燃气公司承担（元）",
    "households": "户数",
    "working_days": "工作日",
    "required_m2": "应配建面积（平方米）",
    "label": "名称",
    "level": "响应等级",
    "led_by": "组织指挥",
}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        if key in ("citations", "readings"):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{path}.")
        else:
            yield path, value


def _shown(value: Any) -> str | None:
    """The value in plain words, or None when it is a code or a structure the table cannot show."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return None
    if isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            return "、".join(value)
        return None
    if isinstance(value, str):
        if _DATE.match(value):
            year, month, day = value.split("-")
            return f"{int(year)}年{int(month)}月{int(day)}日"
        if _CODE.match(value):
            return None
    return str(value)


def result_rows(result: dict, labels: dict | None = None) -> list[dict]:
    """[{label, value}] for the result table, in the rule's order."""
    labels = {**COMMON_LABELS, **(labels or {})}
    rows = []
    for path, value in _flatten(result):
        label = labels.get(path)
        shown = _shown(value)
        if label and shown is not None:
            rows.append({"label": label, "value": shown, "key": path})
    return rows
