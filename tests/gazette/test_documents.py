"""A second county's documents (tests/gazette/documents, written by the team in the layouts of issue 15), parsed
without a database: each file's documents with their expected fields."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import pytest

from countyhall.gazette.parser import normalise_number, read_text, unnumbered_identifier

DOCUMENTS = Path(__file__).parent / "documents"
EXPECTED = json.loads((DOCUMENTS / "expected.json").read_text(encoding="utf-8"))


@functools.cache
def _read(name: str):
    return read_text((DOCUMENTS / name).read_text(encoding="utf-8"))


def test_every_file_has_its_expectation():
    assert sorted(EXPECTED) == sorted(p.name for p in DOCUMENTS.glob("*.txt"))


# Typed by hand from the documents: 文号 (standard form), issuers, 成文日期, kind, in force from, until.
HEADERS = [
    (
        "zibo-measures.txt",
        "淄政发〔2021〕8号",
        ["淄博市人民政府"],
        dt.date(2021, 10, 8),
        "measures",
        dt.date(2021, 11, 1),
        dt.date(2026, 10, 31),
    ),
    (
        "shandong-dept-notice.txt",
        "鲁民〔2021〕45号",
        ["山东省民政厅"],
        dt.date(2021, 11, 5),
        "notice",
        dt.date(2021, 11, 5),
        dt.date(2022, 3, 31),
    ),
    (
        "huantai-emergency-plan.txt",
        "桓政办字〔2022〕12号",
        ["桓台县人民政府办公室"],
        dt.date(2022, 5, 20),
        "emergency_plan",
        dt.date(2022, 6, 1),
        dt.date(2027, 5, 31),
    ),  # 有效期5年 from 2022-06-01
    (
        "gaoqing-joint-opinion.txt",
        "高发〔2022〕3号",
        ["中共高青县委", "高青县人民政府"],
        dt.date(2022, 3, 10),
        "opinion",
        dt.date(2022, 3, 10),
        dt.date(2025, 12, 31),
    ),
    (
        "gaoqing-renda-appointments.txt",
        None,
        ["高青县人民代表大会常务委员会"],
        dt.date(2022, 1, 10),
        "personnel",
        None,
        None,
    ),
    (
        "boxing-personnel.txt",
        "博政任〔2021〕12号",
        ["博兴县人民政府"],
        dt.date(2021, 12, 3),
        "personnel",
        None,
        None,
    ),
    (
        "zibo-finance-letter.txt",
        "淄财社函〔2021〕7号",
        ["淄博市财政局"],
        dt.date(2021, 11, 20),
        "notice",
        dt.date(2021, 11, 20),
        None,
    ),
    (
        "gaoqing-civil-affairs-request.txt",
        "高民发〔2021〕21号",
        ["高青县民政局"],
        dt.date(2021, 9, 15),
        "notice",
        None,
        None,
    ),
    (
        "zichuan-provisions.txt",
        "川政发〔2022〕1号",
        ["淄川区人民政府"],
        dt.date(2021, 12, 20),
        "provisions",
        dt.date(2022, 1, 1),
        dt.date(2023, 12, 31),
    ),
]


@pytest.mark.parametrize(("name", "number", "issuers", "date", "kind", "since", "until"), HEADERS)
def test_header_fields(name, number, issuers, date, kind, since, until):
    result = _read(name)
    assert result.problems == []
    [document] = result.documents
    assert (document.issuers, document.date, document.kind) == (issuers, date, kind)
    assert (document.effective_from, document.effective_to) == (since, until)
    if number is None:
        assert not document.numbered
        assert document.number == unnumbered_identifier(document.issuer, date, document.title)
    else:
        assert document.numbered and document.number == number


def _cases():
    for name, expected in EXPECTED.items():
        for index, document in enumerate(expected["documents"]):
            yield pytest.param(name, index, document, id=f"{name}:{document['number'] or 'unnumbered'}")


@pytest.mark.parametrize(("name", "index", "expected"), list(_cases()))
def test_document_fields(name, index, expected):
    document = _read(name).documents[index]
    if expected["number"] is not None:
        assert document.number == expected["number"]
    assert document.number_as_printed == expected["number_as_printed"]
    assert document.issuers == expected["issuers"]
    assert document.title == expected["title"]
    assert document.date.isoformat() == expected["date"]
    assert document.kind == expected["kind"]
    assert (document.effective_from and document.effective_from.isoformat()) == expected["effective_from"]
    assert (document.effective_to and document.effective_to.isoformat()) == expected["effective_to"]
    assert document.recipients == expected["recipients"]
    assert (document.attachments, document.attachments_printed) == (
        expected["attachments"],
        expected["attachments_printed"],
    )
    assert [[c.path, c.line] for c in document.clauses] == expected["clauses"]
    assert [
        [p.action, p.person, p.position, p.probation_months, p.term_months, p.acting]
        for p in document.personnel
    ] == expected["personnel"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_problems(name):
    assert [[p.line, p.message] for p in _read(name).problems] == EXPECTED[name]["problems"]


# What the parser made of one clause (or, with no path, of the document), one row per fact:
# (file, clause path or None, field, check, expected).
CHECKS = {
    "==": lambda value, expected: value == expected,
    "startswith": lambda value, expected: value.startswith(expected),
    "endswith": lambda value, expected: value.endswith(expected),
    "contains": lambda value, expected: expected in value,
    "excludes": lambda value, expected: expected not in value,
}
FACTS = [
    # 条 are cited alone ("第三条"), whatever chapter and section hold them; items nest under their 条.
    ("zibo-measures.txt", "第三条", "parent_anchor", "==", "c-ch2-s1"),
    ("zibo-measures.txt", "第三条", "anchor", "==", "c-art3"),
    ("zibo-measures.txt", "第五条（二）", "parent_anchor", "==", "c-art5"),
    ("zibo-measures.txt", "第五条（二）", "text", "==", "（二）90周岁以上的，每人每月200元。"),
    ("zibo-measures.txt", "第七条", "text", "startswith", "第七条 本办法自2021年11月1日起施行"),
    # the 版记 (抄送, 印发) is no part of the body
    ("zibo-measures.txt", None, "body", "excludes", "抄送"),
    ("zibo-measures.txt", "第七条", "text", "excludes", "印发"),
    # outlines in any digit width and spacing
    ("huantai-emergency-plan.txt", "1.1", "heading", "==", "1.1目的"),
    ("huantai-emergency-plan.txt", "1.1", "parent_anchor", "==", "c-1"),
    ("huantai-emergency-plan.txt", "1.2", "heading", "==", "1.2 适用范围"),
    ("huantai-emergency-plan.txt", "2.2", "heading", "==", "２.２ 指挥部办公室"),
    ("huantai-emergency-plan.txt", "2.2.1", "parent_anchor", "==", "c-2-2"),
    ("huantai-emergency-plan.txt", "3.1（2）", "parent_anchor", "==", "c-3-1"),
    # printed attachments are clauses of their own; the signature is 落款
    ("shandong-dept-notice.txt", None, "attachments", "==", ["冬季救助工作进度表", "困难群众救助政策汇编"]),
    ("shandong-dept-notice.txt", None, "attachments_printed", "==", True),
    ("shandong-dept-notice.txt", "附件1", "heading", "==", "冬季救助工作进度表"),
    ("shandong-dept-notice.txt", "附件1", "text", "contains", "12月至次年2月：集中救助。"),
    ("shandong-dept-notice.txt", "附件2", "text", "endswith", "二、特困人员救助供养政策。"),
    ("shandong-dept-notice.txt", "落款", "text", "startswith", "山东省民政厅\n二〇二一年十一月五日"),
]


@pytest.mark.parametrize(
    ("name", "path", "field", "check", "expected"),
    FACTS,
    ids=[f"{name}:{path or 'document'}:{field}:{check}" for name, path, field, check, _ in FACTS],
)
def test_parsed_facts(name, path, field, check, expected):
    [document] = _read(name).documents
    subject = document if path is None else {c.path: c for c in document.clauses}[path]
    assert CHECKS[check](getattr(subject, field), expected)


def test_an_unreadable_document_in_an_issue_is_reported_and_the_others_read():
    result = _read("boxing-gazette-issue.txt")
    assert [d.number for d in result.documents] == ["博政字〔2022〕5号", "博政办字〔2022〕4号"]
    [problem] = result.problems
    assert problem.line == 14 and "博政办字〔2022〕3号" in problem.message and "成文日期" in problem.message
    assert result.description == "《博兴县人民政府公报》由县政府办公室编辑出版。"
    # the third document's header is its own, not the second's signature
    assert result.documents[1].start_line == 23 and result.documents[1].issuers == ["博兴县人民政府办公室"]


def test_unnumbered_identifier_is_stable_and_not_a_number():
    [document] = _read("gaoqing-renda-appointments.txt").documents
    again = read_text((DOCUMENTS / "gaoqing-renda-appointments.txt").read_text(encoding="utf-8")).documents[0]
    assert document.number == again.number and document.number.startswith("无文号-20220110-")
    assert normalise_number(document.number) is None  # it cannot be read as a 文号
    assert (
        unnumbered_identifier(document.issuer, document.date, document.title + "（修订）") != document.number
    )
