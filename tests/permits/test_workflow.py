"""Applications and materials (C9), who sees what, late departments, extensions, reminders, reports (C11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation, RoleGrant
from countyhall.permits import selectors
from countyhall.permits.models import Case, ClockNotice, ProgressReport, StageLimit
from countyhall.permits.services import (
    case_accept,
    case_clock,
    case_decide,
    case_note_add,
    case_resume,
    clock_sweep,
    extension_approve,
    extension_request,
    permit_stage_apply,
    permit_stage_submit,
    progress_report_submit,
    project_register,
    review_clock,
    review_give,
)
from tests.permits.conftest import configure_stage

pytestmark = pytest.mark.django_db
D = dt.date


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


@pytest.fixture
def firms(world, make_user, county_tree):
    """The project's own firm user and a user of another firm."""
    own = make_user("firm-own", "applicant_firm")
    own.organisation = world["project"].applicant
    own.save()
    other_firm = Organisation.objects.create(
        name="另一开发公司", kind="enterprise", division=county_tree["county"]
    )
    other = make_user("firm-other", "applicant_firm")
    other.organisation = other_firm
    other.save()
    project_register(
        actor=world["users"]["approval"],
        code="2021-370322-70-03-000002",
        name="另一项目",
        category="social_civil",
        site=county_tree["village_a"],
        applicant=other_firm,
    )
    return {"own": own, "other": other}


def _materials(world, stage1: str, stage2: str):
    admin, orgs = world["admin"], world["orgs"]
    configure_stage(
        actor=admin,
        category="social_civil",
        stage="立项用地规划许可",
        working_days=10,
        lead=orgs["resources"],
        participants=[orgs["approval"]],
        basis="流程图（示例）",
        materials=stage1,
    )
    configure_stage(
        actor=admin,
        category="social_civil",
        stage="工程建设许可",
        working_days=15,
        lead=orgs["approval"],
        participants=[orgs["resources"], orgs["housing"]],
        basis="流程图（示例）",
        materials=stage2,
    )


def _approve(world, case, on):
    for review in case.reviews.select_related("department"):
        user = next(u for u in world["users"].values() if u.organisation_id == review.department_id)
        review_give(actor=user, case=case, opinion="approve", on=on)
    lead = next(u for u in world["users"].values() if u.organisation_id == case.lead_id)
    return case_decide(actor=lead, case=case, approve=True, on=on)


def test_one_set_of_materials_per_stage_and_nothing_asked_twice(world, firms):
    _materials(world, "立项申请表\n用地红线图", "用地红线图\n设计方案")
    project, firm = world["project"], firms["own"]
    with pytest.raises(ServiceError) as error:
        permit_stage_apply(
            actor=firm,
            project=project,
            stage="立项用地规划许可",
            on=D(2022, 6, 1),
            files={"立项申请表": pdf("a")},
        )
    assert error.value.field == "materials" and "用地红线图" in error.value.message
    assert not Case.objects.exists()  # nothing half-written
    case = permit_stage_apply(
        actor=firm,
        project=project,
        stage="立项用地规划许可",
        on=D(2022, 6, 1),
        files={"立项申请表": pdf("a"), "用地红线图": pdf("b")},
    )
    assert case.status == "submitted" and case_clock(case) is None  # the clock starts at acceptance
    case = case_accept(actor=world["users"]["resources"], case=case, on=D(2022, 6, 2))
    _approve(world, case, D(2022, 6, 6))
    from countyhall.permits.services import assessment_record, stage_materials

    assessment_record(
        actor=world["users"]["approval"],
        project=project,
        kind="地震安全性评价",
        completed_on=D(2022, 6, 6),
        reference="x",
    )
    needed = stage_materials(project=project, stage="工程建设许可")
    assert needed["reused"] == ["用地红线图"] and needed["missing"] == ["设计方案"]
    with pytest.raises(ServiceError) as error:
        permit_stage_apply(
            actor=firm,
            project=project,
            stage="工程建设许可",
            on=D(2022, 6, 7),
            files={"用地红线图": pdf("b2"), "设计方案": pdf("c")},
        )
    assert error.value.field == "materials.用地红线图" and "无需重复提交" in error.value.message
    case2 = permit_stage_apply(
        actor=firm, project=project, stage="工程建设许可", on=D(2022, 6, 7), files={"设计方案": pdf("c")}
    )
    assert project.materials.count() == 3
    audit = AuditEntry.objects.filter(object_type="permits.Case", object_id=str(case2.pk)).first()
    assert audit.after["reused"] == ["用地红线图"]


