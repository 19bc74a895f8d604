"""Who may do what in the e-government program (1号 二、; roles in core/roles.py): role sets, pure predicates, the permission
table. 县大数据局 is the competent department (县电子政务主管部门) that runs the yearly cycle; 县财政局 reviews and plans
with it; a budget unit (项目申报单位) sees and edits only its own organisation's applications; 县保密局 reviews the
classified ones; 县发改局 records the approval of county major projects; a third-party review body uploads the report
of the reviews assigned to it; 县政府 approves the annual plan; 县审计局 and the platform's auditors read. Services
`require(...)` these predicates; pages and the API compute their buttons from them."""

from __future__ import annotations

from countyhall.core.access import SCOPE_CASE, SCOPE_COUNTY, SCOPE_FIRM, Permission
from countyhall.core.roles import Role

BIG_DATA = frozenset({Role.BIG_DATA})
# 县大数据局 opens the plan year (it receives the applications, 三、（一）, and compiles the plan with finance, 三、（二）3).
CYCLE_KEEPERS = BIG_DATA
# Everyone who reads every application of the county (二、: 审计局 audits; the platform's auditors read the trail).
SEE_ALL = frozenset(
    {Role.BIG_DATA, Role.FINANCE, Role.AUDIT_OFFICE, Role.AUDITOR, Role.COUNTY_GOVERNMENT, Role.SYSTEM_ADMIN}
)
USERS = SEE_ALL | {Role.BUDGET_UNIT, Role.SECRECY, Role.DEVELOPMENT, Role.EGOV_REVIEWER, Role.TRADING_CENTRE}
# The administered attachments (L901–925) are uploaded by an administrator or the competent department.
TEMPLATE_KEEPERS = frozenset({Role.SYSTEM_ADMIN, Role.BIG_DATA})


def _roles(user) -> frozenset[str]:
    return getattr(user, "role_codes", frozenset())


def _system(user) -> bool:
    return bool(getattr(user, "is_system", False))


def _has(user, roles) -> bool:
    return bool(_roles(user) & roles)


def own_unit(user, application) -> bool:
    """A budget unit's staff act for their own organisation only (the organisation is the 项目申报单位)."""
    return (
        Role.BUDGET_UNIT in _roles(user)
        and getattr(user, "organisation_id", None) is not None
        and user.organisation_id == application.unit_id
    )


def assigned_reviewer(user, application) -> bool:
    review = getattr(application, "review", None) if hasattr(application, "review") else None
    return (
        Role.EGOV_REVIEWER in _roles(user)
        and review is not None
        and review.reviewer_id is not None
        and review.reviewer_id == getattr(user, "organisation_id", None)
    )


def trading_centre_case(application) -> bool:
    procurement = getattr(application, "procurement", None) if hasattr(application, "procurement") else None
    return procurement is not None and procurement.file_reviewed


# ---------------------------------------------------------------- reads


def can_open(user) -> bool:
    return _has(user, USERS)


def can_see_all(user) -> bool:
    return _has(user, SEE_ALL)


def can_view_application(user, application) -> bool:
    if can_see_all(user) or own_unit(user, application):
        return True
    if Role.SECRECY in _roles(user):
        return application.classified  # 3.5: 保密局 reviews the classified ones
    if Role.DEVELOPMENT in _roles(user) and application.major_county_project:
        return True  # 3.7: 发改 approves county major projects
    if Role.TRADING_CENTRE in _roles(user) and trading_centre_case(application):
        return True  # 5.1: the trading centre procures the projects whose file 大数据局 reviewed
    return assigned_reviewer(user, application)


# ---------------------------------------------------------------- writes, one predicate each


def can_open_plan_year(user) -> bool:
    """The competent department, or a system actor (the demo loader, a command an administrator runs)."""
    return _system(user) or _has(user, CYCLE_KEEPERS)


def can_upload_template(user) -> bool:
    return _system(user) or _has(user, TEMPLATE_KEEPERS)


def can_apply(user) -> bool:
    """A budget unit applies for its own organisation (the unit is the user's organisation)."""
    return _system(user) or Role.BUDGET_UNIT in _roles(user)


def can_edit_application(user, application) -> bool:
    """A draft is written and submitted by its own unit only."""
    return application.status == application.Status.DRAFT and (_system(user) or own_unit(user, application))


def can_assess_application(user, application) -> bool:
    """3.4 "技术设计较为复杂" and the consulting dates (D34a, D34c), admissibility (4.3), the review's start and the
    on-site steps: the competent department."""
    return _system(user) or _has(user, BIG_DATA)


