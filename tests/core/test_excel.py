"""Reading staff's Excel ledgers: caps on upload size and rows, and cells an importer cannot store."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import Workbook

from countyhall.core.errors import ServiceError
from countyhall.core.excel import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    CellError,
    ImportRowError,
    cell_text_limited,
    import_max_bytes,
    import_max_rows,
    sheet_rows,
)

HEADERS = ["姓名", "地址"]


def workbook(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_numbered_and_padded_and_empty_rows_skipped():
    content = workbook([["张三", "甲村"], [None, None], ["李四"]])
    assert list(sheet_rows(content, HEADERS)) == [(2, ["张三", "甲村"]), (4, ["李四", None])]


def test_defaults_are_10_mb_and_20000_rows():
    assert (DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS) == (10 * 1024 * 1024, 20_000)
    assert (import_max_bytes(), import_max_rows()) == (DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS)


def test_a_file_over_the_size_cap_is_refused_naming_the_limit(settings):
    content = workbook([["张三", "甲村"]])
    settings.COUNTYHALL_IMPORT_MAX_BYTES = len(content) - 1
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(content, HEADERS))
    assert error.value.field == "file"
    assert "超过上限" in error.value.message and "KB" in error.value.message
    settings.COUNTYHALL_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(b"x" * (10 * 1024 * 1024 + 1), HEADERS))
    assert "超过上限 10 MB" in error.value.message


def test_a_file_that_unpacks_far_beyond_the_cap_is_refused(settings):
    # one highly compressible cell: small on the wire, large unpacked
    content = workbook([["张三", "甲" * 30_000]])
    settings.COUNTYHALL_IMPORT_MAX_BYTES = len(content) + 1000
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(content, HEADERS))
    assert error.value.field == "file" and "解压后" in error.value.message


def test_rows_over_the_row_cap_are_refused_before_any_row_is_yielded(settings):
    settings.COUNTYHALL_IMPORT_MAX_ROWS = 3
    assert len(list(sheet_rows(workbook([["a", "b"]] * 3), HEADERS))) == 3
    rows = sheet_rows(workbook([["a", "b"]] * 4), HEADERS)
    with pytest.raises(ServiceError) as error:
        next(rows)
    assert error.value.field == "file" and "超过上限 3 行" in error.value.message


def test_many_formatted_empty_rows_stop_at_a_bound(settings):
    settings.COUNTYHALL_IMPORT_MAX_ROWS = 2
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.cell(row=40, column=1, value="远处的一行")
    buffer = BytesIO()
    book.save(buffer)
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(buffer.getvalue(), HEADERS))
    assert "超过上限 2 行" in error.value.message


def test_not_an_xlsx_and_wrong_headers_are_file_errors():
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(b"not a zip", HEADERS))
    assert error.value.field == "file" and "无法读取" in error.value.message
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(workbook([], headers=["名字"]), HEADERS))
    assert "表头与模板不一致" in error.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  张三 ", "张三"),
        (12.0, "12"),
        (370322, "370322"),
        ("甲村\n3 号", "甲村\n3 号"),
        ("a\tb", "a\tb"),
        ("x" * 10, "x" * 10),
    ],
)
def test_cell_text_limited_accepts_text_within_the_limit(value, expected):
    assert cell_text_limited(value, max_length=10, column="地址") == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("x" * 11, "内容过长：11 个字符，最多 10 个"),
        ("张\x00三", "U+0000"),
        ("a\x07b", "U+0007"),
        ("a\x1bb\x00", "U+0000、U+001B"),
    ],
)
def test_cell_text_limited_refuses_overlong_and_control_characters_as_a_row_error(value, fragment):
    with pytest.raises(CellError) as error:
        cell_text_limited(value, max_length=10, column="地址")
    assert error.value.field == "地址" and fragment in error.value.message
    assert error.value.row_error(7) == ImportRowError(7, "地址", error.value.message)


def test_cell_text_limited_without_a_length_limit_still_refuses_nul():
    assert cell_text_limited("y" * 5000, max_length=None, column="备注") == "y" * 5000
    with pytest.raises(CellError):
        cell_text_limited("\x00", max_length=None, column="备注")


def test_an_overlong_cell_read_from_a_sheet_names_its_column_and_row():
    from countyhall.core.models import Person

    limit = Person._meta.get_field("name").max_length
    content = workbook([["张三", "甲村"], ["长" * (limit + 1), "乙村"]])
    errors = []
    for number, (name, _address) in sheet_rows(content, HEADERS):
        try:
            cell_text_limited(name, max_length=limit, column="姓名")
        except CellError as exc:
            errors.append(exc.row_error(number))
    assert errors == [ImportRowError(3, "姓名", f"内容过长：{limit + 1} 个字符，最多 {limit} 个。")]


def test_date_cells_still_read():
    content = workbook([["张三", dt.date(2021, 9, 2)]])
    assert list(sheet_rows(content, HEADERS))[0][1][1].date() == dt.date(2021, 9, 2)


def _openpyxl_rows(content: bytes, width: int) -> list[tuple[int, list]]:
    """What the reader returned before the lean one (openpyxl read-only, values only): the oracle."""
    from openpyxl import load_workbook

    rows = load_workbook(BytesIO(content), read_only=True, data_only=True).active.iter_rows(values_only=True)
    next(rows)
    kept = []
    for number, values in enumerate(rows, start=2):
        values = list(values) + [None] * (width - len(values))
        if any(v is not None and str(v).strip() for v in values):
            kept.append((number, values))
    return kept


def test_the_lean_reader_reads_what_openpyxl_read():
    headers = ["身份证号", "数", "日期", "是否", "备注"]
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    sheet.append(["370322194805120011", 12, dt.date(2021, 9, 2), True, "甲村\n3 号"])
    sheet.append([None, None, None, None, None])  # an empty row is skipped
    sheet.append(["37032219480512001X", 1.5, dt.datetime(2022, 1, 3, 8, 30), False, "  空格  "])
    sheet.append([370322194805120011, 3.0, "2022-01-01", None, None])
    sheet.cell(row=8, column=2, value="隔行")  # rows 6-7 missing from the file
    sheet.merge_cells("A9:B9")
    sheet["A9"] = "合并"
    sheet.cell(row=10, column=7, value="表头外的一格")  # beyond the headers: the row is still not empty
    buffer = BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    assert list(sheet_rows(content, headers)) == _openpyxl_rows(content, len(headers))
    rows = dict(sheet_rows(content, headers))
    assert rows[2][0] == "370322194805120011" and rows[2][2] == dt.datetime(2021, 9, 2)
    # An ID number typed as a number is a float, as before (the importer reports it); typed as text it stays.
    assert isinstance(rows[5][0], float) and rows[10][6] == "表头外的一格"


def test_a_file_saved_by_excel_with_shared_strings_and_date_styles_reads():
    from benchmarks.import_job import _xlsx

    headers = ["姓名", "地址", "日期"]
    content = _xlsx(
        [headers, ["张三", "甲村 & 乙村 <1>", dt.date(2022, 1, 1)], ["", "", None], ["李四", "张三", None]],
        sheet_title="表",
    )
    assert list(sheet_rows(content, headers)) == [
        (2, ["张三", "甲村 & 乙村 <1>", dt.datetime(2022, 1, 1)]),
        (4, ["李四", "张三", None]),
    ]
    assert list(sheet_rows(content, headers)) == _openpyxl_rows(content, len(headers))


def test_rows_stream_when_the_file_is_within_the_caps(settings, monkeypatch):
    """The first row comes before the sheet is read to its end (an import's bar moves while reading); a file
    whose row tags exceed the cap is still refused before its first row (above)."""
    from countyhall.core import excel

    seen = []
    real = excel._Sheet.rows

    def spying(self):
        for row in real(self):
            seen.append(row[0])
            yield row

    monkeypatch.setattr(excel._Sheet, "rows", spying)
    rows = sheet_rows(workbook([["a", "b"]] * 50), HEADERS)
    assert next(rows) == (2, ["a", "b"]) and len(seen) < 10
    assert len(list(rows)) == 49


def test_broken_xml_is_an_unreadable_file():
    import zipfile

    content = workbook([["张三", "甲村"]])
    source, target = BytesIO(content), BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as broken:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row><c></sheetData>")
            broken.writestr(item, data)
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(target.getvalue(), HEADERS))
    assert "无法读取" in error.value.message


@pytest.mark.parametrize("reference", ["XFE2", "ZZZZZZ2", "ZZZZZZZZZZ2"])
def test_a_cell_beyond_excels_last_column_is_an_unreadable_file(reference):
    """Attack: one hand-written cell reference (<c r="ZZZZZZ2">) padded the row to 321 million cells — 5 GB and
    7 s for a 6 KB upload; ten letters ran the worker out of memory. Excel's last column is XFD (16384)."""
    import re
    import resource
    import zipfile

    content = workbook([["张三", "甲村"]])
    source, target = BytesIO(content), BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as crafted:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="A2"', f'<c r="{reference}"'.encode(), data, count=1)
            crafted.writestr(item, data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ServiceError) as error:
        list(sheet_rows(target.getvalue(), HEADERS))
    assert "无法读取" in error.value.message
    assert (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024
    )  # KB: no padding was built


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_rows_are_counted_across_the_pieces_the_sheet_is_unpacked_in(monkeypatch, chunk):
    from countyhall.core import excel

    monkeypatch.setattr(excel, "COUNT_CHUNK", chunk)
    content = workbook([["甲", "乙"]] * 30 + [[None, None]] * 3)
    assert excel.sheet_row_count(content) == 33
    assert excel.sheet_row_count(content, limit=10) == 10
