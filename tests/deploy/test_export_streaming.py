"""Every export with a row per record is streamed from a temporary file (or, for CSV, row by row), never a bytes
blob built in memory: the regression test for issue 11's "exports streamed (memory flat whatever the row count)",
which the benchmark (benchmarks/export_memory.py) measures but only on a county-sized database."""

from __future__ import annotations

import io

import pytest
from django.http import FileResponse, StreamingHttpResponse

pytestmark = pytest.mark.django_db

# (demo user, path): the list pages' exports, the ledgers in the import layout, the settlement's detail sheet.
EXPORTS = [
    ("minzheng", "/canteens/lunches/?export=xlsx"),
    ("minzheng", "/canteens/lunches/?export=csv"),
    ("minzheng", "/canteens/elders/?export=xlsx"),
    ("minzheng", "/canteens/facilities/?format=xlsx"),
    ("minzheng", "/canteens/facilities/?export=xlsx"),
    ("minzheng", "/canteens/settlements/?export=xlsx"),
    ("minzheng", "SETTLEMENT"),
    ("auditor", "/audit/?format=xlsx"),
    ("zhujian", "/heating/ledger/?format=xlsx"),
    ("zhujian", "/heating/ledger/?export=xlsx"),
    ("shenpi", "/permits/?format=xlsx"),
    ("shenpi", "/permits/?export=xlsx"),
    ("admin", "/policy/parameters/?format=xlsx"),
    ("yingji", "/emergency/?format=xlsx"),
    ("", "/gazette/export.xlsx"),
]


@pytest.fixture
def demo(db):
    from countyhall.core.demo import demo_load
    from countyhall.core.programs import registered_programs

    demo_load(actor="test-demo")
    for program in registered_programs():
        program.demo_load(actor="test-demo")


def _assert_streamed(response, path: str) -> None:
    assert response.status_code == 200, (path, response.status_code)
    assert response.streaming, f"{path}: the whole file was built in memory ({type(response).__name__})"
    if "xlsx" in path or "SETTLEMENT" in path:
        assert isinstance(response, FileResponse), path
        # A file on disk (excel_response's temporary file, xlsx_file_response, a job's result), not an in-memory
        # buffer. FileResponse registers the file's close(); a middleware that wraps the streamed content resets
        # file_to_stream, so the file is found there.
        files = [getattr(closer, "__self__", None) for closer in response._resource_closers]
        files = [f for f in files if isinstance(f, io.IOBase)]  # not the request, whose close() is there too
        assert files, path
        assert not any(isinstance(f, io.BytesIO) for f in files), path
        assert all(f.fileno() >= 0 for f in files), path
    else:
        assert isinstance(response, StreamingHttpResponse), path
    content = b"".join(response.streaming_content)
    assert content.startswith(b"PK" if isinstance(response, FileResponse) else b"\xef\xbb\xbf"), path


@pytest.mark.parametrize("username, path", EXPORTS, ids=[p for _, p in EXPORTS])
def test_export_is_streamed_from_a_file(demo, client, username, path):
    from countyhall.canteens.models import Settlement
    from countyhall.core.models import User

    if path == "SETTLEMENT":
        settlement = Settlement.objects.filter(lunches__gt=0).order_by("pk").first()
        assert settlement is not None, "the demo has a settlement with lunches"
        path = f"/canteens/settlements/{settlement.pk}/?format=xlsx"
    if username:
        client.force_login(User.objects.get(username=username))
    _assert_streamed(client.get(path), path)


@pytest.mark.parametrize("path", ["/heating/ledger/?format=xlsx", "/permits/?format=xlsx"])
def test_ledger_job_copies_its_file_in_blocks(demo, client, settings, monkeypatch, path):
    """Past COUNTYHALL_JOB_EXPORT_ROWS the ledger is a background job: the job hands over the open temporary file,
    copied to the result in blocks (not read whole), and the download streams from it."""
    from countyhall.core import jobs
    from countyhall.core.models import User

    settings.COUNTYHALL_JOB_EXPORT_ROWS = 0
    copied = []
    real_copy = jobs.shutil.copyfileobj

    def copy(source, target, length=0):
        copied.append(length)
        return real_copy(source, target, length)

    monkeypatch.setattr(jobs.shutil, "copyfileobj", copy)
    client.force_login(User.objects.get(username="zhujian" if "heating" in path else "shenpi"))
    response = client.get(path)
    assert response.status_code == 302, path
    job = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert jobs.execute_job(job) == "done"
    # The file copied in the job's blocks (another copy may run in the same job: the workbook's own save).
    assert jobs.COPY_BLOCK in copied, "the job's result was copied from its temporary file"
    _assert_streamed(client.get(f"/jobs/{job}/download"), path)
