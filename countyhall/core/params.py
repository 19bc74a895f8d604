"""Query parameters of every list page, validated: a bad one is a 400 page naming the field, never a 500.

Every program's list pages read their filters through these (and `core.tables.Table` reads sort and page),
so a division outside the user's scope, a date that is not a date or a page that is not a number is refused
the same way everywhere."""

from __future__ import annotations

import datetime as dt
import functools

from countyhall.core.models import Division
from countyhall.core.web import bad_request, is_ascii_int


class BadParameter(Exception):
    def __init__(self, name: str, label: str, message: str):
        super().__init__(f"{label}：{message}")
        self.name, self.label, self.message = name, label, message


def int_param(
    request, name: str, label: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """The integer in ?name=, None when absent or empty; BadParameter for text or a number out of range."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not is_ascii_int(raw):
        raise BadParameter(name, label, f"应为整数（收到“{raw[:20]}”）。")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadParameter(name, label, f"应在 {minimum} 到 {maximum} 之间（收到 {value}）。")
    return value


def year_param(request, name: str = "year", label: str = "年度") -> int | None:
    return int_param(request, name, label, minimum=2000, maximum=2100)


def page_param(request) -> int:
    return int_param(request, "page", "页码", minimum=1, maximum=10**6) or 1


def date_param(request, name: str, label: str) -> dt.date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, label, f"日期格式应为 YYYY-MM-DD（收到“{raw[:20]}”）。") from None


def choice_param(request, name: str, label: str, choices) -> str:
    raw = request.GET.get(name, "").strip()
    if raw and raw not in {value for value, _ in choices}:
        raise BadParameter(name, label, f"未知的取值“{raw[:20]}”。")
    return raw


def division_param(request, name: str = "division", label: str = "区划") -> Division | None:
    pk = int_param(request, name, label, minimum=1)
    if pk is None:
        return None
    division = Division.objects.filter(pk=pk).first()
    if division is None:
        raise BadParameter(name, label, f"区划 {pk} 不存在。")
    # As on /people/ and the heating ledger: a filter outside the user's scope is refused, not shown empty.
    scope = getattr(request.user, "scope_division", None)
    if scope is not None and not scope.contains(division):
        raise BadParameter(name, label, f"{division.name}不在您的数据范围内。")
    return division


def answers_bad_parameters(view=None, *, nav: str = ""):
    """A page whose query string does not parse answers 400 with the field named, in the page shell.

    `@answers_bad_parameters` or `@answers_bad_parameters(nav="heating/_nav.html")` (the program's sub-menu)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except BadParameter as exc:
                return bad_request(request, field=exc.label, message=exc.message, nav=nav)

        return wrapper

    return decorate(view) if view is not None else decorate
