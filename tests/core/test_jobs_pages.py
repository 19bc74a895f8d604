"""The job pages as a user reads them: progress in the user's units from one source (list = detail), the
Chinese starter and result labels, preview vs confirmation, the link to the imported list; /healthz failing
on a dead worker's job or an unserved queue, and recovery when a job page is opened."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from countyhall.core import jobs
from countyhall.core.jobs import JobKind, JobOutcome, execute_job, job_submit
from countyhall.core.models import Job

pytestmark = pytest.mark.django_db

PLAIN = JobKind("tests.plain", "测试：处理", "tests.core.test_jobs_pages:plain_handler")


def plain_handler(*, job, actor, params, progress) -> JobOutcome:
    return JobOutcome(result={"applied": True}, message="已完成")


@pytest.fixture
def owner(make_user):
    return make_user("owner", "housing")


def _clear_heartbeats():
    for path in jobs._state_dir().glob("heartbeat-*.json"):
        path.unlink()
    from countyhall.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.all().delete()


def _age_heartbeat(worker_id: str, seconds: int) -> None:
    at = timezone.now() - dt.timedelta(seconds=seconds)
    if jobs._uses_files():
        path = jobs._state_dir() / f"heartbeat-{worker_id}.json"
        data = json.loads(path.read_text())
        data["beat_at"] = at.isoformat()
        path.write_text(json.dumps(data))
    else:
        from countyhall.core.models import WorkerHeartbeat

        WorkerHeartbeat.objects.filter(pk=worker_id).update(beat_at=at)


def test_progress_is_shown_in_the_users_units_and_the_list_matches_the_detail(client, owner):
    job = job_submit(actor=owner, kind=PLAIN)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, worker_id="w-alive")
    jobs.heartbeat_write(worker_id="w-alive", started_at=timezone.now())
    job.refresh_from_db()
    # An import of 1,000 rows: reading and writing counted against 2,000 internally.
    jobs.job_progress(job, 1240, 2000, label="已写入 240 / 1000 行", force=True)
    client.force_login(owner)
    status = client.get(f"/jobs/{job.pk}/status").json()
    assert status["percent"] == 62 and status["message"] == "已写入 240 / 1000 行"
    detail = client.get(f"/jobs/{job.pk}/").content.decode()
    listing = client.get("/jobs/").content.decode()
    assert "已写入 240 / 1000 行" in detail and "2000" not in detail
    assert 'value="62"' in listing and "62%" in listing and "2000" not in listing
    jobs.heartbeat_remove("w-alive")


def test_without_a_label_the_progress_says_processed(owner):
    job = job_submit(actor=owner, kind=PLAIN)
    jobs.job_progress(job, 3, 4, force=True)
    job.refresh_from_db()
    assert job.message == "已处理 3 / 4"


def test_elder_import_phases_read_then_write_in_rows():
    from countyhall.canteens.jobs import _phased

    seen = []
    report = _phased(lambda done, total, label="": seen.append((done, total, label)), 1000)
    report(500, 0)
    report(1000, 2000)
    report(1300, 2000)
    assert seen == [
        (500, 2000, "已读取 500 / 1000 行"),
        (1000, 2000, "已读取 1000 / 1000 行"),
        (1300, 2000, "已写入 300 / 1000 行"),
    ]


def test_a_periodic_jobs_starter_and_outbox_result_are_in_chinese(client, make_user):
    admin = make_user("admin", "system_admin")
    job = job_submit(actor=jobs.SystemActor(jobs.WORKER_ACTOR), kind=jobs.OUTBOX_DISPATCH)
    assert execute_job(job.pk) == Job.State.DONE, Job.objects.get(pk=job.pk).error
    client.force_login(admin)
    for url in ("/jobs/", f"/jobs/{job.pk}/"):
        page = client.get(url).content.decode()
        assert "系统（后台任务）" in page and "system:worker" not in page, url
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "无发送通道" in page and "no_sender" not in page


def test_a_preview_and_its_confirmation_are_told_apart():
    assert (
        jobs.job_step(Job(params={"mode": "all_or_nothing", "update_existing": False, "dry_run": True}))
        == "预览"
    )
    assert jobs.job_step(Job(params={"mode": "all_or_nothing", "update_existing": False})) == "确认导入"
    assert jobs.job_step(Job(params={"mode": "update"})) == "预览"
    assert jobs.job_step(Job(params={"mode": "update", "confirm": True})) == "确认导入"
    assert jobs.job_step(Job(params={"mode": "all_or_nothing"})) == ""


def test_an_applied_import_links_to_the_imported_list(client, owner):
    from countyhall.canteens.jobs import ELDER_IMPORT

    job = job_submit(actor=owner, kind=ELDER_IMPORT)
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, result={"applied": True})
    job.refresh_from_db()
    assert jobs.job_list_url(job) == "/canteens/elders/"
    Job.objects.filter(pk=job.pk).update(result={"applied": False})
    job.refresh_from_db()
    assert jobs.job_list_url(job) == ""


def test_healthz_fails_for_a_running_job_whose_worker_is_silent(client, settings, owner):
    settings.COUNTYHALL_WORKER_STALE_SECONDS = 5
    _clear_heartbeats()
    job = job_submit(actor=owner, kind=PLAIN)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, worker_id="w-dead")
    jobs.heartbeat_write(worker_id="w-dead", started_at=timezone.now())
    jobs.heartbeat_write(worker_id="w-other", started_at=timezone.now())
    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "ok"
    _age_heartbeat("w-dead", 60)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["worker"]["status"] == "fail"
    jobs.heartbeat_remove("w-dead")
    jobs.heartbeat_remove("w-other")


def test_healthz_fails_when_jobs_are_queued_and_no_worker_lives(client, settings, owner):
    _clear_heartbeats()
    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "warn"
    job_submit(actor=owner, kind=PLAIN)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["worker"]["status"] == "fail"


def test_opening_a_job_page_recovers_a_dead_workers_job_and_offers_retry(client, settings, owner):
    settings.COUNTYHALL_WORKER_STALE_SECONDS = 5
    job = job_submit(actor=owner, kind=PLAIN)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, worker_id="w-dead")
    jobs.heartbeat_write(worker_id="w-dead", started_at=timezone.now())
    _age_heartbeat("w-dead", 60)
    client.force_login(owner)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert 'value="retry"' in page and "失败" in page
    jobs.heartbeat_remove("w-dead")
