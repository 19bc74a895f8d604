"""Pages and API of the approval system: the monthly report only for the leads a user may see, material
downloads audited outside the test's transaction, bad parameters answered 400, personal-data reads audited,
overlong ledger cells as row errors."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from countyhall.core.models import AuditEntry
from countyhall.permits.models import Material, StageLimit
from countyhall.permits.services import credit_record_add, permit_stage_apply, permit_stage_submit
from countyhall.permits.services.ledger import HEADERS, project_ledger_import

D = dt.date


def _report(client, lead, **extra):
    return client.get("/permits/reports/", {"lead": lead.pk, "year": 2021, "month": 9, **extra})


@pytest.mark.django_db
def test_monthly_report_only_for_leads_in_scope(client, world):
    users, orgs = world["users"], world["orgs"]
    permit_stage_submit(
        actor=users["approval"], project=world["project"], stage="立项用地规划许可", accepted_on=D(2021, 9, 1)
    )
    client.force_login(users["housing"])  # 县住建局 leads no stage and holds no part of 县自然资源局's cases
    assert _report(client, orgs["resources"]).status_code == 403
    assert _report(client, orgs["resources"], format="xlsx").status_code == 403
    assert _report(client, orgs["resources"], format="pdf").status_code == 403
    client.force_login(users["approval"])  # 县行政审批服务局 (county-wide) sees every lead
    ok = _report(client, orgs["resources"])
    assert ok.status_code == 200 and world["project"].code in ok.content.decode()
    client.force_login(users["resources"])  # its own month
    assert _report(client, orgs["resources"]).status_code == 200
    assert _report(client, orgs["approval"]).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lead": "abc", "year": "2021", "month": "9"}, "牵头部门"),
        ({"lead": "LEAD", "year": "二〇二一", "month": "9"}, "年"),
        ({"lead": "LEAD", "year": "2021", "month": "13"}, "月"),
        ({"lead": "LEAD", "year": "2021", "month": "x"}, "月"),
        ({"lead": "LEAD", "year": "2021", "month": "9", "format": "docx"}, "格式"),
    ],
)
def test_report_parameters_are_validated(client, world, params, field):
    client.force_login(world["users"]["approval"])
    params = {k: (str(world["orgs"]["resources"].pk) if v == "LEAD" else v) for k, v in params.items()}
    response = client.get("/permits/reports/", params)
    assert response.status_code == 400
    assert field in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/permits/?category=nope", "项目类别"),
        ("/permits/?format=csv", "格式"),
        ("/permits/credit/?show=everything", "显示范围"),
    ],
)
def test_list_parameters_are_validated(client, world, url, field):
    client.force_login(world["users"]["approval"])
    response = client.get(url)
    assert response.status_code == 400 and field in response.content.decode()


@pytest.mark.django_db
def test_bad_ids_posted_to_a_project_are_a_message_not_a_server_error(client, world):
    client.force_login(world["users"]["approval"])
    url = f"/permits/p/{world['project'].pk}/"
    for action, key in (("accept", "case"), ("approve_extension", "extension"), ("check", "commitment")):
        response = client.post(url, {"action": action, key: "abc", "kept": "1", "findings": "x"}, follow=True)
        assert response.status_code == 200 and "应为编号" in response.content.decode()
    response = client.post("/permits/reports/", {"lead": "abc", "year": "2021", "month": "9"}, follow=True)
    assert response.status_code == 200 and "应为编号" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_staff_download_of_a_material_is_audited_outside_a_test_transaction(client, county_tree, make_user):
    from tests.permits.conftest import world as world_fixture

    world = world_fixture.__wrapped__(county_tree, make_user)
    StageLimit.objects.filter(stage="立项用地规划许可").update(materials="立项申请表")
    upload = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    permit_stage_apply(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        on=D(2021, 9, 1),
        files={"立项申请表": upload},
    )
    material = Material.objects.get()
    client.force_login(world["users"]["approval"])
    response = client.get(f"/permits/materials/{material.pk}/")
    assert response.status_code == 200
    assert (
        AuditEntry.objects.filter(
            action="read", object_type="permits.Material", object_id=str(material.pk)
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_exports_and_lists_naming_persons_are_audited(client, world):
    users = world["users"]
    client.force_login(users["approval"])
    before = AuditEntry.objects.filter(action="read").count()
    assert client.get("/permits/", {"format": "xlsx", "q": "示例"}).status_code == 200
    entry = AuditEntry.objects.filter(action="read").latest("id")
    assert entry.object_type == "permits.Project" and entry.after == {"filters": {"q": "示例"}, "count": 1}
    credit_record_add(
        actor=users["approval"], practitioner="赵某", reason="violation", detail="x", listed_on=D(2021, 9, 1)
    )
    assert client.get("/permits/credit/").status_code == 200
    entry = AuditEntry.objects.filter(action="read").latest("id")
    assert entry.object_type == "permits.CreditRecord" and entry.after["count"] == 1
    api = APIClient()
    api.force_authenticate(users["approval"])
    assert api.get("/api/v1/permits/projects").status_code == 200
    entry = AuditEntry.objects.filter(action="read").latest("id")
    assert entry.object_type == "permits.Project" and entry.after["count"] == 1
    assert AuditEntry.objects.filter(action="read").count() == before + 3
    assert "赵某" not in entry.object_repr


@pytest.mark.django_db
def test_api_registration_refused_by_the_service_is_403(world):
    api = APIClient()
    api.force_authenticate(world["users"]["housing"])
    response = api.post(
        "/api/v1/permits/projects",
        {
            "code": "2022-370322-44-03-000019",
            "name": "x",
            "category": "social_industrial",
            "site": world["project"].site_id,
            "applicant": world["project"].applicant_id,
        },
        format="json",
    )
    assert response.status_code == 403 and response.json()["error"]["field"] == "actor"


@pytest.mark.django_db
def test_overlong_ledger_cells_are_row_errors_naming_the_column(world):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append(
        [
            "2022-370322-26-03-000201",
            "项" * 201,
            "社会投资工业类",
            "出让",
            "370322001201",
            "示例置业公司",
            "",
            "否",
            "王" * 33,
            "刘某",
            "0" * 21,
            "",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = project_ledger_import(actor=world["users"]["approval"], content=buffer.getvalue())
    assert not report.applied
    assert [(e.row, e.field) for e in report.errors] == [(2, "项目名称"), (2, "法定代表人"), (2, "联系电话")]
    assert "200" in report.errors[0].message


@pytest.mark.django_db
def test_audit_rows_keep_named_persons_masked(world):
    from countyhall.permits.services import project_register

    project = project_register(
        actor=world["users"]["approval"],
        code="2021-370322-70-03-000031",
        name="x",
        category="social_civil",
        site=world["project"].site,
        applicant=world["project"].applicant,
        legal_representative="王大明",
        project_manager="刘小红",
    )
    entry = AuditEntry.objects.filter(object_type="permits.Project", object_id=str(project.pk)).latest("id")
    assert entry.after["legal_representative"] == "王*明" and entry.after["project_manager"] == "刘*红"
    record = credit_record_add(
        actor=world["users"]["approval"],
        practitioner="赵一二",
        reason="violation",
        detail="x",
        listed_on=D(2021, 9, 1),
    )
    entry = AuditEntry.objects.filter(object_type="permits.CreditRecord", object_id=str(record.pk)).latest(
        "id"
    )
    assert entry.after["practitioner"] == "赵*二" and "赵一二" not in entry.object_repr


def test_project_detail_page_and_api_are_audited_reads(client, world):
    from countyhall.core.models import AuditEntry

    project = world["project"]
    client.force_login(world["users"]["approval"])
    before = AuditEntry.objects.filter(action="read", object_type="permits.Project").count()
    assert client.get(f"/permits/p/{project.pk}/").status_code == 200
    assert client.get(f"/api/v1/permits/projects/{project.pk}").status_code == 200
    reads = AuditEntry.objects.filter(action="read", object_type="permits.Project", object_id=str(project.pk))
    assert AuditEntry.objects.filter(action="read", object_type="permits.Project").count() == before + 2
    assert {e.note for e in reads} == {"工程建设项目详情（脱敏）", "工程建设项目详情（API）（脱敏）"}
