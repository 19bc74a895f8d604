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
