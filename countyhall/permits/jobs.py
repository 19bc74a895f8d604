"""The approval program's background jobs (core.jobs): the daily clock sweep (periodic, run by the worker), a
large project ledger import and a large ledger export."""

from __future__ import annotations

from dataclasses import asdict

from countyhall.core.jobs import JobKind, JobOutcome, job_input_bytes

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


LEDGER_IMPORT = JobKind(
    "permits.ledger_import",
    "导入工程建设项目台账（Excel）",
    "countyhall.permits.jobs:ledger_import_job",
    "permits/_ledger_import_report.html",
    list_url="permits:projects",
)
LEDGER_EXPORT = JobKind(
    "permits.ledger_export", "导出工程建设项目台账（Excel）", "countyhall.permits.jobs:ledger_export_job"
)


def ledger_import_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.permits.services import project_ledger_import

    report = project_ledger_import(
        actor=actor,
        content=job_input_bytes(job),
        mode=params.get("mode", "all_or_nothing"),
        progress=lambda done, total: progress(done, total, label=f"已写入 {done} / {total} 行"),
    )
    message = (
        f"新增 {report.created}，未变 {report.unchanged}" if report.applied else "有错误，未导入任何数据"
    )
    return JobOutcome(result=asdict(report), message=message)


def ledger_export_job(*, job, actor, params, progress) -> JobOutcome:
    """The rows the project list would export for the starter (their scope, the same search and category)."""
    from types import SimpleNamespace

    from django.http import QueryDict

    from countyhall.permits import lists, selectors
    from countyhall.permits.services import project_ledger_export_file

    filters = params.get("filters") or {}
    query = QueryDict(mutable=True)
    query.update(filters)
    projects = selectors.project_list_for_user(actor)
    if filters.get("q"):
        projects = projects.filter(name__icontains=filters["q"]) | projects.filter(
            code__icontains=filters["q"]
        )
    if filters.get("category"):
        projects = projects.filter(category=filters["category"])
    # The list's other filters, parsed the way the page parsed them for this user.
    projects, _ = lists.project_filters(SimpleNamespace(GET=query, user=actor), projects)
    count = projects.count()
    progress(0, count)
    content = project_ledger_export_file(projects)
    progress(count, count)
    return JobOutcome(
        result={"rows": count},
        message=f"已生成 {count} 个项目的台账",
        file=("工程建设项目台账.xlsx", content),
    )
