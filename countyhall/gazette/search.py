"""Full-text search over the register's documents and clauses (issue 15; decision 0015).

Chinese has no spaces, so the text is segmented with jieba (a tokenizer of its own, with the county's terms in
data/userdict.txt: 助餐, 清洁取暖, 特困, 联审联批, the towns). gazette_ingest keeps one SearchEntry per document
header and per clause, in its transaction (`index_document`). A query is segmented the same way; the entries that
hold any of its words are ranked by BM25 (computed here in Python, so SQLite and PostgreSQL rank alike), a 文号
written in any bracket style (〔〕 [] 【】 （）, with or without 第) puts its document first, and the matched words
come back highlighted in escaped HTML with <mark>.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Avg, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Clause, Document, DocumentEvent, SearchEntry
from .parser import FULLWIDTH, NUMBER_ANY_RE, normalise_number

USER_DICTIONARY = Path(__file__).parent / "data" / "userdict.txt"

# BM25's usual constants: term-frequency saturation and length normalisation.
K1 = 1.5
B = 0.75
# A document whose 文号 the query names ranks above every word match.
NUMBER_BOOST = 1000.0
# A document header's title counts twice (the header is short; a word in the title says more than one in a clause).
TITLE_WEIGHT = 2
MAX_TERMS = 12
MAX_CANDIDATES = 5000
NUMBER_TOKEN = "文号:"
STOP_WORDS = frozenset("的 了 和 与 及 或 在 是 为 对 把 被 等 之 其 并 由 于 按 将 以".split())

_tokenizer = None
_lock = threading.Lock()


def _jieba():
    """jieba's tokenizer with the county's dictionary, built once per process (about a second)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.load_userdict(str(USER_DICTIONARY))
                _tokenizer = tokenizer
    return _tokenizer


def _normal(text: str) -> str:
    # Full-width letters and digits as ASCII (２.２ → 2.2), Latin lower case.
    return unicodedata.normalize("NFKC", text).lower()


def _is_word(token: str) -> bool:
    return bool(token) and token not in STOP_WORDS and any(ch.isalnum() for ch in token)


def tokenize(text: str) -> list[str]:
    """The index's words of a text: jieba's search mode (a compound and its parts: 清洁取暖, 清洁, 取暖)."""
    return [t for t in (t.strip() for t in _jieba().cut_for_search(_normal(text))) if _is_word(t)]


def query_terms(query: str) -> list[str]:
    """The words of a query: jieba's precise mode, without particles and punctuation, each once."""
    terms = [t for t in (t.strip() for t in _jieba().cut(_normal(query))) if _is_word(t)]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def number_token(number: str) -> str:
    return f"{NUMBER_TOKEN}{number}"


# ---- the index (written by gazette_ingest, in its transaction) ------------------------------------------------------


def _entry(tokens: list[str]) -> tuple[str, int]:
    return (f" {' '.join(tokens)} " if tokens else " "), len(tokens)


def header_tokens(document) -> list[str]:
    """A document header's words: its 文号 (standard and printed forms, and the prefix alone), the title (twice),
    the issuers and 主送. Works on a historical model too (the migration that builds the index)."""
    tokens = [number_token(document.number)]
    printed = normalise_number(document.number_as_printed or "") if document.number_as_printed else None
    if printed and printed != document.number:
        tokens.append(number_token(printed))
    prefix = document.number.split("〔", 1)[0] if "〔" in document.number else ""
    if prefix:
        tokens.append(_normal(prefix))
    tokens += tokenize(document.title) * TITLE_WEIGHT
    issuers = list(dict.fromkeys([document.issuer, *(document.issuers or [])]))
    for issuer in issuers:
        tokens += tokenize(issuer)
    tokens += tokenize(document.recipients or "")
    return tokens


def clause_tokens(clause) -> list[str]:
    return tokenize(f"{clause.heading}\n{clause.text}" if clause.heading not in clause.text else clause.text)


