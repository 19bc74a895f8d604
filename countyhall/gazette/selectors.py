from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field
from functools import reduce
from operator import and_

from django.db.models import Q, QuerySet

from .models import Clause, Document, DocumentEvent, DocumentVersion, PersonnelDecision, PostMembership
from .register import day_after

STOP_TOKENS = set("的了和与及或在是为对把被等、，。；：（）() ")


def search_terms(query: str) -> list[str]:
    """Split a Chinese query into words with jieba, dropping particles and punctuation."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    terms = [t.strip() for t in jieba.cut_for_search(query.strip())]
    terms = [t for t in terms if t and t not in STOP_TOKENS]
    # cut_for_search yields sub-words as well as the word; the longest ones are enough for AND matching.
    longest = [t for t in terms if not any(t != other and t in other for other in terms)]
    return list(dict.fromkeys(longest))


def document_list(*, query: str = "", kind: str = "", issuer: str = "") -> QuerySet[Document]:
    documents = Document.objects.all()
    if kind:
        documents = documents.filter(kind=kind)
    if issuer:
        documents = documents.filter(issuer=issuer)
    if query:
        terms = search_terms(query)
        if terms:
            documents = documents.filter(
                reduce(
                    and_,
                    (Q(title__icontains=t) | Q(body__icontains=t) | Q(number__icontains=t) for t in terms),
                )
            )
    return documents.order_by("order")


@dataclass(frozen=True)
class RankedDocument:
    """A document of the list filtered by a text query: its relevance (the BM25 of its best passage, search.py),
    how many of its passages match, and the best one highlighted."""

    document: Document
    score: float
    matches: int
    snippet: object  # SafeString with <mark>
    best_clause: Clause | None
    number_match: bool = False


def document_list_ranked(*, query: str, kind: str = "") -> tuple[list[RankedDocument], object]:
    """The document list filtered by a text query and ranked by relevance: each document by its best-scoring
    passage (header or clause, BM25 over the search index, a named 文号 first), ties by the number of its matching
    passages, then the gazette's order. Returns the ranked documents and the search result (its clause hits, the
    words looked for)."""
    from .search import MAX_CANDIDATES, search

    result = search(query=query, kind=kind, limit=MAX_CANDIDATES)
    best: dict[int, RankedDocument] = {}
    counts: dict[int, int] = {}
    for hit in result.hits:  # best first: the first hit of a document is its best passage
        counts[hit.document.pk] = counts.get(hit.document.pk, 0) + 1
        if hit.document.pk not in best:
            best[hit.document.pk] = RankedDocument(
                hit.document, hit.score, 0, hit.snippet, hit.clause, hit.number_match
            )
    ranked = [
        RankedDocument(r.document, r.score, counts[pk], r.snippet, r.best_clause, r.number_match)
        for pk, r in best.items()
    ]
    ranked.sort(key=lambda r: (-r.score, -r.matches, r.document.order))
    return ranked, result


def clause_search(*, query: str, document: Document | None = None, limit: int = 50) -> list[Clause]:
    terms = search_terms(query)
    if not terms:
        return []
    clauses = Clause.objects.select_related("document")
    if document is not None:
        clauses = clauses.filter(document=document)
    clauses = clauses.filter(reduce(and_, (Q(text__icontains=t) for t in terms)))
    return list(clauses.order_by("document__order", "order")[:limit])


def clause_for_citation(
    *, document_number: str, clause_path: str = "", line: int | None = None
) -> Clause | None:
    """The clause a citation points at: by its printed path, else the deepest clause holding the line."""
    clauses = Clause.objects.filter(document__number=document_number).select_related("document")
    if clause_path:
        found = clauses.filter(path=clause_path).order_by("order").first()
        if found is not None:
            return found
    if line is not None:
        return clauses.filter(line__lte=line, end_line__gte=line).order_by("-level", "order").first()
    return None


def document_for_line(line: int) -> Document | None:
    return Document.objects.filter(start_line__lte=line, end_line__gte=line).first()


def personnel_list(*, person: str = "", action: str = "") -> QuerySet[PersonnelDecision]:
    decisions = PersonnelDecision.objects.select_related("document")
    if person:
        decisions = decisions.filter(person__icontains=person)
    if action:
        decisions = decisions.filter(action=action)
    return decisions


# ---- identifiers, life in time, affected figures, memberships (issue 15) -----------------------------------------


def document_by_uri(uri: str) -> Document | None:
    return Document.objects.filter(uri="/" + uri.strip("/")).first()


def clause_by_eid(*, document: Document, eid: str) -> Clause | None:
    return document.clauses.filter(eid=eid).first()


def _retained_numbers() -> set[str]:
    from .register import REVIEW_2021

    return set(
        DocumentEvent.objects.filter(kind=DocumentEvent.Kind.RETAINED, cause_number=REVIEW_2021).values_list(
            "number", flat=True
        )
    )


def retained_list() -> dict:
    """高政字〔2021〕60号's retained list as entered: the entries, the count against the 18 printed, complete or not."""
    from .register import REVIEW_2021, REVIEW_2021_RETAINED_COUNT

    entries = list(
        DocumentEvent.objects.filter(kind=DocumentEvent.Kind.RETAINED, cause_number=REVIEW_2021)
        .select_related("document", "recorded_by")
        .order_by("id")
    )
    return {
        "entries": entries,
        "count": len(entries),
        "expected": REVIEW_2021_RETAINED_COUNT,
        "complete": len(entries) == REVIEW_2021_RETAINED_COUNT,
    }


