"""Who may do what in the 助餐服务系统: role sets, pure predicates and the permission table.

Every write service calls `require(can_x(actor, obj), "…")` with one of these predicates, and the pages and
the API compute their buttons from the same predicates, so a refusal is the same from every door. The
predicates are pure: they read the user's roles, scope division and organisation and the object's own
columns, never the database (Elder predicates read `elder.person.division`, which callers select).

System actors (the demo loader, a command-line run, a benchmark) hold no role; they are allowed only where
`SYSTEM_ALLOWED` says so, because those runs have no town and no signed-in person behind them.
"""

from __future__ import annotations

from countyhall.core.access import (
    SCOPE_COUNTY,
    SCOPE_FACILITY,
    SCOPE_SYSTEM,
    SCOPE_TOWN,
    Permission,
)
from countyhall.core.roles import Capability, Role

# Who may open the program at all (menu and pages); what each may do is decided by the predicates below.
USERS = frozenset(
    {
        Role.CIVIL_AFFAIRS,
        Role.FINANCE,
        Role.MARKET_REGULATION,
        Role.AUDITOR,
        Role.SYSTEM_ADMIN,
        Role.TOWN_OFFICER,
        Role.CANTEEN_OPERATOR,
    }
)

# County departments that read every facility (their scope is the county); the others read their town or
# the facilities their organisation runs.
COUNTY_READERS = frozenset(
    {Role.CIVIL_AFFAIRS, Role.FINANCE, Role.MARKET_REGULATION, Role.AUDITOR, Role.SYSTEM_ADMIN}
)
# The 核查 (fraud) report is for the supervising departments and the towns, not for operators.
OVERSIGHT = frozenset(
    {Role.CIVIL_AFFAIRS, Role.FINANCE, Role.MARKET_REGULATION, Role.AUDITOR, Role.TOWN_OFFICER}
)
# 高政办发〔2021〕2号 四、（一）: 民政 leads, towns run the canteens in their area, operators run their own.
FACILITY_KEEPERS = frozenset({Role.TOWN_OFFICER, Role.CIVIL_AFFAIRS, Role.CANTEEN_OPERATOR})
# Elders' records (身份证号, 特困) are kept by 民政 and the towns; operators see elders masked at the counter.
ELDER_KEEPERS = frozenset({Role.CIVIL_AFFAIRS, Role.TOWN_OFFICER})
SETTLEMENT_COMPUTERS = frozenset({Role.CIVIL_AFFAIRS, Role.FINANCE})
SUBSIDY_COMPUTERS = frozenset({Role.CIVIL_AFFAIRS, Role.FINANCE})


def can_open(user) -> bool:
    """May open the program's staff pages at all (what each may then see is scoped by the selectors).

    Only the roles of USERS: 住建, 审批, a firm or a power enterprise hold person.view or a login but no part
    in the canteens, so they must not read elders' names, 特困 status or lunches here (attack finding)."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(_roles(user) & USERS)


def _roles(user) -> frozenset[str]:
    return frozenset(getattr(user, "role_codes", frozenset()) or frozenset())


def _system(user) -> bool:
    return bool(getattr(user, "is_system", False))


def _in_scope(user, division) -> bool:
    """The division lies in the user's own town (or below the user's scope division)."""
    scope = getattr(user, "scope_division", None)
    return scope is not None and division is not None and scope.contains(division)


def _runs(user, facility) -> bool:
    """An operator's own facility: the facility's operator is the user's organisation."""
    return bool(getattr(user, "organisation_id", None)) and user.organisation_id == facility.operator_id


def _keeps_facility(user, facility) -> bool:
    roles = _roles(user)
    if Role.CIVIL_AFFAIRS in roles:
        return True
    if Role.TOWN_OFFICER in roles and _in_scope(user, facility.division):
        return True
    return Role.CANTEEN_OPERATOR in roles and _runs(user, facility)


