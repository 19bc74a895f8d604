"""Parse the plain text of a printed gazette issue into documents, clause trees and personnel decisions.

Pure Python: no database. The text was extracted from print, so it carries printing artefacts that
this module removes (page headers such as `高青县人民政府公报 2021年第 3期 10` and `县政府办公室文件`,
the stray space that starts each new page, lines broken mid-sentence) while keeping every
paragraph's first seed line number, so a citation's line resolves to its clause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

NUMBER_RE = re.compile(r"^(高政(?:办发|办字|字|任|发)〔(\d{4})〕(\d+)号)$")
ISSUERS = ("高青县人民政府办公室", "高青县人民政府")
REG_CODE_RE = re.compile(r"^(GQDR-\d{4}-\d{7})$")
DATE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
PAGE_HEADER_RE = re.compile(r"^高青县人民政府公报\s*\d{4}\s*年第\s*\d+\s*期\s*\d+$")
RUNNING_HEADERS = {"县政府办公室文件"}
DESCRIPTION_START = "《高青县人民政府公报》简介"
ATTACHMENT_NOTE_RE = re.compile(r"^注：本文附件详见")
# A colon is not terminal: ratios such as "3：7" break across lines in print.
TERMINAL = "。！？；;"
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
# A heading line ("2.2 应急救援现场指挥部") has no sentence punctuation; one this much narrower than the column
# is a heading of its own, not the first part of a sentence wrapped onto the next line.
SENTENCE_PUNCTUATION = re.compile(r"[，。；：,;:！？]")
HEADING_SLACK = 4.0
# The closing sentence giving the document's validity ("本意见自 2021年 9月 2日起施行，有效期至…", "本预案自印发之日起实施").
VALIDITY_RE = re.compile(r"^本(?:意见|方案|实施方案|细则|办法|预案|通知|规定|清单)自.*起(?:施行|实施)")
ON_ISSUE_RE = re.compile(r"自印发之日起(?:施行|实施)")

# Markers of the standard Chinese outline, ranked from the outermost: 一、 / （一） / 1. / （1）.
MARKERS = [
    (1, re.compile(r"^([一二三四五六七八九十]+)、")),
    (2, re.compile(r"^（([一二三四五六七八九十]+)）")),
    # "1.5倍" is a number, not item 1; "34.2022年底前" (35号 L5243) is item 34 followed by a year.
    (3, re.compile(r"^([0-9０-９]{1,2})[．.](?:(?=[0-9０-９]{4}年)|(?![0-9０-９]))")),
    (4, re.compile(r"^（([0-9０-９]{1,2})）")),
]
# Decimal outline of the emergency plan (高政办字〔2021〕34号): "1 总则", "4.2.1 信息上报与跟踪".
# Print mixes full-width digits into the numbers anywhere, the first one included ("８.4 奖励", "6.１ 处置评估").
OUTLINE_RE = re.compile(r"^([0-9０-９]{1,2}(?:[.．][0-9０-９]{1,2}){0,3})\s+(?=[^\s0-9０-９])")
OUTLINE_START = re.compile(r"^1\s+总则$")


class GazetteParseError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(f"第 {line} 行：{message}")


@dataclass
class Paragraph:
    text: str
    line: int
    end_line: int


@dataclass
class ParsedClause:
    anchor: str
    path: str  # as cited: 五、（一）1 or 4.2.1
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
    action: str  # appoint | remove | second
    position: str
    probation: bool
    term: str
    line: int


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


def display_width(text: str) -> float:
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def is_artefact(stripped: str) -> bool:
    return bool(PAGE_HEADER_RE.match(stripped)) or stripped in RUNNING_HEADERS


def parse_cn_date(text: str) -> dt.date | None:
    match = DATE_RE.match(text.strip())
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return dt.date(year, month, day)


def _marker(text: str, outline: bool) -> tuple[float, str, list[int], str] | None:
    """(rank, label, number parts, kind) of a clause marker at the start of `text`, if any."""
    if outline:
        match = OUTLINE_RE.match(text)
        if match:
            number = match.group(1).translate(FULLWIDTH)
            parts = [int(p) for p in number.split(".")]
            return len(parts) / 10, number, parts, "outline"
    for rank, regex in MARKERS:
        match = regex.match(text)
        if match:
            raw = match.group(1).translate(FULLWIDTH)
            value = CN_DIGITS.get(raw) if rank in (1, 2) else int(raw)
            if value is None:  # 十一 and beyond
                value = _cn_number(raw)
            label = {1: f"{raw}、", 2: f"（{raw}）", 3: raw, 4: f"（{raw}）"}[rank]
            return float(rank), label, [value], "standard"
    return None


def _cn_number(raw: str) -> int:
    if raw.startswith("十"):
        return 10 + CN_DIGITS.get(raw[1:], 0)
    tens, _, units = raw.partition("十")
    return CN_DIGITS[tens] * 10 + CN_DIGITS.get(units, 0)


def _is_heading_line(text: str, column: float, outline: bool) -> bool:
    """A clause marker followed by a few words and no punctuation, clearly narrower than a full printed line."""
    return (
        _marker(text, outline) is not None
        and not SENTENCE_PUNCTUATION.search(text)
        and display_width(text) <= column - HEADING_SLACK
    )


def _join_paragraphs(lines: list[tuple[int, str]], outline: bool) -> list[Paragraph]:
    """Rejoin lines broken by the print layout into paragraphs.

    A paragraph ends after terminal punctuation, after a line clearly shorter than the column
    (the print layout wraps full lines only), before a clause marker, and around signature lines.
    """
    widths = sorted(display_width(text) for _, text in lines if text)
    column = widths[int(len(widths) * 0.9)] if widths else 18.0
    short = column * 0.6
    paragraphs: list[Paragraph] = []
    last_line = ""
    for number, text in lines:
        starts_new = (
            not paragraphs
            or _marker(text, outline) is not None
            or text.startswith(("附件：", "注："))
            or text in ISSUERS
            or parse_cn_date(text) is not None
        )
        if not starts_new:
            previous = paragraphs[-1].text
            starts_new = (
                previous[-1] in TERMINAL
                or display_width(last_line) < short
                or previous in ISSUERS
                or parse_cn_date(previous) is not None
                or (previous == last_line and _is_heading_line(last_line, column, outline))
            )
        if starts_new:
            paragraphs.append(Paragraph(text=text, line=number, end_line=number))
        else:
            paragraphs[-1].text += text
            paragraphs[-1].end_line = number
        last_line = text
    return paragraphs


def _document_kind(title: str) -> str:
    if "任免" in title or "挂职" in title:
        return "personnel"
    enclosed = title
    match = re.match(r"^关于印发(.*)的通知$", title)
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
    ):
        if enclosed.rstrip("》）)").endswith(suffix) or re.search(suffix + r"[》（(]", enclosed):
            return kind
    return "notice"


def _closes_outline(text: str) -> bool:
    return text in ISSUERS or parse_cn_date(text) is not None or bool(VALIDITY_RE.match(text))


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


def _build_clauses(paragraphs: list[Paragraph], outline: bool) -> list[ParsedClause]:
    clauses: list[ParsedClause] = []
    stack: list[tuple[float, ParsedClause, list[int]]] = []
    used: dict[str, int] = {}
    closing: ParsedClause | None = None  # the signature block after the numbered clauses, while it lasts
    for paragraph in paragraphs:
        marker = _marker(paragraph.text, outline)
        if marker is None and _closes_outline(paragraph.text):
            # The signature and the unnumbered validity sentence belong to the document, not to its last clause:
            # the validity sentence is a clause of its own (_validity_clauses), the signature the 落款 shown last.
            stack = []
            if VALIDITY_RE.match(paragraph.text) or not clauses:
                continue
        if marker is None:
            if clauses and stack:
                clause = stack[-1][1]
                clause.text += "\n" + paragraph.text
                clause.end_line = paragraph.end_line
            elif clauses and closing is not None:
                closing.text += "\n" + paragraph.text
                closing.end_line = paragraph.end_line
            elif clauses and _closes_outline(paragraph.text):
                closing = _signature_clause(paragraph, used, order=SIGNATURE_ORDER + len(clauses))
                clauses.append(closing)
            continue
        closing = None
        rank, label, parts, kind = marker
        while stack and stack[-1][0] >= rank:
            stack.pop()
        if kind == "outline":
            numbers = parts
            path = label
        else:
            numbers = (stack[-1][2] if stack else []) + parts
            path = (stack[-1][1].path if stack else "") + label
        anchor = "c-" + "-".join(str(n) for n in numbers)
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
            parent_anchor=stack[-1][1].anchor if stack else None,
            order=len(clauses),
        )
        clauses.append(clause)
        stack.append((rank, clause, numbers))
    return clauses


PERSON_APPOINT_RE = re.compile(
    r"^(?P<person>[\u4e00-\u9fff]{2,4})为(?P<position>.+?)(?:（(?P<term>[^）]*)）)?[；。]?$"
)
PERSON_REMOVE_RE = re.compile(r"^(?P<person>[\u4e00-\u9fff]{2,4})的(?P<position>.+?)职务[；。]?$")


def _personnel(paragraphs: list[Paragraph]) -> list[ParsedPersonnelDecision]:
    decisions: list[ParsedPersonnelDecision] = []
    mode = None
    for paragraph in paragraphs:
        text = paragraph.text
        if text in ("任命：", "任命:"):
            mode = "appoint"
            continue
        if text in ("免去：", "免去:"):
            mode = "remove"
            continue
        if mode is None:
            continue
        if mode == "appoint":
            match = PERSON_APPOINT_RE.match(text)
            if not match:
                mode = None
                continue
            term = match.group("term") or ""
            decisions.append(
                ParsedPersonnelDecision(
                    person=match.group("person"),
                    action="second" if "挂职" in term else "appoint",
                    position=match.group("position"),
                    probation="试用期" in term,
                    term=term,
                    line=paragraph.line,
                )
            )
        else:
            match = PERSON_REMOVE_RE.match(text)
            if not match:
                mode = None
                continue
            decisions.append(
                ParsedPersonnelDecision(
                    person=match.group("person"),
                    action="remove",
                    position=match.group("position"),
                    probation=False,
                    term="",
                    line=paragraph.line,
                )
            )
    return decisions


ATTACHMENT_ITEM_RE = re.compile(r"^[0-9０-９]+[．.]")


def _ends_attachment_list(text: str) -> bool:
    return (
        text in ISSUERS
        or parse_cn_date(text) is not None
        or bool(ATTACHMENT_NOTE_RE.match(text))
        or len(text) > 60
        or any(regex.match(text) for rank, regex in MARKERS if rank <= 2)
    )


def _attachment_items(paragraphs: list[Paragraph]) -> list[str]:
    """Attachment titles: a numbered item starts a title; an unnumbered line continues the previous one."""
    items: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        text = paragraph.text.removeprefix("附件：").strip() if index == 0 else paragraph.text
        if index == 0 or ATTACHMENT_ITEM_RE.match(text) or not items:
            items.append(ATTACHMENT_ITEM_RE.sub("", text).strip())
        else:
            items[-1] += text
    return [item for item in items if item]


def _date_after(before: str, after: str, text: str) -> dt.date | None:
    match = re.search(before + r"\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日" + after, text)
    return dt.date(*(int(g) for g in match.groups())) if match else None


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


def _parse_document(lines: list[tuple[int, str]], start: int, number_index: int, end: int) -> ParsedDocument:
    header = [(n, t) for n, t in lines if start <= n < number_index and t]
    registration_code = ""
    if header and REG_CODE_RE.match(header[0][1]):
        registration_code = header.pop(0)[1]
    if not header or header[0][1] not in ISSUERS:
        raise GazetteParseError(start, "文件开头应为发文机关（高青县人民政府或高青县人民政府办公室）")
    issuer = header[0][1]
    title = "".join(t for _, t in header[1:]).replace(" ", "")
    if not title:
        raise GazetteParseError(number_index, "文号之前没有找到文件标题")
    number_line = next(t for n, t in lines if n == number_index)
    number_match = NUMBER_RE.match(number_line)
    assert number_match
    body_lines = [(n, t) for n, t in lines if number_index < n <= end and t]
    outline = any(OUTLINE_START.match(t) for _, t in body_lines)
    paragraphs = _join_paragraphs(body_lines, outline)

    recipients = ""
    if (
        paragraphs
        and paragraphs[0].text[-1] in "：:"
        and "。" not in paragraphs[0].text
        and len(paragraphs[0].text) < 120
    ):
        recipients = paragraphs.pop(0).text.rstrip("：:")

    attachments: list[str] = []
    attachment_lines: list[tuple[int, int]] = []
    attachments_printed = True
    kept: list[Paragraph] = []
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        if paragraph.text.startswith("附件："):
            block = [paragraph]
            index += 1
            while index < len(paragraphs) and not _ends_attachment_list(paragraphs[index].text):
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

    date = next((parse_cn_date(p.text) for p in kept if parse_cn_date(p.text)), None)
    if date is None:
        raise GazetteParseError(
            number_index, f"{number_match.group(1)} 没有找到成文日期（如 2021年 9月 26日）"
        )
    body = "".join(p.text for p in kept)
    effective_from = _date_after(r"自", r"起(?:施行|实施)", body)
    if effective_from is None and ON_ISSUE_RE.search(body):
        effective_from = date  # "自印发之日起实施": in force from the document's own date
    effective_to = _date_after(r"有效期至", "", body)
    kind = _document_kind(title)
    return ParsedDocument(
        number=number_match.group(1),
        year=int(number_match.group(2)),
        serial=int(number_match.group(3)),
        issuer=issuer,
        title=title,
        date=date,
        kind=kind,
        registration_code=registration_code,
        effective_from=effective_from,
        effective_to=effective_to,
        recipients=recipients,
        attachments=attachments,
        attachments_printed=attachments_printed,
        start_line=start,
        end_line=end,
        paragraphs=kept,
        clauses=(
            _build_clauses(kept, outline)
            + _validity_clauses(kept, outline)
            + _attachment_clauses(attachments, attachment_lines)
        ),
        personnel=_personnel(kept) if kind == "personnel" else [],
    )


def parse_gazette(text: str) -> ParsedGazette:
    """Parse a whole gazette issue; raise GazetteParseError naming the line it cannot make sense of."""
    raw_lines = text.splitlines()
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(raw_lines, start=1):
        stripped = raw.strip().replace("\u3000", "")
        lines.append((number, "" if is_artefact(stripped) else stripped))
    number_lines = [n for n, t in lines if NUMBER_RE.match(t)]
    if not number_lines:
        raise GazetteParseError(1, "没有找到任何单独成行的文号（如 高政办发〔2021〕2号）")
    description_line = next((n for n, t in lines if t == DESCRIPTION_START), len(lines) + 1)

    starts: list[int] = []
    nonblank = [(n, t) for n, t in lines if t]
    positions = {n: i for i, (n, _) in enumerate(nonblank)}
    for number_index in number_lines:
        i = positions[number_index] - 1
        steps = 0
        while i >= 0 and nonblank[i][1] not in ISSUERS:
            i -= 1
            steps += 1
            if steps > 6:
                raise GazetteParseError(number_index, "文号之前六行内没有找到发文机关")
        if i < 0:
            raise GazetteParseError(number_index, "文号之前没有找到发文机关")
        if i > 0 and REG_CODE_RE.match(nonblank[i - 1][1]):
            i -= 1
        starts.append(nonblank[i][0])
    if starts[0] != nonblank[0][0]:
        raise GazetteParseError(nonblank[0][0], "第一份文件之前有无法识别的内容")

    documents = []
    for k, (start, number_index) in enumerate(zip(starts, number_lines, strict=True)):
        end = (starts[k + 1] if k + 1 < len(starts) else description_line) - 1
        documents.append(_parse_document(lines, start, number_index, end))
    seen: set[str] = set()
    for document in documents:
        if document.number in seen:
            raise GazetteParseError(document.start_line, f"文号重复：{document.number}")
        seen.add(document.number)
    description = "\n".join(t for n, t in lines if n > description_line and t)
    return ParsedGazette(
        documents=documents,
        description=description,
        source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