def index_document(*, document: Document, entry_model=SearchEntry, clauses: Iterable | None = None) -> int:
    """Replace a document's entries (its header and each clause). Called by gazette_ingest in the transaction that
    wrote the document, so the index never shows a text that is not stored. Returns the number of entries."""
    entry_model.objects.filter(document=document).delete()
    clauses = list(clauses if clauses is not None else document.clauses.all())
    rows = []
    tokens, length = _entry(header_tokens(document))
    rows.append(entry_model(document=document, clause=None, tokens=tokens, length=length))
    for clause in clauses:
        tokens, length = _entry(clause_tokens(clause))
        rows.append(entry_model(document=document, clause=clause, tokens=tokens, length=length))
    entry_model.objects.bulk_create(rows)
    return len(rows)


def is_indexed(document: Document) -> bool:
    return SearchEntry.objects.filter(document=document, clause=None).exists()


# ---- filters --------------------------------------------------------------------------------------------------------


def in_force_q(on: dt.date, prefix: str = "") -> Q:
    """Documents in force on a date: in force from their 施行日期 (or, with none printed, their 成文日期) and not past
    their 有效期至. (The register's dated events, when present, refine this: issue 15.)"""
    started = Q(**{f"{prefix}effective_from__lte": on}) | Q(
        **{f"{prefix}effective_from__isnull": True, f"{prefix}date__lte": on}
    )
    not_ended = Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": on})
    return started & not_ended


def validity_on(document: Document, on: dt.date) -> str:
    """The document's standing on a date as its printed dates give it: 尚未施行, 有效期内, 已过有效期, or 施行中（未载明
    有效期）. Only what the text prints: a review's list of retained documents, a repeal or an amendment is the
    register's events' to say (issue 15), and this helper is where they will be read."""
    start = document.effective_from or document.date
    if on < start:
        return "尚未施行"
    if document.effective_to:
        return "已过有效期" if on > document.effective_to else "有效期内"
    return "施行中（未载明有效期）"


def issuer_choices() -> list[str]:
    """Every issuer of the register, joint issuers each on their own."""
    names: set[str] = set()
    for issuer, issuers in Document.objects.values_list("issuer", "issuers"):
        names.add(issuer)
        names.update(issuers or [])
    return sorted(n for n in names if n)


def year_choices() -> list[int]:
    return sorted({d.year for d in Document.objects.dates("date", "year")}, reverse=True)


def _documents_of_issuer(issuer: str) -> list[int]:
    # The joint issuers are a JSON list; matched here rather than by a JSON lookup that SQLite and PostgreSQL read
    # differently (SQLite stores the names \u-escaped).
    return [
        pk
        for pk, first, issuers in Document.objects.values_list("pk", "issuer", "issuers")
        if first == issuer or issuer in (issuers or [])
    ]


def filtered_documents(
    *, issuer: str = "", kind: str = "", year: int | None = None, in_force_on: dt.date | None = None
):
    documents = Document.objects.all()
    if issuer:
        documents = documents.filter(pk__in=_documents_of_issuer(issuer))
    if kind:
        documents = documents.filter(kind=kind)
    if year:
        documents = documents.filter(date__year=year)
    if in_force_on:
        documents = documents.filter(in_force_q(in_force_on)).exclude(
            pk__in=_ended_by_the_register(in_force_on)
        )
    return documents


def _ended_by_the_register(on: dt.date):
    """The documents a repeal or a lapse the register holds has ended by `on` (walk15: "在该日有效" listed a repealed
    document). From DocumentEvent.objects, so a withdrawn entry does not count; a join through Document.events would
    read the table without the manager's filter."""
    return DocumentEvent.objects.filter(
        kind__in=[DocumentEvent.Kind.REPEALED, DocumentEvent.Kind.LAPSED],
        date__lte=on,
        document__isnull=False,
    ).values("document_id")


# ---- the query ------------------------------------------------------------------------------------------------------


@dataclass
class SearchHit:
    document: Document
    clause: Clause | None
    score: float
    snippet: SafeString
    number_match: bool = False

    @property
    def url(self) -> str:
        if self.clause is None:
            return self.document.get_absolute_url()
        anchor = (
            self.clause.anchor
        )  # the document page's element id (the eId names the clause in URIs and AKN)
        return f"{self.document.get_absolute_url()}?highlight={anchor}#{anchor}"


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    number: str = ""  # the 文号 the query names, in its standard form
    hits: list[SearchHit] = field(default_factory=list)


