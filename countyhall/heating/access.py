"""Who may do what in clean heating (37号): role sets, pure predicates and the permission table."""

from __future__ import annotations

from countyhall.core.roles import Role

USERS = frozenset({Role.HOUSING, Role.FINANCE, Role.TOWN_OFFICER, Role.AUDITOR, Role.SYSTEM_ADMIN})

PERMISSIONS: list = []
