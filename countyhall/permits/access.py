"""Who may do what in construction-project approval (3号): role sets, pure predicates, the permission table.

The role sets are defined here once; services `require(...)` the predicates, views and the API compute their
buttons from the same predicates. Predicates read the objects they are given (a project's cases, a case's
reviews) but write nothing. A system actor (the daily sweep, the demo loader) holds no role and is allowed
only where a predicate says so explicitly.
"""

from __future__ import annotations

from countyhall.core.access import SCOPE_CASE, SCOPE_COUNTY, SCOPE_FIRM, Permission
from countyhall.core.roles import Role

# Who may open the system at all; who sees which project is decided in permits.selectors.
USERS = frozenset(
    {
        Role.APPROVAL,
        Role.HOUSING,
        Role.NATURAL_RESOURCES,
        Role.DEVELOPMENT,
        Role.AUDITOR,
        Role.SYSTEM_ADMIN,
        Role.PERMIT_REVIEWER,
        Role.APPLICANT_FIRM,
        Role.CIVIL_AFFAIRS,
    }
)

# 行政审批服务局 runs the system and the one window (一窗受理); auditors and administrators read everything.
SEE_ALL = frozenset({Role.APPROVAL, Role.AUDITOR, Role.SYSTEM_ADMIN})
WINDOW = frozenset({Role.APPROVAL})
# 立项 is registered by the window or 发改 (the project code comes from the investment platform).
REGISTRARS = frozenset({Role.APPROVAL, Role.DEVELOPMENT, Role.SYSTEM_ADMIN})
# The stage limits come from unprinted flow charts: an administrator or the window enters them.
CONFIGURERS = frozenset({Role.SYSTEM_ADMIN, Role.APPROVAL})
# The blacklist (C10) is kept by the window and the supervising departments.
CREDIT_KEEPERS = frozenset({Role.APPROVAL, Role.HOUSING, Role.MARKET_REGULATION, Role.SYSTEM_ADMIN})
# Roles that act as an approval department when their organisation leads a stage or holds a review.
DEPARTMENTS = frozenset(
    {Role.APPROVAL, Role.HOUSING, Role.NATURAL_RESOURCES, Role.DEVELOPMENT, Role.PERMIT_REVIEWER}
)
# Departments that record regional assessments (C7) on a project they take part in.
ASSESSORS = frozenset(
    {Role.APPROVAL, Role.DEVELOPMENT, Role.NATURAL_RESOURCES, Role.HOUSING, Role.PERMIT_REVIEWER}
)
# Departments that keep the C12 residential figures (rooms planned, completion filing, hand-over).
RESIDENTIAL_KEEPERS = frozenset({Role.APPROVAL, Role.HOUSING, Role.NATURAL_RESOURCES})


def _roles(user) -> frozenset[str]:
    return getattr(user, "role_codes", frozenset())


def _system(user) -> bool:
    return bool(getattr(user, "is_system", False))


def sees_all(user) -> bool:
    return bool(_roles(user) & SEE_ALL)


def is_window(user) -> bool:
    return bool(_roles(user) & WINDOW)


def is_firm(user) -> bool:
    return Role.APPLICANT_FIRM in _roles(user) and not sees_all(user)


def is_department(user, organisation_id) -> bool:
    """`user` acts for the department `organisation_id` (a staff role, not a firm)."""
    return (
        bool(_roles(user) & DEPARTMENTS)
        and organisation_id is not None
        and getattr(user, "organisation_id", None) == organisation_id
    )


def is_applicant(user, project) -> bool:
    return Role.APPLICANT_FIRM in _roles(user) and user.organisation_id == project.applicant_id


def holds_review(user, case) -> bool:
    org = getattr(user, "organisation_id", None)
    return (
        org is not None
        and bool(_roles(user) & DEPARTMENTS)
        and any(r.department_id == org for r in case.reviews.all())
    )


def involved_in_project(user, project) -> bool:
    """A department that leads a stage or holds a review of the project."""
    org = getattr(user, "organisation_id", None)
    if org is None or not _roles(user) & DEPARTMENTS:
        return False
    from countyhall.permits.models import Case, Review

    return (
        Case.objects.filter(project=project, lead_id=org).exists()
        or Review.objects.filter(case__project=project, department_id=org).exists()
    )


