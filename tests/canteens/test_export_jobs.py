"""The large Excel exports of the canteen lists run as background jobs (issue 11): past COUNTYHALL_JOB_EXPORT_ROWS
filtered rows the elders and lunch registers answer with the job page; the worker rebuilds the list from the saved
query string for its starter (scope, filters, columns and masking as on the page), writes the page's audit row and
the file, and the bar counts rows. An export past Excel's sheet limit is refused, naming the field."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from countyhall.canteens.services.elders import elder_register
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.core.jobs import execute_job
from countyhall.core.models import AuditEntry, Job
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db


def reads(what: str):
    return AuditEntry.objects.filter(action=AuditEntry.Action.READ, object_repr__startswith=what)


def sheet_of(client, job: Job):
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200
    return load_workbook(io.BytesIO(b"".join(download.streaming_content))).active


@pytest.fixture
def two_towns(filed_world, county_tree, make_user):
    """filed_world's five elders in 青城镇 and one in 田镇街道, with a town officer of 田镇街道."""
    tianzhen_officer = make_user("tianzhen", "town_officer", "tianzhen")
    elder_register(
        actor=tianzhen_officer,
        id_number=valid_id("37032219450101006"),
        name="吴六",
        division=county_tree["village_a"],
        gaoqing_hukou=True,
    )
    return {**filed_world, "tianzhen": tianzhen_officer}


def test_elders_export_past_the_threshold_is_a_job_with_the_pages_rows(client, two_towns, settings):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 2
    town = two_towns["users"]["town"]
    client.force_login(town)
    response = client.get("/canteens/elders/", {"export": "xlsx", "cols": ["name", "id_number", "age"]})
    assert response.status_code == 302 and response["Location"] == "/jobs/{}/".format(
        Job.objects.get(kind="canteens.elders_export").pk
    )
    job = Job.objects.get(kind="canteens.elders_export")
    assert not reads("助餐老人导出").exists()  # nothing is read until the worker writes the file
    assert execute_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.result["导出老人"] == 5 and job.progress_done == job.progress_total == 5
    entry = reads("助餐老人导出").get()
    assert entry.actor == town and entry.after["count"] == 5
    assert entry.after["filters"]["cols"] == ["name", "id_number", "age"]
    sheet = sheet_of(client, job)
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "周岁"]
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    # The town officer's scope: 青城镇's five, never 田镇街道's 吴六 (masked names: the officer's role decides).
    assert len(names) == 5 and not any("吴" in name for name in names)
    page = client.get(f"/jobs/{job.pk}/")
    assert "导出老人" in page.content.decode() and ">rows<" not in page.content.decode()