def document_standing(
    document: Document, on: dt.date, *, retained: set[str] | None = None, events: list | None = None
):
    """What the document is on `on` (register.Standing): not yet in force, in force, expired, repealed, lapsed, or
    not on the 2021 review's retained list (to be confirmed)."""
    from .register import REVIEW_2021_RETAINED_COUNT, in_review_scope, standing_on

    if retained is None:
        retained = _retained_numbers()
    events = [(e.kind, e.date) for e in (document.events.all() if events is None else events)]
    return standing_on(
        on=on,
        date=document.date,
        effective_from=document.effective_from,
        events=events,
        review_scope=in_review_scope(
            issuer=document.issuer, date=document.date, kind=document.kind, number=document.number
        ),
        retained=document.number in retained,
        retained_list_complete=len(retained) == REVIEW_2021_RETAINED_COUNT,
    )


@dataclass(frozen=True)
class VersionStart:
    """When a version's text is in force from in law, and on what basis (words for the banner)."""

    version: DocumentVersion
    start: dt.date
    basis: str
    event: DocumentEvent | None = None


def version_starts(document: Document) -> list[VersionStart]:
    """Each version's legal start. The first text: the document's own in-force date (or its date). A later text:
    the date of the amendment that names it (DocumentEvent.version), whenever it was ingested. A later text no
    amendment names (a corrected misprint, or an amendment not yet registered) keeps its ingest date, said so."""
    from countyhall.core.clock import chinese_date

    versions = list(document.versions.order_by("version"))
    amendments: dict[int, DocumentEvent] = {}
    for event in document.events.filter(kind=DocumentEvent.Kind.AMENDED, version__isnull=False).order_by(
        "date", "id"
    ):
        amendments.setdefault(event.version, event)
    starts = []
    for version in versions:
        event = amendments.get(version.version)
        if event is not None:
            starts.append(
                VersionStart(
                    version,
                    event.date,
                    f"依据{event.cause_number}修改，自{chinese_date(event.date)}起施行",
                    event,
                )
            )
        elif version.version == versions[0].version:
            start = document.effective_from or document.date
            starts.append(VersionStart(version, start, f"原文自{chinese_date(start)}起施行"))
        else:
            day = version.ingested_at.date()
            starts.append(
                VersionStart(version, day, f"未登记修改该文本的文件，按导入日期{chinese_date(day)}计")
            )
    return starts


