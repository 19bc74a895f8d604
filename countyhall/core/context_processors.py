from __future__ import annotations

from django.urls import reverse

from countyhall.core.programs import registered_programs
from countyhall.core.roles import Capability


def navigation_for(user) -> list[dict]:
    """The menu a user sees: the registered programs' entries, then the core pages by capability."""
    items = [{"label": "首页", "url": reverse("home")}]
    program_items = [
        {"label": entry.label, "url": reverse(entry.url_name)}
        for program in registered_programs()
        for entry in program.menu
        if entry.shown_to(user)
    ]
    # The gazette and the policy pages lead: they are what every other page cites.
    items += program_items[:1] + [
        {"label": "政策参数", "url": reverse("core:parameters")},
        {"label": "政策计算", "url": reverse("core:calc")},
    ] + program_items[1:]
    if not getattr(user, "is_authenticated", False):
        return items
    if user.can(Capability.PERSON_VIEW):
        items.append({"label": "人员信息", "url": reverse("core:people")})
    items.append({"label": "工作日历", "url": reverse("core:calendar")})
    # Every signed-in user may have started an import or export that runs in the background (core.jobs).
    items.append({"label": "后台任务", "url": reverse("core:jobs")})
    if user.can(Capability.AUDIT_VIEW):
        items.append({"label": "审计日志", "url": reverse("core:audit")})
    if user.can(Capability.AUDIT_VIEW) or user.is_staff:
        items.append({"label": "权限表", "url": reverse("core:access")})
    if user.is_staff:
        items.append({"label": "系统管理", "url": reverse("admin:index")})
    items.append({"label": "接口文档", "url": reverse("api-docs")})
    return items


def navigation(request):
    from countyhall.core.clock import business_date, business_date_is_simulated

    return {"navigation": navigation_for(request.user), "business_date": business_date(),
            "business_date_simulated": business_date_is_simulated()}
