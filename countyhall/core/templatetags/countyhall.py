from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html

from countyhall.core.money import format_money
from countyhall.core.policy import Citation

register = template.Library()


def citation_url(citation: Citation | dict) -> str:
    data = citation.as_dict() if isinstance(citation, Citation) else citation
    query = urlencode({"doc": data["document"], "clause": data["clause"], "line": data["line"]})
    return f"{reverse('gazette:cite')}?{query}"


_CITATION_TEXT: dict[tuple, dict] = {}


def citation_details(data: dict) -> dict | None:
    """Title and clause words of a citation, asked of the gazette once per process (the gazette text is fixed
    once ingested; a citation the gazette does not know is asked again next time, not cached as unknown)."""
    from countyhall.core.programs import citation_text

    key = (data["document"], data["clause"], data["line"])
    if key not in _CITATION_TEXT:
        found = citation_text(*key)
        if found is None:
            return None
        _CITATION_TEXT[key] = found
    return _CITATION_TEXT[key]


def short_title(title: str) -> str:
    """ "高青县人民政府办公室关于加快推进…的实施意见" → "关于加快推进…的实施意见": the issuer is in the 文号."""
    index = title.find("关于")
    return title[index:] if index > 0 else title


@register.simple_tag
def citation_link(citation) -> str:
    """The 依据 of a figure as a reader names it: 《document title》（文号）clause, the clause's own words on hover
    (title) and on click (the link opens the clause in the gazette). The seed line stays out of sight: it is in
    the link's address only, and in 技术信息 parts where a page shows it."""
    data = citation.as_dict() if isinstance(citation, Citation) else citation
    details = citation_details(data)
    if details is None:
        return format_html(
            '<a class="citation" href="{}" title="{}">{} {}</a>',
            citation_url(data),
            f"{data['document']} {data['clause']}（点击查看公报原文）",
            data["document"],
            data["clause"],
        )
    words = details["words"]
    if len(words) > 300:
        words = words[:300] + "……"
    hover = (
        f"{data['document']}《{short_title(details['title'])}》{data['clause']}：{words}"
        if words
        else f"{data['document']}《{short_title(details['title'])}》{data['clause']}"
    )
    # The way official writing cites: 《title》（文号）clause.
    return format_html(
        '<a class="citation" href="{}" title="{}">《{}》（{}）{}</a>',
        citation_url(data),
        hover,
        short_title(details["title"]),
        data["document"],
        data["clause"],
    )


@register.simple_tag
def citation_source(citation) -> str:
    """For a 技术信息 part: the 文号, clause and the seed line of a citation."""
    data = citation.as_dict() if isinstance(citation, Citation) else citation
    return f"{data['document']} {data['clause']}，公报第 {data['line']} 行"


class TechInfoNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        return format_html(
            '<details class="tech-info"><summary>技术信息</summary>{}</details>',
            self.nodelist.render(context),
        )


@register.tag("tech_info")
def tech_info(parser, token):
    """{% tech_info %}…{% end_tech_info %}: reading ids, seed lines, parameter keys and rule names go here, folded
    away under “技术信息” (tests/web/test_no_developer_artefacts.py checks nothing of the kind shows elsewhere)."""
    nodelist = parser.parse(("end_tech_info",))
    parser.delete_first_token()
    return TechInfoNode(nodelist)


@register.filter
def yuan(value) -> str:
    if value in (None, ""):
        return ""
    return format_money(Decimal(value))


@register.filter
def cooloff_minutes(value) -> int:
    """A timedelta as whole minutes (rounded up), for the login lockout page."""
    seconds = int(value.total_seconds()) if hasattr(value, "total_seconds") else int(value or 0)
    return -(-seconds // 60)


@register.filter
def pretty_json(value) -> str:
    """An audit row's before/after as indented JSON with Chinese kept readable (not a Python dict repr)."""
    import json

    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


@register.filter
def param_value(value):
    """A parameter's value as a civil servant reads it: 是/否 for a yes/no rule, not True/False."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    return value


@register.filter
def param_shown(value, parameter) -> str:
    """A parameter's value with its unit, as core.policy.Parameter.display writes it (the coded answers' Chinese
    names, 11月15日, a ratio's parties by name)."""
    return parameter.display(value)


@register.filter
def local_time(value, fmt: str = "") -> str:
    """A datetime in the county's time (Asia/Shanghai) whatever the active time zone: the same text a notice's
    body carries (core.clock.format_local), so the list and the message never disagree."""
    from countyhall.core.clock import format_local

    return format_local(value, fmt) if value else ""


@register.filter
def page_url(table, number) -> str:
    """A core.tables.Table page link that keeps the filters and the sort."""
    return table.page_url(int(number))


@register.simple_tag
def sort_header(table, key: str, label: str) -> str:
    """A sortable column header of a core.tables.Table: a link that sorts by the column or reverses it, with
    aria-sort for screen readers."""
    state = table.sort_state(key)
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    return format_html(
        '<th scope="col"{}><a href="{}">{}{}</a></th>',
        format_html(' aria-sort="{}"', state) if state else "",
        table.sort_url(key),
        label,
        arrow,
    )


@register.filter
def reading_text(readings, reading_id) -> str:
    """A reading in plain words (its text), looked up by id: the id itself belongs in 技术信息."""
    reading = readings.get(reading_id) if hasattr(readings, "get") else None
    return reading.text if reading else ""


_READING_REFERENCE = re.compile(
    r"[（(]\s*[A-E]\d{1,2}(?:\s*[、,，/–-]\s*[A-E]?\d{1,2})*\s*(?:reading|解读)?[）)]"
)
# A reference inside other words: "A10：高标准…", "（B12，改造户…）", "3号 C3", "解读E1".
_BARE_READING = re.compile(
    r"(?:解读\s*)?(?<![A-Za-z0-9])[A-E]\d{1,2}(?:\s*[、,，]\s*[A-E]\d{1,2})*(?![A-Za-z0-9])"
    r"\s*(?:[：:，,；;]\s*)?"
)
_LINE_REFERENCE = re.compile(r"[（(]?\s*(?:L\d{2,5}(?:\s*[–-]\s*\d{2,5})?|第\s*\d+\s*行)\s*[）)]?")


@register.filter
def plain_policy_text(text: str) -> str:
    """A parameter's description without the developer's cross-references ("（A1）", "L1380–1382"): those are
    POLICIES.md's reading ids and seed lines, shown in 技术信息 only."""
    text = _READING_REFERENCE.sub("", str(text or ""))
    text = _BARE_READING.sub("", text).replace("（）", "").replace("()", "")
    return _LINE_REFERENCE.sub("", text).strip()


@register.simple_tag(takes_context=True)
def render_section(context, section: dict) -> str:
    """A program's section (Program.public_sections / home_sections): its template rendered with its own context
    dict as top-level names, beside the page's (a plain {% include … with context=… %} cannot splat a dict)."""
    from django.template.loader import get_template

    with context.push(section=section, **(section.get("context") or {})):
        return get_template(section["template"]).template.render(context)


@register.filter
def policy_change_title(change) -> str:
    """A governed-policy change in words: "解读“…”改为另一种理解", "“…”取值改为 X 元"."""
    from countyhall.core.services.policy import change_title

    return change_title(change)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
