"""Reading the Excel ledgers staff keep: one sheet, a header row that must match, cells as text or dates.

An upload is capped in size and rows (settings COUNTYHALL_IMPORT_MAX_BYTES, COUNTYHALL_IMPORT_MAX_ROWS) before
anything is imported, and importers read text cells through `cell_text_limited`, which turns a cell the
database would refuse (longer than the column, a NUL byte, control characters) into a row error.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from zipfile import BadZipFile, ZipFile

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from countyhall.core.errors import ServiceError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
# An .xlsx is a zip: a small upload can unpack to gigabytes. Ledgers compress about 5–10 times; 20 leaves room.
UNPACKED_RATIO = 20
# Formatted but empty rows are skipped cheaply, yet a sheet of a million of them still takes minutes to walk.
EMPTY_ROWS_RATIO = 5
# Tab and line breaks are legitimate inside a cell (Alt+Enter in an address); other control characters are
# not text a clerk typed and PostgreSQL refuses NUL outright.
ALLOWED_CONTROLS = {"\t", "\n", "\r"}


# The user reads Chinese only; the library's own exception text goes to the log.
UNREADABLE = "无法读取该 Excel 文件（不是有效的 .xlsx），请使用模板的 .xlsx 格式。"


def import_max_bytes() -> int:
    return int(getattr(settings, "COUNTYHALL_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def import_max_rows() -> int:
    return int(getattr(settings, "COUNTYHALL_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} 字节"


class CellError(ServiceError):
    """A cell an importer cannot store: `field` is the column header, for an ImportRowError of its row."""

    def row_error(self, row: int) -> ImportRowError:
        return ImportRowError(row, self.field, self.message)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_text_limited(value, *, max_length: int | None, column: str) -> str:
    """The cell as text (like `cell_text`), or CellError naming `column` when it is longer than `max_length`
    (the model field's max_length) or holds a NUL byte or other control characters."""
    text = cell_text(value)
    bad = sorted({c for c in text if unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS})
    if bad:
        codes = "、".join(f"U+{ord(c):04X}" for c in bad)
        raise CellError(column, f"含有不可见的控制字符（{codes}），请删除后重新导入。")
    if max_length is not None and len(text) > max_length:
        raise CellError(column, f"内容过长：{len(text)} 个字符，最多 {max_length} 个。")
    return text


def cell_date(value) -> dt.date | None:
    """A date cell, or text in YYYY-MM-DD; ValueError for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    return dt.date.fromisoformat(text) if text else None


def sheet_rows(content: bytes, headers: Sequence[str]) -> Iterator[tuple[int, list]]:
    """(row number, cells padded to the headers) for every non-empty row after a matching header row.

    The whole file is checked against the caps before the first row is yielded, so an importer never
    applies part of a file that is then refused.
    """
    max_bytes, max_rows = import_max_bytes(), import_max_rows()
    if len(content) > max_bytes:
        raise ServiceError("file", f"文件大小 {_size_label(len(content))} 超过上限 {_size_label(max_bytes)}，"
                                   "请拆分为多个文件导入。")
    unreadable = (InvalidFileException, BadZipFile, KeyError, OSError, ValueError)
    try:
        with ZipFile(BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except unreadable as exc:
        logger.info("unreadable workbook: %s", exc)
        raise ServiceError("file", UNREADABLE) from None
    if unpacked > max_bytes * UNPACKED_RATIO:
        raise ServiceError("file", f"文件解压后 {_size_label(unpacked)}，超过上限 "
                                   f"{_size_label(max_bytes * UNPACKED_RATIO)}，请拆分为多个文件导入。")
    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).active
    except unreadable as exc:
        logger.info("unreadable workbook: %s", exc)
        raise ServiceError("file", UNREADABLE) from None
    rows = sheet.iter_rows(values_only=True)
    found = [cell_text(h) for h in next(rows, [])]
    if found[: len(headers)] != list(headers):
        raise ServiceError("file", f"表头与模板不一致：应为 {'、'.join(headers)}。")
    kept: list[tuple[int, list]] = []
    too_many = ServiceError("file", f"数据行超过上限 {max_rows:,} 行，请拆分为多个文件导入。")
    for number, values in enumerate(rows, start=2):
        if number - 1 > max_rows * EMPTY_ROWS_RATIO:
            raise too_many
        values = list(values) + [None] * (len(headers) - len(values))
        if any(cell_text(v) for v in values):
            if len(kept) == max_rows:
                raise too_many
            kept.append((number, values))
    yield from kept


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
