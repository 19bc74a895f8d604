"""Issue 12 for the approval system: the window returns or refuses with a reason, the decision has no default and
is confirmed, corrections keep their history, the project code's format, the firm is told (and only that firm),
the to-dos per role, the case list's filters and the decision document."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation, OutboxMessage
from countyhall.permits import todos
from countyhall.permits.models import Case, ProjectCorrection
from countyhall.permits.services import (
    case_decide,
    case_refuse_intake,
    case_return,
    extension_approve,
    extension_request,
    permit_stage_apply,
    permit_stage_submit,
    project_code_problem,
    project_correct,
    project_register,
    review_give,
)

pytestmark = pytest.mark.django_db
D = dt.date


def _firm(make_user, name, org):
    user = make_user(name, "applicant_firm")
    user.organisation = org
    user.save()
    return user


@pytest.fixture
def scene(world, make_user):
    county = world["project"].site
    other_org = Organisation.objects.create(name="乙置业公司", kind="enterprise", division=county)
    other = project_register(
        actor=world["users"]["approval"],
        code="2021-370322-70-03-000002",
        name="乙项目",
        category="social_civil",
        site=county,
        applicant=other_org,
    )
    firm_a = _firm(make_user, "firm-ux-a", world["project"].applicant)
    firm_b = _firm(make_user, "firm-ux-b", other_org)
    return {**world, "other": other, "firm_a": firm_a, "firm_b": firm_b, "other_org": other_org}


def _messages(org):
    return list(
        OutboxMessage.objects.filter(organisation=org, channel="in_app").values_list("subject", flat=True)
    )


def _submitted(scene):
    return permit_stage_apply(
        actor=scene["firm_a"], project=scene["project"], stage="立项用地规划许可", on=D(2022, 6, 1)
    )


# ---------------------------------------------------------------- return, refuse, re-apply


def test_window_returns_an_application_with_a_reason_and_the_firm_is_told(scene):
    case = _submitted(scene)
    with pytest.raises(ServiceError) as err:
        case_return(actor=scene["users"]["approval"], case=case, reason="  ", on=D(2022, 6, 2))
    assert err.value.field == "reason"
    case = case_return(actor=scene["users"]["approval"], case=case, reason="缺用地红线图", on=D(2022, 6, 2))
    assert case.status == Case.Status.RETURNED and case.intake_reason == "缺用地红线图"
    assert case.notes.filter(internal=False, text__contains="缺用地红线图").exists()
    assert "申请已退回，请补齐材料" in _messages(scene["project"].applicant)
    assert _messages(scene["other_org"]) == []  # another firm hears nothing
    assert AuditEntry.objects.filter(note="退回申请", object_id=str(case.pk)).exists()
    # Applying again reuses the same case (one per stage) and keeps the earlier answer in its notes.
    again = _submitted(scene)
    assert again.pk == case.pk and again.status == Case.Status.SUBMITTED
    assert again.notes.filter(text__contains="退回补齐材料").exists()


def test_refuse_to_accept_only_while_waiting_and_only_by_window_or_lead(scene):
    case = _submitted(scene)
    with pytest.raises(AccessDenied):
        case_refuse_intake(actor=scene["firm_a"], case=case, reason="x")
    with pytest.raises(AccessDenied):
        case_refuse_intake(actor=scene["users"]["housing"], case=case, reason="x")
    case = case_refuse_intake(actor=scene["users"]["resources"], case=case, reason="不属于本县审批权限")
    assert case.status == Case.Status.NOT_ACCEPTED
    assert "申请不予受理" in _messages(scene["project"].applicant)
    with pytest.raises(ServiceError) as err:
        case_return(actor=scene["users"]["approval"], case=case, reason="x")
    assert err.value.field == "status"


# ---------------------------------------------------------------- decision: no default, number, notice


def _ready(scene):
    case = permit_stage_submit(
        actor=scene["users"]["approval"],
        project=scene["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 6, 1),
    )
    review_give(actor=scene["users"]["approval"], case=case, opinion="approve", on=D(2022, 6, 2))
    review_give(actor=scene["users"]["resources"], case=case, opinion="approve", on=D(2022, 6, 2))
    return case


def test_the_decision_service_has_no_default_outcome(scene):
    case = _ready(scene)
    with pytest.raises(TypeError):
        case_decide(actor=scene["users"]["resources"], case=case)  # approve= must be given
    decided = case_decide(actor=scene["users"]["resources"], case=case, approve=True, on=D(2022, 6, 3))
    assert decided.decision_number == "高审批决字〔2022〕第1号"
    assert "审批决定：准予许可" in _messages(scene["project"].applicant)
    assert _messages(scene["other_org"]) == []


def test_the_decide_page_asks_for_a_choice_and_a_confirmation(client, scene):
    case = _ready(scene)
    url = f"/permits/p/{scene['project'].pk}/"
    client.force_login(scene["users"]["resources"])
    page = client.get(url).content.decode()
    assert 'name="decision" value="approve" required>' in page and "checked> 准予许可" not in page
    # No choice: the confirmation page names the missing field; nothing is written.
    response = client.post(url, {"action": "decide", "case": case.pk})
    assert response.status_code == 400 and "请选择“准予许可”或“不予许可”" in response.content.decode()
    # A confirmed post without a choice is refused too (never read as one outcome).
    client.post(url, {"action": "decide", "case": case.pk, "confirmed": "1"})
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW
    response = client.post(url, {"action": "decide", "case": case.pk, "decision": "refuse"})
    assert response.status_code == 400 and "不予许可须写明理由" in response.content.decode()
    page = client.post(
        url, {"action": "decide", "case": case.pk, "decision": "refuse", "reasons": "规划不符"}
    )
    assert page.status_code == 200 and "确认作出统一决定" in page.content.decode()
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW
    done = client.post(
        url,
        {"action": "decide", "case": case.pk, "decision": "refuse", "reasons": "规划不符", "confirmed": "1"},
        follow=True,
    ).content.decode()
    assert "已作出决定：不予许可" in done and Case.objects.get(pk=case.pk).status == Case.Status.REFUSED


def test_return_through_the_page_is_confirmed_first(client, scene):
    case = _submitted(scene)
    url = f"/permits/p/{scene['project'].pk}/"
    client.force_login(scene["users"]["approval"])
    assert "退回或不予受理" in client.get(url).content.decode()
    page = client.post(url, {"action": "return", "case": case.pk, "reasons": "缺材料"}).content.decode()
    assert "确认退回申请" in page and Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    client.post(url, {"action": "return", "case": case.pk, "reasons": "缺材料", "confirmed": "1"})
    assert Case.objects.get(pk=case.pk).status == Case.Status.RETURNED
    client.force_login(scene["firm_a"])
    assert "缺材料" in client.get(url).content.decode()


def test_decision_document_pdf_and_excel_only_for_those_who_see_the_project(client, scene):
    case = _ready(scene)
    case_decide(actor=scene["users"]["resources"], case=case, approve=True, on=D(2022, 6, 3))
    client.force_login(scene["firm_a"])
    pdf = client.get(f"/permits/cases/{case.pk}/decision/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    sheet = client.get(f"/permits/cases/{case.pk}/decision/?format=xlsx")
    cells = [
        str(c.value)
        for row in openpyxl.load_workbook(io.BytesIO(sheet.getvalue())).active.iter_rows()
        for c in row
    ]
    assert "高审批决字〔2022〕第1号" in cells and "准予许可" in cells and "（盖章）" in cells
    assert any("高政办发〔2021〕3号 二、（五）" in c for c in cells)
    assert client.get(f"/permits/cases/{case.pk}/decision/?format=doc").status_code == 400
    client.force_login(scene["firm_b"])
    assert client.get(f"/permits/cases/{case.pk}/decision/").status_code == 404


# ---------------------------------------------------------------- extension notice


def test_an_approved_extension_is_told_to_the_firm(scene):
    case = permit_stage_submit(
        actor=scene["users"]["approval"],
        project=scene["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 6, 1),
    )
    extension = extension_request(
        actor=scene["users"]["resources"], case=case, working_days=5, reason="现场踏勘"
    )
    extension_approve(actor=scene["users"]["approval"], extension=extension)
    assert "办理时限延长" in _messages(scene["project"].applicant)


def test_a_correction_request_is_told_by_app_and_sms_when_the_phone_is_a_mobile(scene):
    project = scene["project"]
    project.contact_phone = "138-0000-1234"
    project.save()
    case = permit_stage_submit(
        actor=scene["users"]["approval"], project=project, stage="立项用地规划许可", accepted_on=D(2022, 6, 1)
    )
    review_give(
        actor=scene["users"]["resources"],
        case=case,
        opinion="request_correction",
        reasons="坐标不符",
        on=D(2022, 6, 2),
    )
    assert "请补正材料" in _messages(project.applicant)
    sms = OutboxMessage.objects.get(channel="sms", subject="请补正材料")
    assert sms.address == "13800001234" and "坐标不符" in sms.body


# ---------------------------------------------------------------- corrections and the project code


def test_a_project_is_corrected_with_a_reason_and_its_history_kept(client, scene):
    project, window = scene["project"], scene["users"]["approval"]
    with pytest.raises(ServiceError) as err:
        project_correct(actor=window, project=project, reason="", name="示例小区二期")
    assert err.value.field == "reason"
    with pytest.raises(ServiceError) as err:
        project_correct(actor=window, project=project, reason="x", code="2021-370322-70-03-000009")
    assert err.value.field == "code"
    with pytest.raises(AccessDenied):
        project_correct(actor=scene["firm_a"], project=project, reason="x", name="改名")
    project_correct(
        actor=window, project=project, reason="按批复更正名称", name="示例小区二期", project_manager="孙立华"
    )
    rows = {c.field: c for c in ProjectCorrection.objects.filter(project=project)}
    assert rows["name"].old == "示例小区" and rows["name"].new == "示例小区二期"
    assert rows["project_manager"].old == "" and rows["name"].reason == "按批复更正名称"
    entry = AuditEntry.objects.filter(object_id=str(project.pk), note__startswith="更正项目信息").get()
    assert "孙立华" not in str(entry.after)  # the named person is masked in the audit log
    client.force_login(window)
    page = client.get(f"/permits/p/{project.pk}/").content.decode()
    assert "更正记录" in page and "按批复更正名称" in page and "示例小区二期" in page
    edit = client.post(
        f"/permits/p/{project.pk}/edit/",
        {
            "name": "示例小区三期",
            "land_supply": "transfer",
            "site": project.site_id,
            "applicant": project.applicant_id,
            "reason": "",
        },
    )
    assert edit.status_code == 400 and "reason-error" in edit.content.decode()


@pytest.mark.parametrize(
    "code, ok",
    [
        ("2022-370322-26-03-000123", True),
        ("2021-370322-70-01-000001", True),
        ("2022-370322-26-04-000123", False),  # type 04 does not exist (01 审批, 02 核准, 03 备案)
        ("2022-37032-26-03-000123", False),
        ("22-370322-26-03-000123", False),
        ("2022370322260300012", False),
        ("2010-370322-26-03-000123", False),
        ("2022-370322-00-03-000123", False),
        ("示例代码", False),
    ],
)
def test_the_unified_project_code_format(code, ok):
    assert (project_code_problem(code) == "") is ok


def test_a_malformed_code_is_refused_at_registration(scene):
    with pytest.raises(ServiceError) as err:
        project_register(
            actor=scene["users"]["approval"],
            code="XM-2022-1",
            name="x",
            category="social_civil",
            site=scene["project"].site,
            applicant=scene["project"].applicant,
        )
    assert err.value.field == "code" and "2022-370322-26-03-000123" in err.value.message


# ---------------------------------------------------------------- to-dos


def _labels(user):
    return {t.label.split("（")[0]: t for t in todos.todos_for(user)}


def test_todos_for_window_department_and_firm(scene):
    case = _submitted(scene)
    window = _labels(scene["users"]["approval"])
    assert window["待受理的申请"].count == 1 and window["待受理的申请"].menu == "permits:projects"
    assert "status=submitted" in window["待受理的申请"].url
    assert "待受理的申请" in _labels(scene["users"]["resources"])  # the lead department
    assert "待受理的申请" not in _labels(scene["users"]["housing"])  # not its case
    from countyhall.permits.services import case_accept

    case_accept(actor=scene["users"]["resources"], case=case, on=D(2022, 6, 1))
    assert _labels(scene["users"]["resources"])["待出具审查意见"].count == 1
    review_give(
        actor=scene["users"]["resources"],
        case=case,
        opinion="request_correction",
        reasons="补图",
        on=D(2022, 6, 2),
    )
    firm = _labels(scene["firm_a"])
    assert firm["补正：审批部门要求补正材料"].urgent and firm["补正：审批部门要求补正材料"].count == 1
    assert _labels(scene["firm_b"]) == {}


# ---------------------------------------------------------------- the case list


def test_case_list_filters_scope_and_export(client, scene):
    _submitted(scene)
    permit_stage_apply(
        actor=scene["firm_b"], project=scene["other"], stage="立项用地规划许可", on=D(2022, 6, 5)
    )
    client.force_login(scene["users"]["approval"])
    page = client.get("/permits/cases/?status=submitted").content.decode()
    assert "示例小区" in page and "乙项目" in page and "待受理" in page
    assert "乙项目" not in client.get("/permits/cases/?applied_to=2022-06-02").content.decode()
    assert client.get("/permits/cases/?applied_from=2022-13-01").status_code == 400
    assert client.get("/permits/cases/?status=nope").status_code == 400
    assert client.get("/permits/cases/?sort=password").status_code == 400
    export = client.get("/permits/cases/?status=submitted&export=csv&cols=project__name&cols=status")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "项目名称,状态" and "乙项目" in text
    client.force_login(scene["firm_a"])
    mine = client.get("/permits/cases/").content.decode()
    assert "示例小区" in mine and "乙项目" not in mine


def test_project_list_desk_and_blacklist_tables(client, scene):
    from countyhall.permits.services import credit_record_add

    case = permit_stage_submit(
        actor=scene["users"]["approval"],
        project=scene["project"],
        stage="立项用地规划许可",
        accepted_on=D(2022, 6, 1),
    )
    client.force_login(scene["users"]["approval"])
    page = client.get("/permits/?status=in_review").content.decode()
    assert "示例小区" in page and "乙项目" not in page and "第 1 / 1 页" in page
    assert client.get("/permits/?from=2022-02-30").status_code == 400
    text = b"".join(client.get("/permits/?export=csv&cols=code&cols=name").streaming_content).decode(
        "utf-8-sig"
    )
    assert text.splitlines()[0] == "项目代码,项目名称" and "乙项目" in text
    client.force_login(scene["users"]["resources"])
    desk = client.get("/permits/desk/?opinion=open").content.decode()
    assert "本部门全部审查事项" in desk and "剩 " in desk and f"#case-{case.pk}" in desk
    assert client.get("/permits/desk/?opinion=maybe").status_code == 400
    credit_record_add(
        actor=scene["users"]["approval"],
        practitioner="赵某某",
        reason="unpaid_wages",
        detail="欠薪",
        listed_on=D(2022, 3, 1),
    )
    client.force_login(scene["users"]["approval"])
    listed = client.get("/permits/credit/?show=all&reason=unpaid_wages").content.decode()
    assert "赵某某" in listed
    assert "赵某某" not in client.get("/permits/credit/?show=all&reason=violation").content.decode()
    before = AuditEntry.objects.filter(note__contains="失信从业人员名单导出").count()
    export = b"".join(client.get("/permits/credit/?show=all&export=csv").streaming_content).decode(
        "utf-8-sig"
    )
    assert "赵某某" in export
    assert AuditEntry.objects.filter(note__contains="失信从业人员名单导出").count() == before + 1


def test_no_confirmation_page_for_who_may_not_act(client, scene):
    case = _submitted(scene)
    client.force_login(scene["firm_a"])
    url = f"/permits/p/{scene['project'].pk}/"
    assert client.post(url, {"action": "return", "case": case.pk, "reasons": "x"}).status_code == 403
    assert client.post(url, {"action": "decide", "case": case.pk, "decision": "approve"}).status_code == 403
    client.force_login(scene["firm_b"])
    assert client.post(url, {"action": "return", "case": case.pk, "reasons": "x"}).status_code == 404
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_a_correction_sets_the_builder_only_to_an_organisation_that_may_build(scene, county_tree):
    """Walk finding: a correction let the 建设单位 be any organisation (a canteen operator, a village committee)."""
    from countyhall.core.models import Organisation
    from countyhall.permits.models import Project

    project, window = scene["project"], scene["users"]["approval"]
    Project.objects.filter(pk=project.pk).update(category="gov_investment", land_supply="allocation")
    project.refresh_from_db()
    for kind in ("canteen_operator", "care_organisation", "village_committee", "other"):
        stranger = Organisation.objects.create(
            name=f"非建设单位-{kind}", kind=kind, division=county_tree["county"]
        )
        with pytest.raises(ServiceError) as err:
            project_correct(actor=window, project=project, reason="更正建设单位", applicant=stranger)
        assert err.value.field == "applicant"
    builder = Organisation.objects.create(
        name="县城投示例公司", kind="enterprise", division=county_tree["county"]
    )
    project_correct(actor=window, project=project, reason="更正建设单位", applicant=builder)
    project.refresh_from_db()
    assert project.applicant == builder
