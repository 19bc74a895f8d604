"""{% if request.user|egov_portfolio %}: whether the menu of the e-government pages links the portfolio and the
ranking (egov.access decides; a template cannot call a predicate with arguments)."""

from __future__ import annotations

from django import template

from countyhall.egov import access

register = template.Library()


@register.filter
def egov_portfolio(user) -> bool:
    return access.can_view_portfolio(user)


@register.filter
def egov_ratings(user) -> bool:
    return access.can_view_ratings(user)
