"""Excel exports open in Excel (openpyxl) with the data; PDFs render Chinese with the Noto CJK fonts."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from openpyxl import load_workbook

from countyhall.gazette.models import Document


def sheet_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    # Streamed from a temporary file (core.reports.excel_response), not held whole by the response.
    assert response.streaming and int(response["Content-Length"]) > 0
    workbook = load_workbook(BytesIO(response.getvalue()))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_gazette_document_list_excel(client):
    rows = sheet_rows(client.get("/gazette/export.xlsx"))
    assert rows[0][:3] == ["文号", "发文机关", "标题"]
    # In the list page's order without a query: by date, newest first (issue 15's ranking of the main list).
    assert len(rows) == 14 and "高政办发〔2021〕2号" in [row[0] for row in rows]
    dates = [row[3] for row in rows[1:]]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.django_db
def test_parameter_excel(client):
    rows = sheet_rows(client.get("/policy/parameters/?format=xlsx"))
    basis = next(r for r in rows if r[0] == "calendar.statutory_day_basis")
    assert basis[6:10] == ["高政办发〔2021〕3号", "二、（四）", 1720, "C3"]


@pytest.mark.django_db
def test_audit_excel_for_auditors(client, make_user):
    client.force_login(make_user("aud-x", "auditor"))
    rows = sheet_rows(client.get("/audit/?format=xlsx&action=ingest"))
    assert len(rows) == 14 and all(r[2] == "导入" for r in rows[1:])
    client.force_login(make_user("fin-x", "finance"))
    assert client.get("/audit/?format=xlsx").status_code == 403


@pytest.mark.django_db
def test_document_pdf_renders_chinese(client, tmp_path):
    document = Document.objects.get(number="高政办发〔2021〕2号")
    response = client.get(f"/gazette/d/{document.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts, fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "关于加快推进“长者食堂”建设的实施意见" in text.replace("\n", "")
