from __future__ import annotations

import io
import json

import pytest

from countyhall import cli
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.gazette.models import Clause, Document, PersonnelDecision
from countyhall.gazette.selectors import clause_for_citation, clause_search, document_list
from countyhall.gazette.services import gazette_ingest


@pytest.mark.django_db
def test_ingested_gazette(gazette_path):
    assert Document.objects.count() == 13
    canteens = Document.objects.get(number="高政办发〔2021〕2号")
    assert canteens.registration_code == "GQDR-2021-0020002"
    assert Clause.objects.filter(document=canteens, path="五、（一）1").exists()
    assert PersonnelDecision.objects.filter(document__number="高政任〔2021〕5号").count() == 16
    assert not Document.objects.filter(body__contains="高青县人民政府公报").exists()


@pytest.mark.django_db
def test_reingesting_the_same_text_changes_nothing(gazette_path):
    before = list(Document.objects.order_by("pk").values_list("pk", "fingerprint"))
    clause_ids = list(Clause.objects.order_by("pk").values_list("pk", flat=True))
    audit_count = AuditEntry.objects.count()
    report = gazette_ingest(path=gazette_path, actor="test")
    assert (report.created, report.updated, len(report.unchanged)) == ([], [], 13)
    assert list(Document.objects.order_by("pk").values_list("pk", "fingerprint")) == before
    assert list(Clause.objects.order_by("pk").values_list("pk", flat=True)) == clause_ids
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.django_db
def test_changed_text_updates_only_that_document(gazette_path, tmp_path):
    text = gazette_path.read_text(encoding="utf-8").replace(
        "有效期至 2023年 12月 31日", "有效期至 2024年 12月 31日"
    )
    changed = tmp_path / "gaoqing-gazette-2021-03.txt"
    changed.write_text(text, encoding="utf-8")
    report = gazette_ingest(path=changed, actor="test")
    assert report.updated == ["高政办发〔2021〕2号"] and report.created == []
    assert Document.objects.get(number="高政办发〔2021〕2号").effective_to.year == 2024
    entry = AuditEntry.objects.filter(action="ingest").latest("id")
    assert (
        entry.object_repr == "高政办发〔2021〕2号"
        and entry.before["fingerprint"] != entry.after["fingerprint"]
    )


@pytest.mark.django_db
def test_unparseable_text_fails_with_line_and_stores_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("高青县人民政府\n关于甲的通知\n高政字〔2021〕1号\n没有日期。\n", encoding="utf-8")
    count = Document.objects.count()
    with pytest.raises(ServiceError) as error:
        gazette_ingest(path=bad, actor="test")
    assert error.value.field == "line" and "第 3 行" in error.value.message
    assert Document.objects.count() == count
    with pytest.raises(ServiceError) as error:
        gazette_ingest(path=tmp_path / "missing.txt", actor="test")
    assert error.value.field == "path"


@pytest.mark.django_db
def test_cli_gazette_list_json(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["gazette", "list", "--json"]) == 0
    documents = json.loads(capsys.readouterr().out)
    assert len(documents) == 13
    assert documents[4] == {
        "number": "高政办发〔2021〕2号",
        "issuer": "高青县人民政府办公室",
        "title": "关于加快推进“长者食堂”建设的实施意见",
        "date": "2021-08-03",
        "kind": "opinion",
    }


@pytest.mark.django_db
def test_cli_gazette_ingest_bad_file_exits_2(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("没有文号的文本\n", encoding="utf-8")
    assert cli.main(["gazette", "ingest", str(bad)]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["field"] == "line"


@pytest.mark.django_db
def test_search_with_jieba():
    numbers = [d.number for d in document_list(query="长者食堂 补贴")]
    assert "高政办发〔2021〕2号" in numbers
    clauses = clause_search(query="运营补贴")
    assert any(c.document.number == "高政办发〔2021〕2号" and c.path == "五、（二）" for c in clauses)


@pytest.mark.django_db
def test_citation_resolution_prefers_path_then_line():
    assert clause_for_citation(document_number="高政办发〔2021〕2号", clause_path="五、（一）1").line == 1209
    assert clause_for_citation(document_number="高政办发〔2021〕2号", line=1211).path == "五、（一）1"
    assert (
        clause_for_citation(document_number="高政办发〔2021〕2号", clause_path="九、", line=1261).path
        == "五、（二）1"
    )
    assert clause_for_citation(document_number="高政办发〔2021〕99号", line=1) is None
