"""The heating program's background jobs (core.jobs): a large ledger import, the entitlement computation and
a large ledger export."""

from __future__ import annotations

from dataclasses import asdict

from countyhall.core.jobs import JobKind, JobOutcome, job_input_bytes

LEDGER_IMPORT = JobKind(
    "heating.ledger_import",
    "导入清洁取暖台账（Excel）",
    "countyhall.heating.jobs:ledger_import_job",
    "heating/_ledger_import_report.html",
    list_url="heating:ledger",
    personal=True,
)
ENTITLEMENTS_COMPUTE = JobKind(
    "heating.entitlements_compute",
    "核算清洁取暖补贴并生成申领",
    "countyhall.heating.jobs:entitlements_compute_job",
    "core/jobs_result_counts.html",
)
LEDGER_EXPORT = JobKind(
    "heating.ledger_export", "导出清洁取暖台账（Excel）", "countyhall.heating.jobs:ledger_export_job"
)


def ledger_import_job(*, job, actor, params, progress) -> JobOutcome:
    """A large ledger file: first previewed (`dry_run`, nothing written; the input kept for the confirmation),
    then applied by a second job once the clerk confirms on the job page."""
    from countyhall.core.identity import mask_name
    from countyhall.heating import access
    from countyhall.heating.services import ledger_import

    dry_run = bool(params.get("dry_run"))
    report = ledger_import(
        actor=actor,
        content=job_input_bytes(job),
        mode=params.get("mode", "all_or_nothing"),
        update_existing=bool(params.get("update_existing")),
        dry_run=dry_run,
        # The page counts in rows: a preview checks them, the confirmation writes them.
        progress=lambda done, total: progress(
            done, total, label=f"{'已检查' if dry_run else '已写入'} {done} / {total} 行"
        ),
    )
    if not access.can_view_unmasked(actor):
        # The job's result is stored: it holds names only as the starter may see them.
        for change in report.changes:
            change.name = mask_name(change.name)
    if report.applied:
        message = f"已导入：新增 {report.created}，更新 {report.updated}，无变化 {report.unchanged}"
    elif report.errors:
        message = "有错误，未导入任何数据"
    else:
        message = "导入预览已生成，请确认后导入"
    return JobOutcome(result=asdict(report), message=message, keep_input=dry_run and not report.errors)


def entitlements_compute_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.heating.services import claims_build, entitlements_compute

    period = params["period"]
    report = entitlements_compute(actor=actor, period=period, progress=progress)
    claims = claims_build(actor=actor, period=period)
    result = {
        "核算期": period,
        "已核算": report.computed,
        "锁定未改": report.locked,
        "调整": report.adjustments,
        "特别困难群体（补助待管理员录入，户）": len(report.special_poor),
        "申领单": len(claims),
    }
    return JobOutcome(
        result=result, message=f"已核算 {period}：{report.computed} 项，锁定未改 {report.locked} 项"
    )


def ledger_export_job(*, job, actor, params, progress) -> JobOutcome:
    """The same rows the ledger page exports: the starter's scope and filters, masked as the page would."""
    from types import SimpleNamespace

    from django.http import QueryDict

    from countyhall.heating import access
    from countyhall.heating.services import ledger_export_file
    from countyhall.heating.views import _ledger_queryset

    query = QueryDict(mutable=True)
    query.update(params.get("filters") or {})
    unmasked = access.can_view_unmasked(actor)
    # The same filters, parsed and scope-checked the way the page parsed them for this user.
    households, _ = _ledger_queryset(SimpleNamespace(GET=query, user=actor), unmasked=unmasked)
    count = households.count()
    progress(0, count)
    content = ledger_export_file(households, masked=not unmasked)
    progress(count, count)
    return JobOutcome(
        result={"rows": count}, message=f"已生成 {count} 户的台账", file=("清洁取暖台账.xlsx", content)
    )
