"""The e-government program's background job (core.jobs): the daily sweep of the final acceptance clocks
(1号 三、（四）2: reminders before the 20-working-day deadline, escalations once it has passed), periodic, run by the
worker beside the permits sweep (COUNTYHALL_PERIODIC_JOBS); `countyhall egov sweep` and its systemd timer do the
same work on an installation without the worker."""

from __future__ import annotations

from countyhall.core.jobs import JobKind, JobOutcome

EGOV_SWEEP = JobKind(
    "egov.sweep",
    "电子政务项目竣工验收时限每日提醒与督办",
    "countyhall.egov.jobs:egov_sweep_job",
    "core/jobs_result_counts.html",
)


def egov_sweep_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.egov.services import acceptance_clock_sweep

    # The sweep's own actor: the access rule allows the daily system task only, whoever enqueued it.
    created = acceptance_clock_sweep(actor="system")
    return JobOutcome(
        result=created, message=f"提醒 {created.get('reminder', 0)}，督办 {created.get('escalation', 0)}"
    )