@dataclass(frozen=True)
class PointInTime:
    """A document read as on a day: its standing then, the text (version) in force then, what changed later."""

    on: dt.date
    standing: object
    version: DocumentVersion | None
    current_version: int
    later: list[DocumentEvent]
    amended_clauses: dict[str, list[DocumentEvent]]  # clause path → later amendments of it
    version_start: VersionStart | None = None
    later_versions: list[VersionStart] = field(default_factory=list)


def document_as_of(document: Document, on: dt.date) -> PointInTime:
    """The document as in force on `on`: the version whose legal start (version_starts) is the last on or before
    that day (the first when none had begun), its standing, and the events and texts after that day (with the
    amendments by clause). The ingest date is only the record's own history (DocumentVersion.ingested_at)."""
    from .register import clause_within, version_on

    starts = version_starts(document)
    chosen = version_on([(s.version.version, s.start) for s in starts], on)
    held = next((s for s in starts if s.version.version == chosen), None)
    later = list(document.events.filter(date__gt=on).select_related("cause").order_by("date", "id"))
    amended: dict[str, list[DocumentEvent]] = {}
    paths = list(document.clauses.values_list("path", flat=True))
    for event in later:
        if event.kind == DocumentEvent.Kind.AMENDED:
            for path in paths:
                if any(clause_within(path, amended_path) for amended_path in event.clauses):
                    amended.setdefault(path, []).append(event)
    return PointInTime(
        on=on,
        standing=document_standing(document, on),
        version=held.version if held else None,
        current_version=document.version,
        later=later,
        amended_clauses=amended,
        version_start=held,
        later_versions=[s for s in starts if s.start > on and s is not held],
    )


def events_list(
    *, kind: str = "", number: str = "", origin: str = "", history: bool = False
) -> QuerySet[DocumentEvent]:
    """The register's entries, withdrawn ones too (marked, with the reason: nothing else counts them); with
    `history`, the corrected ones as well (kept, each pointing at its correction)."""
    manager = DocumentEvent.history if history else DocumentEvent.with_withdrawn
    events = manager.select_related("document", "cause", "recorded_by", "withdrawn_by")
    if kind:
        events = events.filter(kind=kind)
    if number:
        events = events.filter(number__icontains=number.strip())
    if origin:
        events = events.filter(origin=origin)
    return events.order_by("-date", "-id")


# -- affected figures --


@dataclass(frozen=True)
class AffectedRow:
    """One thing that cites a document and changes when the document ends or is amended."""

    program: str  # the program's Chinese name
    kind: str  # 参数 / 解读 / 代码引用 / 在办事项
    name: str  # the figure's label, the reading's question, the code's place, the open items' label
    key: str  # parameter key, reading id, file:line (技术信息)
    clause: str
    line: int | None
    valid: str  # the value's dates, as words
    change: str  # what changes from when, in words
    url: str = ""
    count: int | None = None


def _under(path: str, clauses: list[str]) -> bool:
    """An amendment of 五、（一） reaches 五、（一）2 too."""
    from .register import clause_within

    return not clauses or any(clause_within(path, c) for c in clauses)


def _program_names() -> dict[str, str]:
    from countyhall.core.programs import registered_programs

    return {p.label: p.policy_name for p in registered_programs()}


@functools.cache
def _code_citations():
    from .checks import code_citations

    return tuple(code_citations()[0])