# ---------------------------------------------------------------- predicates, one per write


def can_configure_stages(user) -> bool:
    # The demo loader and the command line configure stages too.
    return _system(user) or bool(_roles(user) & CONFIGURERS)


def can_register_project(user) -> bool:
    return bool(_roles(user) & REGISTRARS)


def can_correct_project(user, project) -> bool:
    """Correct a registered project's particulars (with a reason, kept in its history): who may register one."""
    return can_register_project(user)


def can_import_ledger(user) -> bool:
    return can_register_project(user)


def can_record_fees(user, project) -> bool:
    # C4: the fees are paid in full at the one-stop window, which records the proof.
    return is_window(user)


def can_record_assessment(user, project) -> bool:
    return is_window(user) or (bool(_roles(user) & ASSESSORS) and involved_in_project(user, project))


def can_record_residential(user, project) -> bool:
    return is_window(user) or (
        bool(_roles(user) & RESIDENTIAL_KEEPERS) and involved_in_project(user, project)
    )


def can_record_elderly_care_step(user, project) -> bool:
    """35号 一、（一）1–2: the written consultation of 民政 and the town, and their invitation to acceptance, are
    recorded by the window or the 住建/自然资源 department that holds the project's stages."""
    return can_record_residential(user, project)


def can_apply(user, project) -> bool:
    return is_window(user) or is_applicant(user, project)


def can_accept(user, case) -> bool:
    return is_window(user) or is_department(user, case.lead_id)


def can_answer_intake(user, case) -> bool:
    """Return an application to complete its materials, or refuse to accept it: whoever may accept it."""
    return can_accept(user, case)


def can_give_review(user, case) -> bool:
    return holds_review(user, case)


def can_resume(user, case) -> bool:
    return is_window(user) or is_applicant(user, case.project)


def can_decide(user, case) -> bool:
    return is_department(user, case.lead_id)


def can_request_extension(user, case) -> bool:
    return is_department(user, case.lead_id)


def can_approve_extension(user, extension) -> bool:
    # Another official approves: never the one who asked.
    return is_window(user) and user.pk != extension.requested_by_id


def can_add_note(user, case) -> bool:
    return (
        is_applicant(user, case.project)
        or is_window(user)
        or is_department(user, case.lead_id)
        or holds_review(user, case)
    )


def can_supervise_commitment(user, case) -> bool:
    """C8: the window or the case's lead department registers and checks commitments."""
    return is_window(user) or is_department(user, case.lead_id)


def can_keep_credit(user) -> bool:
    return bool(_roles(user) & CREDIT_KEEPERS)


def can_submit_progress(user, lead) -> bool:
    """C11: a lead department files its own month; the window may file for any lead."""
    return is_window(user) or is_department(user, lead.pk)


def can_view_progress(user, lead) -> bool:
    """Whose monthly progress a user may read: every lead for the county-wide roles, else its own."""
    return sees_all(user) or is_department(user, lead.pk)


def can_run_sweep(user) -> bool:
    # The reminders and escalations are the daily system task only.
    return _system(user)


def can_download_material(user, material) -> bool:
    from countyhall.permits.selectors import project_list_for_user

    return project_list_for_user(user).filter(pk=material.project_id).exists()


_DEPT_CASE = {role: SCOPE_CASE for role in DEPARTMENTS}

