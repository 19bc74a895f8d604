"""Who may do what in clean heating (37号): role sets, pure predicates and the permission table.

Who acts follows the notice (高政办字〔2021〕37号, 五 实施步骤; POLICIES.md B):
- 各镇办 draw up their villages' construction plans (五（一）), keep the household ledger (台账录入和管理,
  五（三）) and organise the town's initial acceptance and the application to the county (五（三）, B12):
  a town officer does these for villages in its own town only.
- 县住建局 leads the programme county-wide: it keeps the ledger with the towns, commissions the
  third-party acceptance (五（三）), keeps the tendered list (B13) and the public institutions (B10), and
  computes the entitlements and builds the claims.
- 财政局 approves the money (B14: funds only to their purpose); approval locks a claim.
- Auditors and system administrators read; they never write business data.

The predicates are pure (no queries beyond the objects' own divisions): services `require(...)` them,
and views compute their buttons from them, so a page never decides on its own.
"""

from __future__ import annotations

from countyhall.core.access import SCOPE_COUNTY, SCOPE_TOWN, Permission
from countyhall.core.roles import Capability, Role

USERS = frozenset({Role.HOUSING, Role.FINANCE, Role.TOWN_OFFICER, Role.AUDITOR, Role.SYSTEM_ADMIN})

# The roles that keep the ledger: 住建局 county-wide, a town officer in its own town.
LEDGER_KEEPERS = frozenset({Role.HOUSING, Role.TOWN_OFFICER})
# Steps of B12 a town performs itself (初验, 申请县级验收); the third-party step is 住建局's.
TOWN_STAGES = frozenset({"town_initial", "county_application"})


def _roles(user) -> frozenset[str]:
    return frozenset(getattr(user, "role_codes", None) or ())


def _system(user) -> bool:
    # A named system actor (the demo loader, a command) loads whole data sets; it holds no role and no
    # town, so it is allowed only where a predicate says so below.
    return bool(getattr(user, "is_system", False))


def _in_scope(user, division) -> bool:
    scope = getattr(user, "scope_division", None)
    return scope is not None and division is not None and scope.contains(division)


def _county_wide(user) -> bool:
    """住建局 acts county-wide only when its account is scoped to the county (not to one town)."""
    scope = getattr(user, "scope_division", None)
    return scope is not None and scope.parent_id is None


def can_open(user) -> bool:
    """May open the clean-heating pages at all (reading is then scoped by division)."""
    return bool(_roles(user) & USERS)


def _keeper_for(user, division) -> bool:
    roles = _roles(user)
    if Role.HOUSING in roles and _in_scope(user, division):
        return True
    return Role.TOWN_OFFICER in roles and _in_scope(user, division)


def can_set_plan(user, division) -> bool:
    """B1/B11, 五（一）: a village's plan and its construction/commissioning dates."""
    return _system(user) or _keeper_for(user, division)


def can_edit_household(user, division) -> bool:
    """Register a household or record its device, in the division the household lives in (台账录入)."""
    return _system(user) or _keeper_for(user, division)


def can_record_use(user, household) -> bool:
    """Meter readings, fuel purchases and a season's use of one household."""
    return _system(user) or _keeper_for(user, household.division)


def can_import_ledger(user) -> bool:
    """May upload a ledger workbook; each row is then checked with `can_edit_household`."""
    return _system(user) or bool(_roles(user) & LEDGER_KEEPERS)


def can_record_inspection(user, town) -> bool:
    """B11, 五（四）: each town leads the inspection of its equipment installed since 2017 (住建局 county-wide too)."""
    return _system(user) or _keeper_for(user, town)


def can_set_institution(user, division) -> bool:
    """B10: public-service institutions counted toward the county task (住建局)."""
    return _system(user) or (Role.HOUSING in _roles(user) and _in_scope(user, division))


def can_set_tendered(user) -> bool:
    """B13: the city's tendered equipment list, entered once for the county (住建局)."""
    return _system(user) or (Role.HOUSING in _roles(user) and _county_wide(user))


def can_compute(user) -> bool:
    """Compute entitlements and build claims: county-wide sums, so 住建局 at county scope only."""
    return _system(user) or (Role.HOUSING in _roles(user) and _county_wide(user))


def can_approve_claim(user, claim=None) -> bool:
    """财政局 approves money; a system actor never approves (a payment needs a person)."""
    return Role.FINANCE in _roles(user) and _county_wide(user)


def can_return_claim(user, claim=None) -> bool:
    """财政局 sends a draft claim back to 住建局 with a reason (the same office that approves)."""
    return can_approve_claim(user, claim)


def can_correct_household(user, household) -> bool:
    """Correct a household's record (with a reason, kept in its history): the keeper of its town's ledger."""
    return _system(user) or _keeper_for(user, household.division)


