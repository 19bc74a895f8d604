"""Who may do what in power-plant accident response (34号): role sets, pure predicates, the permission table."""

from __future__ import annotations

from countyhall.core.roles import Role

USERS = frozenset({Role.EMERGENCY, Role.DEVELOPMENT, Role.POWER_ENTERPRISE, Role.TOWN_OFFICER, Role.AUDITOR,
                   Role.SYSTEM_ADMIN})

PERMISSIONS: list = []