# --- Facilities (A2, A4, A5) ----------------------------------------------------------------------


def can_register_facility(user, division, operator=None) -> bool:
    """Register a draft canteen at `division`: 民政 anywhere, a town in its town, an operator in its area and
    only a facility it runs itself (`operator` is the facility's operator organisation, when known)."""
    if _system(user):
        return True  # the demo loader and command-line registrations
    roles = _roles(user)
    if not _in_scope(user, division):
        return False
    if roles & {Role.CIVIL_AFFAIRS, Role.TOWN_OFFICER}:
        return True
    return (
        Role.CANTEEN_OPERATOR in roles
        and bool(getattr(user, "organisation_id", None))
        and (operator is None or operator.pk == user.organisation_id)
    )


def can_edit_facility(user, facility) -> bool:
    return facility.status != "revoked" and _keeps_facility(user, facility)


def can_submit_facility(user, facility) -> bool:
    """A4: the operator (or the town, or 民政 for it) applies for filing."""
    return facility.status in ("draft", "rejected") and _keeps_facility(user, facility)


def can_town_review(user, facility) -> bool:
    """A4: the town office of the facility's own town reviews first."""
    return (
        facility.status == "town_review"
        and Role.TOWN_OFFICER in _roles(user)
        and _in_scope(user, facility.division)
    )


def county_evaluation_step(user) -> str | None:
    """Which county evaluation the user gives ("civil_affairs" or "market_regulation"), or None."""
    roles = _roles(user)
    if Role.CIVIL_AFFAIRS in roles:
        return "civil_affairs"
    if Role.MARKET_REGULATION in roles:
        return "market_regulation"
    return None


def can_county_evaluate(user, facility) -> bool:
    """A4: county 民政 and 市场监管 each evaluate a facility the town has passed."""
    return facility.status == "county_evaluation" and county_evaluation_step(user) is not None


def can_manage_staff(user, facility) -> bool:
    """Register the facility's food handlers and their health certificates (A5)."""
    return facility.status != "revoked" and _keeps_facility(user, facility)


def can_publish_menu(user, facility) -> bool:
    """A5: the week's menu is published in advance by whoever runs or oversees the canteen."""
    return facility.status != "revoked" and _keeps_facility(user, facility)


def can_revoke_facility(user, facility) -> bool:
    """六、（四）: 民政 withdraws the qualification (also automatically after two failed evaluations).

    No status condition: revoking a revoked facility is a harmless repeat (the service returns it unchanged)."""
    return Role.CIVIL_AFFAIRS in _roles(user)


# --- Elders --------------------------------------------------------------------------------------


def can_register_elder(user, division) -> bool:
    """Register an elder living at `division`: 民政 anywhere in the county, a town officer in the own town."""
    if _system(user):
        return True  # the demo loader
    return bool(_roles(user) & ELDER_KEEPERS) and _in_scope(user, division)


def can_edit_elder(user, elder) -> bool:
    """特困 status, death, moving away, and updates by import: only for an elder living in the user's scope."""
    if _system(user):
        return True  # the demo loader
    return bool(_roles(user) & ELDER_KEEPERS) and _in_scope(user, elder.person.division)


def can_correct_elder(user, elder) -> bool:
    """Edit an elder's record, undo a death or a move (with a reason): the keepers of the elder's own area.
    A person only: a correction names who made it."""
    return _person(user) and can_edit_elder(user, elder)


def can_import_elders(user) -> bool:
    """Excel import: each row is then checked with can_register_elder / can_edit_elder for its person."""
    if _system(user):
        return True
    return bool(_roles(user) & ELDER_KEEPERS) and getattr(user, "scope_division", None) is not None


# --- Lunches (owned by the counter; the predicates live here so every door asks the same question) ----


