"""Who may do what in the 助餐服务系统: role sets, pure predicates and the permission table."""

from __future__ import annotations

from countyhall.core.roles import Role

# Who may open the program at all (menu and pages); what each may do is decided by the predicates below.
USERS = frozenset({Role.CIVIL_AFFAIRS, Role.FINANCE, Role.MARKET_REGULATION, Role.AUDITOR, Role.SYSTEM_ADMIN,
                   Role.TOWN_OFFICER, Role.CANTEEN_OPERATOR})

PERMISSIONS: list = []


# ---- canteens-money: price lists, terminal devices, back-dating window, late entries -------------------------
# (appended block; the integrator merges it with the lunch predicates above)

from countyhall.core.access import SCOPE_COUNTY, SCOPE_FACILITY, SCOPE_TOWN, Permission  # noqa: E402


def _runs(user, facility) -> bool:
    return Role.CANTEEN_OPERATOR in user.role_codes and bool(user.organisation_id) \
        and user.organisation_id == facility.operator_id


def _town_of(user, facility) -> bool:
    scope = user.scope_division
    return Role.TOWN_OFFICER in user.role_codes and scope is not None and scope.contains(facility.division)


def is_terminal(actor) -> bool:
    return getattr(actor, "terminal_id", None) is not None


def can_set_prices(user, facility) -> bool:
    """The operator prices its own meals; the town (its area) and 民政 (the county) may enter them for it."""
    if user.is_system or is_terminal(user):
        return False
    return _runs(user, facility) or _town_of(user, facility) or Role.CIVIL_AFFAIRS in user.role_codes


def can_manage_terminals(user, facility) -> bool:
    """Issue, rotate and revoke a facility's terminal devices: its operator, and 民政 for any facility."""
    if user.is_system or is_terminal(user):
        return False
    return _runs(user, facility) or Role.CIVIL_AFFAIRS in user.role_codes


def can_terminal_check_in(actor, facility) -> bool:
    """A terminal device records lunches at its own facility and nowhere else."""
    return is_terminal(actor) and actor.facility_id == facility.pk


def can_request_late_entry(user, facility) -> bool:
    """Whoever may record the facility's lunches at the counter may ask 民政 to book a late one."""
    if user.is_system or is_terminal(user):
        return False
    return _runs(user, facility) or _town_of(user, facility) or Role.CIVIL_AFFAIRS in user.role_codes


def can_decide_late_entry(user, entry) -> bool:
    """民政 (the county) approves or rejects late entries: it approves the settlements they reopen."""
    if user.is_system or is_terminal(user):
        return False
    return Role.CIVIL_AFFAIRS in user.role_codes


def can_set_backdate_window(user) -> bool:
    if user.is_system or is_terminal(user):
        return False
    return Role.CIVIL_AFFAIRS in user.role_codes


PERMISSIONS += [
    Permission("canteens.price_set", "录入机构价目表（午餐价、高标准餐价）",
               {Role.CANTEEN_OPERATOR: SCOPE_FACILITY, Role.TOWN_OFFICER: SCOPE_TOWN,
                Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
               note="A10：高标准或个性化餐由食堂定价、另行收费；补贴按就餐日有效的午餐价计算"),
    Permission("canteens.terminal_manage", "发放、更换、停用登记终端",
               {Role.CANTEEN_OPERATOR: SCOPE_FACILITY, Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
               note="终端令牌只能在本机构登记午餐"),
    Permission("canteens.late_entry_request", "提交午餐补录申请",
               {Role.CANTEEN_OPERATOR: SCOPE_FACILITY, Role.TOWN_OFFICER: SCOPE_TOWN,
                Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
               note="超出补录期限或所属结算期已审核的午餐"),
    Permission("canteens.late_entry_decide", "审核午餐补录申请", {Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
               note="同意后计入下一个未审核的结算期"),
    Permission("canteens.backdate_window_set", "设置补录期限（天）", {Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
               note="平台设置，文件未规定"),
]