def can_record_acceptance(user, plan, stage: str) -> bool:
    """B12: the town's initial acceptance and application in its own town; the third party via 住建局."""
    if _system(user):
        return True
    roles = _roles(user)
    division = plan.division
    if Role.HOUSING in roles and _in_scope(user, division):
        return True
    return stage in TOWN_STAGES and Role.TOWN_OFFICER in roles and _in_scope(user, division)


def acceptance_stages(user, plans, stages) -> dict:
    """`can_record_acceptance` for many plans at once: {plan: [the stages of `stages` the user may record]}. The
    user's roles and scope are read once, not for each of the county's 430 plans and each step (the dashboard's
    chooser asked 1,300 times a request). tests/heating/test_permissions.py checks it against the predicate."""
    if _system(user):
        return {plan: list(stages) for plan in plans}
    roles = _roles(user)
    housing, town = Role.HOUSING in roles, Role.TOWN_OFFICER in roles
    scope = getattr(user, "scope_division", None) if housing or town else None
    town_stages = [stage for stage in stages if stage in TOWN_STAGES]
    allowed = {}
    for plan in plans:
        division = plan.division
        in_scope = scope is not None and division is not None and scope.contains(division)
        allowed[plan] = list(stages) if housing and in_scope else town_stages if town and in_scope else []
    return allowed


def can_view_unmasked(user) -> bool:
    """Full names and 身份证号 in the ledger only for roles granted them in core.roles (a system actor: none)."""
    return user.can(Capability.PERSON_VIEW_UNMASKED)


_NOTE_SYSTEM = "演示数据加载等系统任务可执行。"

PERMISSIONS: list = [
    Permission(
        "heating.village_plan_set",
        "村改造计划与工程节点（B1、B11）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="37号 五（一）：各镇办确定建设推进计划。" + _NOTE_SYSTEM,
    ),
    Permission(
        "heating.household_register",
        "登记改造户（台账）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="37号 五（三）：各镇办做好用户信息统计，规范台账录入。" + _NOTE_SYSTEM,
    ),
    Permission(
        "heating.device_record",
        "登记采暖设备（B13）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note=_NOTE_SYSTEM,
    ),
    Permission(
        "heating.season_use_record",
        "登记采暖季用量、燃气抄表、燃料购买（B5、B7）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note=_NOTE_SYSTEM,
    ),
    Permission(
        "heating.ledger_import",
        "Excel 导入台账",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="每行按所在自然村核对范围，范围外的行报错，不导入。",
    ),
    Permission(
        "heating.inspection_record",
        "2017年以来设备设施全面检查维护（B11）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="37号 五（四）：各镇办牵头完成对2017年实施清洁取暖以来的设备设施全面检查维护。" + _NOTE_SYSTEM,
    ),
    Permission(
        "heating.public_institution_set", "公服机构（B10）", {Role.HOUSING: SCOPE_COUNTY}, note=_NOTE_SYSTEM
    ),
    Permission(
        "heating.tendered_equipment_add",
        "市级招标入围设备目录（B13）",
        {Role.HOUSING: SCOPE_COUNTY},
        note=_NOTE_SYSTEM,
    ),
    Permission(
        "heating.entitlements_compute",
        "核算补贴并生成申领（含审定后更正差额）",
        {Role.HOUSING: SCOPE_COUNTY},
        note="县住建局牵头核算；" + _NOTE_SYSTEM,
    ),
    Permission(
        "heating.claim_approve",
        "审定补贴申领（锁定）",
        {Role.FINANCE: SCOPE_COUNTY},
        note="B14：资金专款专用，由财政局审定；系统任务不得审定。",
    ),
    Permission(
        "heating.claim_return",
        "退回补贴申领（写明原因）",
        {Role.FINANCE: SCOPE_COUNTY},
        note="退回后原申领保留并标注原因，住建局更正后重新核算提交；站内通知住建局。",
    ),
    Permission(
        "heating.household_correct",
        "更正改造户、设备、抄表与燃料购买（写明原因，保留原值）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="更正不删除原值：原值、新值与原因记入该户历史并审计。" + _NOTE_SYSTEM,
    ),
    Permission(
        "heating.acceptance_town",
        "镇初验、申请县级验收（B12）",
        {Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="37号 五（三）：各镇办组织初验，向县清洁取暖指挥部书面申请。" + _NOTE_SYSTEM,
    ),
    Permission(
        "heating.acceptance_third_party",
        "记录第三方综合验收（B12，改造户计为验收合格）",
        {Role.HOUSING: SCOPE_COUNTY},
        note="37号 五（三）：县住建局委托第三方综合验收。" + _NOTE_SYSTEM,
    ),
]
