"""Who may do what in the e-government program (1号 二、): 县大数据局 is the competent department (县电子政务主管部门)
that runs the yearly cycle; 县财政局 reviews and plans with it; auditors read. Services `require(...)` these
predicates. No pages yet, so no permission table (PERMISSIONS) is registered."""

from __future__ import annotations

from countyhall.core.roles import Role

# 县大数据局 opens the plan year (it receives the applications, 三、（一）, and compiles the plan with finance, 三、（二）3).
CYCLE_KEEPERS = frozenset({Role.BIG_DATA})


def _roles(user) -> frozenset[str]:
    return getattr(user, "role_codes", frozenset())


def _system(user) -> bool:
    return bool(getattr(user, "is_system", False))


def can_open_plan_year(user) -> bool:
    """The competent department, or a system actor (the demo loader, a command an administrator runs)."""
    return _system(user) or bool(_roles(user) & CYCLE_KEEPERS)
