"""Excel and PDF output shared by every program: staff keep ledgers in Excel and print reports.

PDFs are rendered by WeasyPrint with Debian's Noto CJK fonts (fonts-noto-cjk), which `make test`
installs; the HTML template is an ordinary Django template with print CSS.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from itertools import chain, islice
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.rich_text import CellRichText
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

# Text starting with one of these is read as a formula by Excel (and WPS) when it is typed or imported
# from CSV: a householder's name "=HYPERLINK(...)" typed into a ledger must come back out as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _attachment(response, filename: str):
    # RFC 5987: Chinese file names survive every browser the county uses.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# Column widths are fitted to the header and the first rows: a write-only sheet takes its widths before its rows.
WIDTH_SAMPLE_ROWS = 500


def workbook_bytes(*, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet with a bold header row; Decimal money stays exact with a 0.00 format; every cell goes
    through safe_cell(), so text that looks like a formula stays text.

    Written in openpyxl's write-only mode: each row goes to a temporary file as it comes, so an export of every
    filtered row (`.iterator()` over a year of lunches, the audit log) holds the finished, compressed file and
    not a cell object per value (a regular workbook took ~7 KB of memory a row; docs/benchmarks.md).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in sample:
        for index, value in enumerate(row):
            widths[index] = min(60, max(widths[index], len(str(value)) + 2))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_write_only_cell(sheet, value, bold=True) for value in headers])
    for row in chain(sample, rows):
        sheet.append([_write_only_cell(sheet, value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_only_cell(sheet, value, *, bold: bool = False):
    """safe_cell() for a write-only sheet: formula-like text as a string cell with Excel's quote prefix, money
    with the 0.00 format, the header bold. Plain values go as they are (no cell object per value)."""
    value = safe_cell(value)
    if not (bold or isinstance(value, CellRichText | Decimal)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, CellRichText):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.number_format = "0.00"
    if bold:
        cell.font = Font(bold=True)
    return cell


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_cell(value):
    """`value` as it may be written into a worksheet cell by any workbook writer.

    openpyxl stores a str starting with "=" as a live formula; such text (and text starting with +, -, @)
    is returned as a rich-text string, which openpyxl always writes as a string cell. Numbers — Decimal
    money, negative amounts included — and dates stay what they are; aware datetimes become local time
    (Excel has no time zones); lists and dicts (audit snapshots) become their text.
    """
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    if isinstance(value, list | tuple | dict):
        value = str(value)
    if is_formula_like(value):
        return CellRichText(value)
    return value


def append_safe_row(sheet, values: Sequence) -> None:
    """Append one row through safe_cell(); formula-like text also gets Excel's quote prefix, so it stays
    text even when someone later edits the cell in Excel."""
    sheet.append([safe_cell(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, CellRichText):
            cell.data_type = "s"
            cell.quotePrefix = True


def csv_safe(value) -> str:
    """A CSV field: formula-like text gets a leading apostrophe (the usual defence: CSV has no cell types,
    so Excel would evaluate it on opening); numbers and dates are written as they are."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if is_formula_like(value) else text


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_response(*, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV download (UTF-8 with BOM, so Excel on a county PC reads the Chinese) through csv_safe().

    Streamed: each row is written to the client as `rows` yields it, so an export of every filtered row (a
    `.iterator()` over millions of lunches or audit rows) keeps the server's memory flat (docs/benchmarks.md).
    """
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow([csv_safe(h) for h in headers])
        for row in rows:
            yield writer.writerow([csv_safe(value) for value in row])

    return _attachment(StreamingHttpResponse(lines(), content_type=CSV), filename)


def xlsx_response(*, content: bytes, filename: str) -> HttpResponse:
    """A workbook built elsewhere (a ledger, an import template) as a download."""
    return _attachment(HttpResponse(content, content_type=XLSX), filename)


def excel_response(*, filename: str, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    return xlsx_response(content=workbook_bytes(sheet_title=sheet_title, headers=headers, rows=rows), filename=filename)


def pdf_bytes(*, template: str, context: dict, base_url: str = "") -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=base_url or None).write_pdf()


def pdf_response(*, template: str, context: dict, filename: str, base_url: str = "") -> HttpResponse:
    content = pdf_bytes(template=template, context=context, base_url=base_url)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
