from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from countyhall.core.clock import chinese_date
from countyhall.core.jobs import AUDIT_EXPORT, job_submit
from countyhall.core.models import AuditEntry
from countyhall.core.params import BadParameter
from countyhall.core.reports import workbook_file, xlsx_file_response
from countyhall.core.roles import Capability
from countyhall.core.selectors.audit import audit_list_for_user, audit_object_types
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.tables import EXCEL_MAX_DATA_ROWS, Column, Table, more_rows_than
from countyhall.core.web import bad_request, is_ascii_int

# A million rows and more: the count stops at the cap ("超过 10,000 条"), and past the numbered pages the pager
# goes on by position (?after=<at>~<id>, the `at` index) instead of an OFFSET through the log.
AUDIT_COUNT_CAP = 10_000
# The page renders its own cells; the columns name what Table pages and keeps in its links (no sorting offered).
AUDIT_COLUMNS = [
    Column("at", "时间"),
    Column("actor_label", "操作人"),
    Column("action", "操作"),
    Column("object_type", "对象"),
    Column("note", "说明"),
]

# Rows fetched at a time by the Excel export.
EXPORT_CHUNK = 2000

DATE_FIELDS = {"date_from": "起始日期", "date_to": "截止日期"}


class _BadFilter(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _date(request, name: str) -> dt.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _BadFilter(
            f"{DATE_FIELDS[name]}（{name}）", "日期格式应为 YYYY-MM-DD，例如 2022-06-15。"
        ) from None


AUDIT_EXPORT_FIELDS = (
    "at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "note",
    "before",
    "after",
)
AUDIT_EXPORT_HEADERS = ["时间", "操作人", "操作", "对象类型", "对象编号", "对象", "说明", "修改前", "修改后"]


def audit_export_query(request):
    """The audit log as the request filters it for an auditor: (entries, filters). Raises _BadFilter for a bad
    filter and PermissionDenied for anyone else. The page, its export and the export's job read it."""
    if not request.user.can(Capability.AUDIT_VIEW):
        raise PermissionDenied("只有审计员可以查阅审计日志。")
    filters = {
        "action": request.GET.get("action", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
        "date_from": _date(request, "date_from"),
        "date_to": _date(request, "date_to"),
    }
    if filters["action"] and filters["action"] not in AuditEntry.Action.values:
        raise _BadFilter("操作（action）", "没有这种操作类型。")
    return audit_list_for_user(request.user, **filters), filters


def audit_export_file(*, actor, entries, filters, progress=None):
    """The filtered log as an Excel file on disk, its export logged: (rows written, open file)."""
    actions = dict(AuditEntry.Action.choices)
    exported = 0

    def rows():
        # Plain tuples in chunks (a server-side cursor on PostgreSQL): no model instance per row, memory flat
        # whatever the period (docs/benchmarks.md).
        nonlocal exported
        for row in entries.values_list(*AUDIT_EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
            exported += 1
            row = list(row)
            row[2] = actions.get(row[2], row[2])  # the action in Chinese
            yield row

    output = workbook_file(
        sheet_title="审计日志", headers=AUDIT_EXPORT_HEADERS, rows=rows(), progress=progress
    )
    # The trail says who read and changed whose records: an export of it is itself logged (after the workbook is
    # built, so the export's own row is not in it and the count is what was written).
    audit_personal_read(
        actor=actor, what="审计日志导出", object_type="core.AuditEntry", count=exported, filters=filters
    )
    return exported, output


def _export_subject(filters: dict) -> str:
    """Which rows an export job holds, in words ("2022年3月1日起，查阅"): told apart in the job list."""
    parts = []
    if filters["date_from"] or filters["date_to"]:
        start = chinese_date(filters["date_from"]) if filters["date_from"] else "最早"
        end = chinese_date(filters["date_to"]) if filters["date_to"] else "至今"
        parts.append(f"{start}至{end}")
    if filters["action"]:
        parts.append(dict(AuditEntry.Action.choices)[filters["action"]])
    if filters["object_type"]:
        parts.append(object_type_label(filters["object_type"]))
    if filters["actor"]:
        parts.append(f"操作人含“{filters['actor'][:20]}”")
    return "，".join(parts) or "全部记录"


@login_required
def audit_list(request):
    try:
        entries, filters = audit_export_query(request)
    except _BadFilter as exc:
        return bad_request(request, field=exc.field, message=exc.message)
    if request.GET.get("format") == "xlsx":
        if more_rows_than(entries, EXCEL_MAX_DATA_ROWS):
            return bad_request(
                request,
                field="导出格式（format）",
                message=f"筛选出的记录超过 Excel 一张表的上限（{EXCEL_MAX_DATA_ROWS:,} 行），请缩小日期范围后分批导出。",
            )
        if more_rows_than(entries, settings.COUNTYHALL_JOB_EXPORT_ROWS):
            # A year of the county's log is a million rows (a minute of writing): the worker builds the file, the
            # job page shows its progress and the download.
            query = request.GET.copy()
            query.pop("page", None)
            query.pop("after", None)
            subject = _export_subject(filters)
            job = job_submit(
                actor=request.user,
                kind=AUDIT_EXPORT,
                params={"query": query.urlencode(), "subject": subject},
                message=f"等待后台处理：{subject}",
            )
            return redirect("core:job", pk=job.pk)
        _, output = audit_export_file(actor=request.user, entries=entries, filters=filters)
        return xlsx_file_response(output=output, filename="审计日志.xlsx")
    raw_page = request.GET.get("page", "").strip()
    if raw_page and not (is_ascii_int(raw_page) and len(raw_page) <= 7 and int(raw_page) >= 1):
        return bad_request(request, field="页码（page）", message="页码应为正整数。")
    try:
        table = Table(request, entries, columns=AUDIT_COLUMNS, count_cap=AUDIT_COUNT_CAP)
    except BadParameter as exc:
        return bad_request(request, field=f"{exc.label}（{exc.name}）", message=exc.message)
    for entry in table.rows:
        entry.object_label = object_type_label(entry.object_type)
    return render(
        request,
        "core/audit_list.html",
        {
            "table": table,
            "page": table.rows,
            "filters": request.GET,
            "actions": AuditEntry.Action.choices,
            "object_types": sorted((t, object_type_label(t)) for t in audit_object_types()),
        },
    )


def object_type_label(object_type: str) -> str:
    """ "canteens.Elder" → "助餐老人（长者食堂）": the auditor reads the model's and the program's Chinese names; the
    model label itself is shown only in the row's 技术信息."""
    from django.apps import apps

    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return "系统记录" if "." in object_type else object_type
    return f"{model._meta.verbose_name}（{model._meta.app_config.verbose_name}）"
