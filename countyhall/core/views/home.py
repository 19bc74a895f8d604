from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from countyhall.core.clock import business_date
from countyhall.core.programs import registered_programs
from countyhall.core.roles import Capability, Role
from countyhall.core.selectors.calendar import calendar_next_year_missing

# What each core role is for; the programs add what they offer each role (Program.home_text).
ROLE_HOME_TEXT = {
    Role.SYSTEM_ADMIN: "维护行政区划、机构、用户与工作日历，导入政府公报。",
    Role.AUDITOR: "查阅所有写操作和人员信息查阅记录。",
}


@login_required
def home(request):
    user = request.user
    programs = list(registered_programs())
    cards = []
    for code in sorted(user.role_codes):
        lines = [ROLE_HOME_TEXT[code]] if code in ROLE_HOME_TEXT else []
        lines += [f"{p.title}：{p.home_text[code]}" for p in programs if code in p.home_text]
        cards.append({"role": Role(code).label, "lines": lines or ["（本角色暂无可用功能）"]})
    todos = [todo for program in programs for todo in program.todos_for(user)]
    sections = [section for program in programs for section in program.sections_for(request)]
    # Statutory clocks refuse a year the calendar lacks; the administrator who enters it is warned in time.
    missing_year = (calendar_next_year_missing(on=business_date()) if Role.SYSTEM_ADMIN in user.role_codes
                    else None)
    return render(
        request,
        "core/home.html",
        {
            "cards": cards,
            "missing_year": missing_year,
            "todos": todos,
            "sections": sections,
            "scope": user.scope_division,
            "can_people": user.can(Capability.PERSON_VIEW),
            "can_audit": user.can(Capability.AUDIT_VIEW),
        },
    )
