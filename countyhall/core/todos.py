"""What waits for the signed-in user: every program's to-dos (Program.todos) plus core's own for administrators.

Computed once per request (the home page lists them, the menu shows their counts as badges, and both read the
same list), most urgent first (Todo.sort_key).

The menu badges are on every page, and computing them asks every program for its to-dos (tens of COUNT queries
over the county's lunches, households and cases for some roles; docs/benchmarks.md). So the badges' counts are
kept in Django's cache (production configures none: the per-process local-memory cache) for
TODO_CACHE_SECONDS (setting COUNTYHALL_TODO_CACHE_SECONDS, default 30 s), per user and per browser session:

- the home page always computes the to-dos afresh (it is where the user reads them) and stores the counts;
- any write by the user (a POST, PUT, PATCH or DELETE of a signed-in session, TodoFreshnessMiddleware) gives the
  session a new stamp, and the stamp is part of the cache key: the next page counts afresh, in whichever server
  process answers it (the stamp travels in the session, not in one process's memory). A to-do the user just
  did does not stay on their badge;
- someone else's write (a settlement submitted to 民政, a colleague's approval) shows on the badge within the
  TTL at the latest, or at once on the home page;
- the key also holds the user's roles, scope and the business date, so a changed role or day counts afresh.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.models import OutboxMessage
from countyhall.core.programs import Todo, registered_programs
from countyhall.core.roles import Role
from countyhall.core.selectors.calendar import calendar_next_year_missing

_CACHE_ATTRIBUTE = "_countyhall_todos"
# The session's stamp of the user's last write: renewed by every write, so a cached count never outlives it.
STAMP_SESSION_KEY = "countyhall_todos_stamp"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def todo_cache_seconds() -> int:
    return int(getattr(settings, "COUNTYHALL_TODO_CACHE_SECONDS", 30))


def todos_for_request(request) -> list[Todo]:
    """The user's to-dos, computed afresh once per request (the home page); their menu counts are cached."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = todos_for_user(request.user)
        setattr(request, _CACHE_ATTRIBUTE, cached)
        key = _counts_cache_key(request)
        if key:
            cache.set(key, dict(menu_counts(cached)), todo_cache_seconds())
    return cached


def menu_counts_for_request(request) -> Counter:
    """The badges of the menu: from this request's to-dos when it computed them, else from the cache (see the
    module's docstring for how long and when a count is renewed), else computed and cached."""
    computed = getattr(request, _CACHE_ATTRIBUTE, None)
    if computed is not None:
        return menu_counts(computed)
    key = _counts_cache_key(request)
    if key:
        counts = cache.get(key)
        if counts is not None:
            return Counter(counts)
    return menu_counts(todos_for_request(request))


def _counts_cache_key(request) -> str:
    """ "" (do not cache) without a signed-in user and a session to hold the stamp."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if not getattr(user, "is_authenticated", False) or session is None or todo_cache_seconds() <= 0:
        return ""
    stamp = session.get(STAMP_SESSION_KEY)
    if not stamp:
        stamp = session[STAMP_SESSION_KEY] = secrets.token_hex(8)
    roles = ",".join(sorted(user.role_codes))
    # The scope as the user row holds it (division, else the organisation's): no query.
    scope = f"{user.division_id}/{user.organisation_id}"
    return f"countyhall:todo-counts:{user.pk}:{stamp}:{roles}:{scope}:{business_date().isoformat()}"


def todos_written(request) -> None:
    """The user wrote something: the next page counts their to-dos afresh (a new stamp in their session).

    Only an existing session of a signed-in user gets one; a token-authenticated API call (a canteen terminal)
    has no session to renew and must not start one on every check-in."""
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return
    if not getattr(getattr(request, "user", None), "is_authenticated", False):
        return
    session[STAMP_SESSION_KEY] = secrets.token_hex(8)


class TodoFreshnessMiddleware:
    """After any write request of a signed-in session, renew the session's to-do stamp (todos_written). Placed
    after SessionMiddleware and AuthenticationMiddleware, so the session is saved with the new stamp."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            todos_written(request)
        return response


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
