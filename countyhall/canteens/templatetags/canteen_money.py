"""The price list in force, as shown on the facility page and the public page."""

from __future__ import annotations

from django import template

from countyhall.canteens.services.prices import price_list_in_force
from countyhall.core.clock import business_date

register = template.Library()


@register.inclusion_tag("canteens/_price_list.html")
def price_list(facility, link: bool = False):
    today = business_date()
    return {"facility": facility, "entries": price_list_in_force(facility, today), "today": today, "link": link}


@register.filter
def add_money(value, other):
    """Two Decimal amounts added (the built-in `add` would go through int or string concatenation)."""
    from decimal import Decimal

    return Decimal(str(value or 0)) + Decimal(str(other or 0))
