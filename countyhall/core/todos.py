"""What waits for the signed-in user: every program's to-dos (Program.todos) plus core's own for administrators.

Computed once per request (the home page lists them, the menu shows their counts as badges, and both read the
same list), most urgent first (Todo.sort_key).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.models import OutboxMessage
from countyhall.core.programs import Todo, registered_programs
from countyhall.core.roles import Role
from countyhall.core.selectors.calendar import calendar_next_year_missing

_CACHE_ATTRIBUTE = "_countyhall_todos"


def todos_for_request(request) -> list[Todo]:
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = todos_for_user(request.user)
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return cached


def todos_for_user(user) -> list[Todo]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = [todo for program in registered_programs() for todo in program.todos_for(user)]
    items += core_todos(user)
    return sorted(items, key=Todo.sort_key)


def menu_counts(todos: list[Todo]) -> Counter:
    """url_name of a menu entry → how many items wait behind it."""
    counts: Counter = Counter()
    for todo in todos:
        if todo.menu:
            counts[todo.menu] += todo.count
    return counts


def core_todos(user) -> list[Todo]:
    """An administrator's own: the next calendar year, messages that did not go out, accounts locked out."""
    if Role.SYSTEM_ADMIN not in user.role_codes:
        return []
    items = []
    today = business_date()
    missing = calendar_next_year_missing(on=today)
    if missing:
        # Every statutory clock stops working on 1 January of a year the calendar lacks.
        items.append(
            Todo(
                label=f"录入 {missing} 年工作日历（节假日与调休）",
                url=reverse("core:calendar-new-year"),
                urgent=True,
                deadline=dt.date(missing - 1, 12, 31),
                menu="core:calendar",
            )
        )
    undelivered = OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.NO_SENDER]
    ).count()
    if undelivered:
        items.append(
            Todo(
                label="未能发出的短信和邮件（发送失败或未配置发送通道）",
                url=reverse("core:outbox") + "?status=undelivered",
                count=undelivered,
                menu="core:outbox",
            )
        )
    from countyhall.core.selectors.policy import pending_changes_for

    waiting = list(pending_changes_for(user).order_by("valid_from")[:50])
    if waiting:
        # Four eyes: a change another administrator proposed is in force only once this one approves it.
        items.append(
            Todo(
                label="待您审核的政策解读或录入数值变更",
                url=reverse("core:policy-changes") + "?state=proposed",
                count=len(waiting),
                urgent=any(c.valid_from <= today for c in waiting),
                deadline=waiting[0].valid_from,
                menu="core:readings",
            )
        )
    locked = locked_out_count()
    if locked:
        items.append(
            Todo(
                label="因多次登录失败被锁定的账号或地址",
                url=reverse("admin:axes_accessattempt_changelist"),
                count=locked,
                urgent=True,
                menu="admin:index",
            )
        )
    return items


def locked_out_count() -> int:
    if not getattr(settings, "AXES_ENABLED", False):
        return 0
    from axes.models import AccessAttempt

    return AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).count()