def test_only_the_applicant_or_the_window_applies_and_only_the_lead_or_window_accepts(world, firms):
    project = world["project"]
    with pytest.raises(ServiceError) as error:
        permit_stage_apply(actor=firms["other"], project=project, stage="立项用地规划许可", on=D(2022, 6, 1))
    assert error.value.field == "actor"
    case = permit_stage_apply(actor=firms["own"], project=project, stage="立项用地规划许可", on=D(2022, 6, 1))
    with pytest.raises(ServiceError):
        case_accept(actor=world["users"]["housing"], case=case, on=D(2022, 6, 1))
    with pytest.raises(ServiceError):
        case_accept(actor=firms["own"], case=case, on=D(2022, 6, 1))
    case_accept(actor=world["users"]["resources"], case=case, on=D(2022, 6, 1))
    assert case.reviews.count() == 2


def test_a_firm_sees_only_its_own_projects_and_no_internal_notes(world, firms, client):
    project = world["project"]
    case = permit_stage_submit(
        actor=world["users"]["approval"],
        project=project,
        stage="立项用地规划许可",
        accepted_on=D(2022, 6, 1),
        files=None,
    )
    case_note_add(actor=world["users"]["resources"], case=case, text="内部：核查用地性质", internal=True)
    case_note_add(actor=world["users"]["resources"], case=case, text="请补充权属证明原件", internal=False)
    with pytest.raises(ServiceError):  # 县住建局 holds no review of this stage
        case_note_add(actor=world["users"]["housing"], case=case, text="x")
    assert [p.code for p in selectors.project_list_for_user(firms["own"])] == [project.code]
    assert [p.name for p in selectors.project_list_for_user(firms["other"])] == ["另一项目"]
    client.force_login(firms["own"])
    html = client.get(f"/permits/p/{project.pk}/").content.decode()
    assert "请补充权属证明原件" in html and "核查用地性质" not in html
    client.force_login(firms["other"])
    assert client.get(f"/permits/p/{project.pk}/").status_code == 404
    assert "示例小区" not in client.get("/permits/").content.decode()
    assert client.get("/permits/credit/").status_code == 403
    client.force_login(world["users"]["resources"])
    assert "核查用地性质" in client.get(f"/permits/p/{project.pk}/").content.decode()


def test_a_department_sees_only_the_reviews_it_holds(world, make_user):
    users, orgs = world["users"], world["orgs"]
    case = permit_stage_submit(
        actor=users["approval"], project=world["project"], stage="立项用地规划许可", accepted_on=D(2021, 9, 1)
    )
    case = _approve(world, case, D(2021, 9, 2))
    # 县住建局 holds no review of stage 1: it does not see the project at all.
    assert list(selectors.project_list_for_user(users["housing"])) == []
    # A participant sees its own opinion only; the lead sees every opinion it must combine.
    participant = make_user("u-approval-2", "permit_reviewer")
    participant.organisation = orgs["approval"]
    participant.save()
    RoleGrant.objects.filter(user=participant).update(role="permit_reviewer")
    seen = selectors.case_reviews_for_user(participant, case)
    assert [r.department.name for r in seen] == ["县行政审批服务局"]
    assert len(selectors.case_reviews_for_user(users["resources"], case)) == 2
    unrelated = make_user("u-env", "permit_reviewer")
    assert list(selectors.project_list_for_user(unrelated)) == []


