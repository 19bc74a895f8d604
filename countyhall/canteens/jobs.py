"""The canteen program's background jobs (core.jobs): a large elder import, the month's settlements."""

from __future__ import annotations

from dataclasses import asdict

from countyhall.core.jobs import JobKind, JobOutcome, excel_row_count, job_input_bytes

ELDER_IMPORT = JobKind(
    "canteens.elder_import",
    "导入助餐老人（Excel）",
    "countyhall.canteens.jobs:elder_import_job",
    "canteens/_elder_import_report.html",
    list_url="canteens:elders",
    personal=True,
)


def _phased(progress, expected: int):
    """The service counts reading and writing against twice the rows; the page says which phase in rows
    ("已读取 N / M 行", then "已写入 N / M 行") while the bar keeps the overall percentage."""

    def report(done: int, total: int) -> None:
        if not total:  # still reading: the sheet's own row count is the best total there is
            progress(done, 2 * expected, label=f"已读取 {done} / {expected} 行")
            return
        rows = total // 2
        if done <= rows:
            progress(done, total, label=f"已读取 {done} / {rows} 行")
        else:
            progress(done, total, label=f"已写入 {done - rows} / {rows} 行")

    return report


def elder_import_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.canteens import access
    from countyhall.canteens.services.elders import elder_import
    from countyhall.core.identity import mask_name

    content = job_input_bytes(job)
    # While the file is read the service does not know the total yet (0): the bar counts against the rows
    # the sheet says it has, reading being the first half of the work and writing the second.
    expected = excel_row_count(content) or 1
    report = elder_import(
        actor=actor,
        content=content,
        mode=params.get("mode", "all_or_nothing"),
        confirm=bool(params.get("confirm")),
        progress=_phased(progress, expected),
    )
    if not access.can_import_elders(actor):
        # The result is stored and shown again: it holds names, phones and addresses only as the starter's role
        # may read them (the keepers who may import read them in full; anyone else, masked).
        for change in report.changes:
            change.name = mask_name(change.name)
            change.changes = [_masked_change(label, old, new) for label, old, new in change.changes]
    if report.applied:
        message = f"已导入：新增 {report.created}，更新 {report.updated}"
    elif report.preview and not report.errors:
        message = "更新预览已生成，请确认后导入"
    else:
        message = "有错误，未导入任何数据"
    return JobOutcome(
        result=asdict(report), message=message, keep_input=bool(report.preview and not report.errors)
    )


def _masked_change(label: str, old: str, new: str) -> tuple[str, str, str]:
    from countyhall.core.identity import mask_address, mask_name, mask_phone

    mask = {"姓名": mask_name, "联系电话": mask_phone, "电话": mask_phone, "住址": mask_address}.get(label)
    return (label, mask(old or ""), mask(new or "")) if mask else (label, old, new)


SETTLEMENT_COMPUTE_ALL = JobKind(
    "canteens.settlement_compute_all",
    "计算全县助餐结算单",
    "countyhall.canteens.jobs:settlement_compute_all_job",
    "core/jobs_result_counts.html",
)


def settlement_compute_all_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.canteens.services.settlements import settlement_compute_all

    done = settlement_compute_all(
        actor=actor,
        year=int(params["year"]),
        month=int(params["month"]) if params.get("month") else None,
        progress=progress,
    )
    period = f"{params['year']}年{params['month']}月" if params.get("month") else f"{params['year']}年度"
    return JobOutcome(
        result={"结算期": period, "已计算的机构": len(done)}, message=f"已计算 {len(done)} 家机构的结算单"
    )


SETTLEMENT_ANNEX_PDF = JobKind(
    "canteens.settlement_annex_pdf",
    "打印结算单附件：按老人汇总（PDF）",
    "countyhall.canteens.jobs:settlement_annex_pdf_job",
    "core/jobs_result_counts.html",
    personal=True,
)


