"""Who may do what in power-plant accident response (34号): role sets, pure predicates, the permission table.

The headquarters is defined here once: 应急救援指挥部 with its office at 县发展改革局 (2.1.3) and 县应急局 run
the county response. Registers are kept by the headquarters and the system administrator; an enterprise
reports its own accidents, a town office those of the enterprises in its area (4.2.2). Services
`require(...)` these predicates; pages and the API compute their buttons from them. A system actor (the
demo loader, `countyhall emergency seed`) is allowed only for the registers, explicitly.
"""

from __future__ import annotations

from django.utils import timezone

from countyhall.core.access import SCOPE_COUNTY, SCOPE_ENTERPRISE, SCOPE_TOWN, Permission
from countyhall.core.roles import Role
from countyhall.core.rules.trace import ParameterTrace

USERS = frozenset(
    {
        Role.EMERGENCY,
        Role.DEVELOPMENT,
        Role.POWER_ENTERPRISE,
        Role.TOWN_OFFICER,
        Role.AUDITOR,
        Role.SYSTEM_ADMIN,
    }
)

# 指挥部/指挥部办公室: the county headquarters (office at 县发展改革局) and 县应急局.
HQ = frozenset({Role.EMERGENCY, Role.DEVELOPMENT})
SEE_ALL = HQ | {Role.AUDITOR, Role.SYSTEM_ADMIN}
# The registers (enterprises, duty offices, experts, the command structure) and the outbox.
REGISTER_KEEPERS = HQ | {Role.SYSTEM_ADMIN}


def _roles(user) -> frozenset[str]:
    return getattr(user, "role_codes", frozenset())


def _system(user) -> bool:
    return bool(getattr(user, "is_system", False))


def is_hq(user) -> bool:
    return bool(_roles(user) & HQ)


def own_enterprise(user, enterprise) -> bool:
    return (
        Role.POWER_ENTERPRISE in _roles(user)
        and user.organisation_id is not None
        and user.organisation_id == enterprise.organisation_id
    )


def in_town_area(user, enterprise) -> bool:
    scope = getattr(user, "scope_division", None)
    return (
        Role.TOWN_OFFICER in _roles(user)
        and scope is not None
        and enterprise.division.path.startswith(scope.path)
    )


# ---------------------------------------------------------------- predicates, one per write


def can_keep_registers(user) -> bool:
    """Enterprises, duty offices, experts, command posts and the printed command structure."""
    return _system(user) or bool(_roles(user) & REGISTER_KEEPERS)


def can_load_command_structure(user) -> bool:
    return can_keep_registers(user)


def can_add_hazard(user, enterprise) -> bool:
    return can_keep_registers(user) or own_enterprise(user, enterprise)


def can_report_for(user, enterprise) -> bool:
    """Report an accident and keep its figures, content and reports: the enterprise itself, the town office
    where it lies, or the county headquarters (4.2.2)."""
    return is_hq(user) or own_enterprise(user, enterprise) or in_town_area(user, enterprise)


def can_report_incident(user, enterprise) -> bool:
    return can_report_for(user, enterprise)


def can_update_incident(user, incident) -> bool:
    return can_report_for(user, incident.enterprise)


def can_mark_deadline_done(user, deadline) -> bool:
    return can_report_for(user, deadline.incident.enterprise)


def can_request_verification(user, incident) -> bool:
    # A superior's 核报 request is logged by those who must answer it or by the headquarters.
    return can_report_for(user, incident.enterprise)


def can_add_situation(user, incident) -> bool:
    return can_report_for(user, incident.enterprise)


def locally_led(incident, level: str | None = None) -> bool:
    """4.1 (L3969–3975): a Level IV response is started and carried out by the town (镇/办) or the development
    zone where the accident happened, not by the county headquarters. `level`: the one to start; by default the
    level being responded to (or, before a response, the incident's)."""
    return locally_led_terms(incident, level)[0]


def locally_led_terms(incident, level: str | None = None) -> tuple[bool, list]:
    """locally_led with the citation of the levels a town runs itself (emergency.local_response.levels), for the
    page that says who leads the response."""
    level = level or incident.response_level or incident.level
    trace = ParameterTrace(timezone.localdate(incident.occurred_at))
    return level in trace.get("emergency.local_response.levels"), trace.citations


