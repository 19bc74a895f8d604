"""Who may do what in the approval system: each write refused or allowed by the service itself, with scope
(firm A vs firm B's project; a department on the case vs not), and the PERMISSIONS table agreeing with the
predicates for every role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.actors import SystemActor
from countyhall.core.models import Organisation, RoleGrant
from countyhall.core.roles import Role
from countyhall.permits import access
from countyhall.permits.models import Case, Extension
from countyhall.permits.services import (
    assessment_record,
    case_accept,
    case_decide,
    case_note_add,
    clock_sweep,
    commitment_accept,
    credit_record_add,
    extension_approve,
    extension_request,
    fees_record,
    permit_stage_apply,
    permit_stage_submit,
    progress_report_submit,
    project_ledger_import,
    project_register,
    residential_record,
    review_give,
    stage_limit_set,
)

pytestmark = pytest.mark.django_db
D = dt.date


def _user(make_user, name: str, role: str, organisation: Organisation):
    user = make_user(name, role)
    user.organisation = organisation
    user.save()
    return user


@pytest.fixture
def scene(world, make_user):
    """Firm A owns the fixture's project; firm B owns another. 县自然资源局 leads stage 1, 县行政审批服务局
    reviews it; 县住建局 is on neither (it reviews only stage 2, not yet applied for)."""
    county = world["project"].site
    firm_b_org = Organisation.objects.create(name="乙置业公司", kind="enterprise", division=county)
    users = dict(world["users"])
    users["firm_a"] = _user(make_user, "firm-a", "applicant_firm", world["project"].applicant)
    users["firm_b"] = _user(make_user, "firm-b", "applicant_firm", firm_b_org)
    users["development"] = make_user("fagai", "development")
    users["auditor"] = make_user("audit-p", "auditor")
    users["admin"] = world["admin"]
    other = project_register(
        actor=users["approval"],
        code="2021-370322-70-03-000002",
        name="乙项目",
        category="social_civil",
        site=county,
        applicant=firm_b_org,
    )
    case = permit_stage_submit(
        actor=users["approval"], project=world["project"], stage="立项用地规划许可", accepted_on=D(2021, 9, 1)
    )
    return {**world, "users": users, "other": other, "case": case}


# ---------------------------------------------------------------- services refuse and allow, with scope


def test_project_register_is_checked_in_the_service(scene):
    site, applicant = scene["project"].site, scene["project"].applicant
    for key in ("resources", "housing", "firm_a", "auditor"):
        with pytest.raises(AccessDenied):
            project_register(
                actor=scene["users"][key],
                code=f"2021-370322-70-03-1{key[:3]}",
                name="x",
                category="social_civil",
                site=site,
                applicant=applicant,
            )
    with pytest.raises(AccessDenied):
        project_register(
            actor="cli:someone",
            code="2021-370322-70-03-100009",
            name="x",
            category="social_civil",
            site=site,
            applicant=applicant,
        )
    assert project_register(
        actor=scene["users"]["development"],
        code="2021-370322-70-03-100010",
        name="发改登记",
        category="social_civil",
        site=site,
        applicant=applicant,
    ).pk


def test_stage_configuration_fees_and_ledger_only_for_their_roles(scene):
    users, orgs = scene["users"], scene["orgs"]
    with pytest.raises(AccessDenied):
        stage_limit_set(
            actor=users["housing"],
            category="social_civil",
            stage="施工许可",
            working_days=5,
            lead=orgs["housing"],
            participants=[],
            basis="x",
        )
    # The demo loader and the command line configure stages: explicitly allowed. Their limits are governed figures:
    # no system actor proposes them (four eyes need two people).
    assert stage_limit_set(
        actor=SystemActor("demo"),
        category="social_civil",
        stage="施工许可",
        lead=orgs["housing"],
        participants=[],
        basis="x",
    ).pk
    with pytest.raises(AccessDenied):
        stage_limit_set(
            actor=SystemActor("demo"),
            category="social_civil",
            stage="施工许可",
            working_days=5,
            lead=orgs["housing"],
            participants=[],
            basis="x",
        )
    with pytest.raises(AccessDenied):
        fees_record(actor=users["housing"], project=scene["project"], paid_on=D(2021, 9, 1), proof="JF-1")
    fees_record(actor=users["approval"], project=scene["project"], paid_on=D(2021, 9, 1), proof="JF-1")
    with pytest.raises(AccessDenied):
        project_ledger_import(actor=users["housing"], content=b"")


# key: may record (the window; the stage's lead department) or not (no part in the project yet, a firm, an auditor)
ASSESSMENT_CASES = [
    ("approval", True),
    ("resources", True),
    ("housing", False),
    ("development", False),
    ("firm_a", False),
    ("auditor", False),
]


def test_assessments_and_residential_figures_by_departments_on_the_project(scene):
    project = scene["project"]
    for key, allowed in ASSESSMENT_CASES:
        user = scene["users"][key]
        if allowed:
            assessment_record(
                actor=user, project=project, kind="地震安全性评价", completed_on=D(2021, 9, 2), reference="x"
            )
            residential_record(actor=user, project=project, households=100, elderly_room_m2=Decimal("30"))
            continue
        with pytest.raises(AccessDenied):
            assessment_record(
                actor=user, project=project, kind="地震安全性评价", completed_on=D(2021, 9, 2), reference="x"
            )
        with pytest.raises(AccessDenied):
            residential_record(actor=user, project=project, households=100, elderly_room_m2=Decimal("30"))


def test_firm_a_applies_for_its_own_project_not_firm_b(scene):
    users = scene["users"]
    with pytest.raises(AccessDenied):
        permit_stage_apply(
            actor=users["firm_a"], project=scene["other"], stage="立项用地规划许可", on=D(2021, 9, 1)
        )
    with pytest.raises(AccessDenied):
        permit_stage_apply(
            actor=users["housing"], project=scene["other"], stage="立项用地规划许可", on=D(2021, 9, 1)
        )
    case = permit_stage_apply(
        actor=users["firm_b"], project=scene["other"], stage="立项用地规划许可", on=D(2021, 9, 1)
    )
    with pytest.raises(AccessDenied):  # a firm never accepts, not even its own case
        case_accept(actor=users["firm_b"], case=case, on=D(2021, 9, 2))
    with pytest.raises(AccessDenied):  # 县住建局 does not lead this stage
        case_accept(actor=users["housing"], case=case, on=D(2021, 9, 2))
    assert case_accept(actor=users["resources"], case=case, on=D(2021, 9, 2)).status == Case.Status.IN_REVIEW


def test_reviewers_on_the_case_opine_and_only_the_lead_decides(scene):
    users, case = scene["users"], scene["case"]
    with pytest.raises(AccessDenied):  # not a reviewer of this case
        review_give(actor=users["housing"], case=case, opinion="approve", on=D(2021, 9, 2))
    with pytest.raises(AccessDenied):
        review_give(actor=users["firm_a"], case=case, opinion="approve", on=D(2021, 9, 2))
    review_give(actor=users["approval"], case=case, opinion="approve", on=D(2021, 9, 2))
    review_give(actor=users["resources"], case=case, opinion="approve", on=D(2021, 9, 2))
    with pytest.raises(AccessDenied):  # the window reviews here but does not lead
        case_decide(actor=users["approval"], case=case, approve=True, on=D(2021, 9, 3))
    assert (
        case_decide(actor=users["resources"], case=case, approve=True, on=D(2021, 9, 3)).status == "approved"
    )
    with pytest.raises(AccessDenied):
        commitment_accept(
            actor=users["housing"],
            case=case,
            item="x",
            area="general",
            committed_on=D(2021, 9, 3),
            check_due=D(2021, 10, 3),
        )
    assert commitment_accept(
        actor=users["resources"],
        case=case,
        item="x",
        area="general",
        committed_on=D(2021, 9, 3),
        check_due=D(2021, 10, 3),
    ).pk


def test_extensions_notes_credit_reports_and_the_sweep(scene):
    users, orgs, case = scene["users"], scene["orgs"], scene["case"]
    with pytest.raises(AccessDenied):
        extension_request(actor=users["approval"], case=case, working_days=2, reason="x")
    extension = extension_request(actor=users["resources"], case=case, working_days=2, reason="x")
    with pytest.raises(AccessDenied):
        extension_approve(actor=users["resources"], extension=extension)
    assert extension_approve(actor=users["approval"], extension=extension).approved_on
    with pytest.raises(AccessDenied):
        case_note_add(actor=users["housing"], case=case, text="x")
    with pytest.raises(AccessDenied):
        case_note_add(actor=users["firm_b"], case=case, text="x")
    assert case_note_add(actor=users["firm_a"], case=case, text="x").internal is False
    with pytest.raises(AccessDenied):
        credit_record_add(
            actor=users["resources"],
            organisation=orgs["approval"],
            reason="violation",
            detail="x",
            listed_on=D(2021, 9, 1),
        )
    assert credit_record_add(
        actor=users["housing"], practitioner="某人", reason="violation", detail="x", listed_on=D(2021, 9, 1)
    ).pk
    with pytest.raises(AccessDenied):  # 县住建局 leads nothing it could report for 县自然资源局
        progress_report_submit(
            actor=users["housing"], lead=orgs["resources"], year=2021, month=9, on=D(2021, 9, 20)
        )
    with pytest.raises(AccessDenied):  # the sweep is the daily system task, not a user's button
        clock_sweep(actor=users["approval"], on=D(2021, 9, 6))
    assert clock_sweep(actor=SystemActor("system"), on=D(2021, 9, 6)) is not None


# ---------------------------------------------------------------- the table agrees with the predicates


def _mine(make_user, role: str, n: int):
    """A user of `role` whose organisation is the applicant, the lead and the only reviewer of a case: the
    most in-scope object there is, so a predicate says yes exactly when the role may act at all."""
    from countyhall.core.models import Division
    from countyhall.permits.models import Project, Review

    site = Division.objects.get(code="370322001201")
    org = Organisation.objects.create(
        name=f"机构{n}",
        kind="enterprise" if role == Role.APPLICANT_FIRM else "department",
        division=site.parent,
    )
    user = _user(make_user, f"table-{n}", role, org)
    project = Project.objects.create(
        code=f"2021-370322-70-03-9{n:05d}", name="表", category="social_civil", site=site, applicant=org
    )
    case = Case.objects.create(
        project=project,
        stage="立项用地规划许可",
        stage_order=0,
        lead=org,
        applied_on=D(2021, 9, 1),
        accepted_on=D(2021, 9, 1),
        working_days=10,
    )
    Review.objects.create(case=case, department=org)
    someone = make_user(f"requester-{n}", Role.NATURAL_RESOURCES)
    extension = Extension.objects.create(
        case=case, working_days=1, reason="x", requested_by=someone, requested_on=D(2021, 9, 2)
    )
    return user, project, case, extension, org


def _answers(user, project, case, extension, lead) -> dict[str, bool]:
    return {
        "permits.stage_limit_set": access.can_configure_stages(user),
        "permits.project_register": access.can_register_project(user),
        "permits.project_ledger_import": access.can_import_ledger(user),
        "permits.project_correct": access.can_correct_project(user, project),
        "permits.case_return": access.can_answer_intake(user, case),
        "permits.case_refuse_intake": access.can_answer_intake(user, case),
        "permits.fees_record": access.can_record_fees(user, project),
        "permits.assessment_record": access.can_record_assessment(user, project),
        "permits.residential_record": access.can_record_residential(user, project),
        "permits.elderly_care_step_record": access.can_record_elderly_care_step(user, project),
        "permits.stage_apply": access.can_apply(user, project),
        "permits.case_accept": access.can_accept(user, case),
        "permits.review_give": access.can_give_review(user, case),
        "permits.case_resume": access.can_resume(user, case),
        "permits.case_decide": access.can_decide(user, case),
        "permits.extension_request": access.can_request_extension(user, case),
        "permits.extension_approve": access.can_approve_extension(user, extension),
        "permits.case_note_add": access.can_add_note(user, case),
        "permits.commitment_accept": access.can_supervise_commitment(user, case),
        "permits.commitment_check": access.can_supervise_commitment(user, case),
        "permits.credit_record": access.can_keep_credit(user),
        "permits.progress_report_submit": access.can_submit_progress(user, lead),
        "permits.clock_sweep": access.can_run_sweep(user),
    }


@pytest.mark.parametrize("role", list(Role))
def test_permission_table_agrees_with_the_predicates(world, make_user, role):
    n = list(Role).index(role)
    user, project, case, extension, org = _mine(make_user, role, n)
    answers = _answers(user, project, case, extension, org)
    assert set(answers) == {p.action for p in access.PERMISSIONS}
    for permission in access.PERMISSIONS:
        assert answers[permission.action] == (role in permission.allowed), (role, permission.action)


def test_a_system_actor_is_allowed_only_where_explicit(world):
    system = SystemActor("cli:root")
    project = world["project"]
    case = Case(project=project, lead=world["orgs"]["resources"])
    answers = _answers(system, project, case, Extension(case=case), world["orgs"]["resources"])
    assert {action for action, yes in answers.items() if yes} == {
        "permits.stage_limit_set",
        "permits.clock_sweep",
    }


def test_role_grants_not_on_the_table_open_nothing(world, make_user):
    user = make_user("canteen-table", Role.CANTEEN_OPERATOR)
    RoleGrant.objects.filter(user=user).delete()
    assert not any(
        _answers(
            user,
            world["project"],
            Case(project=world["project"], lead=world["orgs"]["approval"]),
            Extension(),
            world["orgs"]["approval"],
        ).values()
    )


def test_the_access_page_shows_the_permit_table(client, world):
    client.force_login(world["admin"])
    html = client.get("/access/").content.decode()
    assert "登记建设规费缴清" in html and "作出许可决定" in html