def affected_by(
    *, number: str, from_date: dt.date, clauses: list[str] | None = None, reason: str = ""
) -> list[AffectedRow]:
    """Every parameter value, administered figure, reading and in-code citation that cites the document (or, for an
    amendment, the named clauses), with what changes from `from_date`, and each program's open items from then on
    (Program.cited_open_items)."""
    from countyhall.core.clock import chinese_date
    from countyhall.core.policy import parameters
    from countyhall.core.programs import registered_programs

    from .checks import FILE_PROGRAM, READING_PROGRAM

    clauses = clauses or []
    names = _program_names()
    since = chinese_date(from_date)
    why = reason or "依据文件变化"
    rows: list[AffectedRow] = []
    registry = parameters()
    for parameter in registry:
        program = names.get(FILE_PROGRAM.get(parameter.source_file, ""), "公共")
        if (
            parameter.citation is not None
            and parameter.citation.document == number
            and parameter.administered
        ):
            if _under(parameter.citation.clause, clauses):
                rows.append(
                    AffectedRow(
                        program,
                        "录入数值",
                        parameter.label,
                        parameter.name,
                        parameter.citation.clause,
                        parameter.citation.line,
                        "管理员录入",
                        f"{since}起：{why}，录入的数值须重新核定",
                    )
                )
        for value in parameter.values:
            citation = value.citation
            if citation.document != number or not _under(citation.clause, clauses):
                continue
            if (
                value.valid_to is not None
                and from_date > dt.date.min
                and value.valid_to < from_date - dt.timedelta(days=1)
            ):
                continue  # a value that ended before: the change does not reach it
            valid = f"{chinese_date(value.valid_from)}起" + (
                f"至{chinese_date(value.valid_to)}" if value.valid_to else ""
            )
            if value.valid_to is not None and value.valid_to < from_date:
                # The file already ends the value with the document: from the day the rules find no policy in force.
                change = f"{since}起没有数值：计算将报“没有有效的政策”，须录入后续政策"
            else:
                change = f"{since}起：{why}，该数值不再有依据（须确认后续政策）"
            rows.append(
                AffectedRow(
                    program,
                    "参数",
                    parameter.label,
                    parameter.name,
                    citation.clause,
                    citation.line,
                    valid,
                    change,
                )
            )
    for reading in registry.readings.values():
        citation = reading.citation
        if citation is not None and citation.document == number and _under(citation.clause, clauses):
            program = names.get(READING_PROGRAM.get(reading.id[:1], ""), "公共")
            rows.append(
                AffectedRow(
                    program,
                    "解读",
                    reading.question or reading.text,
                    reading.id,
                    citation.clause,
                    citation.line,
                    "",
                    f"{since}起：{why}，该解读所依据的条文须复核",
                )
            )
    for cited in _code_citations():
        citation = cited.citation
        if citation.document == number and _under(citation.clause, clauses):
            rows.append(
                AffectedRow(
                    names.get(cited.program, "公共"),
                    "代码引用",
                    f"{citation.clause} 所规定的规则",
                    cited.where,
                    citation.clause,
                    citation.line,
                    "",
                    f"{since}起：{why}，引用此条的规则须复核",
                )
            )
    for program in registered_programs():
        for item in program.cited_open_items_for(number=number, from_date=from_date):
            rows.append(
                AffectedRow(
                    program.policy_name,
                    "在办事项",
                    item["label"],
                    item.get("key", ""),
                    item.get("clause", ""),
                    None,
                    item.get("valid", ""),
                    item.get("change", f"{since}起：{why}"),
                    item.get("url", ""),
                    item.get("count"),
                )
            )
    return rows


def document_changes(document: Document) -> list[dict]:
    """The events that end or amend the document, each with the day from which something changes."""
    changes = []
    for event in document.events.filter(kind__in=[*DocumentEvent.ENDING_KINDS, DocumentEvent.Kind.AMENDED]):
        start = day_after(event.date) if event.kind == DocumentEvent.Kind.EXPIRES else event.date
        changes.append(
            {"event": event, "from": start, "clauses": event.clauses if event.kind == "amended" else []}
        )
    return changes