def can_record_lunches(user, facility) -> bool:
    """A person at the counter: the operator of its own facility, the town in its area, 民政 anywhere.
    A terminal device is asked `can_terminal_check_in` instead; a system actor never records lunches."""
    if _system(user) or is_terminal(user):
        return False
    roles = _roles(user)
    if Role.CANTEEN_OPERATOR in roles and _runs(user, facility):
        return True
    if Role.TOWN_OFFICER in roles and _in_scope(user, facility.division):
        return True
    return Role.CIVIL_AFFAIRS in roles


def can_void_lunch(user, lunch) -> bool:
    """Void a wrongly recorded lunch; if its settlement is locked the reversal is an adjustment (五、（三））."""
    return can_record_lunches(user, lunch.facility)


# --- Settlements, evaluations, operating subsidies -----------------------------------------------


def can_compute_settlement(user, facility=None) -> bool:
    """民政 and 财政 compute statements (benchmarks and commands as system runs)."""
    if _system(user):
        return True
    return bool(_roles(user) & SETTLEMENT_COMPUTERS)


def can_approve_settlement(user, settlement) -> bool:
    """民政 approves a draft first, then 财政 approves and locks it; a locked statement is final."""
    roles = _roles(user)
    if settlement.status == "draft":
        return Role.CIVIL_AFFAIRS in roles
    if settlement.status == "civil_affairs_approved":
        return Role.FINANCE in roles
    return False


def can_send_back_settlement(user, settlement) -> bool:
    """The department whose turn it is may send the statement back instead of approving it (with a reason):
    民政 a draft (to the operator, to correct its lunches), 财政 one 民政 approved (back to a draft)."""
    return _person(user) and can_approve_settlement(user, settlement)


def can_resubmit_settlement(user, settlement) -> bool:
    """The operator of the facility (or 民政 for it) answers a send-back: 已更正，重新提交."""
    if not (_person(user) and settlement.status == "draft" and settlement.awaiting_operator):
        return False
    roles = _roles(user)
    return Role.CIVIL_AFFAIRS in roles or (
        Role.CANTEEN_OPERATOR in roles and _runs(user, settlement.facility)
    )


def settlement_approval_refusal(settlement) -> str:
    """The Chinese reason an approval is refused, by the statement's stage."""
    if settlement.status == "draft":
        return "结算单须先由民政局审核。"
    if settlement.status == "civil_affairs_approved":
        return "民政局审核后，须由财政局审定。"
    return "结算单已锁定。"


def can_record_evaluation(user, facility) -> bool:
    """A16: 民政 enters the third-party evaluation result (signed by a person: recorded_by is a user)."""
    return Role.CIVIL_AFFAIRS in _roles(user)


def can_compute_operating_subsidy(user) -> bool:
    """A14: 民政 and 财政 compute the yearly operating subsidies."""
    if _system(user):
        return True
    return bool(_roles(user) & SUBSIDY_COMPUTERS)


def can_see_fraud_report(user) -> bool:
    return bool(_roles(user) & OVERSIGHT)


# --- The permission table (shown at /access/, checked against the predicates by the tests) --------

_KEEPERS = {
    Role.CIVIL_AFFAIRS: SCOPE_COUNTY,
    Role.TOWN_OFFICER: SCOPE_TOWN,
    Role.CANTEEN_OPERATOR: SCOPE_FACILITY,
}
_ELDERS = {Role.CIVIL_AFFAIRS: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN}
_CLAUSE = "高政办发〔2021〕2号"

