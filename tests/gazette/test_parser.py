"""The real gazette, parsed without a database: POLICIES.md's table of the 13 documents."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from countyhall.gazette.parser import GazetteParseError, parse_gazette

# POLICIES.md "The documents in the issue": its issuer 县政府办公室 is short for 高青县人民政府办公室.
DOCUMENTS = [
    (
        "高政字〔2021〕60号",
        "高青县人民政府",
        dt.date(2021, 9, 26),
        "notice",
        1,
        "关于公布行政规范性文件清理结果的通知",
    ),
    (
        "高政字〔2021〕61号",
        "高青县人民政府",
        dt.date(2021, 9, 28),
        "implementation_plan",
        26,
        "关于印发高青县优化营商环境创新突破行动实施方案的通知",
    ),
    (
        "高政字〔2021〕62号",
        "高青县人民政府",
        dt.date(2021, 9, 30),
        "list",
        317,
        "关于印发高青县涉企经营许可事项改革清单的通知",
    ),
    (
        "高政办发〔2021〕1号",
        "高青县人民政府办公室",
        dt.date(2021, 7, 20),
        "implementation_rules",
        342,
        "关于印发《高青县电子政务建设项目管理实施细则》的通知",
    ),
    (
        "高政办发〔2021〕2号",
        "高青县人民政府办公室",
        dt.date(2021, 8, 3),
        "opinion",
        926,
        "关于加快推进“长者食堂”建设的实施意见",
    ),
    (
        "高政办发〔2021〕3号",
        "高青县人民政府办公室",
        dt.date(2021, 8, 9),
        "implementation_plan",
        1395,
        "关于印发《高青县优化提升工程建设项目审批制度改革实施方案》的通知",
    ),
    (
        "高政办字〔2021〕31号",
        "高青县人民政府办公室",
        dt.date(2021, 7, 21),
        "opinion",
        2373,
        "关于印发《构建更加完善的要素市场化配置体制机制的实施意见》的通知",
    ),
    (
        "高政办字〔2021〕33号",
        "高青县人民政府办公室",
        dt.date(2021, 7, 30),
        "implementation_plan",
        2961,
        "关于印发高青县政务服务“双全双百”工程实施方案的通知",
    ),
    (
        "高政办字〔2021〕34号",
        "高青县人民政府办公室",
        dt.date(2021, 7, 30),
        "emergency_plan",
        3305,
        "关于印发《高青县发电企业生产安全事故应急预案》的通知",
    ),
    (
        "高政办字〔2021〕35号",
        "高青县人民政府办公室",
        dt.date(2021, 8, 3),
        "implementation_plan",
        4496,
        "关于推进养老事业高质量发展的实施方案",
    ),
    (
        "高政办字〔2021〕37号",
        "高青县人民政府办公室",
        dt.date(2021, 8, 28),
        "implementation_plan",
        5356,
        "关于印发高青县2021年冬季清洁取暖实施方案的通知",
    ),
    (
        "高政任〔2021〕5号",
        "高青县人民政府",
        dt.date(2021, 8, 25),
        "personnel",
        5692,
        "关于杨凡等15名工作人员职务任免的通知",
    ),
    (
        "高政任〔2021〕6号",
        "高青县人民政府",
        dt.date(2021, 8, 25),
        "personnel",
        5765,
        "关于徐凤、任文兵2名工作人员挂职的通知",
    ),
]


def test_thirteen_documents_in_print_order(parsed_gazette):
    assert [d.number for d in parsed_gazette.documents] == [row[0] for row in DOCUMENTS]


@pytest.mark.parametrize(("number", "issuer", "date", "kind", "start_line", "title"), DOCUMENTS)
def test_document_header(parsed_gazette, number, issuer, date, kind, start_line, title):
    document = next(d for d in parsed_gazette.documents if d.number == number)
    assert (document.issuer, document.date, document.kind, document.title) == (issuer, date, kind, title)
    assert document.start_line == start_line


def test_documents_tile_the_issue(parsed_gazette):
    documents = parsed_gazette.documents
    for earlier, later in zip(documents, documents[1:], strict=False):
        assert earlier.end_line + 1 == later.start_line
    assert documents[-1].end_line < 5794  # the gazette's own description follows
    assert parsed_gazette.description.startswith("《高青县人民政府公报》经县政府研究确定自 2019年 4月起创刊")


def test_no_printing_artefacts_left_in_any_body(parsed_gazette):
    for document in parsed_gazette.documents:
        assert "高青县人民政府公报" not in document.body, document.number
        assert "县政府办公室文件" not in document.body, document.number
        assert not re.search(r"^\s", document.body, re.M), document.number
        for clause in document.clauses:
            assert "高青县人民政府公报" not in clause.text


def test_lines_broken_mid_sentence_are_joined(parsed_gazette):
    canteens = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕2号")
    assert (
        "重点保障具有高青县户籍的60周岁以上城乡老年人的就餐需求，其中对城乡特困人员实行午餐免费"
        in canteens.body
    )
    # across a page break (the stray leading space and the page header between the halves)
    egov = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕1号")
    assert "负责统一规划建设全县基础性、公共性、跨部门、跨行业的电子政务建设项目。" in egov.body
    heating = next(d for d in parsed_gazette.documents if d.number == "高政办字〔2021〕37号")
    assert "按照市级以上、县、镇 58：32：10比例分担" in heating.body


def test_canteen_opinion_registration_and_effective_period(parsed_gazette):
    canteens = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕2号")
    assert canteens.registration_code == "GQDR-2021-0020002"
    assert (canteens.effective_from, canteens.effective_to) == (dt.date(2021, 9, 2), dt.date(2023, 12, 31))
    assert canteens.attachments == ["高青县长者食堂助餐配餐服务管理规范"]
    assert canteens.attachments_printed is False
    assert canteens.recipients.startswith("各镇人民政府，各街道办事处")


def test_attachment_lists(parsed_gazette):
    approval = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕3号")
    assert approval.attachments == [
        "高青县优化提升工程建设项目审批制度改革领导小组名单",
        "社会投资工业建筑工程审批流程图（45日/35日）",
        "社会投资民用建筑工程审批流程图（45日）",
        "社会投资带方案出让土地建筑工程审批流程图（35日）",
        "政府投资建筑工程审批流程图（70日）",
        "政府投资改造工程审批流程图（45日）",
    ]
    egov = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕1号")
    assert len(egov.attachments) == 7 and egov.recipients == ""


@pytest.mark.parametrize(
    ("number", "line", "path", "anchor"),
    [
        ("高政办发〔2021〕2号", 1211, "五、（一）1", "c-5-1-1"),
        ("高政办发〔2021〕2号", 1229, "五、（一）2", "c-5-1-2"),
        ("高政办发〔2021〕2号", 1261, "五、（二）1", "c-5-2-1"),
        ("高政办字〔2021〕34号", 4487, "9.3", "c-9-3"),
        ("高政办字〔2021〕34号", 3985, "4.2.1", "c-4-2-1"),
        ("高政办字〔2021〕34号", 4327, "6.1", "c-6-1"),  # printed with a full-width digit: 6.１
        ("高政办字〔2021〕37号", 5470, "四、（一）2", "c-4-1-2"),
    ],
)
def test_clause_tree_anchors(parsed_gazette, number, line, path, anchor):
    document = next(d for d in parsed_gazette.documents if d.number == number)
    holding = [c for c in document.clauses if c.line <= line <= c.end_line]
    assert len(holding) == 1
    assert (holding[0].path, holding[0].anchor) == (path, anchor)


def test_anchors_unique_and_parents_exist(parsed_gazette):
    for document in parsed_gazette.documents:
        anchors = [c.anchor for c in document.clauses]
        assert len(anchors) == len(set(anchors)), document.number
        for clause in document.clauses:
            assert clause.parent_anchor is None or clause.parent_anchor in anchors


def test_personnel_decisions(parsed_gazette):
    five = next(d for d in parsed_gazette.documents if d.number == "高政任〔2021〕5号")
    appointments = [p for p in five.personnel if p.action == "appoint"]
    removals = [p for p in five.personnel if p.action == "remove"]
    assert len(appointments) == 11 and len(removals) == 5
    assert len({p.person for p in five.personnel}) == 15  # 杨凡 is both appointed and removed
    assert sum(p.probation for p in appointments) == 5
    six = next(d for d in parsed_gazette.documents if d.number == "高政任〔2021〕6号")
    assert [(p.person, p.action, p.term) for p in six.personnel] == [
        ("徐凤", "second", "挂职时间为一年"),
        ("任文兵", "second", "挂职时间为一年"),
    ]


def test_parsing_is_deterministic(gazette_text, parsed_gazette):
    again = parse_gazette(gazette_text)
    assert [d.fingerprint() for d in again.documents] == [d.fingerprint() for d in parsed_gazette.documents]


def test_text_without_document_numbers_fails_with_a_line():
    with pytest.raises(GazetteParseError) as error:
        parse_gazette("高青县人民政府\n关于某事的通知\n\n正文。\n")
    assert error.value.line == 1


def test_document_number_without_issuer_fails_with_its_line():
    text = (
        "高青县人民政府\n关于甲的通知\n高政字〔2021〕1号\n正文。\n2021年 1月 1日\n"
        + "x\n" * 8
        + "某某\n高政字〔2021〕2号\n"
    )
    with pytest.raises(GazetteParseError) as error:
        parse_gazette(text)
    assert error.value.line == 15


def test_document_without_date_fails_with_its_line():
    with pytest.raises(GazetteParseError) as error:
        parse_gazette("高青县人民政府\n关于甲的通知\n高政字〔2021〕1号\n正文没有日期。\n")
    assert error.value.line == 3 and "成文日期" in str(error.value)


def test_attachment_list_is_a_citable_clause(parsed_gazette):
    approval = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕3号")
    [attachments] = [c for c in approval.clauses if c.path == "附件"]
    assert attachments.line <= 2349 <= attachments.end_line and attachments.anchor == "c-attachments"
    assert "政府投资建筑工程审批流程图（70日）" in attachments.text


# Issue 13, the gazette ingest: each row names the clause and the seed line that carries it.
@pytest.mark.parametrize(
    ("number", "path", "anchor", "line", "end_line", "heading"),
    [
        # 34号 8.4 and 8.5 are printed with a full-width first digit: "８.4 奖励" (L4449), "８.5 责任追究" (L4457)
        ("高政办字〔2021〕34号", "8.3", "c-8-3", 4443, 4447, "8.3 演练"),
        ("高政办字〔2021〕34号", "8.4", "c-8-4", 4449, 4455, "８.4 奖励"),
        ("高政办字〔2021〕34号", "8.5", "c-8-5", 4457, 4467, "８.5 责任追究"),
        ("高政办字〔2021〕34号", "6.1", "c-6-1", 4326, 4342, "6.１ 处置评估"),
        ("高政办字〔2021〕34号", "9", "c-9", 4469, 4469, "9 附则"),
        # 35号 五、（十八）34 L5243 "34.2022年底前…": an item number followed by a year, not a decimal
        (
            "高政办字〔2021〕35号",
            "五、（十八）34",
            "c-5-18-34",
            5243,
            5259,
            "34.2022年底前，县级用于社会福利事业的彩票公益金，要将不低于 55%的资金用于支持发展养老服务",
        ),
    ],
)
def test_full_width_outline_numbers(parsed_gazette, number, path, anchor, line, end_line, heading):
    document = next(d for d in parsed_gazette.documents if d.number == number)
    [clause] = [c for c in document.clauses if c.path == path]
    assert (clause.anchor, clause.line, clause.end_line, clause.heading) == (anchor, line, end_line, heading)
    if path in ("8.4", "8.5"):
        assert clause.parent_anchor == "c-8"


@pytest.mark.parametrize(
    ("number", "path", "heading", "body_starts"),
    [
        # 37号 四、（三） L5512: the heading line, then "对列入2021年冬季清洁取暖改造用户，运行费用实行连补 6年"
        ("高政办字〔2021〕37号", "四、（三）", "（三）延续运行费用补贴", "对列入2021年冬季清洁取暖改造用户"),
        # 34号 2.2 L3632 and 7.3 L4388
        ("高政办字〔2021〕34号", "2.2", "2.2 应急救援现场指挥部", "发生生产安全事故后，应急救援指挥部设立"),
        (
            "高政办字〔2021〕34号",
            "7.3",
            "7.３ 通信、交通与运输保障",
            "事故发生地镇（办）、经济开发区及通信运营商",
        ),
        # headings that were already right stay so
        ("高政办字〔2021〕34号", "4.2.1", "4.2.1 信息上报与跟踪", "事故发生后，应立即报告"),
        ("高政办字〔2021〕37号", "五、（三）", "（三）项目验收", "（三）项目验收。清洁取暖工程完工后"),
        ("高政办发〔2021〕2号", "五、（一）", "（一）助餐补贴", None),
        # a first line that wraps mid-sentence is not a heading (34号 2.3 L3679: "…的工 / 作职责")
        ("高政办字〔2021〕34号", "2.3", "2.3 各部门和单位应急救援的工作职责", None),
    ],
)
def test_headings_do_not_absorb_the_body(parsed_gazette, number, path, heading, body_starts):
    document = next(d for d in parsed_gazette.documents if d.number == number)
    [clause] = [c for c in document.clauses if c.path == path]
    assert clause.heading == heading
    first, _, rest = clause.text.partition("\n")
    if body_starts and body_starts.startswith(heading):  # heading and body share the printed line
        assert first.startswith(body_starts)
    elif body_starts:
        assert first == heading and rest.startswith(body_starts)


@pytest.mark.parametrize(
    ("number", "effective_from", "effective_to"),
    [
        ("高政办发〔2021〕2号", dt.date(2021, 9, 2), dt.date(2023, 12, 31)),  # L1380–1382
        (
            "高政办字〔2021〕34号",
            dt.date(2021, 7, 30),
            None,
        ),  # 9.5 "本预案自印发之日起实施" L4495, dated L3317
        ("高政办字〔2021〕37号", None, None),  # prints no validity
    ],
)
def test_start_of_validity(parsed_gazette, number, effective_from, effective_to):
    document = next(d for d in parsed_gazette.documents if d.number == number)
    assert (document.effective_from, document.effective_to) == (effective_from, effective_to)


def test_validity_on_issue_in_a_small_text():
    text = (
        "高青县人民政府\n关于甲的通知\n高政字〔2021〕1号\n一、总则\n正文。\n本通知自印发之日起施行。\n"
        "高青县人民政府\n2021年 3月 5日\n"
    )
    [document] = parse_gazette(text).documents
    assert document.effective_from == dt.date(2021, 3, 5)
    assert [c.path for c in document.clauses] == ["一、", "落款", "施行和有效期"]
    assert document.clauses[0].text == "一、总则\n正文。"


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (1378, "六、（四）"),  # its last sentence: "连续 2年考核不合格的取消运营资质…"
        (1380, "施行和有效期"),  # "本意见自 2021年 9月 2日起施行，"
        (1382, "施行和有效期"),  # "有效期至 2023年 12月 31日。"
        (1386, "附件"),
        (1388, "落款"),  # the signature 高青县人民政府办公室, shown last on the document page
        (1390, "落款"),  # and its date
    ],
)
def test_canteen_opinion_closing_lines(parsed_gazette, line, path):
    # 2号: the validity sentence and the signature are no part of 六、（四）
    canteens = next(d for d in parsed_gazette.documents if d.number == "高政办发〔2021〕2号")
    holding = [c.path for c in canteens.clauses if c.line <= line <= c.end_line]
    assert holding == ([path] if path else [])
    [last] = [c for c in canteens.clauses if c.path == "六、（四）"]
    assert "本意见自" not in last.text and "高青县人民政府办公室" not in last.text and last.end_line == 1378


@pytest.mark.parametrize(
    ("number", "line", "end_line", "last_clause", "last_end"),
    [
        ("高政办发〔2021〕2号", 1388, 1390, "六、（四）", 1378),
        (
            "高政办字〔2021〕35号",
            5353,
            5355,
            "五、（二十）37",
            5351,
        ),  # 35号 ends "本《实施意见》如遇上级文件…" L5349–5351
    ],
)
def test_signature_after_the_clauses(parsed_gazette, number, line, end_line, last_clause, last_end):
    document = next(d for d in parsed_gazette.documents if d.number == number)
    [signature] = [c for c in document.clauses if c.path == "落款"]
    assert (signature.line, signature.end_line, signature.anchor) == (line, end_line, "c-signature")
    assert (
        signature.text
        == f"高青县人民政府办公室\n{document.date.year}年 {document.date.month}月 {document.date.day}日"
    )
    [last] = [c for c in document.clauses if c.path == last_clause]
    assert last.end_line == last_end and "高青县人民政府办公室" not in last.text
    assert max(document.clauses, key=lambda c: c.order) is signature
