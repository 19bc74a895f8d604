"""The parser's pieces, table by table: 文号 spellings, dates, validity sentences, clause markers, personnel
wordings, and small documents in each header layout (issue 15, "Reading documents")."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.gazette.parser import (
    _decision,
    _marker,
    add_years,
    cn_number,
    normalise_number,
    parse_cn_date,
    read_text,
    validity,
)

D = dt.date


@pytest.mark.parametrize(
    ("printed", "standard"),
    [
        ("高政办发〔2021〕2号", "高政办发〔2021〕2号"),
        ("淄政发[2021]8号", "淄政发〔2021〕8号"),
        ("鲁民[2021]第45号", "鲁民〔2021〕45号"),
        ("桓政办字【2022】12号", "桓政办字〔2022〕12号"),
        ("博政任（2021）12号", "博政任〔2021〕12号"),
        ("博政任(2021)12号", "博政任〔2021〕12号"),
        ("川政发［2022］第 01号", "川政发〔2022〕1号"),
        ("高发〔２０２２〕３号", "高发〔2022〕3号"),  # full-width digits
        ("（淄政发〔2020〕13号）", "淄政发〔2020〕13号"),
        ("高政发2021年1号", None),  # no bracketed year: not a 文号
        ("第一章 总则", None),
    ],
)
def test_normalise_number(printed, standard):
    assert normalise_number(printed) == standard


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2021年 9月 26日", D(2021, 9, 26)),
        ("2021年9月26日", D(2021, 9, 26)),
        ("２０２１年９月２６日", D(2021, 9, 26)),
        ("二〇二一年九月二十六日", D(2021, 9, 26)),  # U+3007
        ("二○二一年九月二十六日", D(2021, 9, 26)),  # U+25CB, as often typed
        ("二零二二年十二月十日", D(2022, 12, 10)),
        ("二〇二二年一月三十一日", D(2022, 1, 31)),
        ("（2021年12月3日）", D(2021, 12, 3)),
        ("2021年2月30日", None),  # no such day
        ("2021年9月26日印发", None),  # the 版记's 印发日期 is no 成文日期 line
        ("自2021年9月26日起施行", None),
    ],
)
def test_date_lines(text, date):
    assert parse_cn_date(text) == date


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十六", 26),
        ("一百零五", 105),
        ("两", 2),
        ("12", 12),
        ("１２", 12),
        ("甲", None),
    ],
)
def test_cn_number(raw, value):
    assert cn_number(raw) == value


@pytest.mark.parametrize(
    ("start", "years", "last"),
    [
        (D(2022, 6, 1), 5, D(2027, 5, 31)),
        (D(2022, 1, 1), 3, D(2024, 12, 31)),
        (D(2024, 2, 29), 5, D(2029, 2, 28)),
    ],
)
def test_add_years(start, years, last):
    assert add_years(start, years) == last


@pytest.mark.parametrize(
    ("body", "date", "since", "until"),
    [
        (
            "本意见自 2021年 9月 2日起施行，有效期至 2023年 12月 31日。",
            D(2021, 8, 3),
            D(2021, 9, 2),
            D(2023, 12, 31),
        ),
        ("本预案自印发之日起实施。", D(2021, 7, 30), D(2021, 7, 30), None),
        ("本通知自发布之日起执行。", D(2021, 11, 20), D(2021, 11, 20), None),
        ("本办法自二〇二二年一月一日起施行，有效期五年。", D(2021, 12, 1), D(2022, 1, 1), D(2026, 12, 31)),
        ("本通知自公布之日起施行，有效期3年。", D(2022, 2, 8), D(2022, 2, 8), D(2025, 2, 7)),
        ("本意见有效期自2022年3月10日至2025年12月31日。", D(2022, 3, 10), D(2022, 3, 10), D(2025, 12, 31)),
        ("本规定自2022年1月1日起至2023年12月31日止施行。", D(2021, 12, 20), D(2022, 1, 1), D(2023, 12, 31)),
        (
            "本方案自2022年1月1日起施行，至2022年12月31日废止。",
            D(2021, 12, 1),
            D(2022, 1, 1),
            D(2022, 12, 31),
        ),
        # not the document's own validity: a permit's term, a heating season
        ("取水许可证有效期5年。采暖期自2021年11月15日至2022年3月15日。", D(2021, 8, 28), None, None),
        ("", D(2021, 1, 1), None, None),
    ],
)
def test_validity_sentences(body, date, since, until):
    assert validity(body, date) == (since, until)


@pytest.mark.parametrize(
    ("text", "outline", "rank", "label", "kind"),
    [
        ("第一编 总则", False, 0.01, "第一编", "编"),
        ("第三章 补贴标准", False, 0.02, "第三章", "章"),
        ("第二节 补贴对象", False, 0.03, "第二节", "节"),
        ("第一百零二条 本办法自…", False, 0.04, "第一百零二条", "条"),
        ("第十二条　为规范…", False, 0.04, "第十二条", "条"),
        ("第二款 前款规定…", False, 0.05, "第二款", "款"),
        ("一、总体要求", False, 1.0, "一、", "standard"),
        ("十一、其他", False, 1.0, "十一、", "standard"),
        ("（三）目标任务", False, 2.0, "（三）", "standard"),
        ("(三)目标任务", False, 2.0, "（三）", "standard"),
        ("㈢目标任务", False, 2.0, "（三）", "standard"),
        ("1.稳定粮食播种面积", False, 3.0, "1", "standard"),
        ("1．稳定粮食播种面积", False, 3.0, "1", "standard"),
        ("2、村民委员会应当…", False, 3.0, "2", "standard"),
        ("34.2022年底前，…", False, 3.0, "34", "standard"),
        ("（1）对急难对象先行救助", False, 4.0, "（1）", "standard"),
        ("(2)每年开展一次检查", False, 4.0, "（2）", "standard"),
        ("③组织评估", False, 5.0, "③", "standard"),
        ("1 总则", True, 0.1, "1", "outline"),
        ("1.总则", True, 0.1, "1", "outline"),
        ("1.1目的", True, 0.2, "1.1", "outline"),
        ("1 . 2 适用范围", True, 0.2, "1.2", "outline"),
        ("８.4 奖励", True, 0.2, "8.4", "outline"),
        ("4.2.1 信息上报与跟踪", True, 0.3, "4.2.1", "outline"),
    ],
)
def test_clause_markers(text, outline, rank, label, kind):
    found = _marker(text, outline)
    assert found is not None and (found[0], found[1], found[3]) == (rank, label, kind)


@pytest.mark.parametrize(
    ("text", "outline"),
    [
        ("1.5倍以上的补贴", False),
        ("1.5倍以上的补贴", True),
        ("第一责任人，要会同…", False),  # 60号's "第一责任人" is no 第X条
        ("2021年起", False),
        ("一是加强领导", False),
    ],
)
def test_not_clause_markers(text, outline):
    assert _marker(text, outline) is None


@pytest.mark.parametrize(
    ("mode", "text", "expected"),
    [
        (
            "appoint",
            "杨凡为县工业和信息化局副局长（试用期一年）；",
            [("appoint", "杨凡", "县工业和信息化局副局长", 12, None)],
        ),
        (
            "appoint",
            "徐凤为县农业农村局副局长（挂职时间为一年）；",
            [("second", "徐凤", "县农业农村局副局长", None, 12)],
        ),
        (
            "remove",
            "杨凡的县新型工业发展服务中心副主任（挂职）职务；",
            [("remove", "杨凡", "县新型工业发展服务中心副主任（挂职）", None, None)],
        ),
        ("", "任命张建华同志为县财政局局长", [("appoint", "张建华", "县财政局局长", None, None)]),
        (
            "",
            "任命李明、赵红为县民政局副局长",
            [
                ("appoint", "李明", "县民政局副局长", None, None),
                ("appoint", "赵红", "县民政局副局长", None, None),
            ],
        ),
        ("", "免去刘伟同志的县财政局局长职务", [("remove", "刘伟", "县财政局局长", None, None)]),
        ("", "免去赵敏同志县审计局副局长职务", [("remove", "赵敏", "县审计局副局长", None, None)]),
        (
            "",
            "聘任王晓明同志为县农业技术推广中心主任（试用期六个月）",
            [("hire", "王晓明", "县农业技术推广中心主任", 6, None)],
        ),
        (
            "",
            "接受王强辞去高青县人民政府副县长职务的请求",
            [("resign", "王强", "高青县人民政府副县长", None, None)],
        ),
        (
            "",
            "张强同志挂职任县商务局副局长（挂职时间二年）",
            [("second", "张强", "县商务局副局长", None, 24)],
        ),
        ("", "本通知自印发之日起施行", None),
        ("", "各镇人民政府", None),
    ],
)
def test_personnel_wordings(mode, text, expected):
    found = _decision(mode, text, 1)
    if expected is None:
        assert found is None
    else:
        assert [
            (p.action, p.person, p.position, p.probation_months, p.term_months) for p in found
        ] == expected


def test_acting_appointment():
    [decision] = _decision("", "决定任命陈刚为高青县人民政府代理县长", 1)
    assert (decision.person, decision.position, decision.acting) == ("陈刚", "高青县人民政府县长", True)


def _one(text: str):
    result = read_text(text)
    assert result.problems == [], result.problems
    [document] = result.documents
    return document


BODY = "各有关单位：\n一、总则\n正文。\n"


@pytest.mark.parametrize(
    ("header", "number", "issuers", "title"),
    [
        # 高青's gazette: issuer line, title, 文号 on its own line
        (
            "高青县人民政府\n关于甲的通知\n高政字〔2021〕1号\n",
            "高政字〔2021〕1号",
            ["高青县人民政府"],
            "关于甲的通知",
        ),
        # GB/T 9704: banner, 文号, title
        (
            "淄博市人民政府文件\n淄政发[2021]第3号\n关于甲的通知\n",
            "淄政发〔2021〕3号",
            ["淄博市人民政府"],
            "关于甲的通知",
        ),
        # joint banner on one line
        (
            "中共高青县委 高青县人民政府文件\n高发〔2022〕1号\n关于甲的意见\n",
            "高发〔2022〕1号",
            ["中共高青县委", "高青县人民政府"],
            "关于甲的意见",
        ),
        # 文号 on the issuer line
        ("淄博市财政局 淄财函【2021】7号\n关于甲的函\n", "淄财函〔2021〕7号", ["淄博市财政局"], "关于甲的函"),
        # 文号 in brackets after a title that names its issuer
        (
            "淄川区人民政府关于甲的通知（川政发（2022）2号）\n",
            "川政发〔2022〕2号",
            ["淄川区人民政府"],
            "淄川区人民政府关于甲的通知",
        ),
        # 文号 with 签发人 (an upward document)
        (
            "高青县民政局文件\n高民发〔2021〕21号 签发人：王某某\n关于甲的请示\n",
            "高民发〔2021〕21号",
            ["高青县民政局"],
            "关于甲的请示",
        ),
        # a title over three lines, the last one the 文种 spaced out as printed
        (
            "高青县人民政府\n关于杨凡等 15名工作人员职务任免的\n通 知\n高政任〔2021〕5号\n",
            "高政任〔2021〕5号",
            ["高青县人民政府"],
            "关于杨凡等15名工作人员职务任免的通知",
        ),
    ],
)
def test_header_layouts(header, number, issuers, title):
    document = _one(header + BODY + "高青县人民政府\n2021年 3月 5日\n")
    assert (document.number, document.issuers, document.title) == (number, issuers, title)
    assert document.recipients == "各有关单位" and [c.path for c in document.clauses] == ["一、", "落款"]


def test_issuer_from_the_signature_when_the_header_has_none():
    document = _one(
        "淄博市人民政府办公室\n关于甲的通知\n" + BODY + "淄博市人民政府办公室\n二〇二一年三月五日\n"
    )
    assert document.issuers == ["淄博市人民政府办公室"] and not document.numbered


def test_date_in_chinese_numerals_is_the_document_date():
    document = _one(
        "高青县人民政府\n关于甲的通知\n高政字〔2021〕9号\n"
        + BODY
        + "高青县人民政府\n二〇二一年九月二十六日\n"
    )
    assert document.date == D(2021, 9, 26)


def test_same_number_twice_in_one_text_is_a_problem():
    one = "高青县人民政府\n关于甲的通知\n高政字〔2021〕1号\n" + BODY + "高青县人民政府\n2021年 3月 5日\n"
    result = read_text(one + "\n" + one.replace("关于甲", "关于乙"))
    assert [d.title for d in result.documents] == ["关于甲的通知"]
    assert len(result.problems) == 1 and "文号重复" in result.problems[0].message


def test_empty_text_is_a_problem():
    result = read_text("\n\n")
    assert result.documents == [] and result.problems[0].line == 1
