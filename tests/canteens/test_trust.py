"""Trust in the canteen records: an import never reaches a person outside the importer's scope, existing elders
change only through a confirmed preview, overlong cells are row errors, every staff read of personal data is
audited, and a bad query parameter is a 400 naming the field."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from html import unescape
from io import BytesIO

import pytest
from openpyxl import Workbook

from countyhall.canteens.models import Elder, FacilityStaff, Lunch
from countyhall.canteens.services.elders import IMPORT_COLUMNS, elder_import, elder_register
from countyhall.canteens.services.facilities import facility_staff_add
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.settlements import settlement_compute
from countyhall.core.access import AccessDenied
from countyhall.core.models import AuditEntry, Person
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db

NATURAL_B = "370322101201001"  # 青城镇 乙村 乙庄, the town officer's own town


def workbook(rows) -> bytes:
    book = Workbook()
    book.active.append([c[1] for c in IMPORT_COLUMNS])
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(
    id_number,
    name,
    *,
    division=NATURAL_B,
    address="",
    phone="",
    card="",
    tekun_source="",
    tekun_from="",
    support=None,
):
    support = ("分散" if tekun_source else "") if support is None else support
    return [id_number, name, "是", division, address, phone, card, tekun_source, tekun_from, support]


def reads(what: str):
    return AuditEntry.objects.filter(action=AuditEntry.Action.READ, object_repr__startswith=what)


# --- 1. The import and persons outside the importer's scope --------------------------------------


def test_import_cannot_rewrite_or_move_an_elder_of_another_town(canteen_world):
    minzheng, officer = canteen_world["users"]["minzheng"], canteen_world["users"]["town"]
    other = elder_register(
        actor=minzheng,
        id_number=valid_id("37032219420202071"),
        name="田大娘",
        division=canteen_world["village_a"],
        gaoqing_hukou=True,
        address="甲村9号",
    )
    report = elder_import(
        actor=officer,
        content=workbook([row(other.person.id_number, "改名", address="乙庄1号")]),
        mode="valid_only",
    )
    assert (report.created, report.updated) == (0, 0)
    [error] = report.errors
    assert error.field == "身份证号"
    assert (
        "不在您的数据范围内" in error.message
        and "青城镇以外" in error.message
        and "不能通过导入修改" in error.message
    )
    person = Person.objects.get(pk=other.person_id)
    assert (person.name, person.address, person.division) == ("田大娘", "甲村9号", canteen_world["village_a"])


def test_import_cannot_take_over_a_person_of_another_town_who_is_not_yet_an_elder(canteen_world, people):
    officer = canteen_world["users"]["town"]
    outsider = people["a"]  # 张秀英, living in 甲村 of 田镇街道
    report = elder_import(
        actor=officer, content=workbook([row(outsider.id_number, "张秀英")]), mode="valid_only"
    )
    assert report.created == 0 and "不在您的数据范围内" in report.errors[0].message
    assert not Elder.objects.filter(person=outsider).exists()
    with pytest.raises(AccessDenied) as refused:
        elder_register(
            actor=officer,
            id_number=outsider.id_number,
            name="张秀英",
            division=canteen_world["natural_b"],
            gaoqing_hukou=True,
        )
    assert refused.value.field == "id_number"


def test_default_import_leaves_existing_elders_as_they_are(canteen_world):
    officer = canteen_world["users"]["town"]
    elder = canteen_world["elders"]["same_80"]
    new_id = valid_id("37032219430303081")
    report = elder_import(
        actor=officer,
        content=workbook([row(elder.person.id_number, "赵一改", card="C001"), row(new_id, "新老人")]),
    )
    assert report.applied and (report.created, report.updated, report.existing) == (1, 0, 1)
    [change] = report.changes
    assert change.row == 2 and not change.applied and ("姓名", "赵一", "赵一改") in change.changes
    assert Person.objects.get(pk=elder.person_id).name == "赵一"
    assert Elder.objects.filter(person__id_number=new_id).exists()


def test_update_mode_previews_the_changes_then_applies_them_on_confirmation(canteen_world):
    officer = canteen_world["users"]["town"]
    elder = canteen_world["elders"]["same_80"]
    content = workbook(
        [
            row(
                elder.person.id_number,
                "赵一改",
                address="乙庄8号",
                card="C001",
                tekun_source="青民救〔2021〕8号",
                tekun_from="2021-01-01",
            )
        ]
    )
    audit_rows = AuditEntry.objects.count()
    preview = elder_import(actor=officer, content=content, mode="update")
    assert preview.preview and not preview.applied and preview.updated == 1
    [change] = preview.changes
    assert ("姓名", "赵一", "赵一改") in change.changes and ("住址", "", "乙庄8号") in change.changes
    assert any(label == "特困认定" for label, _, _ in change.changes)
    person = Person.objects.get(pk=elder.person_id)
    assert (person.name, person.address) == ("赵一", "") and not elder.tekun_periods.exists()
    # The dry run stored nothing but the audit row of the preview read (names shown next to the file's).
    assert AuditEntry.objects.count() == audit_rows + 1 and reads("助餐老人导入预览").count() == 1

    done = elder_import(actor=officer, content=content, mode="update", confirm=True)
    assert done.applied and not done.preview and done.updated == 1 and done.changes[0].applied
    person.refresh_from_db()
    assert (person.name, person.address) == ("赵一改", "乙庄8号") and elder.tekun_periods.count() == 1
    entry = AuditEntry.objects.filter(action="update", object_type="canteens.Elder").latest("id")
    assert "赵一" not in str(entry.before) and "赵*" in str(entry.before)  # the trail keeps names masked
    assert entry.object_repr.startswith("助餐老人 赵*改（370322")
    # The import's change is on the elder's page as a correction, like a clerk's edit (none from the dry run).
    [correction] = elder.corrections.all()
    assert correction.kind == "edit" and correction.reason == "Excel 导入更新（第2行）"
    assert ["姓名", "赵一", "赵一改"] in correction.changes and correction.made_by == officer


def test_update_mode_refuses_persons_outside_the_scope_too(canteen_world):
    minzheng, officer = canteen_world["users"]["minzheng"], canteen_world["users"]["town"]
    other = elder_register(
        actor=minzheng,
        id_number=valid_id("37032219420202091"),
        name="田大爷",
        division=canteen_world["village_a"],
        gaoqing_hukou=True,
    )
    report = elder_import(
        actor=officer, content=workbook([row(other.person.id_number, "改名")]), mode="update", confirm=True
    )
    assert not report.applied and "不在您的数据范围内" in report.errors[0].message
    assert Person.objects.get(pk=other.person_id).division == canteen_world["village_a"]


def test_overlong_cells_are_row_errors_naming_the_column(canteen_world):
    officer = canteen_world["users"]["town"]
    report = elder_import(
        actor=officer,
        mode="valid_only",
        content=workbook(
            [
                row(valid_id("37032219430303101"), "名" * 33),
                row(valid_id("37032219430303102"), "甲", address="址" * 201),
                row(valid_id("37032219430303103"), "乙", phone="1" * 21),
                row(valid_id("37032219430303104"), "丙", card="K" * 33),
                row(valid_id("37032219430303105"), "丁", tekun_source="依" * 201, tekun_from="2021-01-01"),
            ]
        ),
    )
    assert report.created == 0
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "姓名"),
        (3, "住址"),
        (4, "联系电话"),
        (5, "就餐卡号"),
        (6, "特困认定依据"),
    ]
    assert "超过 32 个字符" in report.errors[0].message


def test_import_page_preview_and_confirm(client, canteen_world):
    officer = canteen_world["users"]["town"]
    elder = canteen_world["elders"]["same_65"]
    client.force_login(officer)
    content = workbook([row(elder.person.id_number, "钱二改")])
    upload = BytesIO(content)
    upload.name = "elders.xlsx"
    page = client.post("/canteens/elders/import/", {"file": upload, "mode": "update"})
    html = unescape(page.content.decode())
    assert page.status_code == 200 and "更新预览（尚未导入）" in html and "姓名：钱二 → 钱二改" in html
    assert Person.objects.get(pk=elder.person_id).name == "钱二"
    posted = {
        name: value for name, value in re.findall(r'name="(content|token|confirm)" value="([^"]*)"', html)
    }
    assert set(posted) == {"content", "token", "confirm"}
    tampered = {
        **posted,
        "content": base64.b64encode(workbook([row(elder.person.id_number, "别名")])).decode(),
    }
    refused = client.post("/canteens/elders/import/", tampered)
    assert (
        "与预览的文件不一致" in refused.content.decode()
        and Person.objects.get(pk=elder.person_id).name == "钱二"
    )
    done = client.post("/canteens/elders/import/", posted)
    assert "已修改的老人" in done.content.decode()
    assert Person.objects.get(pk=elder.person_id).name == "钱二改"


# --- 2. Staff reads of personal data are audited -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_elder_list_and_search_write_one_read_row_each(client, canteen_world):
    officer = canteen_world["users"]["town"]
    client.force_login(officer)
    assert client.get("/canteens/elders/").status_code == 200
    [entry] = reads("助餐老人列表")
    assert entry.actor == officer and entry.object_type == "canteens.Elder"
    assert entry.after == {"filters": {"page": 1}, "count": 5} and "未脱敏" in entry.note
    assert (
        client.get("/canteens/elders/", {"q": "赵一", "division": canteen_world["natural_b"].pk}).status_code
        == 200
    )
    latest = reads("助餐老人列表").latest("id")
    assert latest.after == {"filters": {"q": "赵一", "division": "370322101201001", "page": 1}, "count": 1}
    # The detail page reads one person through core.selectors.people, which audits it too.
    elder = canteen_world["elders"]["same_80"]
    client.get(f"/canteens/elders/{elder.pk}/")
    assert (
        AuditEntry.objects.filter(
            action="read", object_type="core.Person", object_id=str(elder.person_id)
        ).count()
        == 1
    )


def test_operator_list_read_is_audited_as_masked(client, canteen_world):
    client.force_login(canteen_world["users"]["operator"])
    client.get("/canteens/elders/")
    entry = reads("助餐老人列表").get()
    assert "（脱敏）" in entry.note


def _lunch_after_moving_away(world):
    users, elder = world["users"], world["elders"]["same_65"]
    lunch_check_in(
        actor=users["operator"],
        facility=world["facility"],
        identifier=elder.person.id_number,
        meal_date=dt.date(2022, 5, 10),
    )
    Elder.objects.filter(pk=elder.pk).update(moved_away_on=dt.date(2022, 5, 1))
    return elder


def test_fraud_report_read_is_audited(client, filed_world, settings):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    elder = _lunch_after_moving_away(filed_world)
    client.force_login(filed_world["users"]["minzheng"])
    page = client.get("/canteens/fraud/", {"date_from": "2022-05-01", "date_to": "2022-05-31"})
    html = page.content.decode()
    # Named, not numbered (issue 12): 民政 reads names unmasked; the record number stays as a reference.
    assert page.status_code == 200 and "钱二" in html and f"#{elder.pk}" in html
    entry = reads("助餐数据核查报告").get()
    assert entry.after["count"] == 1
    assert entry.after["filters"] == {"date_from": "2022-05-01", "date_to": "2022-05-31", "findings": 1}


def test_settlement_export_listing_elders_is_audited(client, filed_world, settings):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    users, facility = filed_world["users"], filed_world["facility"]
    for key in ("same_80", "same_65"):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=filed_world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 5, 10),
        )
    settlement = settlement_compute(actor=users["minzheng"], facility=facility, year=2022, month=5)
    client.force_login(users["minzheng"])
    assert client.get(f"/canteens/settlements/{settlement.pk}/", {"format": "xlsx"}).status_code == 200
    entry = reads("结算明细导出").get()
    assert entry.object_id == str(settlement.pk) and entry.after["count"] == 2
    assert entry.after["filters"]["settlement"] == settlement.pk
    assert Lunch.objects.filter(settlement=settlement).count() == 2


def test_a_long_settlement_detail_sheet_is_a_background_job(client, filed_world, settings):
    """Past COUNTYHALL_JOB_EXPORT_ROWS lunches the detail sheet is built by the worker (a year of a busy canteen took
    9 s in a request at county size): the page redirects to the job; the job writes the same audit row and the
    file, which only its starter downloads."""
    from openpyxl import load_workbook

    from countyhall.core.jobs import execute_job
    from countyhall.core.models import Job

    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    users, facility = filed_world["users"], filed_world["facility"]
    for key in ("same_80", "same_65"):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=filed_world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 5, 10),
        )
    settlement = settlement_compute(actor=users["minzheng"], facility=facility, year=2022, month=5)
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(users["minzheng"])
    response = client.get(f"/canteens/settlements/{settlement.pk}/", {"format": "xlsx"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert not reads("结算明细导出").exists()  # nothing read yet: the worker reads it
    job = Job.objects.get(kind="canteens.settlement_detail_xlsx")
    assert execute_job(job.pk) == "done"
    entry = reads("结算明细导出").get()
    assert entry.object_id == str(settlement.pk) and entry.after["count"] == 2
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.cell(1, 1).value == "就餐日期" and sheet.max_row >= 3  # the two lunches and the totals


# --- 5. Bad query parameters answer 400 naming the field ------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "label"),
    [
        ("/canteens/elders/", {"division": "abc"}, "区划"),
        ("/canteens/elders/", {"division": "999999"}, "区划"),
        ("/canteens/elders/", {"page": "x"}, "页码"),
        ("/canteens/elders/", {"page": "0"}, "页码"),
        ("/canteens/facilities/", {"division": "abc"}, "区划"),
        ("/canteens/facilities/", {"status": "nonsense"}, "状态"),
        ("/canteens/settlements/", {"year": "abc"}, "年度"),
        ("/canteens/settlements/", {"month": "13"}, "月份"),
        ("/canteens/settlements/", {"month": "x"}, "月份"),
        ("/canteens/settlements/", {"facility": "x"}, "机构"),
        ("/canteens/settlements/", {"facility": "999999"}, "机构"),
        ("/canteens/", {"year": "二〇二一"}, "年度"),
        ("/canteens/subsidies/", {"year": "abc"}, "年度"),
        ("/canteens/fraud/", {"date_from": "2022-13-01"}, "起始日期"),
        ("/canteens/fraud/", {"date_from": "2022-06-01", "date_to": "2022-05-01"}, "截止日期"),
    ],
)
def test_bad_query_parameters_answer_400_naming_the_field(client, canteen_world, url, params, label):
    client.force_login(canteen_world["users"]["minzheng"])
    response = client.get(url, params)
    assert response.status_code == 400
    assert f"{label}：" in response.content.decode()


def test_settlement_api_list_with_a_bad_year_is_400_naming_the_field(client, canteen_world):
    client.force_login(canteen_world["users"]["minzheng"])
    response = client.get("/api/v1/canteens/settlements", {"year": "abc"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "year"


def test_good_query_parameters_still_filter(client, canteen_world):
    client.force_login(canteen_world["users"]["minzheng"])
    facilities = client.get("/canteens/facilities/", {"division": canteen_world["tianzhen"].pk})
    assert facilities.status_code == 200 and "青城镇乙村长者食堂" not in facilities.content.decode()
    assert client.get("/canteens/settlements/", {"year": "2022", "month": "5"}).status_code == 200


def test_subsidy_compute_with_a_bad_year_names_the_field(client, canteen_world):
    client.force_login(canteen_world["users"]["minzheng"])
    page = client.post("/canteens/subsidies/", {"form": "compute", "year": "abc"}, follow=True)
    assert page.status_code == 200 and "年度应为整数" in page.content.decode()


# --- 6. Masked names in the audit trail ----------------------------------------------------------


def test_audit_rows_name_elders_and_staff_masked(canteen_world):
    users = canteen_world["users"]
    elder = elder_register(
        actor=users["town"],
        id_number=valid_id("37032219390909111"),
        name="孙建华",
        division=canteen_world["natural_b"],
        gaoqing_hukou=True,
    )
    entry = AuditEntry.objects.filter(object_type="canteens.Elder", object_id=str(elder.pk)).get()
    assert entry.object_repr == f"助餐老人 孙*华（370322********{elder.person.id_number[-4:]}）"
    staff = facility_staff_add(
        actor=users["town"], facility=canteen_world["facility"], name="王大厨", health_certificate_no="JK009"
    )
    entry = AuditEntry.objects.filter(object_type="canteens.FacilityStaff", object_id=str(staff.pk)).get()
    assert entry.after["name"] == "王*厨" and "王大厨" not in str(entry.after)
    assert FacilityStaff.objects.get(pk=staff.pk).name == "王大厨"


def test_operator_registration_form_offers_only_its_own_organisation(client, canteen_world):
    from countyhall.core.models import Organisation

    Organisation.objects.create(
        name="别家照护服务中心", kind="care_organisation", division=canteen_world["village_b"]
    )
    client.force_login(canteen_world["users"]["operator"])
    html = client.get("/canteens/facilities/new/").content.decode()
    assert "乙村照护服务有限公司" in html and "别家照护服务中心" not in html


def test_a_division_filter_outside_the_scope_is_refused_not_shown_empty(client, canteen_world, county_tree):
    # Like /people/ and the heating ledger: another town's division is an error naming the field.
    client.force_login(canteen_world["users"]["town"])
    other = next(
        d
        for key, d in county_tree.items()
        if key != "county" and not canteen_world["users"]["town"].scope_division.contains(d)
    )
    response = client.get("/canteens/elders/", {"division": other.pk})
    assert response.status_code == 400 and "不在您的数据范围内" in response.content.decode()
