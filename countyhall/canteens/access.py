"""Who may do what in the 助餐服务系统: role sets, pure predicates and the permission table."""

from __future__ import annotations

from countyhall.core.roles import Role

# Who may open the program at all (menu and pages); what each may do is decided by the predicates below.
USERS = frozenset({Role.CIVIL_AFFAIRS, Role.FINANCE, Role.MARKET_REGULATION, Role.AUDITOR, Role.SYSTEM_ADMIN,
                   Role.TOWN_OFFICER, Role.CANTEEN_OPERATOR})

PERMISSIONS: list = []