def clause_eid(clause) -> str:
    """A clause's stable identifier: its AKN-style eId (kept at ingest), else its page anchor."""
    return clause.eid or clause.anchor


def _bm25(tf: int, df: int, length: int, total: int, average: float) -> float:
    idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / (average or 1)))


def search(
    *,
    query: str,
    issuer: str = "",
    kind: str = "",
    year: int | None = None,
    in_force_on: dt.date | None = None,
    sort: str = "relevance",
    limit: int = 500,
) -> SearchResult:
    """Ranked hits (document headers and clauses) for a query, within the filters. `sort`: relevance (BM25, the
    named 文号 first) or date (newest document first, then relevance)."""
    query = query.strip()
    number = normalise_number(query) if query else None
    # A 文号 in the query is looked up as one token; its digits and brackets are not words to look for.
    terms = query_terms(NUMBER_ANY_RE.sub(" ", query.translate(FULLWIDTH)) if number else query)
    result = SearchResult(query=query, terms=terms, number=number or "")
    if not terms and not number:
        return result
    documents = filtered_documents(issuer=issuer, kind=kind, year=year, in_force_on=in_force_on)
    wanted = Q()
    for term in terms:
        wanted |= Q(tokens__contains=f" {term} ")
    if number:
        wanted |= Q(tokens__contains=f" {number_token(number)} ")
    candidates = list(
        SearchEntry.objects.filter(wanted, document__in=documents).values_list(
            "document_id", "clause_id", "tokens", "length"
        )[:MAX_CANDIDATES]
    )
    if not candidates:
        return result
    total = SearchEntry.objects.count()
    average = SearchEntry.objects.aggregate(a=Avg("length"))["a"] or 1.0
    frequency = {t: SearchEntry.objects.filter(tokens__contains=f" {t} ").count() for t in terms}
    scored = []
    for document_id, clause_id, tokens, length in candidates:
        counts = Counter(tokens.split())
        score = sum(_bm25(counts[t], frequency[t], length, total, average) for t in terms if counts[t])
        named = bool(number) and clause_id is None and counts[number_token(number)] > 0
        if named:
            score += NUMBER_BOOST
        if score > 0:
            scored.append((score, named, document_id, clause_id))
    documents_by_pk = Document.objects.in_bulk({d for _, _, d, _ in scored})
    if sort == "date":
        scored.sort(key=lambda s: (-documents_by_pk[s[2]].date.toordinal(), -s[0], s[2], s[3] or 0))
    else:
        scored.sort(key=lambda s: (-s[0], documents_by_pk[s[2]].order, s[2], s[3] or 0))
    scored = scored[:limit]
    clauses = Clause.objects.in_bulk({c for _, _, _, c in scored if c})
    words = terms + ([number] if number else [])
    for score, named, document_id, clause_id in scored:
        document = documents_by_pk[document_id]
        clause = clauses.get(clause_id) if clause_id else None
        text = clause.text if clause is not None else document.title
        result.hits.append(
            SearchHit(
                document=document,
                clause=clause,
                score=round(score, 4),
                snippet=highlight(text, words),
                number_match=named,
            )
        )
    return result


# ---- highlighting ---------------------------------------------------------------------------------------------------


def highlight(text: str, words: Iterable[str], *, width: int = 120) -> SafeString:
    """A window of `text` around the first matched word, escaped, each match in <mark>. Matching ignores width and
    case (the words are in normal form; the text is shown as printed)."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    text = " ".join(text.split())
    if not words:
        return mark_safe(escape(text[:width]) + ("…" if len(text) > width else ""))
    # Search in the normal form, mark in the printed text: NFKC keeps one character per character for Chinese
    # text and full-width digits, so positions line up; where it does not, fall back to the printed text.
    normal = _normal(text)
    haystack = normal if len(normal) == len(text) else text.lower()
    pattern = re.compile("|".join(re.escape(w) for w in words))
    matches = list(pattern.finditer(haystack))
    start = max(0, matches[0].start() - width // 4) if matches else 0
    end = min(len(text), start + width)
    pieces = ["…" if start else ""]
    cursor = start
    for match in matches:
        if match.start() < cursor or match.start() >= end:
            continue
        pieces.append(escape(text[cursor : match.start()]))
        pieces.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        cursor = match.end()
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))