def test_a_parallel_stage_with_one_late_department(world):
    users, orgs, admin = world["users"], world["orgs"], world["admin"]
    configure_stage(
        actor=admin,
        category="social_civil",
        stage="立项用地规划许可",
        working_days=10,
        lead=orgs["resources"],
        participants=[orgs["approval"], orgs["housing"]],
        basis="流程图（示例）",
        review_working_days=5,
    )
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 5, 30),
    )
    review_give(actor=users["resources"], case=case, opinion="approve", on=D(2022, 5, 31))
    review_give(actor=users["approval"], case=case, opinion="approve", on=D(2022, 6, 2))
    # 县住建局's 5 working days: 31 May, 1, 2, 6, 7 June (3 June is the Dragon Boat Festival) — due 7 June.
    housing_review = case.reviews.get(department=orgs["housing"])
    assert review_clock(housing_review, on=D(2022, 6, 6)).remaining == 1
    created = clock_sweep(on=D(2022, 6, 6))
    assert created == {"reminder": 1, "escalation": 0}
    late = review_clock(housing_review, on=D(2022, 6, 9))
    assert (late.due, late.overdue, late.days_over) == (D(2022, 6, 7), True, 2)
    assert clock_sweep(on=D(2022, 6, 9)) == {"reminder": 0, "escalation": 2}  # the department and the lead
    assert clock_sweep(on=D(2022, 6, 9)) == {"reminder": 0, "escalation": 0}  # once per clock
    escalated = set(
        ClockNotice.objects.filter(kind="escalation").values_list("organisation__name", flat=True)
    )
    assert escalated == {"县住房和城乡建设局", "县自然资源局"}
    from countyhall.core.models import OutboxMessage

    assert (
        set(OutboxMessage.objects.filter(subject="超期督办").values_list("organisation__name", flat=True))
        == escalated
    )
    desk = selectors.department_desk(organisation=orgs["housing"], on=D(2022, 6, 9))
    assert [row.case.pk for row in desk["overdue"]] == [case.pk]
    lead_desk = selectors.department_desk(organisation=orgs["resources"], on=D(2022, 6, 9))
    assert lead_desk["leading"][0]["waiting"] == 1 and lead_desk["leading"][0]["ready"] is False
    assert not review_clock(case.reviews.get(department=orgs["approval"]), on=D(2022, 6, 9)).overdue
    with pytest.raises(ServiceError):
        case_decide(actor=users["resources"], case=case, approve=True, on=D(2022, 6, 9))
    review_give(actor=users["housing"], case=case, opinion="approve", on=D(2022, 6, 9))
    case = case_decide(actor=users["resources"], case=case, approve=True, on=D(2022, 6, 9))
    assert case_clock(case).overdue is False  # the stage itself finished within its 10 days


def test_extensions_need_a_reason_and_another_approver(world, make_user):
    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 5, 30),
    )
    due = case_clock(case, on=D(2022, 5, 31)).due
    with pytest.raises(ServiceError) as error:
        extension_request(actor=users["resources"], case=case, working_days=5, reason=" ")
    assert error.value.field == "reason"
    with pytest.raises(ServiceError):
        extension_request(
            actor=users["approval"], case=case, working_days=5, reason="需现场踏勘"
        )  # not the lead
    extension = extension_request(actor=users["resources"], case=case, working_days=5, reason="需现场踏勘")
    assert case_clock(case, on=D(2022, 5, 31)).due == due  # not yet approved
    with pytest.raises(ServiceError):
        extension_approve(actor=users["resources"], extension=extension)  # not 行政审批服务局
    extension_approve(actor=users["approval"], extension=extension, on=D(2022, 6, 1))
    clock = case_clock(Case.objects.get(pk=case.pk), on=D(2022, 5, 31))
    assert clock.limit == 15 and clock.due > due


