"""Roles and what each may do. One table, so "who may see what" is answered in one place."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    AUDITOR = "auditor", "审计员"
    CIVIL_AFFAIRS = "civil_affairs", "民政局"
    FINANCE = "finance", "财政局"
    HOUSING = "housing", "住建局"
    APPROVAL = "approval", "行政审批服务局"
    BIG_DATA = "big_data", "大数据局"
    DEVELOPMENT = "development", "发改局"
    EMERGENCY = "emergency", "应急局"
    NATURAL_RESOURCES = "natural_resources", "自然资源局"
    MARKET_REGULATION = "market_regulation", "市场监管局"
    TOWN_OFFICER = "town_officer", "镇（街道）工作人员"
    CANTEEN_OPERATOR = "canteen_operator", "长者食堂运营方"
    # 工程建设项目审批: departments that review in parallel (消防、人防、生态环境 …) and the applicant firms.
    PERMIT_REVIEWER = "permit_reviewer", "审批参与部门"
    APPLICANT_FIRM = "applicant_firm", "建设单位（申请人）"
    POWER_ENTERPRISE = "power_enterprise", "发电企业"
    # 电子政务项目 (高政办发〔2021〕1号 二、, decision 0012): the applicant budget unit acts for its own organisation
    # only; the others are the departments and bodies the yearly cycle names.
    BUDGET_UNIT = "budget_unit", "预算单位（项目申报单位）"
    AUDIT_OFFICE = "audit_office", "县审计局"
    TRADING_CENTRE = "trading_centre", "公共资源交易中心高青分中心"
    SECRECY = "secrecy", "县保密局"
    COUNTY_GOVERNMENT = "county_government", "县政府"
    EGOV_REVIEWER = "egov_reviewer", "第三方评审机构"


class Capability(models.TextChoices):
    PERSON_VIEW = "person.view", "查看人员信息"
    PERSON_VIEW_UNMASKED = "person.view_unmasked", "查看未脱敏的姓名和身份证号"
    PERSON_EDIT = "person.edit", "登记和修改人员信息"
    AUDIT_VIEW = "audit.view", "查阅审计日志"
    CALENDAR_EDIT = "calendar.edit", "维护工作日历"
    GAZETTE_INGEST = "gazette.ingest", "导入公报"
    DIVISION_EDIT = "division.edit", "维护行政区划与机构"
    POLICY_GOVERN = "policy.govern", "提出和审核政策解读与录入数值的变更"


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {
            Capability.CALENDAR_EDIT,
            Capability.GAZETTE_INGEST,
            Capability.DIVISION_EDIT,
            Capability.PERSON_VIEW,
            Capability.POLICY_GOVERN,
        }
    ),
    # Auditors read the trail, not the people: names stay masked for them.
    Role.AUDITOR: frozenset({Capability.AUDIT_VIEW, Capability.PERSON_VIEW}),
    Role.CIVIL_AFFAIRS: frozenset(
        {Capability.PERSON_VIEW, Capability.PERSON_VIEW_UNMASKED, Capability.PERSON_EDIT}
    ),
    Role.FINANCE: frozenset({Capability.PERSON_VIEW}),
    # 住建局 keeps the clean-heating ledger (台账) of householders with their 身份证号.
    Role.HOUSING: frozenset(
        {Capability.PERSON_VIEW, Capability.PERSON_VIEW_UNMASKED, Capability.PERSON_EDIT}
    ),
    Role.APPROVAL: frozenset(),
    Role.BIG_DATA: frozenset(),
    Role.DEVELOPMENT: frozenset(),
    Role.EMERGENCY: frozenset(),
    Role.NATURAL_RESOURCES: frozenset(),
    Role.MARKET_REGULATION: frozenset(),
    Role.TOWN_OFFICER: frozenset(
        {Capability.PERSON_VIEW, Capability.PERSON_VIEW_UNMASKED, Capability.PERSON_EDIT}
    ),
    # Operators must recognise the elder at the counter but do not need the full ID number.
    Role.CANTEEN_OPERATOR: frozenset({Capability.PERSON_VIEW}),
    Role.PERMIT_REVIEWER: frozenset(),
    Role.APPLICANT_FIRM: frozenset(),
    Role.POWER_ENTERPRISE: frozenset(),
    Role.BUDGET_UNIT: frozenset(),
    Role.AUDIT_OFFICE: frozenset(),
    Role.TRADING_CENTRE: frozenset(),
    Role.SECRECY: frozenset(),
    Role.COUNTY_GOVERNMENT: frozenset(),
    Role.EGOV_REVIEWER: frozenset(),
}


def capabilities_for(roles: list[str] | set[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(granted)
