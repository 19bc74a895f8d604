"""The canteen lists' export jobs attacked (session 23's attack): a refused export reads nothing and audits nothing;
a job whose starter changed since it was submitted fails with the reason, not "任务执行出错"; a deactivated
starter's export is not written; a result file cut short is not left behind."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import types
from pathlib import Path

import pytest
from openpyxl import load_workbook

from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.core import jobs
from countyhall.core.jobs import execute_job, job_retry
from countyhall.core.models import AuditEntry, Job, RoleGrant

pytestmark = pytest.mark.django_db


def reads(what: str):
    return AuditEntry.objects.filter(action=AuditEntry.Action.READ, object_repr__startswith=what)


def three_lunches(world, settings) -> None:
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    for key in ("same_80", "same_65", "other_70"):
        lunch_check_in(
            actor=world["users"]["operator"],
            facility=world["facility"],
            identifier=world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 6, 14),
        )


@pytest.mark.parametrize(
    ("url", "query", "field", "audited"),
    [
        ("/canteens/elders/", {"export": "XLSX"}, "导出格式", "助餐老人导出"),
        ("/canteens/elders/", {"export": "pdf"}, "导出格式", "助餐老人导出"),
        ("/canteens/lunches/", {"export": "xls"}, "导出格式", "午餐登记导出"),
        ("/canteens/lunches/", {"export": "csv", "cols": "salary"}, "导出列", "午餐登记导出"),
    ],
)
def test_a_refused_export_leaves_no_audit_row(client, filed_world, settings, url, query, field, audited):
    """A refused export read nothing: the list wrote its "导出" audit row before the format (or the lunches' CSV
    columns) was checked, so the log showed an export of N rows that never happened."""
    three_lunches(filed_world, settings)
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get(url, query)
    assert response.status_code == 400 and field in response.content.decode()
    assert not reads(audited).exists() and not Job.objects.exists()


def test_a_job_whose_starter_moved_town_fails_naming_the_filter(client, filed_world, settings, county_tree):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    town = filed_world["users"]["town"]
    client.force_login(town)
    client.get("/canteens/elders/", {"export": "xlsx", "division": county_tree["village_b"].pk})
    job = Job.objects.get(kind="canteens.elders_export")
    town.division = county_tree["tianzhen"]  # moved to 田镇街道 before the worker ran it
    town.save()
    assert execute_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == "区划：乙村不在您的数据范围内。"
    assert not reads("助餐老人导出").exists() and not job.result_path


def test_a_job_whose_starter_lost_the_role_fails_with_the_reason(client, filed_world, settings):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    town = filed_world["users"]["town"]
    client.force_login(town)
    client.get("/canteens/elders/", {"export": "xlsx"})
    job = Job.objects.get(kind="canteens.elders_export")
    RoleGrant.objects.filter(user=town).delete()
    assert execute_job(job.pk) == "failed"
    job.refresh_from_db()
    assert "无权" in job.error and "角色" in job.error and "服务器日志" not in job.error


def test_a_deactivated_starters_export_is_not_written(client, filed_world, settings):
    """The lunch register's filters check the starter's roles and scope, not whether the account is active: a
    county officer deactivated after submitting still had the county's lunches written and audited under them."""
    three_lunches(filed_world, settings)
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    officer = filed_world["users"]["minzheng"]
    client.force_login(officer)
    client.get("/canteens/lunches/", {"export": "xlsx"})
    job = Job.objects.get(kind="canteens.lunches_export")
    officer.is_active = False
    officer.save()
    assert execute_job(job.pk) == "failed"
    job.refresh_from_db()
    assert "已停用" in job.error and not job.result_path
    assert not reads("午餐登记导出").exists()


def test_a_result_file_cut_short_is_removed_and_the_retry_writes_a_whole_one(
    client, filed_world, settings, monkeypatch
):
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    town = filed_world["users"]["town"]
    client.force_login(town)
    client.get("/canteens/elders/", {"export": "xlsx"})
    job = Job.objects.get(kind="canteens.elders_export")

    def disk_full(source, target, length):
        target.write(source.read(100))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jobs, "shutil", types.SimpleNamespace(copyfileobj=disk_full, rmtree=shutil.rmtree))
    assert execute_job(job.pk) == "failed"
    directory = Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)
    # The first 100 bytes of a workbook of names were left beside the job, recorded nowhere, never pruned.
    assert not list(directory.glob("result-*"))
    assert not reads("助餐老人导出").exists()
    monkeypatch.setattr(jobs, "shutil", shutil)
    job.refresh_from_db()
    job_retry(actor=town, job=job)
    assert execute_job(job.pk) == "done"
    assert [path.name for path in directory.glob("result-*")] == ["result-2.xlsx"]
    assert reads("助餐老人导出").count() == 1
    download = client.get(f"/jobs/{job.pk}/download")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 1 + 5
