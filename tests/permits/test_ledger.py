"""The project ledger in Excel: template, row errors by row and column, all-or-nothing, idempotent re-import."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from countyhall.core.models import AuditEntry
from countyhall.permits.models import Project
from countyhall.permits.services import project_ledger_export, project_ledger_import, project_ledger_template
from countyhall.permits.services.ledger import HEADERS

pytestmark = pytest.mark.django_db


def book(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(n: int, **changes):
    values = {
        "code": f"2022-370322-26-03-00010{n}",
        "name": f"项目{n}",
        "category": "社会投资工业类",
        "land": "出让",
        "site": "370322001201",
        "applicant": "示例置业公司",
        "investment": "1200",
        "zone": "否",
        "households": "",
    }
    values.update(changes)
    return [
        values["code"],
        values["name"],
        values["category"],
        values["land"],
        values["site"],
        values["applicant"],
        values["investment"],
        values["zone"],
        "王某",
        "刘某",
        "0533-1",
        values["households"],
    ]


def test_import_is_all_or_nothing_then_idempotent(world):
    bad = book([row(1), row(2, category="工业"), row(3, site="999"), row(4, applicant="不存在公司")])
    report = project_ledger_import(actor=world["users"]["approval"], content=bad)
    assert not report.applied and Project.objects.count() == 1  # only the fixture's project
    assert [(e.row, e.field) for e in report.errors] == [
        (3, "项目类别"),
        (4, "建设地点区划代码"),
        (5, "建设单位"),
    ]
    partial = project_ledger_import(actor=world["users"]["approval"], content=bad, mode="valid_only")
    assert partial.applied and partial.created == 1
    good = book([row(1), row(5, land="带方案出让", category="社会投资带方案出让土地类")])
    again = project_ledger_import(actor=world["users"]["approval"], content=good)
    assert (again.created, again.unchanged, again.errors) == (1, 1, [])
    assert project_ledger_import(actor=world["users"]["approval"], content=good).unchanged == 2
    changed = project_ledger_import(actor=world["users"]["approval"], content=book([row(1, name="改名")]))
    assert changed.errors[0].message.startswith("该代码已登记且内容不同") and not changed.applied
    mismatch = project_ledger_import(
        actor=world["users"]["approval"], content=book([row(6, land="带方案出让")])
    )  # the service's own rule (C3)
    assert mismatch.errors[0].field == "土地供应方式"
    assert AuditEntry.objects.filter(action="ingest", object_type="permits.Project").count() == 3


def test_export_reimports_and_template_matches(world):
    exported = project_ledger_export(Project.objects.all())
    assert list(next(load_workbook(io.BytesIO(exported)).active.values)) == HEADERS
    assert project_ledger_import(actor=world["users"]["approval"], content=exported).unchanged == 1
    assert list(next(load_workbook(io.BytesIO(project_ledger_template())).active.values)) == HEADERS


def test_import_page(world, client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world["users"]["approval"])
    html = client.post(
        "/permits/", {"file": SimpleUploadedFile("台账.xlsx", book([row(7)])), "mode": "all_or_nothing"}
    ).content.decode()
    assert "新增 1" in html and Project.objects.filter(name="项目7").exists()
    assert client.get("/permits/?format=template")["Content-Disposition"].startswith("attachment")
    client.force_login(world["users"]["housing"])
    assert (
        client.post("/permits/", {"file": SimpleUploadedFile("台账.xlsx", book([row(8)]))}).status_code == 403
    )
