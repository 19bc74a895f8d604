"""Excel and PDF output shared by every program: staff keep ledgers in Excel and print reports.

PDFs are rendered by WeasyPrint with Debian's Noto CJK fonts (fonts-noto-cjk), which `make test`
installs; the HTML template is an ordinary Django template with print CSS.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import IO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
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


# The block a streamed workbook is read and sent in (FileResponse's own is 4 KiB: 15,000 chunks for 60 MB).
STREAM_BLOCK = 256 * 1024

# Column widths are fitted to the header and the first rows: a write-only sheet takes its widths before its rows.
WIDTH_SAMPLE_ROWS = 500


# Rows between two calls of workbook_file's `progress` (a job's bar; job_progress throttles its own writes).
PROGRESS_EVERY = 1000


def workbook_file(
    *,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    progress: Callable[[int], None] | None = None,
) -> IO[bytes]:
    """One sheet with a bold header row, written into an anonymous temporary file (deleted when closed), which is
    returned open at its start. Decimal money stays exact with a 0.00 format; every cell goes through safe_cell(),
    so text that looks like a formula stays text.

    Memory stays flat whatever the row count (docs/benchmarks.md): openpyxl's write-only mode writes each row to
    its own temporary file as it comes, its strings inline (no shared-string table growing with the rows), and the
    finished, compressed workbook goes to disk instead of a bytes object (about 60 bytes a row: 60 MB for a
    million lunches held by the request until it ended). `excel_response` streams the file from there.
    `progress(rows_written)` is called every PROGRESS_EVERY rows and once at the end (a background job's bar).
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
    written = 0
    for row in chain(sample, rows):
        sheet.append([_write_only_cell(sheet, value) for value in row])
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written)
    if progress is not None:
        progress(written)
    output = tempfile.TemporaryFile(prefix="countyhall-export-", suffix=".xlsx")
    try:
        workbook.save(output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def workbook_bytes(*, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """`workbook_file` read back whole: for the small workbooks kept or compared in memory (import templates, a
    ledger written by a job). Pages answer with `excel_response`, which streams."""
    with workbook_file(sheet_title=sheet_title, headers=headers, rows=rows) as output:
        return output.read()


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
    if isinstance(value, str):
        # A control character (a stray ESC in an ingested text) is no character a cell may hold: openpyxl refuses
        # the whole workbook for it (IllegalCharacterError), so it is dropped from the cell instead.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
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
    """A small workbook built elsewhere (an import template, a claim form) as a download. Anything with a row per
    record goes through `xlsx_file_response` or `excel_response`, which stream from a file."""
    return _attachment(HttpResponse(content, content_type=XLSX), filename)


def xlsx_file_response(*, output: IO[bytes], filename: str) -> FileResponse:
    """A workbook already written to an open file (`workbook_file`, a service's ledger) streamed from it in
    blocks; the file is closed, and so deleted, when the response is."""
    response = FileResponse(output, content_type=XLSX)
    response.block_size = STREAM_BLOCK
    return _attachment(response, filename)


def excel_response(
    *, filename: str, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> FileResponse:
    """An Excel download of `rows` (an iterator over every filtered row is fine): the workbook is written to a
    temporary file (`workbook_file`) and streamed from it in blocks; the file is closed, and so deleted, when the
    response is. The rows are all read before the response is returned, so a caller may record what was exported
    (the audit row's count) right after this call."""
    output = workbook_file(sheet_title=sheet_title, headers=headers, rows=rows)
    return xlsx_file_response(output=output, filename=filename)


def pdf_bytes(*, template: str, context: dict, base_url: str = "") -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=base_url or None).write_pdf()


def pdf_response(*, template: str, context: dict, filename: str, base_url: str = "") -> HttpResponse:
    content = pdf_bytes(template=template, context=context, base_url=base_url)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