PERMISSIONS: list[Permission] = [
    Permission(
        "canteens.facility_register",
        "登记长者食堂/助餐服务点",
        _KEEPERS,
        note=f"{_CLAUSE} 四、（一）；命令行与演示数据以系统身份登记",
    ),
    Permission("canteens.facility_update", "修改机构信息", _KEEPERS, note="已取消资质的机构不能修改"),
    Permission("canteens.facility_submit", "提交备案申请（A4）", _KEEPERS, note=f"{_CLAUSE} 三、（三）"),
    Permission(
        "canteens.facility_town_review",
        "镇（街道）审核（A4）",
        {Role.TOWN_OFFICER: SCOPE_TOWN},
        note=f"{_CLAUSE} 三、（三）：镇（街道）审核",
    ),
    Permission(
        "canteens.facility_county_evaluate",
        "县民政、市场监管评估（A4）",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY, Role.MARKET_REGULATION: SCOPE_COUNTY},
        note="两部门各评估一次，均同意后备案",
    ),
    Permission("canteens.facility_staff_add", "登记从业人员及健康证明（A5）", _KEEPERS),
    Permission("canteens.menu_publish", "公布每周食谱（A5）", _KEEPERS),
    Permission(
        "canteens.facility_revoke",
        "取消运营资质",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
        note=f"{_CLAUSE} 六、（四）：连续两年考核不合格",
    ),
    Permission(
        "canteens.elder_register",
        "登记助餐老人",
        _ELDERS,
        note="同一身份证号只登记一次；演示数据以系统身份登记",
    ),
    Permission("canteens.tekun_status_add", "登记特困人员认定", _ELDERS),
    Permission("canteens.elder_mark_left", "登记死亡或迁出", _ELDERS),
    Permission(
        "canteens.elder_import",
        "Excel 导入助餐老人",
        _ELDERS,
        note="只能导入、更新居住在本人数据范围内的人员；更新须先预览再确认",
    ),
    Permission(
        "canteens.lunch_check_in",
        "登记午餐",
        {
            Role.CIVIL_AFFAIRS: SCOPE_COUNTY,
            Role.TOWN_OFFICER: SCOPE_TOWN,
            Role.CANTEEN_OPERATOR: SCOPE_FACILITY,
        },
    ),
    Permission(
        "canteens.lunch_void",
        "作废午餐登记（已锁定结算的以调整计入以后期间）",
        {
            Role.CIVIL_AFFAIRS: SCOPE_COUNTY,
            Role.TOWN_OFFICER: SCOPE_TOWN,
            Role.CANTEEN_OPERATOR: SCOPE_FACILITY,
        },
        note=f"{_CLAUSE} 五、（三）",
    ),
    Permission(
        "canteens.settlement_compute",
        "计算结算单",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY, Role.FINANCE: SCOPE_COUNTY},
        note=f"基准测试以{SCOPE_SYSTEM}计算",
    ),
    Permission(
        "canteens.settlement_approve_civil_affairs",
        "结算单民政局审核",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
        note="先由民政局审核",
    ),
    Permission(
        "canteens.settlement_approve_finance",
        "结算单财政局审定并锁定",
        {Role.FINANCE: SCOPE_COUNTY},
        note="民政局审核后由财政局审定；锁定后更正以调整方式计入以后期间",
    ),
    Permission(
        "canteens.evaluation_record",
        "录入年度评估结果（A16）",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
        note=f"{_CLAUSE} 六、（四）：委托第三方评估",
    ),
    Permission(
        "canteens.operating_subsidy_compute",
        "核算运营补贴（A14）",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY, Role.FINANCE: SCOPE_COUNTY},
        note=f"{_CLAUSE} 五、（二）",
    ),
]


PERMISSIONS += [
    Permission(
        "canteens.elder_update",
        "修改助餐老人信息（须写明原因，保留修改记录）",
        _ELDERS,
        note="原值保留在更正记录中；审计日志脱敏",
    ),
    Permission("canteens.elder_left_undo", "撤销死亡或迁出登记（须写明原因）", _ELDERS),
    Permission(
        "canteens.settlement_send_back",
        "退回结算单（须写明原因）",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY, Role.FINANCE: SCOPE_COUNTY},
        note="民政局退回待审核的结算单，财政局退回民政局已审核的结算单；通知运营方",
    ),
    Permission(
        "canteens.settlement_resubmit",
        "更正后重新提交结算单",
        {Role.CANTEEN_OPERATOR: SCOPE_FACILITY, Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
        note="通知县民政局",
    ),
]


