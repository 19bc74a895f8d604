"""The approval program's background jobs (core.jobs): the daily clock sweep, run by the worker."""

from __future__ import annotations

from countyhall.core.jobs import JobKind, JobOutcome

PERMITS_SWEEP = JobKind(
    "permits.sweep",
    "审批时限每日提醒与督办",
    "countyhall.permits.jobs:permits_sweep_job",
    "core/jobs_result_counts.html",
)


def permits_sweep_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.permits.services import clock_sweep

    # The sweep's own actor: the access rule allows the daily system task, whoever enqueued it.
    created = clock_sweep(actor="system")
    return JobOutcome(
        result=created, message=f"提醒 {created.get('reminder', 0)}，督办 {created.get('escalation', 0)}"
    )
