"""The daily acceptance sweep as the worker's periodic job (beside `countyhall egov sweep` and its systemd timer)."""

from __future__ import annotations

import pytest
from django.conf import settings

from countyhall.core.jobs import execute_job, job_submit
from countyhall.core.models import Job
from countyhall.egov.jobs import EGOV_SWEEP

pytestmark = pytest.mark.django_db


def test_the_sweep_runs_as_a_periodic_job_of_the_worker(egov_users):
    assert ("countyhall.egov.jobs:EGOV_SWEEP", "06:40") in settings.COUNTYHALL_PERIODIC_JOBS
    job = job_submit(actor="system:worker", kind=EGOV_SWEEP)
    assert execute_job(job.pk) == Job.State.DONE, Job.objects.get(pk=job.pk).error
    job.refresh_from_db()
    assert job.result == {"reminder": 0, "escalation": 0}
