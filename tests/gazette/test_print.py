"""The printable PDF in the 公文 layout (GB/T 9704) and the register as Excel."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from countyhall.gazette.models import Document
from countyhall.gazette.search import validity_on
from countyhall.gazette.services import gazette_ingest

DOCUMENTS = Path(__file__).parent / "documents"


def _pdf_text(client, document, tmp_path) -> tuple[str, str]:
    response = client.get(f"/gazette/d/{document.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text, fonts


@pytest.mark.django_db
def test_pdf_in_the_official_layout(client, tmp_path):
    document = Document.objects.get(number="高政办发〔2021〕2号")
    text, fonts = _pdf_text(client, document, tmp_path)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # banner, then the 文号 under it, then the title
    assert lines[:2] == ["高青县人民政府办公室文件", "高政办发〔2021〕2号"]
    assert "关于加快推进“长者食堂”建设的实施意见" in lines[2]
    assert lines[3].startswith("各镇人民政府")
    # the signature and the date, right-aligned (pdftotext -layout keeps them to the right), after the attachment line
    signature = next(line for line in text.splitlines() if "2021年 8月 3日" in line)
    assert len(signature) - len(signature.lstrip()) > 20
    assert text.index("附件：1．高青县长者食堂助餐配餐服务管理规范") < text.index("2021年 8月 3日")
    # page numbers "— 1 —"; the Noto CJK fonts only
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)
    assert "Noto-Serif-CJK-SC" in fonts and "DejaVu" not in fonts


@pytest.mark.django_db
def test_pdf_of_a_joint_document_has_both_issuers_in_the_banner(client, tmp_path):
    gazette_ingest(path=DOCUMENTS / "gaoqing-joint-opinion.txt", actor="test")
    text, _ = _pdf_text(client, Document.objects.get(number="高发〔2022〕3号"), tmp_path)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:3] == ["中共高青县委", "高青县人民政府文件", "高发〔2022〕3号"]


@pytest.mark.django_db
def test_pdf_of_an_unnumbered_document_prints_no_number(client, tmp_path):
    gazette_ingest(path=DOCUMENTS / "gaoqing-renda-appointments.txt", actor="test")
    document = Document.objects.get(numbered=False, issuer="高青县人民代表大会常务委员会")
    text, _ = _pdf_text(client, document, tmp_path)
    assert "无文号" not in text and document.title[:10] in text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize(
    ("since", "until", "on", "standing"),
    [
        (dt.date(2021, 9, 2), dt.date(2023, 12, 31), dt.date(2021, 9, 1), "尚未施行"),
        (dt.date(2021, 9, 2), dt.date(2023, 12, 31), dt.date(2021, 9, 2), "有效期内"),
        (dt.date(2021, 9, 2), dt.date(2023, 12, 31), dt.date(2023, 12, 31), "有效期内"),
        (dt.date(2021, 9, 2), dt.date(2023, 12, 31), dt.date(2024, 1, 1), "已过有效期"),
        (None, None, dt.date(2021, 8, 3), "施行中（未载明有效期）"),  # from its date
        (None, None, dt.date(2021, 8, 2), "尚未施行"),
    ],
)
def test_validity_on(since, until, on, standing):
    document = Document(date=dt.date(2021, 8, 3), effective_from=since, effective_to=until)
    assert validity_on(document, on) == standing


@pytest.mark.django_db
def test_register_excel_has_the_standing_and_follows_the_filters(client, settings):
    settings.BUSINESS_DATE = dt.date(2024, 6, 1)
    response = client.get("/gazette/export.xlsx", {"kind": "opinion"})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    header = rows[0]
    assert header[10].startswith("效力状态") and header[11:] == ("附件", "版本")
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {"高政办发〔2021〕2号", "高政办字〔2021〕31号"}
    assert (
        by_number["高政办发〔2021〕2号"][10] == "有效期已于2023年12月31日届满"
    )  # the standing the pages show
    assert by_number["高政办发〔2021〕2号"][11] == "高青县长者食堂助餐配餐服务管理规范（未随文刊印）"
    rows = list(
        load_workbook(
            BytesIO(b"".join(client.get("/gazette/export.xlsx", {"q": "清洁取暖"}).streaming_content))
        ).active.values
    )
    assert "高政办字〔2021〕37号" in {row[0] for row in rows[1:]}
