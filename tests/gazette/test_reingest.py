"""Re-ingesting the seed after a parser change (issue 13): the documents the new parser reads differently are
updated in place, the others stay, and every clause page and every citation of the programs still resolves."""

from __future__ import annotations

import urllib.parse

import pytest
from django.urls import reverse

from countyhall.core.models import AuditEntry
from countyhall.core.policy import parameters
from countyhall.gazette import checks
from countyhall.gazette.models import Clause, Document
from countyhall.gazette.services import gazette_ingest

# what the parser of issue 13 reads differently: the documents a database ingested before it gets updated
CHANGED = {"高政办发〔2021〕2号", "高政办字〔2021〕34号", "高政办字〔2021〕35号", "高政办字〔2021〕37号"}


def _as_before_the_fix():
    """Put back what the earlier parser stored for 34号 8.3–8.5 (one clause 8.3 to L4467) and mark the changed
    documents as read by another parser."""
    Clause.objects.filter(document__number="高政办字〔2021〕34号", path__in=["8.4", "8.5"]).delete()
    Clause.objects.filter(document__number="高政办字〔2021〕34号", path="8.3").update(end_line=4467)
    Document.objects.filter(number__in=CHANGED).update(fingerprint="before-issue-13", effective_from=None)


@pytest.mark.django_db
def test_reingest_updates_the_changed_documents(gazette_path):
    _as_before_the_fix()
    others = dict(Document.objects.exclude(number__in=CHANGED).values_list("number", "pk"))
    audits = AuditEntry.objects.filter(action="ingest").count()
    report = gazette_ingest(path=gazette_path, actor="test")
    assert set(report.updated) == CHANGED and report.created == [] and len(report.unchanged) == 9
    assert AuditEntry.objects.filter(action="ingest").count() == audits + 4
    assert dict(Document.objects.exclude(number__in=CHANGED).values_list("number", "pk")) == others
    emergency = Document.objects.get(number="高政办字〔2021〕34号")
    assert emergency.effective_from == emergency.date
    assert list(emergency.clauses.filter(path__startswith="8.").values_list("path", "line", "end_line")) == [
        ("8.1", 4425, 4433),
        ("8.2", 4435, 4441),
        ("8.3", 4443, 4447),
        ("8.4", 4449, 4455),
        ("8.5", 4457, 4467),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "anchors", "words"),
    [
        ("高政办字〔2021〕34号", ["c-8-4", "c-8-5", "c-2-2", "c-7-3"], ["８.4 奖励", "2021年7月30日 起施行"]),
        (
            "高政办发〔2021〕2号",
            ["c-6-4", "c-validity", "c-signature", "c-attachments"],
            ["§施行和有效期", "§落款", "2023年12月31日"],
        ),
        (
            "高政办字〔2021〕37号",
            ["c-4-3"],
            ['（三）延续运行费用补贴<a class="anchor"', "<p>对列入2021年冬季清洁取暖改造用户"],
        ),
        ("高政办字〔2021〕35号", ["c-5-18-34", "c-signature"], ["34.2022年底前"]),
    ],
)
def test_clause_pages_after_reingest(client, gazette_path, number, anchors, words):
    _as_before_the_fix()
    gazette_ingest(path=gazette_path, actor="test")
    html = client.get(Document.objects.get(number=number).get_absolute_url()).content.decode()
    for anchor in anchors:
        assert f'id="{anchor}"' in html
    for word in words:
        assert word in html


@pytest.mark.django_db
def test_every_citation_link_opens_its_clause_after_reingest(client, gazette_path):
    _as_before_the_fix()
    gazette_ingest(path=gazette_path, actor="test")
    cited = checks.parameter_citations(parameters()) + checks.code_citations()[0]
    anchors = {
        (d, p): (eid, uri)
        for d, p, eid, uri in Clause.objects.values_list("document__number", "path", "eid", "document__uri")
    }
    seen = set()
    for item in cited:
        citation = item.citation
        if citation in seen:
            continue
        seen.add(citation)
        query = urllib.parse.urlencode(
            {"doc": citation.document, "clause": citation.clause, "line": citation.line}
        )
        response = client.get(f"/gazette/cite/?{query}")
        eid, uri = anchors[(citation.document, citation.clause)]
        assert response.status_code == 302, item.where
        # issue 15: by the document's URI and the clause's eId
        expected = reverse("gazette:by-uri", args=[uri.lstrip("/")])
        assert response["Location"] == f"{expected}?highlight={eid}#{eid}", item.where
    assert len(seen) > 60
