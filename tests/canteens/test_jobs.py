"""A large elder import through the page runs as a background job in a real worker process: the progress bar's
endpoint moves, the job page shows the same import report, a failure or a killed worker leaves nothing, and a
retry imports the file."""

from __future__ import annotations

import time
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from countyhall.canteens.models import Elder
from countyhall.canteens.services.elders import IMPORT_COLUMNS
from countyhall.core.jobs import execute_job, job_submit
from countyhall.core.models import AuditEntry, Job
from tests.canteens.conftest import canteen_world  # noqa: F401 - fixture
from tests.canteens.test_settlements import may_lunches  # noqa: F401 - fixture
from tests.conftest import valid_id
from tests.core.job_handlers import FAULTY_IMPORT, marker
from tests.jobs_worker import STALE, job_finished, running_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 350


def workbook(count: int = ROWS, *, first: int = 1) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([c[1] for c in IMPORT_COLUMNS])
    for i in range(first, first + count):
        sheet.append(
            [valid_id(f"37032219400101{i:03d}"), f"老人{i}", "是", "370322101201001", "", "", "", "", ""]
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def officer(county_tree, make_user):
    return make_user("town", "town_officer", "qingcheng")


def upload(client, content: bytes, mode: str = "all_or_nothing"):
    return client.post(
        "/canteens/elders/import/",
        {
            "mode": mode,
            "file": SimpleUploadedFile(
                "老人.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        },
    )


def test_a_large_import_through_the_page_runs_in_the_worker_and_shows_the_report(client, officer, settings):
    client.force_login(officer)
    response = upload(client, workbook())
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    job = Job.objects.get()
    assert (job.kind, job.started_by, job.state) == ("canteens.elder_import", officer, Job.State.QUEUED)
    assert job.task_id, "the queue entry is written when the submitting request commits"
    seen = []
    with running_worker():

        def done():
            status = client.get(f"/jobs/{job.pk}/status").json()
            seen.append(status["percent"])
            return status["finished"]

        wait_for(done, timeout=90, interval=0.05, what="the import job")
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 1
    assert Elder.objects.count() == ROWS
    assert job.result["created"] == ROWS and job.result["applied"] is True
    assert not job.input_path, "the upload (ID numbers) is removed once imported"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "导入结果" in page and f"共 {ROWS} 行" in page and f"新增 {ROWS}" in page
    assert seen[-1] == 100


def test_a_small_import_stays_synchronous(client, officer):
    client.force_login(officer)
    response = upload(client, workbook(3))
    assert response.status_code == 200 and "新增 3" in response.content.decode()
    assert not Job.objects.exists()


def test_update_preview_then_confirm_as_two_jobs(client, officer):
    client.force_login(officer)
    with running_worker():
        first = _submit(client, workbook())
        wait_for(lambda: job_finished(first.pk), what="first import")
        preview = _submit(client, workbook(), mode="update")
        wait_for(lambda: job_finished(preview.pk), what="the preview")
        preview.refresh_from_db()
        assert preview.result["preview"] is True and preview.input_path, "kept for the confirmation"
        page = client.get(f"/jobs/{preview.pk}/").content.decode()
        assert "更新预览（尚未导入）" in page and "确认导入以上变更" in page
        response = client.post(f"/canteens/elders/import/jobs/{preview.pk}/confirm/")
        confirmed = Job.objects.exclude(pk__in=[preview.pk]).latest("pk")
        assert response["Location"] == f"/jobs/{confirmed.pk}/"
        wait_for(lambda: job_finished(confirmed.pk), what="the confirmation")
    confirmed.refresh_from_db()
    assert confirmed.result["applied"] is True and confirmed.params == {"mode": "update", "confirm": True}


def _submit(client, content: bytes, mode: str = "all_or_nothing") -> Job:
    response = upload(client, content, mode)
    assert response.status_code == 302, response.content.decode()[:500]
    return Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def test_a_job_that_raises_mid_import_leaves_no_rows_and_its_retry_imports_the_file(client, officer):
    job = job_submit(
        actor=officer,
        kind=FAULTY_IMPORT,
        params={"mode": "all_or_nothing"},
        input_file=workbook(),
        input_name="老人.xlsx",
    )
    marker(job.pk, "fail").touch()
    with running_worker():
        wait_for(lambda: job_finished(job.pk), what="the failing job")
        job.refresh_from_db()
        assert job.state == Job.State.FAILED and "未写入任何数据" in job.error
        # Chinese only: the exception (class and text) goes to the log.
        assert "Traceback" not in job.error and "RuntimeError" not in job.error
        assert Elder.objects.count() == 0, "nothing half-written"
        client.force_login(officer)
        page = client.get("/jobs/").content.decode()
        assert "失败" in page and "重试" in page
        marker(job.pk, "fail").unlink()
        client.post(f"/jobs/{job.pk}/action", {"action": "retry"})
        wait_for(lambda: job_finished(job.pk), what="the retry")
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2)
    assert Elder.objects.count() == ROWS


def test_a_killed_worker_leaves_nothing_and_the_job_can_be_retried(client, officer, settings):
    settings.COUNTYHALL_WORKER_STALE_SECONDS = STALE
    job = job_submit(
        actor=officer,
        kind=FAULTY_IMPORT,
        params={"mode": "all_or_nothing"},
        input_file=workbook(),
        input_name="老人.xlsx",
    )
    marker(job.pk, "slow").touch()
    client.force_login(officer)
    with running_worker() as worker:
        # The progress is visible while the import's transaction is still open …
        wait_for(
            lambda: client.get(f"/jobs/{job.pk}/status").json()["done"] > ROWS // 2,
            timeout=120,
            what="progress past the reading half",
        )
        assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING
        worker.kill()
    assert Elder.objects.count() == 0, "the killed transaction wrote nothing"
    time.sleep(STALE + 0.5)
    marker(job.pk, "slow").unlink()
    response = client.post(f"/jobs/{job.pk}/action", {"action": "retry"}, follow=True)
    assert "任务已重新排队" in response.content.decode()
    with running_worker():
        wait_for(lambda: job_finished(job.pk), what="the retried job")
    job.refresh_from_db()
    assert job.state == Job.State.DONE and Elder.objects.count() == ROWS


@pytest.mark.django_db
def test_settling_every_canteen_over_many_lunches_runs_as_a_job(client, may_lunches, settings):  # noqa: F811
    from countyhall.canteens.models import Settlement
    from countyhall.core.jobs import execute_job

    settings.COUNTYHALL_JOB_SETTLEMENT_LUNCHES = 10
    client.force_login(may_lunches["users"]["minzheng"])
    response = client.post("/canteens/settlements/", {"year": 2022, "month": 5})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response.content[:300]
    job = Job.objects.latest("pk")
    assert execute_job(job.pk) == Job.State.DONE, Job.objects.get(pk=job.pk).error
    job.refresh_from_db()
    assert job.result["已计算的机构"] == 1 and Settlement.objects.get().lunches == 15


def test_an_update_preview_is_for_its_starter_only_and_each_read_is_audited(
    client,
    canteen_world,  # noqa: F811
    make_user,
    settings,
):
    """The stored preview names elders with their old → new phone and address (attack11)."""
    settings.COUNTYHALL_JOB_IMPORT_ROWS = 1
    book = Workbook()
    book.active.append([c[1] for c in IMPORT_COLUMNS])
    book.active.append(
        [
            valid_id("37032219400101001"),
            "赵一",
            "是",
            "370322101201001",
            "乙庄新地址88号",
            "13912345678",
            "C001",
            "",
            "",
        ]
    )
    book.active.append(
        [valid_id("37032219560101002"), "钱二", "是", "370322101201001", "乙庄9号", "13700001111", "", "", ""]
    )
    buffer = BytesIO()
    book.save(buffer)
    client.force_login(canteen_world["users"]["town"])
    assert upload(client, buffer.getvalue(), mode="update").status_code == 302
    job = Job.objects.latest("pk")
    assert execute_job(job.pk) == Job.State.DONE
    reads = AuditEntry.objects.filter(
        action=AuditEntry.Action.READ, object_type="core.Job", object_id=str(job.pk)
    )
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "乙庄新地址88号" in page and reads.count() == 1, "the starter reads it in full, audited"
    client.force_login(make_user("sysadm", "system_admin"))
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert not [s for s in ("赵一", "13912345678", "乙庄新地址88号", "钱二", "13700001111") if s in page]
    assert client.post(f"/canteens/elders/import/jobs/{job.pk}/confirm/").status_code == 404
    assert reads.count() == 1, "the administrator read nothing"
