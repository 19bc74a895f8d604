"""The project ledger in Excel: offices keep their 立项 lists in spreadsheets. Import checks every row by the
same service as the registration page; a code already registered with the same content is left unchanged,
one with different content is an error (corrections are made on the project page, where they are audited)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import IO

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.excel import ImportReport, ImportRowError, cell_text, sheet_rows
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.reports import workbook_bytes, workbook_file
from countyhall.core.services.audit import audit_record
from countyhall.core.web import is_ascii_int
from countyhall.permits import access
from countyhall.permits.models import Category, Project
from countyhall.permits.services.setup import project_register

# key, header, required
COLUMNS = [
    ("code", "项目代码", True),
    ("name", "项目名称", True),
    ("category", "项目类别", True),
    ("land_supply", "土地供应方式", True),
    ("site", "建设地点区划代码", True),
    ("applicant", "建设单位", True),
    ("investment", "总投资（万元）", False),
    ("in_assessed_zone", "位于区域评估区域（是/否）", False),
    ("legal_representative", "法定代表人", False),
    ("project_manager", "项目负责人", False),
    ("contact_phone", "联系电话", False),
    ("households", "住宅户数", False),
]
HEADERS = [header for _, header, _ in COLUMNS]
CATEGORY_TEXT = {label: value for value, label in Category.choices}
LAND_TEXT = {label: value for value, label in Project.LandSupply.choices}
YES = {"是": True, "否": False, "": False}
TEXT_LIMITS = {
    key: Project._meta.get_field(key).max_length
    for key in ("code", "name", "legal_representative", "project_manager", "contact_phone")
}


def project_ledger_template() -> bytes:
    example = [
        "2022-370322-26-03-000001",
        "示例厂房项目",
        "社会投资工业类",
        "出让",
        "370322001000",
        "示例有限公司",
        "12000",
        "否",
        "王某",
        "刘某",
        "0533-0000000",
        "",
    ]
    return workbook_bytes(sheet_title="工程建设项目", headers=HEADERS, rows=[example])


def project_ledger_export(projects) -> bytes:
    with project_ledger_export_file(projects) as output:
        return output.read()


def project_ledger_export_file(projects) -> IO[bytes]:
    """The ledger in the import layout as an open temporary file (deleted when closed): the page streams it and the
    job copies it to its result file, so neither holds the workbook in memory (docs/benchmarks.md)."""
    return workbook_file(
        sheet_title="工程建设项目",
        headers=HEADERS,
        rows=(
            [
                p.code,
                p.name,
                p.get_category_display(),
                p.get_land_supply_display(),
                p.site.code,
                p.applicant.name,
                p.investment,
                "是" if p.in_assessed_zone else "否",
                p.legal_representative,
                p.project_manager,
                p.contact_phone,
                p.households or "",
            ]
            # In chunks, written as they come (workbook_bytes is write-only): memory stays flat with the row count.
            for p in projects.select_related("site", "applicant").iterator(chunk_size=2000)
        ),
    )


def _parse(
    number: int, data: dict, divisions: dict, organisations: dict
) -> tuple[dict | None, list[ImportRowError]]:
    errors = [
        ImportRowError(number, header, "必填")
        for key, header, required in COLUMNS
        if required and cell_text(data[key]) == ""
    ]
    values = {key: cell_text(data[key]) for key, _, _ in COLUMNS}
    # A cell longer than the column it fills is the row's error, named by its header (the database would
    # refuse it on PostgreSQL with a server error, and silently keep it on SQLite).
    for key, header, _ in COLUMNS:
        limit = TEXT_LIMITS.get(key)
        if limit and len(values[key]) > limit:
            errors.append(
                ImportRowError(number, header, f"不能超过 {limit} 个字符（现为 {len(values[key])} 个）")
            )
    category = CATEGORY_TEXT.get(values["category"], values["category"])
    if values["category"] and category not in Category.values:
        errors.append(ImportRowError(number, "项目类别", f"应为：{'、'.join(CATEGORY_TEXT)}"))
    land = LAND_TEXT.get(values["land_supply"], values["land_supply"])
    if values["land_supply"] and land not in Project.LandSupply.values:
        errors.append(ImportRowError(number, "土地供应方式", f"应为：{'、'.join(LAND_TEXT)}"))
    site = divisions.get(values["site"])
    if values["site"] and site is None:
        errors.append(ImportRowError(number, "建设地点区划代码", "未知的区划代码"))
    applicant = organisations.get(values["applicant"])
    if values["applicant"] and applicant is None:
        errors.append(ImportRowError(number, "建设单位", "未登记的机构（填写机构全称或统一社会信用代码）"))
    investment = None
    if values["investment"]:
        try:
            investment = Decimal(values["investment"]).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.append(ImportRowError(number, "总投资（万元）", "应为数字"))
    if values["in_assessed_zone"] not in YES:
        errors.append(ImportRowError(number, "位于区域评估区域（是/否）", "应为“是”或“否”"))
    households = None
    if values["households"]:
        if not is_ascii_int(values["households"]):
            errors.append(ImportRowError(number, "住宅户数", "应为整数"))
        else:
            households = int(values["households"])
    if errors:
        return None, errors
    return {
        "code": values["code"],
        "name": values["name"],
        "category": category,
        "land_supply": land,
        "site": site,
        "applicant": applicant,
        "investment": investment,
        "in_assessed_zone": YES[values["in_assessed_zone"]],
        "legal_representative": values["legal_representative"],
        "project_manager": values["project_manager"],
        "contact_phone": values["contact_phone"],
        "households": households,
    }, []


def _same(project: Project, row: dict) -> bool:
    return (
        all(getattr(project, key) == value for key, value in row.items() if key not in ("site", "applicant"))
        and project.site_id == row["site"].pk
        and project.applicant_id == row["applicant"].pk
    )


def project_ledger_import(
    *, actor, content: bytes, mode: str = "all_or_nothing", progress=None
) -> ImportReport:
    """Register the projects of a ledger; nothing is half-written (each row is its own savepoint, and in
    all_or_nothing mode one bad row rolls the whole file back). `progress(done, total)`: a background job's
    bar (core.jobs), per batch of written rows."""
    actor = as_actor(actor)
    require(
        access.can_import_ledger(actor), "只有县行政审批服务局、县发展和改革局或系统管理员可以导入项目台账。"
    )
    if mode not in ("all_or_nothing", "valid_only"):
        raise ServiceError("mode", "导入方式应为 all_or_nothing（全部或全不）或 valid_only（只导入有效行）。")
    divisions = {d.code: d for d in Division.objects.all()}
    organisations = {}
    for organisation in Organisation.objects.all():
        organisations[organisation.name] = organisation
        if organisation.credit_code:
            organisations[organisation.credit_code] = organisation
    report = ImportReport(mode=mode)
    parsed = []
    seen: dict[str, int] = {}
    for number, cells in sheet_rows(content, HEADERS):
        report.rows += 1
        row, errors = _parse(
            number, dict(zip([key for key, _, _ in COLUMNS], cells, strict=False)), divisions, organisations
        )
        if row and row["code"] in seen:
            errors.append(ImportRowError(number, "项目代码", f"与第 {seen[row['code']]} 行重复"))
            row = None
        if row:
            seen[row["code"]] = number
            parsed.append((number, row))
        report.errors.extend(errors)
    if report.errors and mode == "all_or_nothing":
        return report
    with transaction.atomic():
        existing = {p.code: p for p in Project.objects.filter(code__in=[row["code"] for _, row in parsed])}
        for index, (number, row) in enumerate(parsed, start=1):
            if progress and index % 100 == 0:
                progress(index, len(parsed))
            project = existing.get(row["code"])
            if project is not None:
                if _same(project, row):
                    report.unchanged += 1
                else:
                    report.errors.append(
                        ImportRowError(number, "项目代码", "该代码已登记且内容不同，请在项目页面修改")
                    )
                continue
            try:
                with transaction.atomic():
                    project_register(actor=actor, **row)
            except ServiceError as exc:
                header = next((h for key, h, _ in COLUMNS if key == exc.field), exc.field)
                report.errors.append(ImportRowError(number, header, exc.message))
                continue
            report.created += 1
        if report.errors and mode == "all_or_nothing":
            transaction.set_rollback(True)
            report.created = report.unchanged = 0
            return report
        audit_record(
            actor=actor,
            action=AuditEntry.Action.INGEST,
            object_type="permits.Project",
            object_repr="工程建设项目台账导入",
            after={
                "rows": report.rows,
                "created": report.created,
                "unchanged": report.unchanged,
                "errors": len(report.errors),
            },
        )
    report.applied = True
    return report
