"""Every citation of every program, checked against the ingested gazette (issue 13, "policy out of code").

The document exists, the clause exists in it, the line lies inside the clause (and no finer clause holds it),
and where a figure is cited its line prints that figure. Collected from the parameter files (values, administered
figures, readings), from every Citation(...) and {document, clause, line} literal in the code, and from the
"文号 条款" written in messages and templates (countyhall.gazette.checks).
"""

from __future__ import annotations

import pytest

from countyhall.core.policy import Citation, parameters
from countyhall.gazette import checks
from countyhall.gazette.models import Clause

# Known failures in program code this change does not own: where → (program, why). Each becomes a strict xfail,
# so the fix in the program turns it into a failure here until the entry is removed.
KNOWN: dict[str, tuple[str, str]] = {}


def _spans():
    rows = Clause.objects.values_list("document__number", "path", "line", "end_line", "level")
    return checks.spans_by_document(rows)


def _all_cited():
    cited = checks.parameter_citations(parameters())
    code, _ = checks.code_citations()
    return cited + code


def _params(items):
    for item in items:
        marks = []
        if item.where in KNOWN:
            program, why = KNOWN[item.where]
            marks.append(pytest.mark.xfail(strict=True, reason=f"{program}: {why}"))
        yield pytest.param(item, id=f"{item.program}: {item.where}", marks=marks)


@pytest.mark.django_db
@pytest.mark.parametrize("cited", list(_params(_all_cited())))
def test_citation_resolves_in_the_gazette(cited, gazette_text):
    assert checks.check_citation(cited, _spans(), gazette_text.splitlines()) == []


def test_every_program_is_checked():
    programs = {c.program for c in _all_cited()}
    assert {"canteens", "heating", "permits", "emergency", "egov"} <= programs
    # the code's own Citation constants are collected too (canteens/citations.py, permits and emergency rules)
    assert len({c.program for c in checks.code_citations()[0]}) >= 2


def test_no_citation_built_where_it_cannot_be_checked():
    # a Citation(...) whose document, clause or line is computed at run time: nothing could check it
    assert checks.code_citations()[1] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mention", checks.clause_mentions(), ids=lambda m: f"{m.program}: {m.where} {m.clause}"
)
def test_clause_named_in_a_message_exists(mention):
    assert checks.check_mention(mention, _spans()) == []


# ---- the checks themselves, on made-up clauses and lines ---------------------------------------------------------

DOC = "高政办字〔2021〕37号"
SPANS = checks.spans_by_document(
    [
        (DOC, "四、", 10, 20, 1),
        (DOC, "四、（一）", 12, 20, 2),
        (DOC, "四、（一）1", 14, 17, 3),
    ]
)
LINES = ["" for _ in range(30)]
LINES[13] = "1.燃气管网补贴按照户均3000元的标准，"  # line 14
LINES[14] = "按照市级以上、县、镇 58："  # line 15
LINES[15] = "32：10比例分担，补助 2"  # line 16
LINES[16] = "万元；事故发生后 24小时内书面报告。"  # line 17


@pytest.mark.parametrize(
    ("citation", "figure", "problem"),
    [
        (Citation(DOC, "四、（一）1", 14), "3000", None),
        (Citation(DOC, "四、（一）1", 14), "300", "没有印出所引数值 300"),
        (
            Citation(DOC, "四、（一）1", 15),
            "58：32：10",
            None,
        ),  # a ratio broken across lines starts on its line
        (Citation(DOC, "四、（一）1", 16), "58：32：10", "没有印出"),  # one line late
        (Citation(DOC, "四、（一）1", 16), "20000", None),  # "补助 2 / 万元"
        (Citation(DOC, "四、（一）1", 17), "1440分钟", None),  # 24小时
        (Citation(DOC, "四、（一）1", 17), "60分钟", "没有印出"),
        (Citation("高政办字〔2021〕99号", "四、", 14), "", "没有文件"),
        (Citation(DOC, "五、", 14), "", "没有条款 五、"),
        (Citation(DOC, "四、（一）1", 18), "", "第18行不在"),
        (Citation(DOC, "四、（一）", 14), "", "属于更细的条款 四、（一）1"),
        (Citation(DOC, "四、（一）", 18), "", None),
    ],
)
def test_check_citation_table(citation, figure, problem):
    found = checks.check_citation(checks.CitedAt("x", "heating", citation, figure), SPANS, LINES)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0]


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        ("依据高政办发〔2021〕2号 五、（一）2）。", [("高政办发〔2021〕2号", "五、（一）2")]),
        ("（高政办字〔2021〕34号 4.2.1）", [("高政办字〔2021〕34号", "4.2.1")]),
        ("高政办发〔2021〕3号 二、（四）", [("高政办发〔2021〕3号", "二、（四）")]),
        ("高政办字〔2021〕35号 2021年底前", []),  # a year, not clause 2021
        ("高政办发〔2021〕3号）。时限按工作日计算", []),
    ],
)
def test_mentions_in_text(text, mentioned):
    assert [(m.group(1), m.group(2)) for m in checks.MENTION_RE.finditer(text)] == mentioned