def settlement_annex_pdf_job(*, job, actor, params, progress) -> JobOutcome:
    """The per-elder annex of a settlement statement: hundreds of rows take WeasyPrint seconds, so it is printed
    here rather than in a request (the statement itself stays a one-page PDF)."""
    from countyhall.canteens.selectors import settlement_list_for_user
    from countyhall.canteens.views.settlements import statement_by_elder
    from countyhall.core.clock import business_date
    from countyhall.core.errors import ServiceError
    from countyhall.core.reports import pdf_bytes
    from countyhall.core.services.audit import audit_personal_read

    settlement = (
        settlement_list_for_user(actor).select_related("facility").filter(pk=params["settlement"]).first()
    )
    if settlement is None:
        raise ServiceError("settlement", "没有这张结算单，或它不在您的数据范围内。")
    progress(0, 2, label="正在汇总")
    rows = statement_by_elder(actor, settlement)
    audit_personal_read(
        actor=actor,
        what="结算单附件打印",
        object_type="canteens.Elder",
        count=len(rows),
        filters={"settlement": settlement.pk},
        object_id=str(settlement.pk),
    )
    progress(1, 2, label=f"正在排版 {len(rows)} 位老人")
    content = pdf_bytes(
        template="canteens/settlement_annex_print.html",
        context={"settlement": settlement, "by_elder": rows, "printed_on": business_date()},
    )
    return JobOutcome(
        result={"结算单": settlement.statement_number, "老人": len(rows)},
        message=f"附件已生成：{len(rows)} 位老人",
        file=(f"{settlement}-按老人汇总.pdf", content),
    )


SETTLEMENT_DETAIL_XLSX = JobKind(
    "canteens.settlement_detail_xlsx",
    "导出结算明细（Excel）",
    "countyhall.canteens.jobs:settlement_detail_xlsx_job",
    "core/jobs_result_counts.html",
    personal=True,
)


def settlement_detail_xlsx_job(*, job, actor, params, progress) -> JobOutcome:
    """A settlement's detail sheet (each lunch with its elder) when it is too long for a request: a yearly
    settlement of a busy canteen is tens of thousands of lunches. The same rows and audit as the page's export."""
    from countyhall.canteens.selectors import settlement_list_for_user
    from countyhall.canteens.views.settlements import statement_detail_file
    from countyhall.core.errors import ServiceError

    settlement = (
        settlement_list_for_user(actor).select_related("facility").filter(pk=params["settlement"]).first()
    )
    if settlement is None:
        raise ServiceError("settlement", "没有这张结算单，或它不在您的数据范围内。")
    progress(0, 1, label="正在生成结算明细")
    count, content = statement_detail_file(actor, settlement)
    progress(1, 1, label=f"已写入 {count} 份午餐")
    return JobOutcome(
        result={"结算单": settlement.statement_number, "午餐": count, "rows": count},
        message=f"结算明细已生成：{count} 份午餐",
        file=(f"{settlement}.xlsx", content),
    )


ELDERS_EXPORT = JobKind(
    "canteens.elders_export",
    "导出助餐老人（Excel）",
    "countyhall.canteens.jobs:elders_export_job",
    "core/jobs_result_counts.html",
    personal=True,
)


def elders_export_job(*, job, actor, params, progress) -> JobOutcome:
    """The elders list's Excel export past COUNTYHALL_JOB_EXPORT_ROWS rows: the same filters, sort, columns,
    scope and masking as the page (rebuilt from its query string for the starter), and the same audit row."""
    from countyhall.canteens.views.elders import audit_elder_export, elder_table
    from countyhall.core.tables import export_job_outcome, list_request

    table, found = elder_table(list_request(actor=actor, params=params))
    audit_elder_export(actor, table, found["filters"])
    return export_job_outcome(
        table,
        title="助餐老人",
        result_label="导出老人",
        unit="位老人",
        progress=progress,
        subject=params.get("subject", ""),
    )


LUNCHES_EXPORT = JobKind(
    "canteens.lunches_export",
    "导出午餐登记（Excel）",
    "countyhall.canteens.jobs:lunches_export_job",
    "core/jobs_result_counts.html",
    personal=True,
)


def lunches_export_job(*, job, actor, params, progress) -> JobOutcome:
    """The lunch register's Excel export past COUNTYHALL_JOB_EXPORT_ROWS rows (a county month is hundreds of
    thousands): the page's filters, columns and facility scope, rebuilt for the starter; the page's audit row."""
    from countyhall.canteens.views.counter import audit_lunch_export, lunch_table
    from countyhall.core.tables import export_job_outcome, list_request

    table, filters = lunch_table(list_request(actor=actor, params=params))
    audit_lunch_export(actor, table, filters)
    return export_job_outcome(
        table,
        title="午餐登记",
        result_label="导出午餐",
        unit="份午餐",
        progress=progress,
        subject=params.get("subject", ""),
    )
