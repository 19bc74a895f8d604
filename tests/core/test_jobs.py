"""core.jobs: who sees which job, the status endpoint, downloads, retry and cancel, the heartbeat in /healthz,
recovery of a dead worker's job and the periodic jobs (inline, without a worker; the worker itself is
exercised in tests/canteens/test_jobs.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from countyhall.core import jobs
from countyhall.core.jobs import JobKind, JobOutcome, execute_job, job_submit
from countyhall.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db

EXPORT = JobKind("tests.export", "测试：导出", "tests.core.test_jobs:export_handler")


def export_handler(*, job, actor, params, progress) -> JobOutcome:
    for done in range(0, 5):
        progress(done, 4)
    return JobOutcome(result={"rows": 4}, message="已生成", file=("台账.xlsx", b"PK-fake-workbook"))


@pytest.fixture
def people(make_user):
    return {
        "owner": make_user("owner", "housing"),
        "other": make_user("other", "housing"),
        "admin": make_user("admin", "system_admin"),
    }


def test_a_job_is_seen_and_downloaded_by_its_starter_and_administrators_only(client, people):
    job = job_submit(actor=people["owner"], kind=EXPORT)
    assert execute_job(job.pk) == Job.State.DONE
    job.refresh_from_db()
    assert (job.state, job.result, job.result_name, job.attempts) == (
        Job.State.DONE,
        {"rows": 4},
        "台账.xlsx",
        1,
    )
    client.force_login(people["other"])
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status", f"/jobs/{job.pk}/download"):
        assert client.get(url).status_code == 404, url
    assert "测试：导出" not in client.get("/jobs/").content.decode()
    client.force_login(people["owner"])
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK-fake-workbook"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.READ, object_type="core.Job", object_id=str(job.pk)
    ).exists()
    assert client.get(f"/jobs/{job.pk}/status").json()["percent"] == 100
    client.force_login(people["admin"])
    page = client.get("/jobs/").content.decode()
    assert "测试：导出" in page and "owner" in page
    assert client.get(f"/jobs/{job.pk}/").status_code == 200


def test_list_filters_and_bad_parameters(client, people):
    job = job_submit(actor=people["owner"], kind=EXPORT)
    client.force_login(people["owner"])
    assert f'href="/jobs/{job.pk}/"' in client.get("/jobs/?state=queued").content.decode()
    assert f'href="/jobs/{job.pk}/"' not in client.get("/jobs/?state=done").content.decode()
    assert client.get("/jobs/?state=nonsense&page=abc").status_code == 200


def test_failed_job_records_a_chinese_error_and_retry_requeues(client, people):
    from countyhall.core.errors import ServiceError

    failing = JobKind("tests.fail", "测试：失败", "tests.core.test_jobs:failing_handler")
    job = job_submit(actor=people["owner"], kind=failing)
    assert execute_job(job.pk) == Job.State.FAILED
    job.refresh_from_db()
    assert job.error == "文件第 3 行有误" and job.state == Job.State.FAILED
    client.force_login(people["other"])
    assert client.post(f"/jobs/{job.pk}/action", {"action": "retry"}).status_code == 404
    with pytest.raises(ServiceError):
        jobs.job_retry(
            actor=people["owner"], job=Job.objects.get(pk=job_submit(actor=people["owner"], kind=EXPORT).pk)
        )
    client.force_login(people["owner"])
    client.post(f"/jobs/{job.pk}/action", {"action": "retry"})
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.error == ""


def failing_handler(*, job, actor, params, progress):
    from countyhall.core.errors import ServiceError

    raise ServiceError("file", "文件第 3 行有误")


def test_cancel_a_queued_job(client, people):
    job = job_submit(actor=people["owner"], kind=EXPORT)
    client.force_login(people["owner"])
    client.post(f"/jobs/{job.pk}/action", {"action": "cancel"})
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert execute_job(job.pk) == Job.State.CANCELLED, "a cancelled job's queue entry does nothing"


def test_a_running_job_of_a_silent_worker_is_marked_failed(people, settings):
    settings.COUNTYHALL_WORKER_STALE_SECONDS = 5
    job = job_submit(actor=people["owner"], kind=EXPORT)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, worker_id="gone")
    jobs.heartbeat_write(worker_id="gone", started_at=timezone.now())
    assert jobs.jobs_recover_stale() == 0, "its worker still beats"
    if jobs._uses_files():
        import json

        path = jobs._state_dir() / "heartbeat-gone.json"
        data = json.loads(path.read_text())
        data["beat_at"] = (timezone.now() - dt.timedelta(seconds=60)).isoformat()
        path.write_text(json.dumps(data))
    else:
        from countyhall.core.models import WorkerHeartbeat

        WorkerHeartbeat.objects.filter(pk="gone").update(beat_at=timezone.now() - dt.timedelta(seconds=60))
    assert jobs.jobs_recover_stale() == 1
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "重试" in job.error
    jobs.heartbeat_remove("gone")


def test_healthz_reports_the_worker_heartbeat(client, settings):
    settings.COUNTYHALL_WORKER_STALE_SECONDS = 30
    for path in jobs._state_dir().glob("heartbeat-*.json"):
        path.unlink()
    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "warn"
    jobs.heartbeat_write(worker_id="w1", started_at=timezone.now())
    check = client.get("/healthz").json()["checks"]["worker"]
    assert check["status"] == "ok" and "运行中" in check["message"]
    jobs.heartbeat_remove("w1")


def test_periodic_jobs_are_enqueued_once_when_due(settings):
    settings.COUNTYHALL_PERIODIC_JOBS = [
        ("countyhall.core.jobs:OUTBOX_DISPATCH", 60),
        ("countyhall.permits.jobs:PERMITS_SWEEP", "00:00"),
    ]
    at = timezone.now()
    assert sorted(jobs.periodic_enqueue(now=at)) == ["core.outbox_dispatch", "permits.sweep"]
    assert jobs.periodic_enqueue(now=at) == [], "already waiting"
    for job in Job.objects.all():
        assert execute_job(job.pk) == Job.State.DONE, job.error
    assert jobs.periodic_enqueue(now=at + dt.timedelta(seconds=30)) == []
    later = jobs.periodic_enqueue(now=at + dt.timedelta(seconds=90))
    assert "core.outbox_dispatch" in later and "permits.sweep" not in later, "the sweep ran today already"


# ---- security fixes (attack11): result for the starter only, race-free retry, capped counting, retention ----


def test_an_administrator_sees_state_but_neither_result_nor_file(client, people):
    job = job_submit(actor=people["owner"], kind=EXPORT)
    execute_job(job.pk)
    client.force_login(people["admin"])
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已完成" in page and "测试：导出" in page, "state and kind stay visible to the administrator"
    assert "下载" not in page and "只有发起人可以查看" in page
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert client.get(f"/jobs/{job.pk}/status").json()["state"] == Job.State.DONE
    assert not jobs.can_view_job_result(people["admin"], job) and jobs.can_view_job_state(
        people["admin"], job
    )
    client.force_login(people["owner"])
    assert "下载 台账.xlsx" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_only_the_starter_retries_and_an_administrator_may_cancel(client, people):
    from countyhall.core.errors import ServiceError

    failing = JobKind("tests.fail", "测试：失败", "tests.core.test_jobs:failing_handler")
    job = job_submit(actor=people["owner"], kind=failing)
    execute_job(job.pk)
    job.refresh_from_db()
    assert not jobs.can_retry_job(people["admin"], job)
    with pytest.raises(ServiceError):
        jobs.job_retry(actor=people["admin"], job=job)
    client.force_login(people["admin"])
    client.post(f"/jobs/{job.pk}/action", {"action": "retry"})
    assert Job.objects.get(pk=job.pk).state == Job.State.FAILED, "the job would run as its starter"
    queued = job_submit(actor=people["owner"], kind=EXPORT)
    client.post(f"/jobs/{queued.pk}/action", {"action": "cancel"})
    assert Job.objects.get(pk=queued.pk).state == Job.State.CANCELLED


RUNS: list[int] = []


def flaky_handler(*, job, actor, params, progress) -> JobOutcome:
    RUNS.append(job.pk)
    if len(RUNS) == 1:
        raise RuntimeError("first attempt fails")
    return JobOutcome(result={"rows": 1}, message="done")


def test_two_racing_retries_run_the_job_once(people, monkeypatch):
    """Retry B read FAILED; retry A then went through and the worker ran it: B must not queue a done job."""
    from countyhall.core.errors import ServiceError

    RUNS.clear()
    flaky = JobKind("tests.flaky", "测试：偶发失败", "tests.core.test_jobs:flaky_handler")
    job = job_submit(actor=people["owner"], kind=flaky)
    execute_job(job.pk)
    real, fired = jobs._is_starter, []

    def interleave(user, j):
        if not fired:
            fired.append(1)
            jobs.job_retry(actor=people["owner"], job=Job.objects.get(pk=job.pk))
            execute_job(job.pk)
        return real(user, j)

    monkeypatch.setattr(jobs, "_is_starter", interleave)
    with pytest.raises(ServiceError):
        jobs.job_retry(actor=people["owner"], job=Job.objects.get(pk=job.pk))
    execute_job(job.pk)
    assert len(RUNS) == 2 and Job.objects.get(pk=job.pk).state == Job.State.DONE


def _workbook(rows: int) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["a", "b"])
    for n in range(rows):
        book.active.append([n, n])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_row_counting_in_the_request_is_capped(settings):
    content = _workbook(50)
    assert jobs.excel_row_count(content) == 50
    assert jobs.excel_row_count(content, limit=6) == 6, "stops counting past the job threshold"
    settings.COUNTYHALL_JOB_IMPORT_ROWS = 5
    assert jobs.import_as_job(content)
    settings.COUNTYHALL_IMPORT_MAX_BYTES = len(content) - 1
    assert jobs.excel_row_count(content) == 0, "a file over the byte cap is not opened in the request"


def test_an_unreadable_workbook_is_reported_in_chinese_only():
    from countyhall.core.errors import ServiceError
    from countyhall.core.excel import sheet_rows

    with pytest.raises(ServiceError) as caught:
        list(sheet_rows(b"this is not a zip file", ["a"]))
    assert caught.value.message.startswith("无法读取该 Excel 文件（不是有效的 .xlsx）")
    assert "zip" not in caught.value.message.lower()


def test_files_of_old_finished_jobs_are_pruned_and_the_row_stays(people, settings):
    from countyhall.cli import main

    settings.COUNTYHALL_JOB_FILES_DAYS = 30
    old = job_submit(actor=people["owner"], kind=EXPORT, input_file=b"ledger", input_name="台账.xlsx")
    execute_job(old.pk)
    old.refresh_from_db()
    recent = job_submit(actor=people["owner"], kind=EXPORT)
    execute_job(recent.pk)
    recent.refresh_from_db()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    assert jobs.job_result_file(old) is not None and jobs.job_result_file(recent) is not None
    assert main(["jobs", "prune"]) == 0
    old.refresh_from_db()
    assert (old.input_path, old.result_path, old.state) == ("", "", Job.State.DONE)
    assert not jobs.job_dir(old).exists() and "已按保存期限删除" in old.message
    assert jobs.job_result_file(Job.objects.get(pk=recent.pk)) is not None, "a recent job keeps its file"
    assert jobs.jobs_prune_files() == 0


def test_the_prune_is_a_periodic_job(people):
    from django.conf import settings as django_settings

    assert ("countyhall.core.jobs:JOBS_PRUNE", "03:15") in django_settings.COUNTYHALL_PERIODIC_JOBS
    job = job_submit(actor=people["owner"], kind=jobs.JOBS_PRUNE)
    assert execute_job(job.pk) == Job.State.DONE


def write_late_job(*, job, actor, params, progress):
    """Reads, lets another connection write, then writes: what a large import does while the worker's periodic
    jobs or a page write beside it."""
    import threading
    import time

    list(Job.objects.filter(pk=job.pk))  # the work's first read

    def other() -> None:
        from django.db import connection as own

        try:
            AuditEntry.objects.create(
                action=AuditEntry.Action.CREATE, object_type="tests.other", object_repr="旁写"
            )
        finally:
            own.close()

    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(0.5)  # without the lock taken first, the other write commits here
    AuditEntry.objects.create(action=AuditEntry.Action.CREATE, object_type="tests.work", object_repr="任务写")
    return JobOutcome(result={"thread": thread.name}, message="完成")


WRITE_LATE = JobKind("tests.write_late", "测试：先读后写", "tests.core.test_jobs:write_late_job")


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_job_that_writes_late_is_not_failed_by_another_writer(people):
    """SQLite in WAL mode fails a transaction that read and then writes after another connection wrote ("database
    is locked", at once): the job takes the write lock first, and the other writer waits for it instead."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writers do not lock each other out")
    job = job_submit(actor=people["admin"], kind=WRITE_LATE)
    assert execute_job(job.pk) == Job.State.DONE
    import time

    for _ in range(50):  # the other writer went on once the job committed
        if AuditEntry.objects.filter(object_type="tests.other").exists():
            break
        time.sleep(0.1)
    assert AuditEntry.objects.filter(object_type="tests.other").exists()
    assert AuditEntry.objects.filter(object_type="tests.work").exists()


@pytest.mark.django_db
def test_a_starter_moved_to_another_town_or_role_no_longer_reads_the_result(client, make_user, county_tree):
    """The result file was produced under the starter's roles and scope of then (a town's unmasked ledger): a town
    officer moved to another town, or whose role was withdrawn, still downloaded it."""
    from countyhall.core.models import RoleGrant

    officer = make_user("mover", "town_officer", "qingcheng")
    job = job_submit(actor=officer, kind=EXPORT)
    assert execute_job(job.pk) == Job.State.DONE
    client.force_login(officer)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 200
    officer.division = county_tree["tianzhen"]
    officer.save()
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert "台账.xlsx" not in client.get(f"/jobs/{job.pk}/").content.decode()
    assert client.get(f"/jobs/{job.pk}/status").status_code == 200  # the state stays the starter's to see
    officer.division = county_tree["qingcheng"]
    officer.save()
    RoleGrant.objects.filter(user=officer).delete()
    officer = type(officer).objects.get(pk=officer.pk)
    client.force_login(officer)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
