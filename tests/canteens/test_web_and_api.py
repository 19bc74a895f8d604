"""The thin layer: pages render for the right roles, the terminal API is idempotent, statements print."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from countyhall.canteens.models import Lunch, Settlement
from countyhall.canteens.services.elders import IMPORT_COLUMNS
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.settlements import settlement_compute
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db


def test_terminal_check_in_api_is_idempotent(client, filed_world):
    client.force_login(filed_world["users"]["operator"])
    elder = filed_world["elders"]["same_65"]
    body = {
        "facility": filed_world["facility"].pk,
        "identifier": elder.person.id_number,
        "meal_date": "2022-06-01",
    }
    first = client.post(
        "/api/v1/canteens/lunches",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "t1-0001"},
    )
    assert first.status_code == 201 and first.json()["status"] == "accepted"
    assert first.json()["elder_pays"] == "5.00" and first.json()["city"] == "1.00"
    again = client.post(
        "/api/v1/canteens/lunches",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "t1-0001"},
    )
    assert (
        again.status_code == 201
        and again["Idempotent-Replayed"] == "true"
        and again.json()["id"] == first.json()["id"]
    )
    second = client.post(
        "/api/v1/canteens/lunches",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "t1-0002"},
    )
    assert second.status_code == 422
    assert (
        second.json()["error"]["field"] == "identifier"
        and "每人每日一次" in second.json()["error"]["message"]
    )
    assert second.json()["lunch"]["status"] == "refused"
    assert Lunch.objects.count() == 2


def test_check_in_api_errors(client, filed_world, make_user):
    client.force_login(filed_world["users"]["operator"])
    response = client.post(
        "/api/v1/canteens/lunches", {"facility": filed_world["facility"].pk}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "identifier"
    response = client.post(
        "/api/v1/canteens/lunches", {"facility": 9999, "identifier": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/canteens/lunches",
        {"facility": filed_world["facility"].pk, "identifier": "C001", "meal_date": "2022-07-01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "meal_date"
    client.force_login(make_user("stranger", "canteen_operator", "village_a"))
    response = client.post(
        "/api/v1/canteens/lunches",
        {"facility": filed_world["facility"].pk, "identifier": "C001"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_settlement_api_approval(client, filed_world):
    users = filed_world["users"]
    lunch_check_in(
        actor=users["operator"],
        facility=filed_world["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 5, 5),
    )
    settlement = settlement_compute(
        actor=users["minzheng"], facility=filed_world["facility"], year=2022, month=5
    )
    client.force_login(users["caizheng"])
    response = client.post(f"/api/v1/canteens/settlements/{settlement.pk}/approve")
    # A refusal is the structured 403 of AccessDenied (民政 approves first).
    assert response.status_code == 403 and response.json()["error"]["field"] == "actor"
    assert "民政局" in response.json()["error"]["message"]
    client.force_login(users["minzheng"])
    assert (
        client.post(f"/api/v1/canteens/settlements/{settlement.pk}/approve").json()["status"]
        == "civil_affairs_approved"
    )
    client.force_login(users["caizheng"])
    assert client.post(f"/api/v1/canteens/settlements/{settlement.pk}/approve").json()["status"] == "locked"
    rows = client.get("/api/v1/canteens/settlements?year=2022").json()
    assert rows[0]["city"] == "2.00" and rows[0]["lunches"] == 1


def test_facility_scoping_in_api(client, filed_world, make_user):
    client.force_login(make_user("other-town", "town_officer", "tianzhen"))
    assert client.get("/api/v1/canteens/facilities").json() == []
    client.force_login(filed_world["users"]["minzheng"])
    [facility] = client.get("/api/v1/canteens/facilities").json()
    checks = client.get(f"/api/v1/canteens/facilities/{facility['id']}/requirements").json()
    assert all(c["ok"] for c in checks) and {c["code"] for c in checks} >= {
        "area",
        "seats",
        "licence",
        "health",
    }


def test_public_page_needs_no_login(client, filed_world):
    html = client.get("/canteens/public/").content.decode()
    assert "青城镇乙村长者食堂" in html and "米饭 炒青菜 红烧肉" in html


@pytest.mark.parametrize("user", ["minzheng", "town", "operator", "caizheng"])
def test_pages_render_for_roles(client, filed_world, user):
    client.force_login(filed_world["users"][user])
    facility = filed_world["facility"]
    for url in [
        "/canteens/",
        "/canteens/facilities/",
        f"/canteens/facilities/{facility.pk}/",
        "/canteens/lunches/",
        "/canteens/settlements/",
        "/canteens/subsidies/",
    ]:
        assert client.get(url).status_code == 200, url


def test_counter_page_shows_what_the_elder_pays(client, filed_world):
    client.force_login(filed_world["users"]["operator"])
    url = f"/canteens/facilities/{filed_world['facility'].pk}/counter/"
    html = client.post(url, {"identifier": "C001", "meal_date": "2022-06-10"}).content.decode()
    assert "已登记" in html and "免费午餐" in html and "¥0.00" in html and "A8" in html
    html = client.post(url, {"identifier": "C001", "meal_date": "2022-06-10"}).content.decode()
    assert "未登记补贴午餐" in html and "每人每日一次" in html
    client.force_login(filed_world["users"]["caizheng"])
    assert client.get(url).status_code == 403


def test_elder_import_page_reports_bad_rows(client, filed_world):
    client.force_login(filed_world["users"]["town"])
    book = Workbook()
    book.active.append([c[1] for c in IMPORT_COLUMNS])
    book.active.append([valid_id("37032219450101099"), "导入甲", "是", "370322101201001", "", "", "", "", ""])
    book.active.append(["123", "导入乙", "是", "370322101201001", "", "", "", "", ""])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "elders.xlsx"
    html = client.post(
        "/canteens/elders/import/", {"file": buffer, "mode": "all_or_nothing"}
    ).content.decode()
    assert "有错误，未导入任何数据" in html and "<td>3</td>" in html
    template = client.get("/canteens/elders/template.xlsx")
    assert [c.value for c in load_workbook(BytesIO(template.content)).active[1]][0] == "身份证号"


def test_fraud_page_for_oversight_only(client, filed_world):
    client.force_login(filed_world["users"]["operator"])
    assert client.get("/canteens/fraud/").status_code == 403
    client.force_login(filed_world["users"]["minzheng"])
    assert client.get("/canteens/fraud/?date_from=2022-05-01&date_to=2022-06-15").status_code == 200


def test_settlement_statement_pdf_and_excel(client, filed_world):
    users = filed_world["users"]
    lunch_check_in(
        actor=users["operator"],
        facility=filed_world["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 5, 5),
    )
    settlement = settlement_compute(
        actor=users["minzheng"], facility=filed_world["facility"], year=2022, month=5
    )
    client.force_login(users["minzheng"])
    pdf = client.get(f"/canteens/settlements/{settlement.pk}/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Walk (issue 13): the payment rhythm names what each clause sets (五、（三）1 was listed twice, bare).
    page = client.get(f"/canteens/settlements/{settlement.pk}/").content.decode()
    assert "农村特困人员助餐资金按月拨付（" in page and "其他老人的补贴每年拨付一次（" in page
    assert "社区长者食堂先行垫付、按年结算（" in page
    rows = list(
        load_workbook(
            BytesIO(client.get(f"/canteens/settlements/{settlement.pk}/?format=xlsx").getvalue())
        ).active.iter_rows(values_only=True)
    )
    total = next(row for row in rows if row and row[0] == "合计")
    assert total[5] == 2
    assert any(row and row[0] == "结算单编号" and row[1] == settlement.statement_number for row in rows)
    assert any(row and "签字（盖章）" in str(row[0]) for row in rows)
    # Named, with village and town (issue 12): 民政 reads the name unmasked.
    assert rows[0][2] == "老人" and rows[1][2] == "赵一" and "青城镇" in rows[1][3]
    annex = client.post(f"/canteens/settlements/{settlement.pk}/", {"action": "annex_pdf"})
    assert annex.status_code == 302 and annex["Location"].startswith("/jobs/")
    assert Settlement.objects.get(pk=settlement.pk).status == "draft"  # printing is not approving
    asked = client.post(f"/canteens/settlements/{settlement.pk}/", {"note": "同意"}).content.decode()
    assert "请确认" in asked and settlement.statement_number in asked
    assert Settlement.objects.get(pk=settlement.pk).status == "draft"
    html = client.post(
        f"/canteens/settlements/{settlement.pk}/", {"note": "同意", "confirmed": "1"}, follow=True
    ).content.decode()
    assert "待财政局审核" in html
    assert Settlement.objects.get(pk=settlement.pk).civil_affairs_by == users["minzheng"]


def test_fast_lunch_json_matches_the_serializer(filed_world):
    from countyhall.canteens.api import LunchSerializer, lunch_json

    lunch = lunch_check_in(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 6, 1),
        idempotency_key="json-1",
    ).lunch
    lunch.refresh_from_db()
    assert lunch_json(lunch) == dict(LunchSerializer(lunch).data)


def test_batch_check_in_answers_each_item(client, filed_world):
    client.force_login(filed_world["users"]["operator"])
    elders = filed_world["elders"]
    body = {
        "facility": filed_world["facility"].pk,
        "lunches": [
            {"identifier": "C001", "meal_date": "2022-06-01", "idempotency_key": "b-1"},
            {
                "identifier": elders["same_65"].person.id_number,
                "meal_date": "2022-06-01",
                "idempotency_key": "b-2",
            },
            {"identifier": "C001", "meal_date": "2022-06-01", "idempotency_key": "b-3"},
            {"identifier": "C001", "meal_date": "2022-06-01", "idempotency_key": "b-1"},
            {"identifier": "C001", "meal_date": "2030-01-01", "idempotency_key": "b-5"},
        ],
    }
    results = client.post("/api/v1/canteens/lunches/batch", body, content_type="application/json").json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["accepted", "accepted", "refused", "accepted", "error"]
    assert results[3]["replayed"] and results[3]["lunch"]["id"] == results[0]["lunch"]["id"]
    assert results[4]["error"]["field"] == "meal_date"
    assert Lunch.objects.count() == 3


def test_the_statement_prints_fast_and_the_annex_by_elder_as_a_job(client, filed_world):
    """Issue 11: a settlement PDF under 1 s at county size. The statement (totals, signatures) stays a one-page
    PDF; the annex (a row per elder: hundreds of rows, seconds of layout) is made by a background job, whose
    file only its starter downloads, and whose read of names is audited."""
    from countyhall.core.jobs import execute_job
    from countyhall.core.models import AuditEntry, Job

    users = filed_world["users"]
    lunch_check_in(
        actor=users["operator"],
        facility=filed_world["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 5, 5),
    )
    settlement = settlement_compute(
        actor=users["minzheng"], facility=filed_world["facility"], year=2022, month=5
    )
    client.force_login(users["minzheng"])
    before = AuditEntry.objects.filter(action=AuditEntry.Action.READ).count()
    pdf = client.get(f"/canteens/settlements/{settlement.pk}/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.READ).count() == before  # no name on it
    client.post(f"/canteens/settlements/{settlement.pk}/", {"action": "annex_pdf"})
    job = Job.objects.latest("pk")
    assert execute_job(job.pk) == Job.State.DONE, Job.objects.get(pk=job.pk).error
    job.refresh_from_db()
    assert job.result["老人"] == 1
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200 and b"".join(
        download.streaming_content if download.streaming else [download.content]
    ).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.READ, note__contains="").count() > before
    client.force_login(users["operator"])
    assert client.get(f"/jobs/{job.pk}/download").status_code in (403, 404)
