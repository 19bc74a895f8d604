"""Stable identifiers (issue 15), table-tested without a database: a document's URI from its issuer and 文号, a
clause's eId from its labels' kinds (一、/（一）/1/（1）/①, 第X章/条, the 1.1 outline)."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.gazette.identifiers import (
    chinese_numeral,
    clause_eids,
    document_uri,
    eid_part,
    expression_uri,
    jurisdiction,
    split_expression,
)

URIS = [
    ("高政办发〔2021〕2号", "高青县人民政府办公室", "/cn-sd-gaoqing/高政办发/2021/2"),
    ("高政字〔2021〕60号", "高青县人民政府", "/cn-sd-gaoqing/高政字/2021/60"),
    ("高政任〔2021〕5号", "高青县人民政府", "/cn-sd-gaoqing/高政任/2021/5"),
    # R4: 高政发 and 高政办发 of the same year and serial are different documents, and so are their URIs
    ("高政发〔2021〕1号", "高青县人民政府", "/cn-sd-gaoqing/高政发/2021/1"),
    ("高政办发〔2021〕1号", "高青县人民政府办公室", "/cn-sd-gaoqing/高政办发/2021/1"),
    ("淄政发〔2021〕8号", "淄博市人民政府", "/cn-sd-zibo/淄政发/2021/8"),
    ("鲁民〔2021〕45号", "山东省民政厅", "/cn-sd/鲁民/2021/45"),
    ("桓政办字〔2022〕12号", "桓台县人民政府办公室", "/cn-sd-huantai/桓政办字/2022/12"),
    ("高发〔2022〕3号", "中共高青县委", "/cn-sd-gaoqing/高发/2022/3"),
]


@pytest.mark.parametrize(("number", "issuer", "uri"), URIS)
def test_document_uri(number, issuer, uri):
    assert document_uri(number=number, issuer=issuer) == uri


def test_unnumbered_document_uri_names_issuer_and_date():
    uri = document_uri(
        number="无文号-20220110-ab12cd34ef",
        issuer="高青县人民代表大会常务委员会",
        date=dt.date(2022, 1, 10),
        numbered=False,
    )
    assert uri == "/cn-sd-gaoqing/高青县人民代表大会常务委员会/2022-01-10/无文号-20220110-ab12cd34ef"


def test_expression_uri_and_back():
    assert expression_uri("/cn-sd-gaoqing/高政办发/2021/2", 2) == "/cn-sd-gaoqing/高政办发/2021/2/zho@v2"
    assert split_expression("cn-sd-gaoqing/高政办发/2021/2/zho@v2") == ("cn-sd-gaoqing/高政办发/2021/2", 2)
    assert split_expression("cn-sd-gaoqing/高政办发/2021/2/") == ("cn-sd-gaoqing/高政办发/2021/2", None)


@pytest.mark.parametrize(
    ("issuer", "code"),
    [("高青县人民政府", "cn-sd-gaoqing"), ("淄博市财政局", "cn-sd-zibo"), ("某某委员会", "cn")],
)
def test_jurisdiction(issuer, code):
    assert jurisdiction(issuer) == code


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105), ("甲", None)],
)
def test_chinese_numeral(text, number):
    assert chinese_numeral(text) == number


# label, nested (has a parent clause) → its part of the eId
PARTS = [
    ("一、", False, "sec_1"),
    ("十一、", False, "sec_11"),
    ("（一）", True, "subsec_1"),
    ("（十六）", True, "subsec_16"),
    ("1", True, "para_1"),  # 一、1 (31号) and 四、（二）5 (2号): a numbered paragraph
    ("20", True, "para_20"),
    ("1", False, "sec_1"),  # 34号's outline: 1 at the top is a section
    ("1.1", True, "subsec_1"),
    ("2.1.3", True, "para_3"),
    ("（1）", True, "point_1"),
    ("①", True, "item_1"),
    ("⑫", True, "item_12"),
    ("第一章", False, "chp_1"),
    ("第二节", True, "sec_2"),
    ("第十二条", True, "art_12"),
    ("施行和有效期", False, "validity"),
    ("落款", False, "signature"),
    ("附件", False, "att_1"),
    ("说明", False, ""),
]


@pytest.mark.parametrize(("label", "nested", "part"), PARTS)
def test_eid_part(label, nested, part):
    assert eid_part(label, nested=nested) == part


def test_clause_eids_chain_the_labels():
    eids = clause_eids(
        [
            ("c-4", None, "四、"),
            ("c-4-2", "c-4", "（二）"),
            ("c-4-2-5", "c-4-2", "5"),
            ("c-4-2-5-1", "c-4-2-5", "（1）"),
            ("c-validity", None, "施行和有效期"),
        ]
    )
    assert eids == {
        "c-4": "sec_4",
        "c-4-2": "sec_4__subsec_2",
        "c-4-2-5": "sec_4__subsec_2__para_5",  # the example: 四、（二）5
        "c-4-2-5-1": "sec_4__subsec_2__para_5__point_1",
        "c-validity": "validity",
    }


def test_clause_eids_outline_and_unknown_and_duplicates():
    eids = clause_eids(
        [
            ("c-3", None, "3"),
            ("c-3-3", "c-3", "3.3"),
            ("c-3-3-6", "c-3-3", "（6）"),
            ("x", None, "说明"),
            ("y", None, "说明"),
            ("c-3b", None, "3"),
        ]
    )
    assert eids["c-3-3-6"] == "sec_3__subsec_3__point_6"
    assert eids["x"] == "clause_2" and eids["y"] == "clause_3"  # numbered among their siblings
    assert eids["c-3b"] == "sec_3_2"  # a repeated number stays unique within the document
    assert len(set(eids.values())) == len(eids)


@pytest.mark.django_db
def test_every_clause_of_the_gazette_has_a_unique_eid():
    from countyhall.gazette.models import Clause, Document

    assert not Document.objects.filter(uri="").exists()
    assert Document.objects.get(number="高政办发〔2021〕2号").uri == "/cn-sd-gaoqing/高政办发/2021/2"
    rows = list(Clause.objects.values_list("document_id", "eid"))
    assert all(eid for _, eid in rows)
    assert len(set(rows)) == len(rows)
    assert (
        Clause.objects.get(document__number="高政办发〔2021〕2号", path="五、（一）2").eid
        == "sec_5__subsec_1__para_2"
    )
    assert Clause.objects.get(document__number="高政办字〔2021〕34号", path="9.3").eid == "sec_9__subsec_3"