def document_affected(document: Document) -> list[tuple[dict, list[AffectedRow]]]:
    """For each event ending or amending the document: what it affects from its day."""
    return [
        (
            change,
            affected_by(
                number=document.number,
                from_date=change["from"],
                clauses=change["clauses"],
                reason=change["event"].get_kind_display(),
            ),
        )
        for change in document_changes(document)
    ]


OPEN_ITEMS = "在办事项"


def document_affected_for(document: Document, actor) -> list[tuple[dict, list[AffectedRow]]]:
    """document_affected as `actor` may read it: without the open items for a visitor (access.can_see_open_items)."""
    from . import access

    changes = document_affected(document)
    if access.can_see_open_items(actor):
        return changes
    return [(change, [row for row in rows if row.kind != OPEN_ITEMS]) for change, rows in changes]


def expiring_documents(*, today: dt.date, within_days: int = 90) -> list[DocumentEvent]:
    """Documents whose validity ends within `within_days` (and not yet ended)."""
    return list(
        DocumentEvent.objects.filter(
            kind=DocumentEvent.Kind.EXPIRES, date__gte=today, date__lte=today + dt.timedelta(days=within_days)
        )
        .select_related("document")
        .order_by("date")
    )


def programs_citing(number: str) -> list[str]:
    """The labels of the programs whose parameter files or code cite the document."""
    from countyhall.core.policy import parameters

    from .checks import FILE_PROGRAM

    labels = set()
    for parameter in parameters():
        if any(v.citation.document == number for v in parameter.values) or (
            parameter.citation is not None and parameter.citation.document == number
        ):
            labels.add(FILE_PROGRAM.get(parameter.source_file, ""))
    labels.update(c.program for c in _code_citations() if c.citation.document == number)
    return sorted(label for label in labels if label and label != "core")


# -- memberships --


def memberships_on(*, post: str = "", person: str = "", on: dt.date | None = None) -> list[PostMembership]:
    """Who held a post (exact, else containing the words) on a day, and by which decision; or a person's posts."""
    memberships = PostMembership.objects.select_related("opened_by__document", "closed_by__document")
    if post:
        exact = memberships.filter(post=post.strip())
        memberships = exact if exact.exists() else memberships.filter(post__icontains=post.strip())
    if person:
        memberships = memberships.filter(person=person.strip())
    rows = list(memberships.order_by("post", "start", "id"))
    if on is not None:
        rows = [m for m in rows if m.held_on(on)]
    return rows


def person_posts(person: str) -> list[PostMembership]:
    """A person's posts over time, earliest first (an unknown start first of all)."""
    rows = memberships_on(person=person)
    return sorted(rows, key=lambda m: (m.start is not None, m.start or dt.date.min, m.id))


def period_reading(on: dt.date) -> dict:
    """Reading P2 as in force on a day, for the to-dos and the person page that cite it: its id, question, the
    answer in force and its words."""
    from countyhall.core.policy import parameters

    from .register import PERIOD_END_READING, PERIOD_END_WORDS

    registry = parameters()
    answer = registry.answer(PERIOD_END_READING, on)
    reading = registry.reading(PERIOD_END_READING)
    return {
        "id": reading.id,
        "question": reading.question,
        "answer": answer,
        "words": PERIOD_END_WORDS[answer],
        "text": reading.answer_text(answer),
    }


def memberships_ending(*, today: dt.date, within_days: int = 60) -> list[tuple[PostMembership, str, dt.date]]:
    """Probations and secondments of memberships still open whose end lies within `within_days` either side of today
    (an end just passed stays listed a while: its outcome is a later decision, P4)."""
    horizon = today + dt.timedelta(days=within_days)
    found = []
    for membership in PostMembership.objects.filter(end__isnull=True).select_related("opened_by__document"):
        for what, day in (("试用期满", membership.probation_end), ("挂职期满", membership.term_end)):
            if day is not None and today - dt.timedelta(days=within_days) <= day <= horizon:
                found.append((membership, what, day))
    return sorted(found, key=lambda row: row[2])