# --- Price lists, terminal devices, the back-dating window and late entries -----------------------


def is_terminal(actor) -> bool:
    return getattr(actor, "terminal_id", None) is not None


def _person(user) -> bool:
    """A signed-in person: neither a system run nor a terminal device."""
    return not _system(user) and not is_terminal(user)


def can_set_prices(user, facility) -> bool:
    """The operator prices its own meals; the town (its area) and 民政 (the county) may enter them for it."""
    return _person(user) and _keeps_facility(user, facility)


def can_manage_terminals(user, facility) -> bool:
    """Issue, rotate and revoke a facility's terminal devices: its operator, and 民政 for any facility."""
    roles = _roles(user)
    return _person(user) and (
        Role.CIVIL_AFFAIRS in roles or (Role.CANTEEN_OPERATOR in roles and _runs(user, facility))
    )


def can_terminal_check_in(actor, facility) -> bool:
    """A terminal device records lunches at its own facility and nowhere else."""
    return is_terminal(actor) and actor.facility_id == facility.pk


def can_request_late_entry(user, facility) -> bool:
    """Whoever may record the facility's lunches at the counter may ask 民政 to book a late one."""
    return can_record_lunches(user, facility)


def can_decide_late_entry(user, entry) -> bool:
    """民政 (the county) approves or rejects late entries: it approves the settlements they reopen."""
    return _person(user) and Role.CIVIL_AFFAIRS in _roles(user)


def can_set_backdate_window(user) -> bool:
    """补录期限 is an administered figure under four eyes (canteen.backdate_days): a system administrator proposes
    a change, a second one approves it (core.services.policy)."""
    return _person(user) and user.can(Capability.POLICY_GOVERN)


PERMISSIONS += [
    Permission(
        "canteens.price_set",
        "录入机构价目表（午餐价、高标准餐价）",
        {
            Role.CANTEEN_OPERATOR: SCOPE_FACILITY,
            Role.TOWN_OFFICER: SCOPE_TOWN,
            Role.CIVIL_AFFAIRS: SCOPE_COUNTY,
        },
        note="A10：高标准或个性化餐由食堂定价、另行收费；补贴按就餐日有效的午餐价计算",
    ),
    Permission(
        "canteens.terminal_manage",
        "发放、更换、停用登记终端",
        {Role.CANTEEN_OPERATOR: SCOPE_FACILITY, Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
        note="终端令牌只能在本机构登记午餐",
    ),
    Permission(
        "canteens.late_entry_request",
        "提交午餐补录申请",
        {
            Role.CANTEEN_OPERATOR: SCOPE_FACILITY,
            Role.TOWN_OFFICER: SCOPE_TOWN,
            Role.CIVIL_AFFAIRS: SCOPE_COUNTY,
        },
        note="超出补录期限或所属结算期已审核的午餐",
    ),
    Permission(
        "canteens.late_entry_decide",
        "审核午餐补录申请",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY},
        note="同意后计入下一个未审核的结算期",
    ),
    Permission(
        "canteens.backdate_window_set",
        "提出补录期限（天）的调整",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note="管理员录入的数值：另一位系统管理员审核后生效（四眼原则），文件未规定",
    ),
]


# --- Duties of 四、（二）4 and 5 ------------------------------------------------------------------------


def can_upload_fund_report(user, facility) -> bool:
    """四、（二）5: the operator has the yearly fund-use report made and files it (民政 or the town may file it
    for the operator)."""
    return _keeps_facility(user, facility)


def can_verify_notices(user, facility) -> bool:
    """四、（二）4 with 六、（三） (towns supervise the canteens of their area): the town checks the "五公开" wall
    notices on site; 民政 may too."""
    roles = _roles(user)
    return Role.CIVIL_AFFAIRS in roles or (Role.TOWN_OFFICER in roles and _in_scope(user, facility.division))
