"""The shape every program's `access.py` takes: pure predicates, one refusal, one permission table.

A program's access module holds its role sets and predicates (`can_accept(user, case)` …). Services call
`require(...)` with a predicate's answer, so a refused action raises the same `AccessDenied` from a page,
the API or the command line; views and API classes compute their buttons from the same predicates.

Each program also publishes its permission table (`PERMISSIONS`: action × role → scope), which the
tests check against the predicates and `/access/` shows to administrators and auditors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from countyhall.core.errors import ServiceError


class AccessDenied(ServiceError):
    """A refused action: the API answers 403, a page shows the message, the CLI exits 2."""

    def __init__(self, message: str, *, field: str = "actor"):
        super().__init__(field, message)


def require(allowed: bool, message: str, *, field: str = "actor") -> None:
    if not allowed:
        raise AccessDenied(message, field=field)


# Scope labels used in the permission tables (what part of the county a grant reaches).
SCOPE_COUNTY = "全县"
SCOPE_TOWN = "本镇（街道）"
SCOPE_FACILITY = "本机构"
SCOPE_FIRM = "本单位项目"
SCOPE_ENTERPRISE = "本企业"
SCOPE_CASE = "参与的案件"
SCOPE_SYSTEM = "命令行/系统任务"


@dataclass(frozen=True)
class Permission:
    """One write action of a program and who may do it: role code → scope label."""

    action: str  # dotted id, e.g. "heating.acceptance_record"
    label: str  # Chinese, e.g. "记录村级验收（B12）"
    allowed: dict[str, str] = field(default_factory=dict)
    note: str = ""  # the clause or the reason, shown on the page

    def scope_for(self, role: str) -> str | None:
        return self.allowed.get(role)
