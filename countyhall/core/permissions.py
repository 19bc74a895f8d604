"""Who may write core data (people, divisions and organisations, the working calendar): pure predicates and
the permission table that /access/ shows. The shape is the programs' `access.py` (see core/access.py).

System actors (the demo loader, `countyhall calendar seed`, imports run from the command line) write
without a role: the services allow them explicitly, the predicates below are about signed-in users.
"""

from __future__ import annotations

from countyhall.core.access import SCOPE_COUNTY, SCOPE_SYSTEM, SCOPE_TOWN, Permission
from countyhall.core.roles import Capability, Role


def _in_scope(user, division) -> bool:
    scope = getattr(user, "scope_division", None)
    return scope is not None and division is not None and scope.contains(division)


def can_register_person(user, division) -> bool:
    """Register a resident living in `division`: person.edit, and the division within the user's scope."""
    return (
        bool(getattr(user, "is_active", False))
        and user.can(Capability.PERSON_EDIT)
        and _in_scope(user, division)
    )


def can_edit_divisions(user) -> bool:
    """Create or rename divisions and organisations (the county's own tree: county-wide by nature)."""
    return bool(getattr(user, "is_active", False)) and user.can(Capability.DIVISION_EDIT)


def can_edit_calendar(user) -> bool:
    """Open a calendar year the package lacks, correct a day."""
    return bool(getattr(user, "is_active", False)) and user.can(Capability.CALENDAR_EDIT)


PERMISSIONS: list[Permission] = [
    Permission(
        "core.person_register",
        "登记人员（按身份证号）",
        {Role.CIVIL_AFFAIRS: SCOPE_COUNTY, Role.HOUSING: SCOPE_COUNTY, Role.TOWN_OFFICER: SCOPE_TOWN},
        note="仅限本人数据范围（所在区划及下级）内的居民；命令行导入与演示数据以系统身份登记。",
    ),
    Permission(
        "core.division_upsert",
        "新增或更名行政区划",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note=f"演示数据与初始化以系统身份写入（{SCOPE_SYSTEM}）。",
    ),
    Permission("core.organisation_upsert", "新增或修改机构", {Role.SYSTEM_ADMIN: SCOPE_COUNTY}),
    Permission(
        "core.calendar_seed_year",
        "从数据包导入工作日历年份",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note="通常由命令行 countyhall calendar seed 以系统身份执行。",
    ),
    Permission("core.calendar_year_create_manual", "新建工作日历年份", {Role.SYSTEM_ADMIN: SCOPE_COUNTY}),
    Permission(
        "core.calendar_year_enter",
        "按国务院办公厅通知录入下一年节假日与调休",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note="一次录入全部节假日和调休上班日，保存前先预览全年日历；通知文号作为该年的依据。",
    ),
    Permission(
        "core.calendar_day_correct",
        "修正某日的工作日/节假日",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note="须填写修正依据；修正在之后重新导入数据包时保留。",
    ),
]