def test_the_job_filters_as_the_page_did_and_for_its_starter_only(client, two_towns, settings):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(two_towns["users"]["minzheng"])
    # 高青 户籍 only: five of the six (周五's 户籍 is elsewhere), past the threshold of one.
    response = client.get("/canteens/elders/", {"export": "xlsx", "hukou": "yes", "sort": "-birth_date"})
    job = Job.objects.get(kind="canteens.elders_export")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert execute_job(job.pk) == "done"
    rows = list(sheet_of(client, job).iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5
    births = [row[3] for row in rows]  # 出生日期, youngest first as the page sorted them
    assert births == sorted(births, reverse=True)
    # The file is the starter's: another user, a town officer included, cannot download it.
    client.force_login(two_towns["tianzhen"])
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404


def test_a_small_export_and_csv_stay_in_the_request(client, filed_world, settings):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get("/canteens/elders/", {"export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 100
    response = client.get("/canteens/elders/", {"export": "xlsx"})
    assert response.status_code == 200 and not Job.objects.exists()


def test_an_unknown_column_is_refused_before_a_job_is_queued(client, filed_world, settings):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get("/canteens/elders/", {"export": "xlsx", "cols": "salary"})
    assert response.status_code == 400 and "导出列" in response.content.decode()
    assert not Job.objects.exists()


def test_an_export_past_excels_sheet_limit_is_refused_naming_the_field(client, filed_world, monkeypatch):
    from countyhall.core import tables

    monkeypatch.setattr(tables, "EXCEL_MAX_DATA_ROWS", 3)
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get("/canteens/elders/", {"export": "xlsx"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "导出格式" in text and "Excel 一张表的上限" in text and "CSV" in text
    assert not Job.objects.exists() and not reads("助餐老人导出").exists()
    assert client.get("/canteens/elders/", {"export": "csv"}).status_code == 200  # CSV has no such limit


def test_lunch_export_past_the_threshold_is_a_job(client, filed_world, settings):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    users, facility = filed_world["users"], filed_world["facility"]
    for key in ("same_80", "same_65", "other_70"):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=filed_world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 6, 14),
        )
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 2
    client.force_login(users["minzheng"])
    response = client.get("/canteens/lunches/", {"export": "xlsx", "date_from": "2022-06-14"})
    assert response.status_code == 302
    job = Job.objects.get(kind="canteens.lunches_export")
    assert job.params["query"] == "export=xlsx&date_from=2022-06-14"
    assert execute_job(job.pk) == "done"
    assert reads("午餐登记导出").get().after["count"] == 3
    rows = list(sheet_of(client, job).iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3


def test_export_chunks_are_freed_without_the_garbage_collector(filed_world):
    """select_related over a one-to-one field caches each side on the other (an elder's person, the person's elder):
    a reference cycle per row, which kept every chunk of the elders export alive until a full collection (the peak
    grew with the rows: 29 MB for the county's 90,000). Each chunk's caches are emptied once its cells are written,
    so its instances die by reference counting even with the collector off."""
    import gc
    import weakref

    from django.test import RequestFactory

    from countyhall.canteens.models import Elder
    from countyhall.core.tables import Column, Table

    request = RequestFactory().get("/x/?export=xlsx")
    export = Table(
        request,
        Elder.objects.select_related("person__division").order_by("pk"),
        columns=[Column("name", "姓名", lambda elder: elder.person.name)],
    )
    seen = []
    original = export._cells

    def watched(batch, columns):
        seen.extend(weakref.ref(instance) for elder in batch for instance in (elder, elder.person))
        yield from original(batch, columns)

    export._cells = watched
    gc.collect()
    gc.disable()
    try:
        rows = list(export.export_rows(export.export_columns(), chunk=2))
        assert len(rows) == Elder.objects.count() == 5
        assert len(seen) == 10 and all(ref() is None for ref in seen)
    finally:
        gc.enable()


def test_an_export_job_names_its_rows_while_waiting_and_once_done(client, two_towns, settings):
    """Walk, session 23: the waiting job said only "助餐老人" beside 排队中, and the job list showed every finished
    export alike. The message names the filters (never a search's text), then the count with them."""
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(two_towns["users"]["minzheng"])
    client.get("/canteens/elders/", {"export": "xlsx", "hukou": "yes", "status": "active"})
    job = Job.objects.get(kind="canteens.elders_export")
    assert job.message == "等待后台处理：在册，高青县户籍"
    assert execute_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.message == "已导出 5 位老人（在册，高青县户籍）"
    assert "已导出 5 位老人（在册，高青县户籍）" in client.get("/jobs/").content.decode()
    number = two_towns["elders"]["same_80"].person.id_number
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 0
    assert client.get("/canteens/elders/", {"export": "xlsx", "q": number}).status_code == 302
    searched = Job.objects.filter(kind="canteens.elders_export").latest("pk")
    assert searched.message == "等待后台处理：按姓名或证件号搜索" and number not in searched.params["subject"]


def test_a_lunch_export_job_names_the_facility_dates_and_status(client, filed_world, settings):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    users, facility = filed_world["users"], filed_world["facility"]
    for key in ("same_80", "same_65"):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=filed_world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 6, 14),
        )
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(users["minzheng"])
    query = {"export": "xlsx", "facility": facility.pk, "date_from": "2022-06-01", "status": "accepted"}
    client.get("/canteens/lunches/", query)
    job = Job.objects.get(kind="canteens.lunches_export")
    assert job.message == f"等待后台处理：{facility.name}，2022年6月1日起，已登记"
    assert execute_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.message == f"已导出 2 份午餐（{facility.name}，2022年6月1日起，已登记）"


def test_an_export_refused_when_the_worker_runs_it_says_why_in_chinese(
    client, filed_world, settings, monkeypatch
):
    """The rows grew past Excel's sheet limit between the request and the worker (or the starter lost the
    facility): the job fails with the page's message naming the field, not 任务执行出错…联系系统管理员."""
    from countyhall.core import tables

    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(filed_world["users"]["minzheng"])
    client.get("/canteens/elders/", {"export": "xlsx"})
    job = Job.objects.get(kind="canteens.elders_export")
    monkeypatch.setattr(tables, "EXCEL_MAX_DATA_ROWS", 3)
    assert execute_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error.startswith("导出格式：筛选出的记录超过 Excel 一张表的上限（3 行）"), job.error
    assert "联系系统管理员" not in job.error
