"""A real `countyhall worker` process on the test database, for the background-job tests.

The tests that use it are `transaction=True` (the worker is another process: it sees only committed rows), and
on SQLite the test database is a file (countyhall/config/settings/test.py), never memory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]
HEARTBEAT = 0.5
STALE = 3.0


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.test",
            "DATABASE_URL": database_url(),
            "COUNTYHALL_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "COUNTYHALL_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT),
            "COUNTYHALL_WORKER_STALE_SECONDS": str(STALE),
            # The test-only job handlers (tests/core/job_handlers.py) are imported by path.
            "PYTHONPATH": str(REPO),
        }
    )
    env.update(extra)
    return env


class WorkerProcess:
    def __init__(self, **env: str):
        self.process = subprocess.Popen(
            [str(BIN / "countyhall"), "worker", "--interval", "0.2", "--no-schedule"],
            env=worker_env(**env),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine loses power or the OOM killer strikes."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.stdout.read() if self.process.stdout else ""


@contextlib.contextmanager
def running_worker(**env: str):
    worker = WorkerProcess(**env)
    try:
        yield worker
    finally:
        output = worker.stop()
        if output.strip():
            print("worker output:\n" + output)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def job_finished(job_id: int):
    from countyhall.core.models import Job

    job = Job.objects.get(pk=job_id)
    return job if job.finished else None
