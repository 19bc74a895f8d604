from __future__ import annotations

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


@register.simple_tag
def citation_link(citation) -> str:
    """Every citation in the platform links to its clause in the gazette."""
    data = citation.as_dict() if isinstance(citation, Citation) else citation
    return format_html(
        '<a class="citation" href="{}" title="公报第 {} 行">{} {}</a>',
        citation_url(data), data["line"], data["document"], data["clause"],
    )


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
def local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
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
    return format_html('<th scope="col"{}><a href="{}">{}{}</a></th>',
                       format_html(' aria-sort="{}"', state) if state else "", table.sort_url(key), label, arrow)
