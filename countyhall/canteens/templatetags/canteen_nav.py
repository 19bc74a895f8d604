"""The canteens sub-menu: only the pages the user may open (the same predicates the views ask)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from countyhall.canteens import access
from countyhall.core.roles import Capability

register = template.Library()


@register.inclusion_tag("canteens/_nav_links.html", takes_context=True)
def canteen_nav(context):
    user = context["request"].user
    links = [("概览", "canteens:dashboard"), ("助餐机构", "canteens:facilities")]
    if user.can(Capability.PERSON_VIEW):
        links.append(("助餐老人", "canteens:elders"))
    links += [
        ("午餐登记", "canteens:lunches"),
        ("补录申请", "canteens:late-entries"),
        ("结算", "canteens:settlements"),
        ("评估与运营补贴", "canteens:subsidies"),
    ]
    if access.can_see_fraud_report(user):
        links.append(("核查", "canteens:fraud"))
    links.append(("公开信息", "canteens:public"))
    return {"links": [(label, reverse(name)) for label, name in links]}
