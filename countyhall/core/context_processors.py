from __future__ import annotations

from django.urls import reverse

from countyhall.core.programs import registered_programs
from countyhall.core.roles import Capability


def _item(label: str, url_name: str) -> dict:
    return {"label": label, "url": reverse(url_name), "url_name": url_name, "badge": 0}


def navigation_for(user) -> list[dict]:
    """The menu a user sees: the registered programs' entries, then the core pages by capability."""
    items = [_item("首页", "home")]
    program_items = [
        _item(entry.label, entry.url_name)
        for program in registered_programs()
        for entry in program.menu
        if entry.shown_to(user)
    ]
    # The gazette and the policy pages lead: they are what every other page cites.
    items += (
        program_items[:1]
        + [
            _item("我能享受哪些补贴", "core:subsidies"),
            _item("政策参数", "core:parameters"),
            _item("政策计算", "core:calc"),
        ]
        + program_items[1:]
    )
    if not getattr(user, "is_authenticated", False):
        return items
    if user.can(Capability.PERSON_VIEW):
        items.append(_item("人员信息", "core:people"))
    items.append(_item("工作日历", "core:calendar"))
    # Every signed-in user may have started an import or export that runs in the background (core.jobs).
    items.append(_item("后台任务", "core:jobs"))
    if user.can(Capability.POLICY_GOVERN):
        items.append(_item("政策解读与录入数值", "core:readings"))
    if user.can(Capability.AUDIT_VIEW):
        items.append(_item("审计日志", "core:audit"))
    if user.can(Capability.AUDIT_VIEW) or user.is_staff:
        items.append(_item("权限表", "core:access"))
    if user.is_staff:
        items.append(_item("通知发件箱", "core:outbox"))
        items.append(_item("系统管理", "admin:index"))
        # The API documentation is for the administrators who connect other systems, not for daily work.
        items.append(_item("接口文档", "api-docs"))
    return items


def navigation(request):
    from countyhall.core.clock import business_date, business_date_is_simulated
    from countyhall.core.selectors.notices import notice_unread_count
    from countyhall.core.todos import menu_counts_for_request

    items = navigation_for(request.user)
    signed_in = getattr(request.user, "is_authenticated", False)
    if signed_in:
        # The count beside each menu entry a to-do names: shared with the home page's computation, otherwise
        # cached per user and session for a short time (core.todos).
        counts = menu_counts_for_request(request)
        for item in items:
            item["badge"] = counts.get(item["url_name"], 0)
    return {
        "navigation": items,
        "business_date": business_date(),
        "business_date_simulated": business_date_is_simulated(),
        "unread_notices": notice_unread_count(request.user) if signed_in else 0,
    }