def test_resume_keeps_both_dates_and_new_material_versions(world, firms):
    _materials(world, "用地红线图", "")
    case = permit_stage_apply(
        actor=firms["own"],
        project=world["project"],
        stage="立项用地规划许可",
        on=D(2022, 6, 1),
        files={"用地红线图": pdf("v1")},
    )
    case_accept(actor=world["users"]["approval"], case=case, on=D(2022, 6, 1))
    review_give(
        actor=world["users"]["approval"],
        case=case,
        opinion="request_correction",
        reasons="红线图不清晰",
        on=D(2022, 6, 2),
    )
    with pytest.raises(ServiceError):
        case_resume(actor=firms["other"], case=case, on=D(2022, 6, 8))
    case_resume(actor=firms["own"], case=case, on=D(2022, 6, 8), files={"用地红线图": pdf("v2")})
    suspension = case.suspensions.get()
    assert (suspension.start, suspension.end, suspension.reason) == (
        D(2022, 6, 2),
        D(2022, 6, 8),
        "县行政审批服务局：红线图不清晰",
    )
    assert sorted(world["project"].materials.values_list("version", flat=True)) == [1, 2]


def test_monthly_progress_report(world, client):
    users, orgs = world["users"], world["orgs"]
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 5, 30),
    )
    _approve(world, case, D(2022, 6, 2))
    from countyhall.permits.selectors import monthly_progress, time_used_statistics

    progress = monthly_progress(lead=orgs["resources"], year=2022, month=6, on=D(2022, 6, 20))
    assert progress["totals"]["decided"] == 1 and progress["totals"]["approved"] == 1
    assert progress["deadline"] == D(2022, 6, 24) and progress["citation"].line == 2298
    report = progress_report_submit(
        actor=users["resources"], lead=orgs["resources"], year=2022, month=6, on=D(2022, 6, 24)
    )
    assert report.late is False and report.summary["totals"]["decided"] == 1
    with pytest.raises(ServiceError):
        progress_report_submit(
            actor=users["resources"], lead=orgs["resources"], year=2022, month=6, on=D(2022, 6, 24)
        )
    late = progress_report_submit(
        actor=users["resources"], lead=orgs["resources"], year=2022, month=7, on=D(2022, 7, 25)
    )
    assert late.late is True
    with pytest.raises(ServiceError) as error:
        progress_report_submit(
            actor=users["housing"], lead=orgs["resources"], year=2022, month=8, on=D(2022, 8, 1)
        )
    assert error.value.field == "lead"
    with pytest.raises(ServiceError):
        progress_report_submit(
            actor=world["users"]["approval"], lead=orgs["housing"], year=2022, month=8, on=D(2022, 8, 1)
        )  # leads nothing
    assert ProgressReport.objects.count() == 2
    stats = time_used_statistics()
    assert (
        stats[0]["stage"] == "立项用地规划许可" and stats[0]["decided"] == 1 and stats[0]["max_used"] == 3
    )  # 31 May, 1 and 2 June
    client.force_login(users["resources"])
    query = f"lead={orgs['resources'].pk}&year=2022&month=6"
    html = client.get(f"/permits/reports/?{query}").content.decode()
    assert world["project"].code in html and "逾期报送" in html
    assert client.get(f"/permits/reports/?{query}&format=xlsx")["Content-Type"].startswith("application/vnd")
    assert client.get(f"/permits/reports/?{query}&format=pdf").content[:4] == b"%PDF"


def test_stage_configuration_page(world, client):
    client.force_login(world["admin"])
    html = client.get("/permits/limits/").content.decode()
    assert "总时限 45 个工作日" in html and "（高政办发〔2021〕3号）附件" in html  # core's citation_link
    response = client.post(
        "/permits/limits/",
        {
            "category": "social_civil",
            "stage": "施工许可",
            "working_days": 30,
            "lead": world["orgs"]["housing"].pk,
            "basis": "流程图",
        },
    )
    assert "超过该类项目总时限 45" in response.content.decode()
    assert not StageLimit.objects.filter(stage="施工许可").exists()
    client.force_login(world["users"]["housing"])
    assert client.post("/permits/limits/", {"category": "social_civil"}).status_code == 403


