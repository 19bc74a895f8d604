"""The document list filtered by a text query ranks by relevance (BM25 over the search index, issue 15), with the
matches highlighted and the order said on the page; without a query it is in date order."""

from __future__ import annotations

import io

import openpyxl
import pytest

from countyhall.gazette.models import Document
from countyhall.gazette.selectors import document_list_ranked

pytestmark = pytest.mark.django_db

CANTEENS = "高政办发〔2021〕2号"
HEATING = "高政办字〔2021〕37号"


def _numbers_in(html: str, numbers) -> list[str]:
    return sorted(numbers, key=html.index)


def test_ranked_by_the_best_passage_not_by_the_gazette_order():
    ranked, _ = document_list_ranked(query="清洁取暖 补贴")
    numbers = [r.document.number for r in ranked]
    # 2号 is printed before 37号 and also speaks of 补贴; the heating notice is about 清洁取暖
    assert Document.objects.get(number=CANTEENS).order < Document.objects.get(number=HEATING).order
    assert numbers[:2] == [HEATING, CANTEENS]
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True) and all(r.matches >= 1 for r in ranked)
    assert "<mark>" in ranked[0].snippet


def test_the_canteen_words_put_the_canteen_opinion_first():
    ranked, _ = document_list_ranked(query="助餐补贴")
    assert ranked[0].document.number == CANTEENS and ranked[0].best_clause is not None


def test_a_named_number_ranks_its_document_first():
    ranked, _ = document_list_ranked(query="高政办字〔2021〕37号 补贴")
    assert ranked[0].document.number == HEATING and ranked[0].number_match


def test_the_kind_filter_applies_to_the_ranked_list():
    ranked, _ = document_list_ranked(query="应急", kind="emergency_plan")
    assert ranked and {r.document.kind for r in ranked} == {"emergency_plan"}


def test_the_page_ranks_highlights_and_says_so(client):
    html = client.get("/gazette/", {"q": "清洁取暖 补贴"}).content.decode()
    assert "按相关度排列" in html and "<mark>" in html
    table = html[html.index('id="documents"') : html.index('id="clause-hits"')]
    assert _numbers_in(table, [CANTEENS, HEATING]) == [HEATING, CANTEENS]
    assert "处匹配" in table


def test_without_a_query_the_page_is_in_date_order(client):
    html = client.get("/gazette/").content.decode()
    assert "按成文日期排列" in html and "按相关度排列" not in html
    table = html[html.index('id="documents"') :]
    documents = list(Document.objects.all())
    shown = sorted(documents, key=lambda d: table.index(d.number + "<"))
    assert [d.date for d in shown] == sorted((d.date for d in documents), reverse=True)


def test_an_unmatched_query_lists_nothing(client):
    html = client.get("/gazette/", {"q": "火星"}).content.decode()
    assert "没有匹配的文件" in html and "没有匹配的条款" in html


def test_the_export_keeps_the_pages_order(client):
    response = client.get("/gazette/export.xlsx", {"q": "清洁取暖 补贴"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert numbers[:2] == [HEATING, CANTEENS]
