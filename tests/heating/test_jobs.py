"""Heating's background jobs, run inline (the worker process itself is exercised in tests/canteens/test_jobs.py):
a ledger import above the threshold, the entitlement computation and a large ledger export go through the
job page and give the same outcome as the synchronous pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhall.core.jobs import execute_job
from countyhall.core.models import AuditEntry, Job
from countyhall.heating.models import Entitlement, Household
from tests.heating.test_ledger import book, ledger, plan, row  # noqa: F401 - the ledger fixture

pytestmark = pytest.mark.django_db


def _run_latest() -> Job:
    job = Job.objects.latest("pk")
    assert execute_job(job.pk) == Job.State.DONE, Job.objects.get(pk=job.pk).error
    job.refresh_from_db()
    return job


def test_large_ledger_import_runs_as_a_job(client, county_tree, make_user, settings):
    settings.COUNTYHALL_JOB_IMPORT_ROWS = 3
    officer = make_user("zj", "housing")
    plan(county_tree, officer)
    client.force_login(officer)
    response = client.post(
        "/heating/ledger/",
        {
            "mode": "all_or_nothing",
            "file": SimpleUploadedFile("台账.xlsx", book([row(n) for n in range(1, 6)])),
        },
    )
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    preview = _run_latest()
    # A large file is previewed first, as a small one is on the page: nothing is written until confirmed.
    assert preview.kind == "heating.ledger_import" and preview.result["created"] == 5
    assert Household.objects.count() == 0
    page = client.get(f"/jobs/{preview.pk}/").content.decode()
    assert "导入预览（尚未写入）" in page and "确认导入" in page
    confirmed = client.post(f"/heating/ledger/import/jobs/{preview.pk}/confirm/")
    assert confirmed.status_code == 302 and confirmed["Location"].startswith("/jobs/")
    job = _run_latest()
    assert job.pk != preview.pk and job.result["applied"]
    assert Household.objects.count() == 5
    assert "新增 5 户" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_another_user_cannot_confirm_a_preview(client, county_tree, make_user, settings):
    settings.COUNTYHALL_JOB_IMPORT_ROWS = 3
    client.force_login(make_user("zj", "housing"))
    plan(county_tree, make_user("zj-plan", "housing"))
    client.post(
        "/heating/ledger/",
        {
            "mode": "all_or_nothing",
            "file": SimpleUploadedFile("台账.xlsx", book([row(n) for n in range(1, 6)])),
        },
    )
    preview = _run_latest()
    client.force_login(make_user("zj2", "housing"))
    assert client.post(f"/heating/ledger/import/jobs/{preview.pk}/confirm/").status_code == 404
    assert Household.objects.count() == 0 and Job.objects.count() == 1


def test_entitlements_for_a_county_sized_ledger_run_as_a_job(client, ledger, settings):  # noqa: F811
    settings.COUNTYHALL_JOB_IMPORT_ROWS = 2
    client.force_login(ledger["officer"])
    response = client.post("/heating/money/", {"action": "compute", "period": "2021"})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    job = _run_latest()
    assert job.result["已核算"] > 0 and Entitlement.objects.exists()
    assert job.progress_total in (0, Household.objects.count())


def test_large_ledger_export_is_a_file_on_the_job_page(client, ledger, settings):  # noqa: F811
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 2
    client.force_login(ledger["officer"])
    response = client.get("/heating/ledger/?format=xlsx")
    assert response.status_code == 302
    job = _run_latest()
    assert job.result == {"rows": 5} and job.result_name == "清洁取暖台账.xlsx"
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.READ, object_id=str(job.pk)).exists()


def _preview(client, make_user, settings) -> Job:
    from countyhall.core.models import Division

    settings.COUNTYHALL_JOB_IMPORT_ROWS = 3
    officer = make_user("zj", "housing")
    plan({"natural_b": Division.objects.get(code="370322101201001")}, officer)  # rows need a village plan
    client.force_login(officer)
    client.post(
        "/heating/ledger/",
        {
            "mode": "all_or_nothing",
            "file": SimpleUploadedFile("台账.xlsx", book([row(n) for n in range(1, 6)])),
        },
    )
    return _run_latest()


def test_a_preview_is_confirmed_once_and_its_file_then_deleted(
    client, county_tree, make_user, settings, django_capture_on_commit_callbacks
):
    from countyhall.core.jobs import _media

    preview = _preview(client, make_user, settings)
    stored = _media() / preview.input_path
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/heating/ledger/import/jobs/{preview.pk}/confirm/")
    second = client.post(f"/heating/ledger/import/jobs/{preview.pk}/confirm/", follow=True)
    assert first["Location"] != f"/jobs/{preview.pk}/"
    assert "该预览已确认过" in second.content.decode()
    assert Job.objects.filter(kind="heating.ledger_import").count() == 2, "one applying job only"
    preview.refresh_from_db()
    assert preview.input_path == "" and not stored.exists()
    assert preview.result["confirmed_by_job"] == int(first["Location"].split("/")[2])
    _run_latest()
    assert Household.objects.count() == 5
    assert "确认导入</button>" not in client.get(f"/jobs/{preview.pk}/").content.decode()


def test_the_administrator_neither_reads_nor_confirms_a_preview(client, county_tree, make_user, settings):
    preview = _preview(client, make_user, settings)
    client.force_login(make_user("sysadm", "system_admin"))
    page = client.get(f"/jobs/{preview.pk}/").content.decode()
    assert "户主1" not in page and "户主" not in page
    assert client.post(f"/heating/ledger/import/jobs/{preview.pk}/confirm/").status_code == 404
    assert Household.objects.count() == 0 and Job.objects.count() == 1


def test_reading_an_import_job_page_is_an_audited_personal_read(client, county_tree, make_user, settings):
    preview = _preview(client, make_user, settings)
    reads = AuditEntry.objects.filter(
        action=AuditEntry.Action.READ, object_type="core.Job", object_id=str(preview.pk)
    )
    assert not reads.exists()
    client.get(f"/jobs/{preview.pk}/")
    assert reads.count() == 1, "the starter's own look at the stored names is audited too"
