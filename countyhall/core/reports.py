"""Excel and PDF output shared by every program: staff keep ledgers in Excel and print reports.

PDFs are rendered by WeasyPrint with Debian's Noto CJK fonts (fonts-noto-cjk), which `make test`
installs; the HTML template is an ordinary Django template with print CSS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    # RFC 5987: Chinese file names survive every browser the county uses.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def workbook_bytes(*, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet with a bold header row; Decimal money stays exact with a 0.00 format."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in rows:
        sheet.append([_cell(value) for value in row])
        for index, value in enumerate(row):
            widths[index] = min(60, max(widths[index], len(str(value)) + 2))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    if isinstance(value, list | tuple | dict):
        return str(value)
    return value


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
