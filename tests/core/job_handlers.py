"""Job handlers used only by tests/core/test_jobs.py: the real elder import, with a fault injected on demand.

A marker file beside the job's upload decides: `fail` raises half-way through the rows, `slow` sleeps at each
progress step (so the test can kill the worker mid-import). Without a marker the import runs normally, which is
what the retry does.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

from countyhall.canteens.jobs import elder_import_job
from countyhall.core.jobs import JobKind

FAULTY_IMPORT = JobKind(
    "tests.faulty_import",
    "测试：导入（可注入故障）",
    "tests.core.job_handlers:faulty_import",
    "canteens/_elder_import_report.html",
)


def marker(job_id: int, name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job_id) / name


def faulty_import(*, job, actor, params, progress):
    def watched(done: int, total: int, label: str = "") -> None:
        progress(done, total, label=label)
        if marker(job.pk, "fail").exists() and total and done > total * 3 // 4:
            raise RuntimeError("injected failure half-way through the writes")
        if marker(job.pk, "slow").exists():
            time.sleep(0.3)

    return elder_import_job(job=job, actor=actor, params=params, progress=watched)
