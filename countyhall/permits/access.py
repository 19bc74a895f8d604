"""Who may do what in construction-project approval (3号): role sets, pure predicates, the permission table."""

from __future__ import annotations

from countyhall.core.roles import Role

# Who may open the system at all; who sees which project is decided in permits.selectors.
USERS = frozenset({Role.APPROVAL, Role.HOUSING, Role.NATURAL_RESOURCES, Role.DEVELOPMENT, Role.AUDITOR,
                   Role.SYSTEM_ADMIN, Role.PERMIT_REVIEWER, Role.APPLICANT_FIRM, Role.CIVIL_AFFAIRS})

PERMISSIONS: list = []
