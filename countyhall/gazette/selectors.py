from __future__ import annotations

import logging
from functools import reduce
from operator import and_

from django.db.models import Q, QuerySet

from .models import Clause, Document, PersonnelDecision

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
                reduce(and_, (Q(title__icontains=t) | Q(body__icontains=t) | Q(number__icontains=t) for t in terms))
            )
    return documents.order_by("order")


def clause_search(*, query: str, document: Document | None = None, limit: int = 50) -> list[Clause]:
    terms = search_terms(query)
    if not terms:
        return []
    clauses = Clause.objects.select_related("document")
    if document is not None:
        clauses = clauses.filter(document=document)
    clauses = clauses.filter(reduce(and_, (Q(text__icontains=t) for t in terms)))
    return list(clauses.order_by("document__order", "order")[:limit])


def clause_for_citation(*, document_number: str, clause_path: str = "", line: int | None = None) -> Clause | None:
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
