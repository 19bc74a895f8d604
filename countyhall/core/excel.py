"""Reading the Excel ledgers staff keep: one sheet, a header row that must match, cells as text or dates.

An upload is capped in size and rows (settings COUNTYHALL_IMPORT_MAX_BYTES, COUNTYHALL_IMPORT_MAX_ROWS) before
anything is imported, and importers read text cells through `cell_text_limited`, which turns a cell the
database would refuse (longer than the column, a NUL byte, control characters) into a row error.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from xml.etree.ElementTree import ParseError, iterparse
from zipfile import BadZipFile, ZipFile

from django.conf import settings
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


class _Sheet:
    """The active sheet of a workbook, read lean: openpyxl finds the sheet, its styles and the workbook's date
    epoch as it always did (so the same files are refused, the same cells are dates), and the sheet's XML is
    then walked here with ElementTree's C parser instead of openpyxl's per-cell objects (about 3× faster on a
    50,000-row ledger, issue 11)."""

    def __init__(self, content: bytes, *, strings: bool = True):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet

        class LeanStrings(ExcelReader):
            # The shared strings (every text cell of a file Excel saved) in one pass over their XML: openpyxl
            # builds a Text object per string, a second or two for a county's ledger.
            def read_strings(self) -> None:
                from openpyxl.reader.excel import SHARED_STRINGS

                part = self.package.find(SHARED_STRINGS)
                if part is not None and strings:  # a row count needs no text
                    with self.archive.open(part.PartName[1:]) as source:
                        self.shared_strings = _shared_strings(source)

        reader = LeanStrings(BytesIO(content), read_only=True, data_only=True)
        reader.read()
        book = reader.wb
        sheet = book.active
        if not isinstance(sheet, ReadOnlyWorksheet):  # a chart sheet, or no sheet at all
            raise ValueError("the active sheet is not a worksheet")
        if not strings:  # a row count: the sheet is scanned as a stream (sheet_row_count), never held whole
            self.archive, self.path = reader.archive, sheet._worksheet_path
            return
        self.xml = reader.archive.read(sheet._worksheet_path)
        self.strings = sheet._shared_strings
        self.dates = book._date_formats
        self.durations = book._timedelta_formats
        self.epoch = book.epoch
        # openpyxl padded every row to the sheet's declared width: the same rows, the same lengths.
        head = self.xml[: self.xml.find(b"sheetData")]
        declared = _DIMENSION.search(head)
        self.width = _column_index(declared.group(1).decode()) if declared else 0

    def bounds(self) -> tuple[int, int]:
        """(row elements, highest row number they can have): at least the non-empty rows and their last number,
        from a scan of the row tags alone (a few milliseconds), so a file within the caps can be streamed."""
        count = numbered_max = unnumbered = 0
        for match in _ROW_TAG.finditer(self.xml):
            count += 1
            number = _ROW_NUMBER.search(match.group(1))
            if number:
                numbered_max = max(numbered_max, int(number.group(1)))
            else:
                unnumbered += 1
        return count, numbered_max + unnumbered

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number, values by column from A) for each row element, as openpyxl's read-only values: text,
        int or float, bool, datetime (or time/timedelta) for a number in a date style, None for an empty cell.
        Rows and cells the file leaves out are not padded here (sheet_rows pads to the headers)."""
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, dates, durations, epoch, width = (
            self.strings,
            self.dates,
            self.durations,
            self.epoch,
            self.width,
        )
        columns: dict[str, int] = {}
        number = 0
        # Only "end" events, and tags compared as whole strings: the parser's events are most of the time.
        for _event, element in iterparse(BytesIO(self.xml)):
            if element.tag not in _ROW:
                continue
            reference = element.get("r")
            number = int(reference) if reference else number + 1
            values: list = []
            column = 0
            for cell in element:
                if cell.tag not in _CELL:
                    continue
                reference = cell.get("r")
                if reference:
                    letters = reference.rstrip("0123456789")
                    column = columns.get(letters) or columns.setdefault(letters, _column_index(letters))
                else:
                    column += 1
                if column > MAX_COLUMN:
                    # A hand-written reference (r="ZZZZZZ2") would pad the row to hundreds of millions of cells.
                    raise ValueError(f"cell {reference} beyond the last column")
                kind = cell.get("t", "n")
                value = None
                if kind == "inlineStr":
                    for child in cell:
                        if child.tag in _INLINE:
                            value = _text_of(child)
                else:
                    for child in cell:
                        if child.tag in _VALUE:
                            value = child.text or None
                            break
                    if value is not None:
                        if kind == "n":
                            value = (
                                float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                            )
                            style = cell.get("s")
                            if style and int(style) in dates:
                                try:
                                    value = from_excel(value, epoch, timedelta=int(style) in durations)
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"  # what openpyxl gives a date cell out of range
                        elif kind == "s":
                            value = strings[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            element.clear()  # the finished row's cells: memory stays flat however long the sheet is
            yield number, values


# The spreadsheet namespaces (transitional, strict) and none: a tag is compared whole, never parsed.
_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)


def _tags(name: str) -> frozenset[str]:
    return frozenset({name, *(f"{{{ns}}}{name}" for ns in _NAMESPACES)})


_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN, _STRING = (
    _tags(n) for n in ("row", "c", "v", "is", "t", "r", "si")
)


# A row's start tag, with or without a namespace prefix (not <rowBreaks>), and its r="…" attribute.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^>]*)>")
_DIMENSION = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*ref\s*=\s*[\"'][A-Za-z]*\d*:?\$?([A-Za-z]+)"
)
_ROW_NUMBER = re.compile(rb"(?:^|\s)r\s*=\s*[\"'](\d+)[\"']")