def can_confirm_secrecy(user, application) -> bool:
    return application.classified and (_system(user) or Role.SECRECY in _roles(user))


def can_record_development_approval(user, application) -> bool:
    return application.major_county_project and (_system(user) or Role.DEVELOPMENT in _roles(user))


def can_upload_report(user, application) -> bool:
    """The third party writes the review report (4.6); the competent department may upload it for it."""
    return _system(user) or _has(user, BIG_DATA) or assigned_reviewer(user, application)


def can_sign_technical(user, application) -> bool:
    return _system(user) or _has(user, BIG_DATA)


def can_sign_fiscal(user, application) -> bool:
    return _system(user) or Role.FINANCE in _roles(user)


def can_compile_plan(user) -> bool:
    """The plan is compiled by the e-gov department with finance (4.7); 大数据局 holds the pen."""
    return _system(user) or _has(user, BIG_DATA)


def can_approve_plan(user) -> bool:
    """县政府审定 (4.7, L666)."""
    return _system(user) or Role.COUNTY_GOVERNMENT in _roles(user)


# ---------------------------------------------------------------- construction and acceptance (三、（三）—（四）)


def can_build(user, application) -> bool:
    """The builder (项目建设单位 = the unit that applied) acts on its own project: procurement file, cloud requests,
    supervisor filing, start, design changes, rectification, preliminary acceptance, final acceptance, use."""
    return _system(user) or own_unit(user, application)


def can_review_procurement(user) -> bool:
    """大数据局 reviews procurement files (5.1), cloud requests (5.2a), major design changes (5.2c), exemptions from
    supervision (5.3)."""
    return _system(user) or _has(user, BIG_DATA)


def can_record_procurement(user) -> bool:
    """市公共资源交易中心高青分中心 runs the procurement (5.1; reading D2n: one organisation under two names)."""
    return _system(user) or Role.TRADING_CENTRE in _roles(user)


def can_inspect(user) -> bool:
    """5.4: 大数据局 leads the inspections (with finance, audit and technical support) and proposes sanctions."""
    return _system(user) or _has(user, BIG_DATA)


def can_approve_sanction(user) -> bool:
    """5.6: "报县政府批准后"."""
    return _system(user) or Role.COUNTY_GOVERNMENT in _roles(user)


def can_record_payment(user) -> bool:
    """县财政局 arranges and pays the money (4.8) and commissions the settlement review (6.10)."""
    return _system(user) or Role.FINANCE in _roles(user)


def can_accept(user) -> bool:
    """6.1: 竣工验收由县电子政务主管部门组织."""
    return _system(user) or _has(user, BIG_DATA)


def can_run_sweep(user) -> bool:
    """The acceptance clock's reminders and escalations are the daily system task only."""
    return _system(user)


