"""Full-text search of the register (gazette.search): segmentation with the county's dictionary, the index kept at
ingest, BM25 ranking, filters, 文号 in any bracket style, highlighting; the page and the API."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from countyhall.gazette.models import Clause, Document, SearchEntry
from countyhall.gazette.search import highlight, query_terms, search, tokenize
from countyhall.gazette.services import gazette_ingest

# ---- segmentation and highlighting (no database) -------------------------------------------------------------------

# The county's own terms stay whole words (data/userdict.txt): jieba alone splits some of them.
WHOLE_WORDS = [
    ("推进助餐服务体系建设", "助餐"),
    ("全县清洁取暖改造任务", "清洁取暖"),
    ("特困人员救助供养", "特困"),
    ("实行联审联批制度", "联审联批"),
    ("青城镇长者食堂", "青城镇"),
    ("黑里寨镇人民政府", "黑里寨镇"),
    ("田镇街道办事处", "田镇街道"),
]


@pytest.mark.parametrize(("text", "word"), WHOLE_WORDS)
def test_county_terms_are_words(text, word):
    assert word in tokenize(text)
    assert query_terms(word) == [word]  # typed alone, it is one word to look for, not its characters


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("助餐补贴", ["助餐", "补贴"]),
        ("  清洁取暖的补贴 ", ["清洁取暖", "补贴"]),  # particles and spaces dropped
        ("，。；", []),
        ("ＡＢＣ１２３", ["abc123"]),  # full-width folded, lower case
    ],
)
def test_query_terms(query, terms):
    assert query_terms(query) == terms


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("助餐补贴由县财政承担", ["助餐", "补贴"], "<mark>助餐</mark><mark>补贴</mark>由县财政承担"),
        ("<b>助餐</b> & 补贴", ["助餐"], "&lt;b&gt;<mark>助餐</mark>&lt;/b&gt; &amp; 补贴"),  # escaped
        ("没有命中", ["助餐"], "没有命中"),
        ("２.２ 指挥部", ["2.2"], "<mark>２.２</mark> 指挥部"),  # full-width text, normal-form word
        ("ABC abc", ["abc"], "<mark>ABC</mark> <mark>abc</mark>"),
    ],
)
def test_highlight(text, words, expected):
    assert str(highlight(text, words)) == expected


def test_highlight_windows_a_long_text_around_the_first_match():
    text = "甲" * 200 + "助餐" + "乙" * 200
    snippet = str(highlight(text, ["助餐"], width=40))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>助餐</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) == 42


# ---- the index and the query (database: the gazette ingested at set-up) --------------------------------------------


@pytest.mark.django_db
def test_every_document_and_clause_is_indexed_at_ingest():
    assert SearchEntry.objects.filter(clause=None).count() == Document.objects.count()
    assert SearchEntry.objects.exclude(clause=None).count() == Clause.objects.count()


NUMBER_SPELLINGS = [
    "高政办发〔2021〕2号",
    "高政办发[2021]2号",
    "高政办发【2021】2号",
    "高政办发（2021）2号",
    "高政办发(2021)第2号",
    "高政办发〔2021〕第2号",
    "高政办发［２０２１］第２号",
    "高政办发 [2021] 2 号",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", NUMBER_SPELLINGS)
def test_a_number_in_any_bracket_style_finds_its_document_first(query):
    result = search(query=query)
    assert result.number == "高政办发〔2021〕2号"
    first = result.hits[0]
    assert first.document.number == "高政办发〔2021〕2号" and first.clause is None and first.number_match


@pytest.mark.django_db
def test_a_number_with_words_ranks_its_document_first_and_the_words_after():
    result = search(query="高政办字[2021]37号 补贴")
    assert result.hits[0].document.number == "高政办字〔2021〕37号" and result.hits[0].number_match
    assert result.terms == ["补贴"] and len(result.hits) > 1


@pytest.mark.django_db
def test_ranked_by_bm25_and_highlighted():
    result = search(query="助餐补贴")
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and len(scores) > 5
    top = result.hits[0]
    # the clause that is about the subsidy itself ranks first: 2号 五、（一）助餐补贴
    assert (top.document.number, top.clause.path) == ("高政办发〔2021〕2号", "五、（一）")
    assert "<mark>助餐</mark>" in top.snippet and "<mark>补贴</mark>" in top.snippet
    # a clause holding both words ranks above one holding only one of them
    both = [h for h in result.hits if h.clause and "助餐" in h.clause.text and "补贴" in h.clause.text]
    one = [h for h in result.hits if h.clause and ("助餐" in h.clause.text) != ("补贴" in h.clause.text)]
    assert both and one and min(h.score for h in both) > 0 and max(h.score for h in one) < both[0].score


@pytest.mark.django_db
def test_title_words_find_the_document_itself():
    [header] = [h for h in search(query="长者食堂 实施意见").hits if h.clause is None][:1]
    assert header.document.number == "高政办发〔2021〕2号" and "<mark>" in header.snippet


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "numbers"),
    [
        ({"kind": "opinion"}, {"高政办发〔2021〕2号"}),
        ({"kind": "implementation_plan"}, {"高政办字〔2021〕35号", "高政办字〔2021〕37号"}),
        ({"issuer": "高青县人民政府"}, set()),  # 2号, 35号 and 37号 are the 办公室's
        ({"year": 2020}, set()),
        # 2号: in force from 2021-09-02 until 2023-12-31 (documents printing no dates are in force from their date)
        ({"in_force_on": dt.date(2022, 1, 1), "kind": "opinion"}, {"高政办发〔2021〕2号"}),
        ({"in_force_on": dt.date(2024, 1, 1), "kind": "opinion"}, set()),
        ({"in_force_on": dt.date(2021, 8, 20), "kind": "opinion"}, set()),  # issued, not yet in force
    ],
)
def test_filters(filters, numbers):
    hits = search(query="助餐 特困人员 清洁取暖", **filters).hits
    assert {h.document.number for h in hits} == numbers


@pytest.mark.django_db
def test_sort_by_date_puts_the_newest_document_first():
    hits = search(query="补贴", sort="date").hits
    dates = [h.document.date for h in hits]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.django_db
def test_empty_and_unmatched_queries():
    assert search(query="").hits == [] and search(query="，。").hits == []
    assert search(query="火星探测").hits == []


@pytest.mark.django_db
def test_reingest_replaces_the_index_in_the_same_transaction(tmp_path):
    text = (
        "高青县民政局文件\n高民发〔2022〕9号\n关于开展助餐服务试点的通知\n各镇（街道）：\n"
        "一、试点范围\n在青城镇开展助餐服务试点。\n高青县民政局\n2022年3月1日\n"
    )
    path = tmp_path / "trial.txt"
    path.write_text(text, encoding="utf-8")
    gazette_ingest(path=path, actor="test")
    [hit] = [h for h in search(query="青城镇").hits if h.document.number == "高民发〔2022〕9号"]
    assert hit.clause is not None and "<mark>青城镇</mark>" in hit.snippet
    path.write_text(text.replace("青城镇", "唐坊镇"), encoding="utf-8")
    gazette_ingest(path=path, actor="test")
    assert not [h for h in search(query="青城镇").hits if h.document.number == "高民发〔2022〕9号"]
    assert [h for h in search(query="唐坊镇").hits if h.document.number == "高民发〔2022〕9号"]
    document = Document.objects.get(number="高民发〔2022〕9号")
    assert document.search_entries.count() == document.clauses.count() + 1


# ---- the page and the API -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_page_highlights_and_links_to_the_clause(client):
    response = client.get("/gazette/search/", {"q": "助餐补贴"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>助餐</mark>" in page and "高政办发〔2021〕2号" in page and "条款 五、（一）" in page
    assert "?highlight=" in page and "导出 Excel" in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]


@pytest.mark.django_db
def test_search_page_without_a_query_shows_the_form(client):
    response = client.get("/gazette/search/")
    assert response.status_code == 200 and "公报检索" in response.content.decode()


@pytest.mark.django_db
def test_search_page_in_the_menu_and_from_the_list(client):
    assert 'href="/gazette/search/"' in client.get("/gazette/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "二〇二一"}, "年度"),
        ({"year": "1990"}, "年度"),
        ({"in_force_on": "2021-13-01"}, "有效日期"),
        ({"kind": "poem"}, "文种"),
        ({"issuer": "不存在的机关"}, "发文机关"),
        ({"sort": "random"}, "排序"),
        ({"q": "补" * 101}, "关键词"),
        ({"page": "x"}, "页码"),
    ],
)
def test_search_page_bad_input_is_a_400_naming_the_field(client, params, field):
    response = client.get("/gazette/search/", {"q": "补贴", **params})
    assert response.status_code == 400 and field in response.content.decode()


@pytest.mark.django_db
def test_search_export_is_the_filtered_hits(client):
    response = client.get("/gazette/search/", {"q": "助餐补贴", "kind": "opinion", "export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][:3] == ("相关度", "文号", "标题")
    assert len(rows) > 2 and {row[1] for row in rows[1:]} == {"高政办发〔2021〕2号"}
    assert all("<mark>" not in (row[6] or "") for row in rows[1:])


@pytest.mark.django_db
def test_search_api(client):
    response = client.get("/api/v1/gazette/search", {"q": "高政办发[2021]第2号 助餐"})
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == "高政办发〔2021〕2号" and data["terms"] == ["助餐"]
    assert data["hits"][0]["number"] == "高政办发〔2021〕2号" and data["hits"][0]["clause"] is None
    clause_hits = [h for h in data["hits"] if h["clause"]]
    assert clause_hits and all("<mark>" in h["snippet"] for h in clause_hits)
    # the eId names the clause; the link goes to its element on the document page (its anchor)
    assert clause_hits[0]["eid"].startswith("sec_") and "#c-" in clause_hits[0]["url"]


@pytest.mark.django_db
def test_search_api_bad_input_is_structured(client):
    response = client.get("/api/v1/gazette/search", {"q": "补贴", "in_force_on": "明天"})
    assert response.status_code == 400
    assert (
        response.json()["error"]["field"] == "in_force_on"
        and "有效日期" in response.json()["error"]["message"]
    )


@pytest.mark.django_db
def test_a_failed_ingest_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    from countyhall.gazette import services

    path = tmp_path / "trial.txt"
    path.write_text(
        "高青县民政局文件\n高民发〔2022〕10号\n关于助餐回访的通知\n各镇（街道）：\n一、回访\n在木李镇回访。\n高青县民政局\n2022年3月2日\n",
        encoding="utf-8",
    )
    before = SearchEntry.objects.count()

    def fail(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        gazette_ingest(path=path, actor="test")
    assert SearchEntry.objects.count() == before
    assert not Document.objects.filter(number="高民发〔2022〕10号").exists()