MAX_COLUMN = 16384  # XFD, Excel's last column


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def _text_of(node) -> str:
    """A string item (<si> or <is>) as openpyxl's Text.content: its plain <t> and the <t> of its rich-text runs
    (<r>), without the phonetic guide (<rPh>)."""
    plain, runs = None, []
    for child in node:
        if child.tag in _TEXT:
            plain = child.text
        elif child.tag in _RUN:
            for part in child:
                if part.tag in _TEXT and part.text is not None:
                    runs.append(part.text)
    return "".join(([plain] if plain is not None else []) + runs)


def _shared_strings(source) -> list[str]:
    strings = []
    for _event, element in iterparse(source):
        if element.tag in _STRING:
            strings.append(_text_of(element).replace("x005F_", ""))  # as openpyxl's read_string_table
            element.clear()
    return strings


UNREADABLE_ERRORS = (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, IndexError, ParseError)


def open_sheet(content: bytes, *, strings: bool = True) -> _Sheet:
    """The active sheet, or ServiceError for a file that is not a readable .xlsx (UNREADABLE) or unpacks far
    beyond the byte cap (the sheet's XML is read into memory: a small zip must not unpack to gigabytes)."""
    max_bytes = import_max_bytes()
    try:
        with ZipFile(BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except UNREADABLE_ERRORS as exc:
        logger.info("unreadable workbook: %s", exc)
        raise ServiceError("file", UNREADABLE) from None
    if unpacked > max_bytes * UNPACKED_RATIO:
        raise ServiceError(
            "file",
            f"文件解压后 {_size_label(unpacked)}，超过上限 "
            f"{_size_label(max_bytes * UNPACKED_RATIO)}，请拆分为多个文件导入。",
        )
    try:
        return _Sheet(content, strings=strings)
    except UNREADABLE_ERRORS as exc:
        logger.info("unreadable workbook: %s", exc)
        raise ServiceError("file", UNREADABLE) from None


def sheet_rows(content: bytes, headers: Sequence[str]) -> Iterator[tuple[int, list]]:
    """(row number, cells padded to the headers) for every non-empty row after a matching header row.

    No importer ever applies part of a file that is then refused: a file is checked against the caps before
    its first row is yielded. A scan of the row tags bounds the rows a file can have; a file whose bound is
    within the caps (every file a clerk should upload) is streamed, so an import's progress moves while the
    file is read; any other file is read to its end first and refused there if it really is over a cap.
    """
    max_bytes, max_rows = import_max_bytes(), import_max_rows()
    if len(content) > max_bytes:
        raise ServiceError(
            "file",
            f"文件大小 {_size_label(len(content))} 超过上限 {_size_label(max_bytes)}，请拆分为多个文件导入。",
        )
    sheet = open_sheet(content)
    elements, last_number = sheet.bounds()
    rows = _checked_rows(sheet, headers, max_rows)
    if elements - 1 <= max_rows and last_number - 1 <= max_rows * EMPTY_ROWS_RATIO:
        yield from rows  # no cap can be exceeded: stream
    else:
        yield from list(rows)


def _checked_rows(sheet: _Sheet, headers: Sequence[str], max_rows: int) -> Iterator[tuple[int, list]]:
    rows = sheet.rows()
    try:
        first = next(rows, None)
        # The header is the sheet's first row (an empty first row is no header).
        found = [cell_text(h) for h in first[1]] if first is not None and first[0] == 1 else []
        if found[: len(headers)] != list(headers):
            raise ServiceError("file", f"表头与模板不一致：应为 {'、'.join(headers)}。")
        too_many = ServiceError("file", f"数据行超过上限 {max_rows:,} 行，请拆分为多个文件导入。")
        kept = 0
        width = len(headers)
        for number, values in rows:
            if number - 1 > max_rows * EMPTY_ROWS_RATIO:
                raise too_many
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            if any(cell_text(v) for v in values):
                if kept == max_rows:
                    raise too_many
                kept += 1
                yield number, values
    except ServiceError:
        raise
    except UNREADABLE_ERRORS as exc:  # broken XML part-way through the sheet
        logger.info("unreadable workbook: %s", exc)
        raise ServiceError("file", UNREADABLE) from None


COUNT_CHUNK = 1 << 20


def sheet_row_count(content: bytes, *, limit: int | None = None) -> int:
    """How many rows after the header a workbook's active sheet holds (empty ones included): a count of its
    row tags, without reading a cell, the sheet unpacked piece by piece and the count stopped past `limit` (this
    runs in the upload's request). ServiceError for a file that is not a readable .xlsx."""
    sheet = open_sheet(content, strings=False)
    count, carry = 0, b""
    try:
        with sheet.archive.open(sheet.path) as source:
            while chunk := source.read(COUNT_CHUNK):
                data = carry + chunk
                # A tag cut by the chunk's end is counted with the next chunk.
                cut = data.rfind(b"<")
                if cut != -1 and data.find(b">", cut) == -1:
                    data, carry = data[:cut], data[cut:]
                else:
                    carry = b""
                count += sum(1 for _ in _ROW_TAG.finditer(data))
                if limit is not None and count - 1 >= limit:
                    return limit
    except UNREADABLE_ERRORS as exc:
        logger.info("unreadable workbook: %s", exc)
        raise ServiceError("file", UNREADABLE) from None
    return max(0, count - 1)


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
