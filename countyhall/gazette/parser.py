"""Read Chinese government documents (GB/T 9704 公文 layout) and printed gazette issues into structured documents.

Pure Python: no database. Text in; documents (header fields, clause tree, validity, attachments, personnel
decisions) and problems out. `read_text` never raises on a document it cannot read: it reports the line and the
reason and reads the others; `parse_gazette` is the strict form that raises the first problem.

A gazette issue was extracted from print, so it carries printing artefacts that this module removes (page headers
such as `高青县人民政府公报 2021年第 3期 10` and `县政府办公室文件`, GB/T 9704 page numbers `— 3 —`, the stray space
that starts each new page, lines broken mid-sentence) while keeping every paragraph's first line number, so a
citation's line resolves to its clause.

The layouts read (issue 15): a red-header banner (`淄博市人民政府文件`, joint `中共高青县委 高青县人民政府文件`) or an
issuer line (one or several issuers); the 文号 with any prefix and bracket (〔〕 [] 【】 （）, with or without 第),
on its own line, on the banner line, after the title in brackets, or with 签发人; the title over one or several
lines; 主送; body; signature; 成文日期 in Arabic or Chinese numerals (二〇二一年九月二十六日); the validity sentence;
clause levels 第X编/章/节/条/款, 一、/（一）/1./（1）/① and 1/1.1/1.1.1 outlines; attachments, printed or not;
personnel decisions. A document without a 文号 is identified by issuer, date and title (`unnumbered_identifier`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
CJK = r"\u4e00-\u9fff"

# ---- 文号 --------------------------------------------------------------------------------------------------------
# GB/T 9704-2012 7.2.4: 发文机关代字 + 年份 in 〔〕 + 发文顺序号 without 第; documents in the wild use [] 【】 （） () ［］
# and 第. The canonical form stored is the standard one, so every spelling of the same 文号 is one document.
OPEN_BRACKETS = "〔[【（(［﹝"
CLOSE_BRACKETS = "〕]】）)］﹞"
NUMBER_CORE = (
    rf"(?P<prefix>[{CJK}]{{1,16}})\s*[{re.escape(OPEN_BRACKETS)}]\s*(?P<year>[0-9]{{4}})\s*"
    rf"[{re.escape(CLOSE_BRACKETS)}]\s*第?\s*(?P<serial>[0-9]{{1,4}})\s*号"
)
# A 文号 alone on its line (optionally in brackets, optionally with the 签发人 of an upward document).
NUMBER_LINE_RE = re.compile(rf"^[（(]?{NUMBER_CORE}[）)]?(?:\s*签发人[：:]\s*[{CJK}、\s]{{2,20}})?$")
# A 文号 at the end of a banner or issuer line: "山东省民政厅 鲁民函〔2021〕12号".
NUMBER_TAIL_RE = re.compile(rf"^(?P<head>.+?)\s+[（(]?{NUMBER_CORE}[）)]?$")
NUMBER_ANY_RE = re.compile(NUMBER_CORE)
# A whole-string 文号 in canonical form (kept for callers that validate a cited document).
NUMBER_RE = re.compile(rf"^(?P<prefix>[{CJK}]{{1,16}})〔(?P<year>[0-9]{{4}})〕(?P<serial>[0-9]{{1,4}})号$")
UNNUMBERED_PREFIX = "无文号"

# ---- issuers -----------------------------------------------------------------------------------------------------
ORGAN_SUFFIXES = (
    "人民政府办公室",
    "人民政府办公厅",
    "人民政府",
    "人民代表大会常务委员会",
    "人大常委会",
    "常务委员会",
    "委员会",
    "管理委员会",
    "管委会",
    "办公室",
    "办公厅",
    "党委",
    "党组",
    "县委",
    "市委",
    "省委",
    "区委",
    "政府",
    "街道办事处",
    "办事处",
    "厅",
    "局",
    "委",
    "署",
    "院",
    "中心",
    "总队",
    "支队",
)
ORGAN_NAME = rf"(?:中共)?[{CJK}（）()]{{1,28}}?(?:{'|'.join(ORGAN_SUFFIXES)})"
ORGAN_RE = re.compile(rf"^{ORGAN_NAME}$")
REG_CODE_RE = re.compile(r"^([A-Z]{2,6}-\d{4}-\d{5,9})$")

# ---- dates -------------------------------------------------------------------------------------------------------
CN_ZERO = "〇○零Ｏ0"
CN_DIGIT_VALUES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "两": 2}
CN_DIGITS = {**{k: v for k, v in CN_DIGIT_VALUES.items() if k != "两"}, "十": 10}
CN_NUMERAL = "一二三四五六七八九十百零〇两"
_ARABIC_DATE = r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*日"
_CN_DATE = rf"(?P<cy>[{CN_ZERO}一二三四五六七八九]{{4}})\s*年\s*(?P<cm>[一二三四五六七八九十]{{1,3}})\s*月\s*(?P<cd>[一二三四五六七八九十]{{1,3}})\s*日"
DATE_PATTERN = rf"(?:{_ARABIC_DATE}|{_CN_DATE})"
DATE_LINE_RE = re.compile(rf"^[（(]?\s*{DATE_PATTERN}\s*[）)]?$")
DATE_ANY_RE = re.compile(DATE_PATTERN)

# ---- printing artefacts and back matter ---------------------------------------------------------------------------
PAGE_HEADER_RE = re.compile(rf"^[{CJK}]{{2,30}}公报\s*\d{{4}}\s*年第\s*\d+\s*期\s*\d+$")
PAGE_NUMBER_RE = re.compile(r"^[—－\-–]\s*[0-9]{1,4}\s*[—－\-–]$")  # GB/T 9704 7.5: "— 3 —"
RUNNING_HEADERS = {"县政府办公室文件"}
DESCRIPTION_RE = re.compile(r"^《[^》]{2,40}公报》简介$")
DESCRIPTION_START = "《高青县人民政府公报》简介"
# The 版记 (GB/T 9704 7.4): 抄送, 印发机关和印发日期; no part of the body.
BACK_MATTER_RE = re.compile(rf"^(?:抄送[：:]|主题词[：:]|.{{2,30}}\s*{DATE_PATTERN}\s*印发$)")
ATTACHMENT_NOTE_RE = re.compile(r"^(?:注[：:])?(?:本文)?(?:附件(?:详见|另发|见)|[（(]?附件略[）)]?$)")
ANNEX_HEAD_RE = re.compile(r"^附件\s*(?P<n>[0-9]{0,2})\s*(?:[：:]\s*(?P<title>.*))?$")
# A colon is not terminal: ratios such as "3：7" break across lines in print.
TERMINAL = "。！？；;"
# A heading line ("2.2 应急救援现场指挥部") has no sentence punctuation; one this much narrower than the column
# is a heading of its own, not the first part of a sentence wrapped onto the next line.
SENTENCE_PUNCTUATION = re.compile(r"[，。；：,;:！？]")
HEADING_SLACK = 4.0

# ---- kinds of documents (文种, GB/T 9704 / 党政机关公文处理工作条例 第八条, and the enclosed rules' names) ------------
KIND_WORDS = (
    "通知",
    "意见",
    "办法",
    "规定",
    "决定",
    "预案",
    "方案",
    "通告",
    "公告",
    "批复",
    "报告",
    "函",
    "细则",
    "规则",
    "纲要",
    "条例",
    "规划",
    "清单",
    "名单",
    "命令",
    "决议",
    "纪要",
    "请示",
    "议案",
    "通报",
    "指引",
    "制度",
    "计划",
)
TITLE_END_RE = re.compile(rf"(?:{'|'.join(KIND_WORDS)})(?:[（(][^）)]{{1,14}}[）)])?[》”」）)]*$")

# ---- validity --------------------------------------------------------------------------------------------------
IN_FORCE = r"(?:施行|实施|执行|生效)"
# The closing sentence giving the document's validity ("本意见自 2021年 9月 2日起施行，有效期至…", "本预案自印发之日起实施").
VALIDITY_RE = re.compile(rf"^本[{CJK}《》“”]{{1,20}}?(?:自.*起{IN_FORCE}|自.*之日起|自.*{IN_FORCE}|有效期)")
ON_ISSUE_RE = re.compile(rf"自(?:印发|发布|公布|签发|通过|下发)之日起(?:{IN_FORCE})?")
FROM_RE = re.compile(rf"自\s*{DATE_PATTERN}\s*起\s*{IN_FORCE}")
UNTIL_RE = re.compile(rf"有效期(?:限)?(?:为|至|截至|到)\s*{DATE_PATTERN}")
UNTIL_STOP_RE = re.compile(rf"至\s*{DATE_PATTERN}\s*(?:止|废止|失效)")
SPAN_RE = re.compile(
    rf"(?:(?:有效期|执行期|实施期|有效期限|执行期限|实施期限)(?:为|是)?\s*自?|自)\s*{DATE_PATTERN}\s*(?:起)?\s*(?:至|到)\s*"
    + DATE_PATTERN.replace("?P<", "?P<e_")
)
YEARS_RE = re.compile(rf"有效期(?:为)?\s*(?P<n>[0-9]{{1,2}}|[{CN_NUMERAL}]{{1,3}})\s*年")

# ---- clause markers --------------------------------------------------------------------------------------------
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PAREN_IDEOGRAPHS = "㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩"
# Statute structure (立法法 / 规章制定程序条例): 编 > 章 > 节 > 条 > 款, outside the 一、（一） outline.
STATUTE_UNITS = {"编": 0.01, "章": 0.02, "节": 0.03, "条": 0.04, "款": 0.05}
STATUTE_RE = re.compile(rf"^第([{CN_NUMERAL}0-9]{{1,6}})([编章节条款])(?=$|\s|[{CJK}“《（(，,、：:])")
# Markers of the standard Chinese outline, ranked from the outermost: 一、 / （一） / 1. / （1） / ①.
MARKERS = [
    (1, re.compile(r"^([一二三四五六七八九十]+)[、．.](?![0-9])")),
    (2, re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")),
    (2, re.compile(rf"^([{PAREN_IDEOGRAPHS}])")),
    # "1.5倍" is a number, not item 1; "34.2022年底前" (35号 L5243) is item 34 followed by a year.
    (3, re.compile(r"^([0-9０-９]{1,2})(?:[．.](?:(?=[0-9０-９]{4}年)|(?![0-9０-９]))|、)")),
    (4, re.compile(r"^[（(]([0-9０-９]{1,2})[）)]")),
    (5, re.compile(rf"^([{CIRCLED}])")),
]
# Decimal outline of an emergency plan (高政办字〔2021〕34号): "1 总则", "4.2.1 信息上报与跟踪", and in other counties'
# plans "1.总则", "1.1目的", "1 . 2 适用范围". Print mixes full-width digits into the numbers anywhere, the first one
# included ("８.4 奖励", "6.１ 处置评估").
OUTLINE_RE = re.compile(
    r"^([0-9０-９]{1,2}(?:\s*[.．]\s*[0-9０-９]{1,2}){0,3})(?:\s+|[.．、]\s*(?=[^\s0-9０-９])|(?=[\u4e00-\u9fff]))"
    r"(?=[^\s0-9０-９])"
)
OUTLINE_UNIT_AFTER = re.compile(r"^[倍万元亿个米%％吨亩户人次年月日天]")
OUTLINE_START = re.compile(r"^1\s*[.．、]?\s*总则$")
OUTLINE_SECOND = re.compile(r"^1\s*[.．]\s*[12](?![0-9])\s*[\u4e00-\u9fff]")


class GazetteParseError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        self.reason = message
        super().__init__(f"第 {line} 行：{message}")


@dataclass(frozen=True)
class Problem:
    """A document that could not be read: where and why (Chinese, for the person who fixes the text)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass
class Paragraph:
    text: str
    line: int
    end_line: int


@dataclass
class ParsedClause:
    anchor: str
    path: str  # as cited: 五、（一）1, 4.2.1, 第十二条（一）
    label: str
    level: int
    heading: str
    text: str
    line: int
    end_line: int
    parent_anchor: str | None
    order: int


@dataclass
class ParsedPersonnelDecision:
    person: str
    action: str  # appoint | remove | second | hire | resign
    position: str
    probation: bool
    term: str
    line: int
    acting: bool = False
    probation_months: int | None = None
    term_months: int | None = None


@dataclass
class ParsedDocument:
    number: str
    year: int
    serial: int
    issuer: str
    title: str
    date: dt.date
    kind: str
    registration_code: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    recipients: str
    attachments: list[str]
    attachments_printed: bool
    start_line: int
    end_line: int
    paragraphs: list[Paragraph] = field(default_factory=list)
    clauses: list[ParsedClause] = field(default_factory=list)
    personnel: list[ParsedPersonnelDecision] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    numbered: bool = True  # False: `number` is the identifier made from issuer, date and title
    number_as_printed: str = ""
    text_sha256: str = (
        ""  # of the document's own lines, whatever their line numbers: a changed text is a new version
    )

    @property
    def body(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    def fingerprint(self) -> str:
        data = asdict(self)
        return hashlib.sha256(
            json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
        ).hexdigest()


@dataclass
class ParsedGazette:
    documents: list[ParsedDocument]
    description: str
    source_sha256: str
    problems: list[Problem] = field(default_factory=list)


# ---- small readers -------------------------------------------------------------------------------------------------


def display_width(text: str) -> float:
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def is_artefact(stripped: str) -> bool:
    return (
        bool(PAGE_HEADER_RE.match(stripped) or PAGE_NUMBER_RE.match(stripped)) or stripped in RUNNING_HEADERS
    )


def cn_number(raw: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 两 → 2; Arabic digits pass through; None if not a numeral."""
    raw = raw.translate(FULLWIDTH)
    if raw.isascii() and raw.isdigit():
        return int(raw)
    total, current = 0, 0
    for ch in raw:
        if ch in CN_DIGIT_VALUES:
            current = CN_DIGIT_VALUES[ch]
        elif ch in "零〇":
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _cn_number(raw: str) -> int:
    return cn_number(raw) or 0


def _cn_year(raw: str) -> int:
    digits = {**{z: 0 for z in CN_ZERO}, **{k: v for k, v in CN_DIGIT_VALUES.items() if k != "两"}}
    return int("".join(str(digits[ch]) for ch in raw))


def _date_of(match: re.Match, prefix: str = "") -> dt.date | None:
    groups = match.groupdict()
    try:
        if groups.get(prefix + "y"):
            return dt.date(int(groups[prefix + "y"]), int(groups[prefix + "m"]), int(groups[prefix + "d"]))
        return dt.date(
            _cn_year(groups[prefix + "cy"]),
            _cn_number(groups[prefix + "cm"]),
            _cn_number(groups[prefix + "cd"]),
        )
    except (ValueError, TypeError, KeyError):
        return None  # 2021年2月30日: not a date


def parse_cn_date(text: str) -> dt.date | None:
    """A line that is only a date: "2021年 9月 26日", "二〇二一年九月二十六日", "（2021年9月26日）"."""
    match = DATE_LINE_RE.match(text.strip().translate(FULLWIDTH))
    return _date_of(match) if match else None


def find_dates(text: str) -> list[dt.date]:
    return [d for d in (_date_of(m) for m in DATE_ANY_RE.finditer(text.translate(FULLWIDTH))) if d]


def canonical_number(prefix: str, year: str | int, serial: str | int) -> str:
    return f"{prefix}〔{int(year)}〕{int(serial)}号"


def normalise_number(text: str) -> str | None:
    """Any printed spelling of a 文号 ("淄政发[2021]第3号", "鲁民【2021】12号") in the standard form, else None."""
    match = NUMBER_ANY_RE.search(text.strip().translate(FULLWIDTH))
    return canonical_number(match["prefix"], match["year"], match["serial"]) if match else None


def organs_of(text: str) -> list[str] | None:
    """The issuer names of a banner or issuer line ("中共高青县委 高青县人民政府文件" → two), or None."""
    text = text.strip()
    if text.endswith("文件"):
        text = text[:-2].strip()
    if not text:
        return None
    parts = [p for p in re.split(r"[\s、]+", text) if p]
    if 0 < len(parts) <= 4 and all(ORGAN_RE.match(p) for p in parts):
        return parts
    return None


def is_organ_line(text: str) -> bool:
    return organs_of(text) is not None and not text.endswith("文件")


def unnumbered_identifier(issuer: str, date: dt.date, title: str) -> str:
    """The stable identifier of a document printed without a 文号: the same issuer, date and title always give the
    same identifier, and it cannot be mistaken for a 文号 (no brackets, no 号)."""
    digest = hashlib.sha256(f"{issuer}|{date.isoformat()}|{title}".encode()).hexdigest()[:10]
    return f"{UNNUMBERED_PREFIX}-{date:%Y%m%d}-{digest}"


# ---- paragraphs and clauses ----------------------------------------------------------------------------------------


def _outline_marker(text: str) -> tuple[float, str, list[int], str] | None:
    translated = text.translate(FULLWIDTH)
    match = OUTLINE_RE.match(translated)
    if not match:
        return None
    number = re.sub(r"\s+", "", match.group(1))
    rest = translated[match.end() :]
    if "." in number and OUTLINE_UNIT_AFTER.match(rest):
        return None  # "1.5倍": a quantity
    parts = [int(p) for p in number.split(".")]
    return len(parts) / 10, number, parts, "outline"


def _marker(text: str, outline: bool) -> tuple[float, str, list[int], str] | None:
    """(rank, label, number parts, kind) of a clause marker at the start of `text`, if any."""
    statute = STATUTE_RE.match(text)
    if statute:
        value = cn_number(statute.group(1))
        if value:
            unit = statute.group(2)
            return STATUTE_UNITS[unit], f"第{statute.group(1)}{unit}", [value], unit
    if outline:
        found = _outline_marker(text)
        if found:
            return found
    for rank, regex in MARKERS:
        match = regex.match(text)
        if match:
            raw = match.group(1).translate(FULLWIDTH)
            if raw in PAREN_IDEOGRAPHS:
                value = PAREN_IDEOGRAPHS.index(raw) + 1
                raw = "一二三四五六七八九十"[value - 1]
            elif raw in CIRCLED:
                value = CIRCLED.index(raw) + 1
            elif rank in (1, 2):
                value = _cn_number(raw)
            else:
                value = int(raw)
            label = {1: f"{raw}、", 2: f"（{raw}）", 3: raw, 4: f"（{raw}）", 5: raw}[rank]
            return float(rank), label, [value], "standard"
    return None


def _is_heading_line(text: str, column: float, outline: bool) -> bool:
    """A clause marker followed by a few words and no punctuation, clearly narrower than a full printed line."""
    return (
        _marker(text, outline) is not None
        and not SENTENCE_PUNCTUATION.search(text)
        and display_width(text) <= column - HEADING_SLACK
    )


def _signature_lines(lines: list[tuple[int, str]]) -> set[int]:
    """Line numbers of issuer lines that sign the document: an organ line followed by a date line (or by another
    organ line that is, for a joint document's signatures)."""
    found: set[int] = set()
    for index in range(len(lines) - 1, -1, -1):
        number, text = lines[index]
        if not is_organ_line(text):
            continue
        following = lines[index + 1][1] if index + 1 < len(lines) else ""
        if parse_cn_date(following) is not None or (index + 1 < len(lines) and lines[index + 1][0] in found):
            found.add(number)
    return found


def _join_paragraphs(lines: list[tuple[int, str]], outline: bool) -> list[Paragraph]:
    """Rejoin lines broken by the print layout into paragraphs.

    A paragraph ends after terminal punctuation, after a line clearly shorter than the column
    (the print layout wraps full lines only), before a clause marker, and around signature lines.
    """
    widths = sorted(display_width(text) for _, text in lines if text)
    column = widths[int(len(widths) * 0.9)] if widths else 18.0
    short = column * 0.6
    signatures = _signature_lines(lines)
    paragraphs: list[Paragraph] = []
    last_line = ""
    last_number = 0
    for number, text in lines:
        starts_new = (
            not paragraphs
            or _marker(text, outline) is not None
            or text.startswith(("附件：", "注：", "附件:", "抄送："))
            or number in signatures
            or parse_cn_date(text) is not None
            or bool(ANNEX_HEAD_RE.match(text))
        )
        if not starts_new:
            previous = paragraphs[-1].text
            starts_new = (
                previous[-1] in TERMINAL
                # a 主送 wrapped over lines ends at its colon, before the body's first sentence
                or (len(paragraphs) == 1 and _recipients_like(previous))
                or display_width(last_line) < short
                or last_number in signatures
                or parse_cn_date(previous) is not None
                or (previous == last_line and _is_heading_line(last_line, column, outline))
            )
        if starts_new:
            paragraphs.append(Paragraph(text=text, line=number, end_line=number))
        else:
            paragraphs[-1].text += text
            paragraphs[-1].end_line = number
        last_line = text
        last_number = number
    return paragraphs


def _document_kind(title: str, body: str = "") -> str:
    if re.search(r"任免|任命|免去|免职|挂职|聘任|辞去|辞职|人事", title):
        return "personnel"
    enclosed = title
    match = re.match(r"^.*?关于印发(.*)的通知$", title)
    if match:
        enclosed = match.group(1)
    elif title.endswith("的通知"):
        return "notice"
    for suffix, kind in (
        ("应急预案", "emergency_plan"),
        ("实施细则", "implementation_rules"),
        ("实施意见", "opinion"),
        ("意见", "opinion"),
        ("实施方案", "implementation_plan"),
        ("方案", "implementation_plan"),
        ("清单", "list"),
        ("办法", "measures"),
        ("细则", "implementation_rules"),
        ("规定", "provisions"),
        ("决定", "decision"),
        ("预案", "emergency_plan"),
    ):
        if re.search(suffix + r"(?:[（(][^）)]{1,14}[）)])?[》”）)]*$", enclosed) or re.search(
            suffix + r"[》（(]", enclosed
        ):
            return kind
    return "notice"


SIGNATURE_PATH = "落款"
SIGNATURE_ORDER = 11_000  # after the validity sentence (9_000) and the attachment list (10_000), as printed


def _signature_clause(paragraph: Paragraph, used: dict[str, int], *, order: int) -> ParsedClause:
    used["c-signature"] = used.get("c-signature", 0) + 1
    anchor = "c-signature" if used["c-signature"] == 1 else f"c-signature-{used['c-signature']}"
    return ParsedClause(
        anchor=anchor,
        path=SIGNATURE_PATH,
        label=SIGNATURE_PATH,
        level=1,
        heading=SIGNATURE_PATH,
        text=paragraph.text,
        line=paragraph.line,
        end_line=paragraph.end_line,
        parent_anchor=None,
        order=order,
    )


def _build_clauses(paragraphs: list[Paragraph], outline: bool, signatures: set[int]) -> list[ParsedClause]:
    def closes(paragraph: Paragraph) -> bool:
        return (
            paragraph.line in signatures
            or parse_cn_date(paragraph.text) is not None
            or bool(VALIDITY_RE.match(paragraph.text))
        )

    clauses: list[ParsedClause] = []
    # (rank, clause, anchor base)
    stack: list[tuple[float, ParsedClause, str]] = []
    used: dict[str, int] = {}
    list_items: set[str] = set()  # anchors of items in a list whose items end with "；"
    closing: ParsedClause | None = None  # the signature block after the numbered clauses, while it lasts
    for paragraph in paragraphs:
        marker = _marker(paragraph.text, outline)
        if marker is None and closes(paragraph):
            # The signature and the unnumbered validity sentence belong to the document, not to its last clause:
            # the validity sentence is a clause of its own (_validity_clauses), the signature the 落款 shown last.
            stack = []
            if VALIDITY_RE.match(paragraph.text) or not clauses:
                continue
        if marker is None:
            if (
                len(stack) > 1
                and stack[-1][0] >= 3
                and stack[-1][1].anchor in list_items
                and stack[-1][1].text.endswith("。")
            ):
                # The last item of a list of "；"-ended items ends with "。": an unnumbered paragraph after it
                # continues the clause holding the list (高政办发〔2021〕1号 三、（二）1: the nine review points, then
                # the gates and the review modes of 1.项目评审, L594–624).
                stack.pop()
            if clauses and stack:
                clause = stack[-1][1]
                clause.text += "\n" + paragraph.text
                clause.end_line = paragraph.end_line
            elif clauses and closing is not None:
                closing.text += "\n" + paragraph.text
                closing.end_line = paragraph.end_line
            elif clauses and closes(paragraph):
                closing = _signature_clause(paragraph, used, order=SIGNATURE_ORDER + len(clauses))
                clauses.append(closing)
            continue
        closing = None
        rank, label, parts, kind = marker
        while stack and stack[-1][0] >= rank:
            stack.pop()
        parent = stack[-1] if stack else None
        if kind == "outline":
            path, base = label, "c-" + "-".join(str(n) for n in parts)
        elif kind == "条":
            # 条 are numbered through the whole text and cited alone ("第十二条"), whatever chapter holds them.
            path, base = label, f"c-art{parts[0]}"
        elif kind in STATUTE_UNITS:
            token = {"编": "pt", "章": "ch", "节": "s", "款": "p"}[kind] + str(parts[0])
            path = (parent[1].path if parent else "") + label
            base = (parent[2] + "-" if parent else "c-") + token
        else:
            path = (parent[1].path if parent else "") + label
            base = (parent[2] + "-" if parent else "c-") + str(parts[0])
        anchor = base
        if anchor in used:
            used[anchor] += 1
            anchor = f"{anchor}-{used[anchor]}"
        else:
            used[anchor] = 1
        heading = re.split(r"[。；]", paragraph.text, maxsplit=1)[0]
        clause = ParsedClause(
            anchor=anchor,
            path=path,
            label=label,
            level=len(stack) + 1,
            heading=heading[:120],
            text=paragraph.text,
            line=paragraph.line,
            end_line=paragraph.end_line,
            parent_anchor=parent[1].anchor if parent else None,
            order=len(clauses),
        )
        sibling = next((c for c in reversed(clauses) if c.parent_anchor == clause.parent_anchor), None)
        if (
            rank >= 3
            and sibling is not None
            and sibling.level == clause.level
            and sibling.text.endswith(("；", ";"))
        ):
            list_items.update((sibling.anchor, clause.anchor))
        clauses.append(clause)
        stack.append((rank, clause, base))
    return clauses


# ---- personnel decisions -------------------------------------------------------------------------------------------

NAME = rf"[{CJK}·]{{2,6}}?"
NAMES = rf"{NAME}(?:、{NAME})*"
POST_START = r"(?=[县市省区镇乡街]|高青|中共|经济开发区)"
MODE_HEADINGS = {
    "任命": "appoint",
    "免去": "remove",
    "聘任": "hire",
    "聘用": "hire",
    "挂职": "second",
    "解聘": "remove",
}
MODE_HEADING_RE = re.compile(rf"^(?:.*决定[，,：:]?)?({'|'.join(MODE_HEADINGS)})[：:]$")
TERM_RE = re.compile(r"(试用期|挂职|任期|聘期)")
APPOINT_RE = re.compile(
    rf"^(?P<verb>任命|聘任|聘用|决定任命|决定聘任|决定)?(?P<names>{NAMES})(?P<comrade>同志)?"
    rf"(?P<how>为|任|担任|挂职任|挂任|挂职担任)(?P<acting>代理)?(?P<position>.+?)(?:（(?P<term>[^）]*)）)?$"
)
REMOVE_RE = re.compile(
    rf"^(?P<verb>免去|解聘|决定免去)?(?P<names>{NAMES})(?:同志)?(?:的|{POST_START})(?P<position>.+?)职务$"
)
RESIGN_RE = re.compile(
    rf"^(?:接受|同意|决定接受)?(?P<names>{NAMES})(?:同志)?(?:请求)?辞去(?P<position>.+?)(?:职务)?(?:的请求|的辞职请求)?$"
)
CN_MONTHS_RE = re.compile(rf"(?P<n>[0-9]{{1,2}}|[{CN_NUMERAL}半]{{1,3}})\s*(?P<unit>年|个月)")


def _months(text: str) -> int | None:
    match = CN_MONTHS_RE.search(text)
    if not match:
        return None
    raw = match["n"]
    if raw == "半":
        return 6 if match["unit"] == "年" else None
    value = cn_number(raw)
    if value is None:
        return None
    return value * 12 if match["unit"] == "年" else value


def _decision(mode: str, text: str, line: int) -> list[ParsedPersonnelDecision] | None:
    """The decisions one clause of a personnel document states, or None when it states none."""
    text = text.strip().rstrip("；;。，,")
    if not text:
        return None
    resign = RESIGN_RE.match(text)
    if resign and "辞去" in text:
        return [
            ParsedPersonnelDecision(
                person=name, action="resign", position=resign["position"], probation=False, term="", line=line
            )
            for name in resign["names"].split("、")
        ]
    remove = REMOVE_RE.match(text)
    if remove and (remove["verb"] or mode == "remove"):
        return [
            ParsedPersonnelDecision(
                person=name, action="remove", position=remove["position"], probation=False, term="", line=line
            )
            for name in remove["names"].split("、")
        ]
    appoint = APPOINT_RE.match(text)
    # "X挂职任Y" states its own decision; "X为Y" only under a 任命：/聘任： heading or after an explicit verb.
    # "X同志任Y" (a 任免 notice without 任命： heading) states its decision too.
    if appoint and (
        appoint["verb"]
        or mode in ("appoint", "hire", "second")
        or "挂" in appoint["how"]
        or (appoint["comrade"] and appoint["how"] in ("任", "担任"))
    ):
        term = appoint["term"] or ""
        position = appoint["position"]
        acting = bool(appoint["acting"]) or "代理" in term
        if "代理" in position:
            # "任命X为代理县长", "决定任命X为高青县人民政府代理县长": an acting appointment to the post
            position, acting = position.replace("代理", "", 1), True
        if term == "代理":
            term = ""
        verb = appoint["verb"] or ""
        if "挂" in appoint["how"] or "挂职" in term or mode == "second":
            action = "second"
        elif "聘" in verb or mode == "hire":
            action = "hire"
        else:
            action = "appoint"
        return [
            ParsedPersonnelDecision(
                person=name,
                action=action,
                position=position,
                probation="试用期" in term,
                term=term,
                line=line,
                acting=acting,
                probation_months=_months(term) if "试用期" in term else None,
                term_months=_months(term) if action == "second" or "任期" in term or "聘期" in term else None,
            )
            for name in appoint["names"].split("、")
        ]
    return None


def _attach_term(decision: ParsedPersonnelDecision, piece: str) -> None:
    """ "张三为…副局长，试用期一年": the term printed after a comma instead of in brackets."""
    term = piece.strip().rstrip("；;。，,").strip("（）()")
    decision.term = f"{decision.term}，{term}" if decision.term else term
    if "试用期" in term:
        decision.probation, decision.probation_months = True, _months(term)
    elif "挂职" in term or "任期" in term or "聘期" in term:
        decision.term_months = _months(term)


def _personnel(paragraphs: list[Paragraph]) -> list[ParsedPersonnelDecision]:
    decisions: list[ParsedPersonnelDecision] = []
    mode = None
    for paragraph in paragraphs:
        text = re.sub(
            r"^(?:.{0,16}决定[：:，,]|经研究[，,]?决定[：:，,]?)", "", paragraph.text.replace(" ", "")
        )
        heading = MODE_HEADING_RE.match(paragraph.text.replace(" ", ""))
        if heading:
            mode = MODE_HEADINGS[heading.group(1)]
            continue
        if not text:
            continue
        pieces = [p for p in re.split(r"(?<=[；;。，,：:])", text) if p.strip("；;。，,：: ")]
        found_any = False
        for piece in pieces:
            if TERM_RE.match(piece.strip()) and decisions and found_any:
                _attach_term(decisions[-1], piece)
                continue
            stripped = piece.strip().rstrip("；;。，,")
            if stripped.endswith(("：", ":")):
                continue  # "…会议决定：" introduces the decisions
            explicit = re.match(r"^(任命|免去|聘任|聘用|解聘)", stripped)
            if explicit:
                mode = MODE_HEADINGS[explicit.group(1)]
            found = _decision(mode or "", stripped, paragraph.line)
            if found:
                decisions.extend(found)
                found_any = True
                if found[0].action == "remove" and mode not in ("remove",):
                    mode = "remove" if explicit else mode
        if not found_any and mode is not None and not MODE_HEADING_RE.match(text):
            mode = None
    return decisions


# ---- attachments ---------------------------------------------------------------------------------------------------

ATTACHMENT_ITEM_RE = re.compile(r"^[0-9０-９]+[．.、]")


def _ends_attachment_list(paragraph: Paragraph, signatures: set[int]) -> bool:
    text = paragraph.text
    return (
        paragraph.line in signatures
        or parse_cn_date(text) is not None
        or bool(ATTACHMENT_NOTE_RE.match(text))
        or len(text) > 60
        or any(regex.match(text) for rank, regex in MARKERS if rank <= 2)
    )


def _attachment_items(paragraphs: list[Paragraph]) -> list[str]:
    """Attachment titles: a numbered item starts a title; an unnumbered line continues the previous one."""
    items: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        text = re.sub(r"^附件[：:]", "", paragraph.text).strip() if index == 0 else paragraph.text
        if index == 0 or ATTACHMENT_ITEM_RE.match(text) or not items:
            items.append(ATTACHMENT_ITEM_RE.sub("", text).strip())
        else:
            items[-1] += text
    return [item for item in items if item]


def _attachment_clauses(attachments: list[str], spans: list[tuple[int, int]]) -> list[ParsedClause]:
    """The attachment list as a citable clause "附件": some figures are printed only in attachment titles
    (高政办发〔2021〕3号's flow charts carry the total time limits, 45/35/70 days)."""
    if not spans:
        return []
    text = "附件：" + "；".join(f"{i}．{title}" for i, title in enumerate(attachments, start=1))
    return [
        ParsedClause(
            anchor="c-attachments",
            path="附件",
            label="附件",
            level=1,
            heading="附件",
            text=text,
            line=spans[0][0],
            end_line=spans[-1][1],
            parent_anchor=None,
            order=10_000,
        )
    ]


def _annex_clauses(annexes: list[tuple[str, list[Paragraph]]]) -> list[ParsedClause]:
    """Attachments printed after the signature ("附件1" and its text): each a clause 附件N of its own."""
    clauses = []
    for index, (label, block) in enumerate(annexes, start=1):
        number = label.removeprefix("附件") or str(index)
        clauses.append(
            ParsedClause(
                anchor=f"c-annex-{number}",
                path=f"附件{number}",
                label=f"附件{number}",
                level=1,
                heading=(block[1].text if len(block) > 1 else block[0].text)[:120],
                text="\n".join(p.text for p in block),
                line=block[0].line,
                end_line=block[-1].end_line,
                parent_anchor=None,
                order=12_000 + index,
            )
        )
    return clauses


# ---- validity ------------------------------------------------------------------------------------------------------

VALIDITY_PATH = "施行和有效期"


def _validity_clauses(paragraphs: list[Paragraph], outline: bool) -> list[ParsedClause]:
    """The unnumbered closing sentence on the document's validity as a citable clause of its own: it sets the
    dates every figure of the document is in force (高政办发〔2021〕2号: from 2021-09-02 to 2023-12-31), and it is
    no part of the last numbered clause before it."""
    found = [p for p in paragraphs if _marker(p.text, outline) is None and VALIDITY_RE.match(p.text)]
    return (
        [
            ParsedClause(
                anchor="c-validity",
                path=VALIDITY_PATH,
                label=VALIDITY_PATH,
                level=1,
                heading=VALIDITY_PATH,
                text=found[0].text,
                line=found[0].line,
                end_line=found[0].end_line,
                parent_anchor=None,
                order=9_000,
            )
        ]
        if found
        else []
    )


def add_years(start: dt.date, years: int) -> dt.date:
    """The last day of a period of `years` years from `start`: the day before the same date `years` later
    (有效期5年 from 2022-01-01 → 2026-12-31; from 2024-02-29 the day before 2029-03-01)."""
    try:
        same = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        same = dt.date(start.year + years, 3, 1)
    return same - dt.timedelta(days=1)


def validity(body: str, date: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """(in force from, until) from the document's validity sentences: 自…起施行, 自印发之日起施行, 有效期至…,
    有效期X年, 自…至…. Only sentences about the document itself count (they start "本…" or say 有效期/施行):
    "许可证有效期5年" in a list of permits is no validity of the list."""
    text = body.translate(FULLWIDTH).replace("\n", "")
    sentences = [
        s
        for s in re.split(r"[。；]", text)
        if re.search(r"本[\u4e00-\u9fff《》“”]{0,20}?(?:自|有效期|执行|施行|实施)", s)
        or s.lstrip().startswith("本")
    ]
    effective_from = effective_to = None
    for sentence in sentences:
        span = SPAN_RE.search(sentence)
        if span and effective_from is None:
            effective_from, effective_to = _date_of(span), _date_of(span, "e_")
        start = FROM_RE.search(sentence)
        if start and effective_from is None:
            effective_from = _date_of(start)
        if effective_from is None and ON_ISSUE_RE.search(sentence):
            effective_from = date  # "自印发之日起实施": in force from the document's own date
        until = UNTIL_RE.search(sentence) or UNTIL_STOP_RE.search(sentence)
        if until and effective_to is None:
            effective_to = _date_of(until)
        years = YEARS_RE.search(sentence)
        if years and effective_to is None and (effective_from or date):
            count = cn_number(years["n"])
            if count and (effective_from or date).year + count <= dt.MAXYEAR:
                # 有效期9999年, or a start in year 9998: past the last day a date can hold, i.e. no expiry to keep.
                effective_to = add_years(effective_from or date, count)
    return effective_from, effective_to


# ---- one document --------------------------------------------------------------------------------------------------


@dataclass
class _Header:
    issuers: list[str]
    number: re.Match | None
    number_line: int | None
    title: str
    title_line: int | None
    registration_code: str
    adopted_on: dt.date | None
    end: int  # index into the segment's lines of the first body line


def _title_complete(title: str) -> bool:
    return bool(TITLE_END_RE.search(title.replace(" ", "")))


def _title_like(text: str) -> bool:
    return (
        not text.endswith(("：", ":", "。", "；"))
        and parse_cn_date(text) is None
        and len(text) <= 60
        and _marker(text, False) is None
    )


def _recipients_like(text: str) -> bool:
    """主送: addressees ended by a colon ("各镇人民政府，各街道办事处：", "县政府："), not the opening of a decision
    ("根据…，…会议决定：", "经县政府研究决定：")."""
    return (
        text.endswith(("：", ":"))
        and "。" not in text
        and len(text) < 120
        and not re.match(r"^(?:根据|经|按照|依据|依照|为|现|兹)", text)
        and "决定" not in text
    )


def _read_header(lines: list[tuple[int, str]]) -> _Header:
    header = _Header([], None, None, "", None, "", None, 0)
    title_parts: list[str] = []
    index = 0
    while index < len(lines) and index < 14:
        number, text = lines[index]
        translated = text.translate(FULLWIDTH)
        done = _title_complete("".join(title_parts))
        if REG_CODE_RE.match(text) and not title_parts:
            header.registration_code = text
        elif text in ("文件",) and header.issuers:
            pass
        elif header.number is None and NUMBER_LINE_RE.match(translated):
            header.number, header.number_line = NUMBER_LINE_RE.match(translated), number
        elif (
            header.number is None
            and not title_parts
            and (tail := NUMBER_TAIL_RE.match(translated))
            and organs_of(tail["head"])
        ):
            header.number, header.number_line = tail, number
            header.issuers += organs_of(tail["head"]) or []
        elif re.fullmatch(r"签发人[：:].*", text):
            pass
        elif not title_parts and organs_of(text) is not None:
            header.issuers += organs_of(text) or []
        elif title_parts and done and text.startswith(("（", "(")) and find_dates(text):
            # "（2021年12月28日高青县第十八届人民代表大会常务委员会第三十五次会议通过）"
            header.adopted_on = header.adopted_on or find_dates(text)[0]
        elif not done and _title_like(text) and (title_parts or not text.startswith(("附件", "注"))):
            inline = re.search(rf"[（(]\s*{NUMBER_CORE}\s*[）)]$", translated)
            if inline and header.number is None:
                header.number, header.number_line = inline, number
                text = text[: inline.start()].rstrip()
            if header.title_line is None:
                header.title_line = number
            title_parts.append(text)
        else:
            break
        index += 1
    header.title = "".join(title_parts).replace(" ", "")
    header.end = index
    if not header.issuers and header.title:
        # "淄博市人民政府关于印发…的通知": the issuer opens the title.
        match = re.match(r"^(.+?)关于", header.title)
        if match:
            header.issuers = organs_of(match.group(1)) or (
                [match.group(1)] if ORGAN_RE.match(match.group(1)) else []
            )
    return header


def _parse_segment(lines: list[tuple[int, str]], start: int, end: int) -> ParsedDocument:
    """One document from its lines (line number, text without artefacts); raises GazetteParseError."""
    segment = [(n, t) for n, t in lines if start <= n <= end and t]
    if not segment:
        raise GazetteParseError(start, "没有内容")
    header = _read_header(segment)
    where = header.number_line or start
    printed = NUMBER_ANY_RE.search(header.number.group(0)).group(0) if header.number else ""
    if not header.title:
        raise GazetteParseError(where, "没有找到文件标题（如“关于…的通知”）")
    body_lines = segment[header.end :]
    signatures = _signature_lines(body_lines)
    issuers = header.issuers
    if not issuers:
        # No banner and no issuer before the title: the signature names the issuer.
        for number, text in body_lines:
            if number in signatures:
                issuers = issuers + (organs_of(text) or [])
    if not issuers:
        raise GazetteParseError(where, "没有找到发文机关（版头、标题前的发文机关行或落款）")
    issuers = list(dict.fromkeys(issuers))  # a banner and a title line may both name the issuer
    issuer = "、".join(issuers)
    outline = any(OUTLINE_START.match(t) for _, t in body_lines) or (
        sum(1 for _, t in body_lines if OUTLINE_SECOND.match(t.translate(FULLWIDTH))) >= 1
        and any(re.match(r"^1\s*[.．、]?\s*[\u4e00-\u9fff]", t.translate(FULLWIDTH)) for _, t in body_lines)
    )
    recipients = ""
    if (
        body_lines
        and _recipients_like(body_lines[0][1])
        and (_marker(body_lines[0][1], outline) is None and not MODE_HEADING_RE.match(body_lines[0][1]))
    ):
        # 主送 on a line of its own, ended by its colon (a wrapped 主送 is rejoined below).
        recipients = body_lines.pop(0)[1].rstrip("：:")
    paragraphs = _join_paragraphs(body_lines, outline)

    if (
        not recipients
        and paragraphs
        and _recipients_like(paragraphs[0].text)
        and _marker(paragraphs[0].text, outline) is None
        and not MODE_HEADING_RE.match(paragraphs[0].text)
    ):
        recipients = paragraphs.pop(0).text.rstrip("：:")

    attachments: list[str] = []
    attachment_lines: list[tuple[int, int]] = []
    attachments_printed = True
    annexes: list[tuple[str, list[Paragraph]]] = []
    kept: list[Paragraph] = []
    dated = False
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        if parse_cn_date(paragraph.text) is not None and (kept and kept[-1].line in signatures or not dated):
            dated = dated or bool(kept and kept[-1].line in signatures)
        if BACK_MATTER_RE.match(paragraph.text):
            break  # 版记: 抄送, 印发机关和印发日期
        annex = ANNEX_HEAD_RE.match(paragraph.text)
        if dated and annex and not annex["title"] and index + 1 < len(paragraphs):
            # "附件1" after the signature: the attachment's own text follows, to the next 附件N or the 版记.
            block = [paragraph]
            index += 1
            while (
                index < len(paragraphs)
                and not (
                    ANNEX_HEAD_RE.match(paragraphs[index].text)
                    and not ANNEX_HEAD_RE.match(paragraphs[index].text)["title"]
                )
                and not BACK_MATTER_RE.match(paragraphs[index].text)
            ):
                block.append(paragraphs[index])
                index += 1
            annexes.append((f"附件{annex['n']}" if annex["n"] else "附件", block))
            continue
        if re.match(r"^附件[：:]", paragraph.text):
            block = [paragraph]
            index += 1
            while index < len(paragraphs) and not _ends_attachment_list(paragraphs[index], signatures):
                block.append(paragraphs[index])
                index += 1
            attachments.extend(_attachment_items(block))
            attachment_lines.append((block[0].line, block[-1].end_line))
            continue
        if ATTACHMENT_NOTE_RE.match(paragraph.text):
            attachments_printed = False
            index += 1
            continue
        kept.append(paragraph)
        index += 1
    if annexes:
        attachments_printed = True
        if not attachments:
            attachments = [block[1].text if len(block) > 1 else label for label, block in annexes]

    date = None
    for position, paragraph in enumerate(kept):
        found = parse_cn_date(paragraph.text)
        if found and position > 0 and kept[position - 1].line in signatures:
            date = found  # the 成文日期 under the signature
            break
    if date is None:
        date = next((parse_cn_date(p.text) for p in kept if parse_cn_date(p.text)), None) or header.adopted_on
    if date is None:
        name = printed or header.title
        raise GazetteParseError(
            where, f"{name} 没有找到成文日期（如 2021年 9月 26日 或 二〇二一年九月二十六日）"
        )
    body = "".join(p.text for p in kept)
    effective_from, effective_to = validity(body, date)
    kind = _document_kind(header.title, body)
    if header.number is not None:
        number = canonical_number(header.number["prefix"], header.number["year"], header.number["serial"])
        year, serial, numbered = int(header.number["year"]), int(header.number["serial"]), True
    else:
        number, year, serial, numbered = (
            unnumbered_identifier(issuer, date, header.title),
            date.year,
            0,
            False,
        )
    if len(header.title) > 200:
        raise GazetteParseError(header.title_line or where, "标题超过 200 字：可能缺少主送或正文的分隔")
    if len(issuer) > 120:
        raise GazetteParseError(where, "发文机关超过 120 字")
    raw_text = "\n".join(t for _, t in segment)
    personnel = _personnel(kept) if kind == "personnel" else []
    if kind != "personnel" and re.search(r"^(?:任命|免去|聘任)[：:]$", body, re.M):
        personnel = _personnel(kept)
    return ParsedDocument(
        number=number,
        year=year,
        serial=serial,
        issuer=issuer,
        title=header.title,
        date=date,
        kind=kind,
        registration_code=header.registration_code,
        effective_from=effective_from,
        effective_to=effective_to,
        recipients=recipients,
        attachments=attachments,
        attachments_printed=attachments_printed,
        start_line=start,
        end_line=end,
        paragraphs=kept,
        clauses=(
            _build_clauses(kept, outline, signatures)
            + _validity_clauses(kept, outline)
            + _attachment_clauses(attachments, attachment_lines)
            + _annex_clauses(annexes)
        ),
        personnel=personnel,
        issuers=issuers,
        numbered=numbered,
        number_as_printed=printed,
        text_sha256=hashlib.sha256(raw_text.encode("utf-8")).hexdigest(),
    )


# ---- splitting a text into documents -------------------------------------------------------------------------------


def _clean_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        # An ideographic space separates fields on a line ("淄博市财政局　淄财社函〔2021〕7号", "第一条　为…").
        stripped = re.sub(r"[ \u3000]{2,}", " ", raw.replace("\ufeff", "").replace("\u3000", " ")).strip()
        lines.append((number, "" if is_artefact(stripped) else stripped))
    return lines


def _is_header_number(text: str) -> bool:
    translated = text.translate(FULLWIDTH)
    if NUMBER_LINE_RE.match(translated):
        return True
    tail = NUMBER_TAIL_RE.match(translated)
    return bool(tail and organs_of(tail["head"]))


def _signs(nonblank: list[tuple[int, str]], position: int) -> bool:
    """Whether the organ line at `position` signs a document: it and the organ lines after it are followed by a
    date (a joint document signs one issuer a line)."""
    index = position
    while index < len(nonblank) and organs_of(nonblank[index][1]) is not None:
        index += 1
    return index < len(nonblank) and parse_cn_date(nonblank[index][1]) is not None


def _starts(nonblank: list[tuple[int, str]]) -> tuple[list[tuple[int, Problem | None]], int]:
    """Where documents start (line number, and the problem when that document's header cannot be read), and the
    position in `nonblank` of the first start."""
    found: dict[int, Problem | None] = {}
    covered: set[int] = set()  # positions of header lines already claimed
    for position, (number, text) in enumerate(nonblank):
        if not _is_header_number(text):
            continue
        tail = NUMBER_TAIL_RE.match(text.translate(FULLWIDTH))
        if tail and organs_of(tail["head"]) and not NUMBER_LINE_RE.match(text.translate(FULLWIDTH)):
            first = position
        else:
            first = None
            i = position - 1
            while i >= 0 and position - i <= 7:
                previous = nonblank[i][1]
                if parse_cn_date(previous) or previous[-1] in "。；：:" or BACK_MATTER_RE.match(previous):
                    break
                if organs_of(previous) is not None:
                    first = i
                    while (
                        first > 0
                        and organs_of(nonblank[first - 1][1]) is not None
                        and nonblank[first - 1][1] != nonblank[first][1]
                        and parse_cn_date(nonblank[first - 2][1] if first > 1 else "") is None
                    ):
                        first -= (
                            1  # a joint banner printed one issuer a line (not the last document's signature)
                        )
                    break
                i -= 1
            if first is None:
                # No issuer above: a banner-less layout starts with the title ("淄博市人民政府关于…") or the 文号.
                j = i + 1
                if j < position and "关于" in nonblank[j][1]:
                    first = j
                elif position == 0 or j == position:
                    first = position
                else:
                    found[number] = Problem(number, "文号之前六行内没有找到发文机关")
                    covered.update(range(i + 1, position + 1))
                    continue
        if first > 0 and REG_CODE_RE.match(nonblank[first - 1][1]):
            first -= 1
        found[nonblank[first][0]] = None
        covered.update(range(first, position + 1))
    # Documents without a 文号: an issuer line (not a signature) followed by a title, or a title naming its issuer.
    for position, (number, text) in enumerate(nonblank):
        if position in covered or position + 1 >= len(nonblank):
            continue
        previous = nonblank[position - 1][1] if position else ""
        after_end = (
            position == 0
            or parse_cn_date(previous) is not None
            or BACK_MATTER_RE.match(previous)
            or (previous[-1] in "。）)" and not previous.startswith("附件"))
        )
        if organs_of(text) is not None and after_end and not _signs(nonblank, position):
            title_lines: list[str] = []
            for _, line in nonblank[position + 1 : position + 4]:
                if organs_of(line) is not None or not _title_like(line):
                    break
                title_lines.append(line)
                if _title_complete("".join(title_lines)):
                    break
            if title_lines and (title_lines[0].startswith("关于") or _title_complete("".join(title_lines))):
                first = position
                while (
                    first > 0 and organs_of(nonblank[first - 1][1]) is not None and first - 1 not in covered
                ):
                    first -= 1
                found.setdefault(nonblank[first][0], None)
                covered.update(range(first, position + 2))
        elif (
            after_end
            and re.match(r"^.{2,40}?关于", text)
            and organs_of(re.match(r"^(.{2,40}?)关于", text)[1])
        ):
            found.setdefault(number, None)
            covered.add(position)
    starts = sorted(found.items())
    first_position = next((i for i, (n, _) in enumerate(nonblank) if starts and n == starts[0][0]), 0)
    return starts, first_position


def read_text(text: str) -> ParsedGazette:
    """Every document of a text (one document, or a gazette issue of many) with the problems of those it cannot
    read; never raises."""
    lines = _clean_lines(text)
    problems: list[Problem] = []
    description_line = next((n for n, t in lines if DESCRIPTION_RE.match(t)), len(lines) + 1)
    nonblank = [(n, t) for n, t in lines if t and n < description_line]
    source_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    description = "\n".join(t for n, t in lines if n > description_line and t)
    if not nonblank:
        return ParsedGazette([], description, source_sha256, [Problem(1, "文本为空：没有找到任何文件")])
    starts, first_position = _starts(nonblank)
    if not starts:
        starts = [(nonblank[0][0], None)]  # one document whose header names no issuer: read it for the reason
    elif first_position != 0:
        problems.append(Problem(nonblank[0][0], "第一份文件之前有无法识别的内容"))
    documents: list[ParsedDocument] = []
    seen: dict[str, int] = {}
    for k, (start, problem) in enumerate(starts):
        end = (starts[k + 1][0] if k + 1 < len(starts) else description_line) - 1
        if problem is not None:
            problems.append(problem)
            continue
        try:
            document = _parse_segment(lines, start, end)
        except GazetteParseError as exc:
            problems.append(Problem(exc.line, exc.reason))
            continue
        if document.number in seen:
            problems.append(
                Problem(start, f"文号重复：{document.number}（第 {seen[document.number]} 行已有）")
            )
            continue
        seen[document.number] = start
        documents.append(document)
    problems.sort(key=lambda p: p.line)
    return ParsedGazette(documents, description, source_sha256, problems)


def read_document(text: str) -> tuple[ParsedDocument | None, list[Problem]]:
    """A text holding one document: the document (or None) and the problems."""
    result = read_text(text)
    return (result.documents[0] if len(result.documents) == 1 else None), result.problems + (
        [Problem(1, f"文本中有 {len(result.documents)} 份文件，应为一份")]
        if len(result.documents) > 1
        else []
    )


def parse_gazette(text: str) -> ParsedGazette:
    """Parse a whole gazette issue; raise GazetteParseError naming the first line it cannot make sense of."""
    result = read_text(text)
    if result.problems:
        first = result.problems[0]
        raise GazetteParseError(first.line, first.message)
    return result