_BIG_DATA = {Role.BIG_DATA: SCOPE_COUNTY}
PERMISSIONS: list[Permission] = [
    Permission(
        "egov.plan_year_open",
        "开启计划年度（计算三个截止日）",
        dict(_BIG_DATA),
        note="1号 三、（一）、（二）",
    ),
    Permission(
        "egov.template_upload",
        "上传申报材料模板（附件1—7）",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY, Role.BIG_DATA: SCOPE_COUNTY},
        note="附件未随文印发，由管理员上传",
    ),
    Permission(
        "egov.application_write",
        "填报、修改和提交项目申报",
        {Role.BUDGET_UNIT: SCOPE_FIRM},
        note="1号 三、（一）：本单位的项目",
    ),
    Permission(
        "egov.application_assess",
        "认定技术设计复杂、记录咨询单位审核与采购日期、备案",
        dict(_BIG_DATA),
        note="1号 三、（一）",
    ),
    Permission(
        "egov.secrecy_confirm", "涉密项目审查确认", {Role.SECRECY: SCOPE_COUNTY}, note="1号 三、（一）"
    ),
    Permission(
        "egov.development_approval",
        "记录县重大项目立项审批",
        {Role.DEVELOPMENT: SCOPE_COUNTY},
        note="1号 三、（一）",
    ),
    Permission(
        "egov.review_start",
        "准予评审审查、确定评审方式、记录现场评审步骤",
        dict(_BIG_DATA),
        note="1号 三、（二）1—2",
    ),
    Permission(
        "egov.report_upload",
        "上传项目评审报告",
        {Role.BIG_DATA: SCOPE_COUNTY, Role.EGOV_REVIEWER: SCOPE_CASE},
        note="1号 三、（二）2",
    ),
    Permission("egov.sign_technical", "会签审核意见（技术）", dict(_BIG_DATA), note="1号 三、（二）2"),
    Permission(
        "egov.sign_fiscal",
        "会签审核意见（财政）并确定投资",
        {Role.FINANCE: SCOPE_COUNTY},
        note="1号 三、（二）2",
    ),
    Permission("egov.plan_compile", "编制年度建设计划及其调整", dict(_BIG_DATA), note="1号 三、（二）3"),
    Permission(
        "egov.plan_approve",
        "审定年度建设计划",
        {Role.COUNTY_GOVERNMENT: SCOPE_COUNTY},
        note="1号 三、（二）3",
    ),
    Permission(
        "egov.construction_build",
        "报送采购文件、申请政务云资源、监理备案、登记开工、报告设计变更、登记整改、初步验收、申请竣工验收、投入使用",
        {Role.BUDGET_UNIT: SCOPE_FIRM},
        note="1号 三、（三）—（四）：本单位的项目",
    ),
    Permission(
        "egov.procurement_review",
        "审核采购文件、审批政务云资源和重大设计变更、认定免于监理",
        dict(_BIG_DATA),
        note="1号 三、（三）1—3",
    ),
    Permission(
        "egov.procurement_record",
        "登记政府采购结果",
        {Role.TRADING_CENTRE: SCOPE_CASE},
        note="1号 三、（三）1：经审核的采购文件",
    ),
    Permission("egov.inspect", "监督检查、提出处理意见", dict(_BIG_DATA), note="1号 三、（三）4"),
    Permission(
        "egov.sanction_approve",
        "批准或解除对项目建设单位的处理",
        {Role.COUNTY_GOVERNMENT: SCOPE_COUNTY},
        note="1号 三、（三）4",
    ),
    Permission(
        "egov.payment_record",
        "登记拨款、结算评审",
        {Role.FINANCE: SCOPE_COUNTY},
        note="1号 三、（二）3、三、（四）2",
    ),
    Permission("egov.accept", "确认验收材料、作出竣工验收结论", dict(_BIG_DATA), note="1号 三、（四）2"),
    Permission("egov.acceptance_sweep", "验收时限提醒与超期督办", {}, note="每日系统任务"),
]


# ---------------------------------------------------------------- operation, performance and the portfolio (三、（五）, 四、)

# The portfolio of every project with its gates, evidence and money: 县大数据局 and 县财政局 (二、, 三、（二）3).
PORTFOLIO = frozenset({Role.BIG_DATA, Role.FINANCE})


def can_view_portfolio(user) -> bool:
    return _has(user, PORTFOLIO)


def can_view_ratings(user) -> bool:
    """The assessment of contractors, supervisors, consultants and O&M bodies is a reference for procurement (四、):
    the county's readers, not a budget unit (it names other units' projects)."""
    return can_see_all(user)


def can_record_operation(user, application) -> bool:
    """三、（五）: 县大数据局 coordinates the O&M of cloud-based projects; a unit maintains its own application system."""
    return _system(user) or _has(user, BIG_DATA) or own_unit(user, application)


def can_evaluate_performance(user, application) -> bool:
    """四、: the performance evaluation is led by the competent department."""
    return _system(user) or _has(user, BIG_DATA)


def can_rate_supplier(user, application) -> bool:
    return _system(user) or _has(user, BIG_DATA)


def can_decide_next_year(user) -> bool:
    """三、（四）2 and 四、: reducing or refusing a unit's next-year projects is a person's decision; the competent
    department, which compiles the next plan."""
    return _system(user) or _has(user, BIG_DATA)


PERMISSIONS += [
    Permission(
        "egov.portfolio_view",
        "查看项目总览（各环节、证据、计划与核定投资、基线）",
        {Role.BIG_DATA: SCOPE_COUNTY, Role.FINANCE: SCOPE_COUNTY},
        note="1号 二、",
    ),
    Permission(
        "egov.operation_record",
        "登记运行维护安排",
        {Role.BIG_DATA: SCOPE_COUNTY, Role.BUDGET_UNIT: SCOPE_FIRM},
        note="1号 三、（五）",
    ),
    Permission("egov.performance_evaluate", "登记项目绩效评估", dict(_BIG_DATA), note="1号 四、"),
    Permission("egov.supplier_rate", "登记参建单位评估考核", dict(_BIG_DATA), note="1号 四、"),
    Permission(
        "egov.next_year_decide",
        "确认压缩或不予安排下一年度项目",
        dict(_BIG_DATA),
        note="1号 三、（四）2，四、：平台只作提示",
    ),
]
