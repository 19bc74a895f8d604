"""Ingesting any county's documents (issue 15): a single document, a gazette issue, a folder; unreadable documents
reported while the rest go in; idempotent re-ingest; a changed text as a new version with the old one kept."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from countyhall import cli
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.gazette.models import Document, DocumentVersion, PersonnelDecision
from countyhall.gazette.services import gazette_ingest

DOCUMENTS = Path(__file__).parent / "documents"
READABLE = 11  # ten files: nine documents and a gazette issue of three, one of them unreadable


@pytest.fixture
def collection(tmp_path) -> Path:
    folder = tmp_path / "collection"
    shutil.copytree(DOCUMENTS, folder)
    return folder


@pytest.mark.django_db
def test_single_document(tmp_path):
    report = gazette_ingest(path=DOCUMENTS / "zibo-measures.txt", actor="test")
    assert report.created == ["淄政发〔2021〕8号"] and report.problems == []
    document = Document.objects.get(number="淄政发〔2021〕8号")
    assert document.issue is None and document.source == "zibo-measures.txt" and document.version == 1
    assert document.kind == "measures" and str(document.effective_to) == "2026-10-31"
    assert document.clauses.get(path="第五条（二）").parent.path == "第五条"
    [version] = document.versions.all()
    assert version.version == 1 and version.parsed["number"] == "淄政发〔2021〕8号"
    assert AuditEntry.objects.filter(action="ingest", object_repr="淄政发〔2021〕8号").count() == 1


@pytest.mark.django_db
def test_folder_reads_every_file_and_reports_the_unreadable_document(collection):
    audits = AuditEntry.objects.filter(action="ingest").count()
    report = gazette_ingest(path=collection, actor="test")
    assert len(report.created) == READABLE and report.updated == []
    assert [p.as_dict() for p in report.problems] == [
        {
            "file": "boxing-gazette-issue.txt",
            "line": 14,
            "message": "博政办字〔2022〕3号 没有找到成文日期（如 2021年 9月 26日 或 二〇二一年九月二十六日）",
        }
    ]
    assert AuditEntry.objects.filter(action="ingest").count() == audits + READABLE
    issue_document = Document.objects.get(number="博政字〔2022〕5号")
    assert issue_document.issue.title == "《博兴县人民政府公报》boxing-gazette-issue"
    renda = Document.objects.get(title="关于任免高青县人民政府部分组成人员的决定")
    assert not renda.numbered and renda.number.startswith("无文号-20220110-")
    acting = PersonnelDecision.objects.get(document=renda, person="陈刚")
    assert (acting.action, acting.acting, acting.position) == ("appoint", True, "高青县人民政府县长")
    assert (
        PersonnelDecision.objects.get(document__number="博政任〔2021〕12号", person="王晓明").probation_months
        == 12
    )


@pytest.mark.django_db
def test_reingesting_the_folder_changes_nothing(collection):
    gazette_ingest(path=collection, actor="test")
    rows = list(Document.objects.order_by("pk").values_list("pk", "fingerprint", "version"))
    audits = AuditEntry.objects.count()
    report = gazette_ingest(path=collection, actor="test")
    assert (report.created, report.updated, len(report.unchanged)) == ([], [], READABLE)
    assert len(report.problems) == 1  # the unreadable document is reported again, and still not stored
    assert list(Document.objects.order_by("pk").values_list("pk", "fingerprint", "version")) == rows
    assert AuditEntry.objects.count() == audits


@pytest.mark.django_db
def test_changed_text_is_a_new_version_and_the_old_one_is_kept(collection):
    gazette_ingest(path=collection, actor="test")
    letter = collection / "zibo-finance-letter.txt"
    letter.write_text(
        letter.read_text(encoding="utf-8").replace("请按规定及时拨付到位", "请于12月底前拨付到位"),
        encoding="utf-8",
    )
    report = gazette_ingest(path=collection, actor="test")
    assert report.updated == ["淄财社函〔2021〕7号"] == report.new_versions and report.created == []
    document = Document.objects.get(number="淄财社函〔2021〕7号")
    assert document.version == 2 and "请于12月底前拨付到位" in document.body
    old, new = document.versions.order_by("version")
    assert (old.version, new.version) == (1, 2)
    assert "请按规定及时拨付到位" in old.body and old.text_sha256 != new.text_sha256
    entry = AuditEntry.objects.filter(action="ingest").latest("id")
    assert entry.before["version"] == 1 and entry.after["version"] == 2 and "新版本" in entry.note
    # and the new text a second time changes nothing
    again = gazette_ingest(path=collection, actor="test")
    assert again.updated == [] and document.versions.count() == 2


@pytest.mark.django_db
def test_same_text_read_anew_updates_the_current_version(collection):
    gazette_ingest(path=collection, actor="test")
    Document.objects.filter(number="鲁民〔2021〕45号").update(fingerprint="an-older-parser")
    report = gazette_ingest(path=collection, actor="test")
    assert report.updated == ["鲁民〔2021〕45号"] and report.new_versions == []
    assert DocumentVersion.objects.filter(document__number="鲁民〔2021〕45号").count() == 1


@pytest.mark.django_db
def test_folder_with_nothing_readable_stores_nothing(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.txt").write_text("没有文号的文本\n", encoding="utf-8")
    (folder / "b.txt").write_bytes("高青县人民政府\n".encode("gbk"))
    count = Document.objects.count()
    with pytest.raises(ServiceError) as error:
        gazette_ingest(path=folder, actor="test")
    assert error.value.field == "line" and "第 1 行" in error.value.message
    assert Document.objects.count() == count
    with pytest.raises(ServiceError) as error:
        gazette_ingest(path=tmp_path / "empty-does-not-exist", actor="test")
    assert error.value.field == "path"


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_a_problem_in_a_folder(collection):
    # GBK and UTF-16 are read since attack15 (test_hostile_input.py); bytes that are neither are still a problem.
    (collection / "legacy.txt").write_bytes(b"\x80\x81\xff" + "高青县人民政府\n".encode("gbk"))
    report = gazette_ingest(path=collection, actor="test")
    assert len(report.created) == READABLE
    assert any(p.file == "legacy.txt" and "UTF-8" in p.message for p in report.problems)


@pytest.mark.django_db
def test_cli_ingest_folder(monkeypatch, capsys, collection):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["gazette", "ingest", str(collection)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["created"]) == READABLE
    assert out["problems"][0]["file"] == "boxing-gazette-issue.txt" and out["problems"][0]["line"] == 14


@pytest.mark.django_db
def test_document_page_shows_versions_and_the_unnumbered_identifier(client, collection):
    gazette_ingest(path=collection, actor="test")
    renda = Document.objects.get(title="关于任免高青县人民政府部分组成人员的决定")
    html = client.get(renda.get_absolute_url()).content.decode()
    assert "无文号（登记编号 无文号-20220110-" in html and "代理高青县人民政府县长" in html
    letter = collection / "zibo-finance-letter.txt"
    letter.write_text(letter.read_text(encoding="utf-8").replace("及时", "尽快"), encoding="utf-8")
    gazette_ingest(path=collection, actor="test")
    html = client.get(Document.objects.get(number="淄财社函〔2021〕7号").get_absolute_url()).content.decode()
    assert "第2版（现行文本）" in html and "第1版" in html