def test_cli_sweep_is_idempotent_and_reports_bad_dates(world, monkeypatch, capsys):
    from tests.core.test_calc import run_cli

    permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 5, 30),
    )
    code, out = run_cli(monkeypatch, capsys, ["permits", "sweep", "--on", "2022-06-30"])
    assert code == 0 and out["created"]["escalation"] >= 1
    code, again = run_cli(monkeypatch, capsys, ["permits", "sweep", "--on", "2022-06-30"])
    assert again["created"] == {"reminder": 0, "escalation": 0}
    code, out = run_cli(monkeypatch, capsys, ["permits", "sweep", "--on", "30/06/2022"])
    assert code == 2 and out["error"]["field"] == "--on"


def test_materials_are_served_only_within_scope_and_staff_reads_are_audited(world, firms, client):
    _materials(world, "用地红线图", "")
    permit_stage_apply(
        actor=firms["own"],
        project=world["project"],
        stage="立项用地规划许可",
        on=D(2022, 6, 1),
        files={"用地红线图": pdf("红线")},
    )
    material = world["project"].materials.get()
    url = f"/permits/materials/{material.pk}/"
    client.force_login(firms["other"])
    assert client.get(url).status_code == 404
    client.force_login(firms["own"])
    assert b"".join(client.get(url).streaming_content).startswith(b"%PDF")
    assert not AuditEntry.objects.filter(action="read", object_type="permits.Material").exists()
    client.force_login(world["users"]["approval"])
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(
        action="read", object_type="permits.Material", object_id=str(material.pk)
    ).exists()


def test_absurd_figures_name_their_field(world):
    """Attack: an extension of 10^12 working days (the clock then counts working days for ever) and a project of
    10^12 households failed PostgreSQL's integer columns with a 500 (SQLite stored them)."""
    from countyhall.permits.services import residential_record

    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 5, 30),
    )
    with pytest.raises(ServiceError) as error:
        extension_request(actor=users["resources"], case=case, working_days=10**12, reason="需现场踏勘")
    assert error.value.field == "working_days"
    with pytest.raises(ServiceError) as error:
        residential_record(
            actor=users["approval"], project=world["project"], households=10**12, elderly_room_m2=None
        )
    assert error.value.field == "households"
    with pytest.raises(ServiceError) as error:
        residential_record(
            actor=users["approval"], project=world["project"], households=-5, elderly_room_m2=None
        )
    assert error.value.field == "households"
    with pytest.raises(ServiceError) as error:
        residential_record(
            actor=users["approval"], project=world["project"], households=200, elderly_room_m2=Decimal("1e7")
        )
    assert error.value.field == "elderly_room_m2"


@pytest.mark.parametrize("investment", ["NaN", "Infinity", "1e15", "-1", "0.001", "十万"])
def test_an_absurd_investment_names_its_field_at_registration_and_correction(world, investment):
    """Attack: 总投资 NaN, Infinity or 10^15 万元 failed the save (12 digits) with a 500, at 立项 and at 更正."""
    from countyhall.permits.services import project_correct, project_register

    with pytest.raises(ServiceError) as error:
        project_correct(
            actor=world["users"]["approval"],
            project=world["project"],
            reason="更正总投资",
            investment=investment,
        )
    assert error.value.field == "investment"
    with pytest.raises(ServiceError) as error:
        project_register(
            actor=world["users"]["approval"],
            code="2021-370322-70-03-000002",
            name="另一小区",
            category="social_civil",
            site=world["project"].site,
            applicant=world["project"].applicant,
            investment=investment,
        )
    assert error.value.field == "investment"


@pytest.mark.parametrize(
    ("working_days", "message"),
    [(0, "至少为 1 天"), (-3, "至少为 1 天"), ("5", "须为整数"), (True, "须为整数"), (2.5, "须为整数")],
)
def test_extension_days_are_a_whole_positive_number(world, working_days, message):
    """The permits guard checks the type; at least one day is the core clock's rule (one message, one place)."""
    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 5, 30),
    )
    with pytest.raises(ServiceError) as error:
        extension_request(actor=users["resources"], case=case, working_days=working_days, reason="需现场踏勘")
    assert error.value.field == "working_days" and message in str(error.value)
