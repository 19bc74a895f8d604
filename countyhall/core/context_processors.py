from __future__ import annotations

from django.urls import reverse

from countyhall.core.roles import Capability, Role

CANTEEN_ROLES = {Role.CIVIL_AFFAIRS, Role.FINANCE, Role.MARKET_REGULATION, Role.AUDITOR, Role.SYSTEM_ADMIN,
                 Role.TOWN_OFFICER, Role.CANTEEN_OPERATOR}
HEATING_ROLES = {Role.HOUSING, Role.FINANCE, Role.TOWN_OFFICER, Role.AUDITOR, Role.SYSTEM_ADMIN}
# Who sees every project is decided in permits.selectors; these roles may open the system at all.
PERMIT_ROLES = {Role.APPROVAL, Role.HOUSING, Role.NATURAL_RESOURCES, Role.DEVELOPMENT, Role.AUDITOR, Role.SYSTEM_ADMIN,
                Role.PERMIT_REVIEWER, Role.APPLICANT_FIRM, Role.CIVIL_AFFAIRS}
EMERGENCY_ROLES = {Role.EMERGENCY, Role.DEVELOPMENT, Role.POWER_ENTERPRISE, Role.TOWN_OFFICER, Role.AUDITOR,
                   Role.SYSTEM_ADMIN}


def navigation_for(user) -> list[dict]:
    """The menu a user sees: everyone the gazette, policies and calculators; the rest by capability."""
    items = [
        {"label": "首页", "url": reverse("home")},
        {"label": "政府公报", "url": reverse("gazette:list")},
        {"label": "政策参数", "url": reverse("core:parameters")},
        {"label": "政策计算", "url": reverse("core:calc")},
    ]
    if not getattr(user, "is_authenticated", False):
        return [*items, {"label": "长者食堂公开信息", "url": reverse("canteens:public")}]
    if user.role_codes & CANTEEN_ROLES:
        items.append({"label": "长者食堂", "url": reverse("canteens:dashboard")})
    if user.role_codes & HEATING_ROLES:
        items.append({"label": "清洁取暖", "url": reverse("heating:dashboard")})
    if user.role_codes & PERMIT_ROLES:
        items.append({"label": "工程建设审批", "url": reverse("permits:projects")})
    if user.role_codes & EMERGENCY_ROLES:
        items.append({"label": "发电企业事故应急", "url": reverse("emergency:incidents")})
    if user.can(Capability.PERSON_VIEW):
        items.append({"label": "人员信息", "url": reverse("core:people")})
    items.append({"label": "工作日历", "url": reverse("core:calendar")})
    if user.can(Capability.AUDIT_VIEW):
        items.append({"label": "审计日志", "url": reverse("core:audit")})
    if user.is_staff:
        items.append({"label": "系统管理", "url": reverse("admin:index")})
    items.append({"label": "接口文档", "url": reverse("api-docs")})
    return items


def navigation(request):
    from countyhall.core.clock import business_date, business_date_is_simulated

    return {"navigation": navigation_for(request.user), "business_date": business_date(),
            "business_date_simulated": business_date_is_simulated()}
