from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from countyhall.core.clock import business_date
from countyhall.core.programs import registered_programs
from countyhall.core.roles import Capability, Role
from countyhall.core.selectors.calendar import calendar_next_year_missing
from countyhall.core.todos import todos_for_request

# What each core role is for; the programs add what they offer each role (Program.home_text).
ROLE_HOME_TEXT = {
    Role.SYSTEM_ADMIN: "维护行政区划、机构、用户与工作日历，导入政府公报。",
    Role.AUDITOR: "查阅所有写操作和人员信息查阅记录。",
}


def _todo_rows(todos, today: dt.date) -> list[dict]:
    rows = []
    for todo in todos:
        deadline = todo.deadline.date() if isinstance(todo.deadline, dt.datetime) else todo.deadline
        overdue = deadline is not None and deadline < today
        rows.append(
            {
                "todo": todo,
                "deadline": todo.deadline,
                "overdue": overdue,
                "urgent": todo.urgent or overdue,
                "is_datetime": isinstance(todo.deadline, dt.datetime),
            }
        )
    return rows


@login_required
def home(request):
    """My work: what waits for this user across every program, most urgent first, then what each role offers."""
    user = request.user
    programs = list(registered_programs())
    cards = []
    for code in sorted(user.role_codes):
        lines = [ROLE_HOME_TEXT[code]] if code in ROLE_HOME_TEXT else []
        lines += [{"program": p.title, "text": p.home_text[code]} for p in programs if code in p.home_text]
        cards.append({"role": Role(code).label, "lines": lines})
    today = business_date()
    todos = _todo_rows(todos_for_request(request), today)
    sections = [section for program in programs for section in program.sections_for(request)]
    # Statutory clocks refuse a year the calendar lacks; the administrator who enters it is warned in time.
    missing_year = calendar_next_year_missing(on=today) if Role.SYSTEM_ADMIN in user.role_codes else None
    return render(
        request,
        "core/home.html",
        {
            "cards": cards,
            "missing_year": missing_year,
            "todos": todos,
            "todo_total": sum(row["todo"].count for row in todos),
            "sections": sections,
            "today": today,
            "scope": user.scope_division,
            "can_people": user.can(Capability.PERSON_VIEW),
            "can_audit": user.can(Capability.AUDIT_VIEW),
        },
    )