PERMISSIONS: list[Permission] = [
    Permission(
        "permits.stage_limit_set",
        "配置阶段时限、牵头和参与部门",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY, Role.APPROVAL: SCOPE_COUNTY},
        note="审批流程图未刊印，由管理员据实录入（高政办发〔2021〕3号）；演示数据加载器亦可",
    ),
    Permission(
        "permits.project_register",
        "立项登记（全国统一项目代码）",
        {Role.APPROVAL: SCOPE_COUNTY, Role.DEVELOPMENT: SCOPE_COUNTY, Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note="3号 C5",
    ),
    Permission(
        "permits.project_correct",
        "更正项目信息（须写明理由，保留原值）",
        {Role.APPROVAL: SCOPE_COUNTY, Role.DEVELOPMENT: SCOPE_COUNTY, Role.SYSTEM_ADMIN: SCOPE_COUNTY},
    ),
    Permission(
        "permits.project_ledger_import",
        "导入项目台账（Excel）",
        {Role.APPROVAL: SCOPE_COUNTY, Role.DEVELOPMENT: SCOPE_COUNTY, Role.SYSTEM_ADMIN: SCOPE_COUNTY},
    ),
    Permission(
        "permits.fees_record", "登记建设规费缴清", {Role.APPROVAL: SCOPE_COUNTY}, note="3号 C4：一窗缴清"
    ),
    Permission(
        "permits.assessment_record",
        "登记区域评估评价",
        {Role.APPROVAL: SCOPE_COUNTY, **{r: SCOPE_CASE for r in ASSESSORS - WINDOW}},
        note="3号 C7",
    ),
    Permission(
        "permits.residential_record",
        "住宅项目养老服务用房",
        {Role.APPROVAL: SCOPE_COUNTY, **{r: SCOPE_CASE for r in RESIDENTIAL_KEEPERS - WINDOW}},
        note="高政办字〔2021〕35号",
    ),
    Permission(
        "permits.elderly_care_step_record",
        "书面征求民政、镇办意见，邀请参与竣工验收",
        {Role.APPROVAL: SCOPE_COUNTY, **{r: SCOPE_CASE for r in RESIDENTIAL_KEEPERS - WINDOW}},
        note="35号 一、（一）1–2：设计方案审查和竣工验收的前置步骤",
    ),
    Permission(
        "permits.stage_apply",
        "阶段申报（一套材料）",
        {Role.APPROVAL: SCOPE_COUNTY, Role.APPLICANT_FIRM: SCOPE_FIRM},
        note="3号 C9",
    ),
    Permission(
        "permits.case_accept",
        "受理",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY},
        note="牵头部门或综合服务窗口",
    ),
    Permission(
        "permits.case_return",
        "退回申请（补齐材料）",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY},
        note="须写明理由，通知建设单位",
    ),
    Permission(
        "permits.case_refuse_intake",
        "不予受理",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY},
        note="须写明理由，通知建设单位",
    ),
    Permission(
        "permits.review_give", "出具审查意见（含要求补正）", dict(_DEPT_CASE), note="持有本事项审查的部门"
    ),
    Permission(
        "permits.case_resume",
        "提交补正、恢复计时",
        {Role.APPROVAL: SCOPE_COUNTY, Role.APPLICANT_FIRM: SCOPE_FIRM},
    ),
    Permission("permits.case_decide", "作出许可决定", dict(_DEPT_CASE), note="牵头部门"),
    Permission("permits.extension_request", "申请延期", dict(_DEPT_CASE), note="牵头部门"),
    Permission(
        "permits.extension_approve", "批准延期", {Role.APPROVAL: SCOPE_COUNTY}, note="不得批准本人的申请"
    ),
    Permission(
        "permits.case_note_add",
        "留言、内部备注",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY, Role.APPLICANT_FIRM: SCOPE_FIRM},
    ),
    Permission(
        "permits.commitment_accept",
        "告知承诺办理",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY},
        note="3号 C8：牵头部门或综合服务窗口",
    ),
    Permission(
        "permits.commitment_check",
        "告知承诺核查",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY},
        note="未履行承诺：撤销许可并列入失信名单",
    ),
    Permission(
        "permits.credit_record",
        "列入、移出失信名单",
        {r: SCOPE_COUNTY for r in CREDIT_KEEPERS},
        note="3号 C10",
    ),
    Permission(
        "permits.progress_report_submit",
        "报送月度进展",
        {**_DEPT_CASE, Role.APPROVAL: SCOPE_COUNTY},
        note="牵头部门报送本部门；综合服务窗口可代报",
    ),
    Permission(
        "permits.clock_sweep",
        "时限提醒与超期督办",
        {},
        note="仅由每日系统任务运行（countyhall permits sweep）",
    ),
]