def can_command(user, incident=None) -> bool:
    """Run a response — activate groups, assign tasks, set up the on-site HQ, end, evaluate (2.1.1, 4.6, 6.1): the
    county headquarters; for a Level IV response also the town office or development zone where it happened."""
    if is_hq(user):
        return True
    return incident is not None and locally_led(incident) and in_town_area(user, incident.enterprise)


def can_start_response(user, incident) -> bool:
    """Start (or raise) the response at the incident's level: the headquarters; Level IV the town or zone (4.1)."""
    if is_hq(user):
        return True
    return locally_led(incident, incident.level) and in_town_area(user, incident.enterprise)


def can_lower_level(user, incident) -> bool:
    """Lower a response level, with a reason: the headquarters' decision, as standing down is (4.6)."""
    return is_hq(user)


def can_issue_warning(user) -> bool:
    return is_hq(user)


def can_record_drill(user, enterprise) -> bool:
    # The demo loader records past drills too.
    return _system(user) or is_hq(user) or own_enterprise(user, enterprise)


def can_dispatch_outbox(user) -> bool:
    return bool(_roles(user) & REGISTER_KEEPERS)


_HQ = {role: SCOPE_COUNTY for role in HQ}
# 4.1: Level IV is started and carried out by the town (镇/办) or development zone where the accident happened.
_RESPONDERS = {**_HQ, Role.TOWN_OFFICER: SCOPE_TOWN}
_REPORTERS = {**_HQ, Role.POWER_ENTERPRISE: SCOPE_ENTERPRISE, Role.TOWN_OFFICER: SCOPE_TOWN}
_KEEPERS = {role: SCOPE_COUNTY for role in REGISTER_KEEPERS}

PERMISSIONS: list[Permission] = [
    Permission(
        "emergency.registers",
        "登记发电企业、值班机构、专家，维护指挥部任职",
        dict(_KEEPERS),
        note="演示数据加载器与命令行亦可",
    ),
    Permission(
        "emergency.command_structure_load",
        "导入预案所列指挥体系（2.1–2.2）",
        dict(_KEEPERS),
        note="countyhall emergency seed",
    ),
    Permission(
        "emergency.hazard_add", "登记重大危险源", {**_KEEPERS, Role.POWER_ENTERPRISE: SCOPE_ENTERPRISE}
    ),
    Permission("emergency.incident_report", "事故接报", dict(_REPORTERS), note="34号 4.2.2"),
    Permission(
        "emergency.incident_update",
        "更新伤亡情况、报告内容",
        dict(_REPORTERS),
        note="等级随伤亡人数重新计算（E1）",
    ),
    Permission(
        "emergency.deadline_done", "记录已报告（E2 时限）", dict(_REPORTERS), note="书面报告须含 E3 内容"
    ),
    Permission(
        "emergency.verification_request", "登记核报要求", dict(_REPORTERS), note="电话15分钟、书面40分钟"
    ),
    Permission("emergency.situation_add", "续报", dict(_REPORTERS)),
    Permission(
        "emergency.response_start",
        "启动应急响应",
        dict(_RESPONDERS),
        note="34号 2.1.1(2)；IV级由事故发生地镇（办）、经济开发区启动（4.1）",
    ),
    Permission("emergency.group_activate", "启动工作组", dict(_RESPONDERS)),
    Permission("emergency.timeline_command", "布置任务、设立现场指挥部、任务办结", dict(_RESPONDERS)),
    Permission(
        "emergency.level_lower", "调低响应等级（须写明理由）", dict(_HQ), note="记入处置记录，通知所涉单位"
    ),
    Permission("emergency.end", "宣布应急结束", dict(_RESPONDERS), note="经总指挥批准（4.6），提交前确认"),
    Permission("emergency.evaluation_record", "处置评估报告", dict(_RESPONDERS), note="34号 6.1"),
    Permission("emergency.warning", "发布、更新、解除预警", dict(_HQ), note="34号 3.2.2（E4）"),
    Permission(
        "emergency.drill_record", "登记应急演练", {**_HQ, Role.POWER_ENTERPRISE: SCOPE_ENTERPRISE}, note="E8"
    ),
    Permission("emergency.outbox_dispatch", "发送待发通知", dict(_KEEPERS)),
]
