"""The approval program's background jobs, run inline (the worker process itself is exercised in
tests/canteens/test_jobs.py): a large project ledger import and export, and the daily sweep as a job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhall.core.jobs import execute_job, job_submit
from countyhall.core.models import Job
from countyhall.permits.jobs import PERMITS_SWEEP
from countyhall.permits.models import Project
from tests.permits.test_ledger import book, row

pytestmark = pytest.mark.django_db


def _run(job: Job) -> Job:
    assert execute_job(job.pk) == Job.State.DONE, Job.objects.get(pk=job.pk).error
    job.refresh_from_db()
    return job


def test_large_ledger_import_and_export_run_as_jobs(client, world, settings):
    settings.COUNTYHALL_JOB_IMPORT_ROWS = 2
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 2
    client.force_login(world["users"]["approval"])
    before = Project.objects.count()
    response = client.post(
        "/permits/",
        {"mode": "all_or_nothing", "file": SimpleUploadedFile("台账.xlsx", book([row(1), row(2), row(3)]))},
    )
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    job = _run(Job.objects.latest("pk"))
    assert job.result["created"] == 3 and Project.objects.count() == before + 3
    assert "新增 3" in client.get(f"/jobs/{job.pk}/").content.decode()
    response = client.get("/permits/?format=xlsx")
    assert response.status_code == 302
    export = _run(Job.objects.latest("pk"))
    assert export.result["rows"] == Project.objects.count() and export.result_name.endswith(".xlsx")


def test_the_sweep_as_a_job(world):
    job = _run(job_submit(actor="system:worker", kind=PERMITS_SWEEP))
    assert set(job.result) == {"reminder", "escalation"}
