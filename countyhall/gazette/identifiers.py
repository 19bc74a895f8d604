"""Stable identifiers of the gazette's documents and clauses (issue 15), pure: no database.

A document's URI is made of its jurisdiction, its 发文机关代字 and its 文号's year and serial, in the manner of
Akoma Ntoso's work IRIs (``/cn-sd-gaoqing/高政办发/2021/2``); each text ingested of it (DocumentVersion) is an
expression, ``…/zho@v1``. A clause's eId is the chain of its labels' kinds and numbers, AKN style
(四、（二）5 → ``sec_4__subsec_2__para_5``): the same clause of the same text always has the same eId, whatever
its place in the page or the order of ingest.
"""

from __future__ import annotations

import datetime as dt
import re

# Where an issuer sits: the longest place name its name contains. The codes follow ISO 3166-2:CN (cn-sd: 山东)
# with the county or city after it.
JURISDICTIONS = {
    "山东省": "cn-sd",
    "淄博市": "cn-sd-zibo",
    "高青县": "cn-sd-gaoqing",
    "桓台县": "cn-sd-huantai",
    "博兴县": "cn-sd-boxing",
    "沂源县": "cn-sd-yiyuan",
    "张店区": "cn-sd-zhangdian",
    "临淄区": "cn-sd-linzi",
    "淄川区": "cn-sd-zichuan",
    "博山区": "cn-sd-boshan",
    "周村区": "cn-sd-zhoucun",
}
# 文号 prefixes whose issuer names no place (a province's department: 鲁民 is 山东省民政厅).
PREFIX_JURISDICTIONS = {
    "鲁": "cn-sd",
    "淄": "cn-sd-zibo",
    "高": "cn-sd-gaoqing",
    "桓": "cn-sd-huantai",
    "博": "cn-sd-boxing",
}
UNKNOWN_JURISDICTION = "cn"
LANGUAGE = "zho"

NUMBER_RE = re.compile(r"^(?P<prefix>.+?)〔(?P<year>\d{4})〕(?P<serial>\d+)号$")
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
# The clauses the parser names rather than numbers.
NAMED = {"施行和有效期": "validity", "落款": "signature", "附件": "att_1"}
# An outline number's depth (1, 1.1, 1.1.1, …) → the AKN element of that depth.
OUTLINE_KINDS = ("sec", "subsec", "para", "subpara", "point", "item")


def chinese_numeral(text: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 一百零五 → 105; None when the text is not a Chinese numeral."""
    if not text or any(ch not in CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS[ch]
    return total + current


def jurisdiction(issuer: str, number: str = "") -> str:
    """The jurisdiction code of an issuer (高青县人民政府办公室 → cn-sd-gaoqing)."""
    places = [place for place in JURISDICTIONS if place in issuer]
    if places:
        return JURISDICTIONS[max(places, key=len)]
    return PREFIX_JURISDICTIONS.get(number[:1], UNKNOWN_JURISDICTION)


def document_uri(*, number: str, issuer: str, date: dt.date | None = None, numbered: bool = True) -> str:
    """The work URI of a document: /jurisdiction/代字/year/serial; one printed without a 文号 is named by its issuer,
    its date and the identifier the parser made of it (unnumbered_identifier)."""
    place = jurisdiction(issuer, number)
    match = NUMBER_RE.match(number) if numbered else None
    if match:
        return f"/{place}/{match['prefix']}/{match['year']}/{int(match['serial'])}"
    day = date.isoformat() if date else "undated"
    return f"/{place}/{issuer or '未署名'}/{day}/{number}"


def expression_uri(uri: str, version: int) -> str:
    """The URI of one text (expression) of a document: its language and version (…/zho@v2)."""
    return f"{uri}/{LANGUAGE}@v{version}"


def split_expression(tail: str) -> tuple[str, int | None]:
    """A URI path that may end in an expression part → (work URI, version or None); 'zho@v2' must be whole."""
    head, _, last = tail.rstrip("/").rpartition("/")
    # At most nine digits: a longer version number is none this register holds, and PostgreSQL refuses to compare
    # an integer column with it (a 500, not a 404).
    match = re.fullmatch(rf"{LANGUAGE}@v(\d{{1,9}})", last)
    if head and match:
        return head, int(match[1])
    return tail.rstrip("/"), None


def eid_part(label: str, *, nested: bool) -> str:
    """One label's part of an eId: 一、→ sec_1, （一）→ subsec_1, 1 → para_1 (within a clause) or sec_1 (an outline's
    top level), （1）→ point_1, ① → item_1, 第一章 → chp_1, 第一节 → sec_1, 第一条 → art_1, 2.1.3 → para_3 (the
    outline's depth gives the kind), the named clauses 施行和有效期 → validity, 落款 → signature, 附件 → att_1.
    An unknown label gives "" (the caller numbers it)."""
    text = label.strip().translate(FULLWIDTH).rstrip("、.．")
    if label in NAMED:
        return NAMED[label]
    match = re.fullmatch(r"第([零〇一二三四五六七八九十百]+|\d+)([章节条款项])", text)
    if match:
        number = chinese_numeral(match[1]) if not match[1].isdigit() else int(match[1])
        kind = {"章": "chp", "节": "sec", "条": "art", "款": "para", "项": "point"}[match[2]]
        return f"{kind}_{number}"
    match = re.fullmatch(r"[（(]([零〇一二三四五六七八九十百]+)[)）]", text)
    if match:
        return f"subsec_{chinese_numeral(match[1])}"
    match = re.fullmatch(r"[（(](\d+)[)）]", text)
    if match:
        return f"point_{int(match[1])}"
    if len(text) == 1 and text in CIRCLED:
        return f"item_{CIRCLED.index(text) + 1}"
    number = chinese_numeral(text)
    if number is not None:
        return f"sec_{number}"
    if re.fullmatch(r"\d+(?:\.\d+)+", text):
        parts = text.split(".")
        return f"{OUTLINE_KINDS[min(len(parts), len(OUTLINE_KINDS)) - 1]}_{int(parts[-1])}"
    if text.isdigit():
        return f"para_{int(text)}" if nested else f"sec_{int(text)}"
    return ""


def clause_eids(clauses: list[tuple[str, str | None, str]]) -> dict[str, str]:
    """The eId of each clause of one document, from (anchor, parent anchor, label) in document order: the parent's
    eId, "__", the label's part; a label of no known kind is numbered among its siblings (clause_3), and a second
    clause with the same eId takes a suffix (_2), so that every eId of the document is unique."""
    eids: dict[str, str] = {}
    used: set[str] = set()
    siblings: dict[str | None, int] = {}
    for anchor, parent, label in clauses:
        siblings[parent] = siblings.get(parent, 0) + 1
        part = eid_part(label, nested=parent is not None) or f"clause_{siblings[parent]}"
        eid = f"{eids[parent]}__{part}" if parent in eids else part
        base, n = eid, 1
        while eid in used:
            n += 1
            eid = f"{base}_{n}"
        used.add(eid)
        eids[anchor] = eid
    return eids
