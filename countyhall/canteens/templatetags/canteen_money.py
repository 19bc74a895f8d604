"""The price list in force, as shown on the facility page and the public page."""

from __future__ import annotations

from django import template

from countyhall.canteens.services.prices import price_list_in_force
from countyhall.core.clock import business_date

register = template.Library()


@register.inclusion_tag("canteens/_price_list.html")
def price_list(facility, link: bool = False, entries=None):
    """The price list in force today; `entries`: the facility's price entries when the view read them already."""
    today = business_date()
    return {
        "facility": facility,
        "entries": price_list_in_force(facility, today, entries=entries),
        "today": today,
        "link": link,
    }


@register.filter
def add_money(value, other):
    """Two Decimal amounts added (the built-in `add` would go through int or string concatenation)."""
    from decimal import Decimal

    return Decimal(str(value or 0)) + Decimal(str(other or 0))


@register.simple_tag
def canteen_param(name: str, money_as_wan: bool = False):
    """A figure of canteen.yaml in force on the business date, for the explanatory sentences of the pages (no
    figure written into a template): "" outside the opinion's validity. The sentence that shows the figure names
    its clause (tests/canteens/test_policy_fidelity_rest.py checks each use against the parameter's citation)."""
    from countyhall.core.policy import NoPolicyInForce
    from countyhall.core.rules.trace import ParameterTrace

    try:
        value = ParameterTrace(business_date()).get(name)
    except NoPolicyInForce:
        return ""
    if isinstance(value, dict):  # a ratio: city 5 : county 95 → "5%、95%" read by the caller per party
        return value
    if money_as_wan:
        return f"{(value / 10000).normalize():f}万"
    if hasattr(value, "quantize") and value == value.to_integral_value():
        return f"{value:.0f}"
    return value
