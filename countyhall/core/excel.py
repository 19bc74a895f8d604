"""Reading the Excel ledgers staff keep: one sheet, a header row that must match, cells as text or dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from countyhall.core.errors import ServiceError


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_date(value) -> dt.date | None:
    """A date cell, or text in YYYY-MM-DD; ValueError for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    return dt.date.fromisoformat(text) if text else None


def sheet_rows(content: bytes, headers: Sequence[str]) -> Iterator[tuple[int, list]]:
    """(row number, cells padded to the headers) for every non-empty row after a matching header row."""
    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).active
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ServiceError("file", f"无法读取 Excel 文件（请使用模板的 .xlsx 格式）：{exc}") from None
    rows = sheet.iter_rows(values_only=True)
    found = [cell_text(h) for h in next(rows, [])]
    if found[: len(headers)] != list(headers):
        raise ServiceError("file", f"表头与模板不一致：应为 {'、'.join(headers)}。")
    for number, values in enumerate(rows, start=2):
        values = list(values) + [None] * (len(headers) - len(values))
        if any(cell_text(v) for v in values):
            yield number, values


@dataclass
class ImportRowError:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    """What an Excel import did. mode 'all_or_nothing': one bad row stops the file; 'valid_only': the valid
    rows go in and the bad ones are reported."""

    mode: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    applied: bool = False
