from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.core.clock import business_date, chinese_date
from countyhall.core.params import answers_bad_parameters, choice_param, date_param
from countyhall.core.reports import excel_response, pdf_response
from countyhall.core.tables import Column, Table
from countyhall.core.web import save_form

from . import access
from .forms import EventForm, RetainedListForm
from .identifiers import split_expression
from .models import Document, DocumentEvent, PersonnelDecision, PostMembership
from .register import clause_within
from .selectors import (
    affected_by,
    clause_by_eid,
    clause_for_citation,
    clause_search,
    document_affected,
    document_as_of,
    document_by_uri,
    document_for_line,
    document_list,
    document_standing,
    events_list,
    expiring_documents,
    person_posts,
    personnel_list,
    retained_list,
)
from .services import event_record, retained_list_enter


def document_index(request):
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    documents = list(document_list(query=query, kind=kind).prefetch_related("events"))
    today = business_date()
    retained = {e.number for e in retained_list()["entries"]}
    for document in documents:
        document.standing = document_standing(document, today, retained=retained)
    clauses = clause_search(query=query, limit=30) if query else []
    return render(
        request,
        "gazette/document_list.html",
        {
            "documents": documents,
            "clauses": clauses,
            "query": query,
            "kind": kind,
            "kinds": Document.Kind.choices,
        },
    )


def document_pdf(request, pk: int):
    document = get_object_or_404(Document, pk=pk)
    clauses = list(document.clauses.order_by("order"))
    return pdf_response(
        template="reports/gazette_document.html",
        context={"document": document, "clauses": clauses, "preamble": _preamble(document, clauses)},
        filename=f"{document.number}.pdf",
    )


def document_list_excel(request):
    documents = document_list(query=request.GET.get("q", ""), kind=request.GET.get("kind", ""))
    return excel_response(
        filename="高青县人民政府公报文件目录.xlsx",
        sheet_title="文件目录",
        headers=[
            "文号",
            "发文机关",
            "标题",
            "成文日期",
            "文种",
            "登记号",
            "施行日期",
            "有效期至",
            "公报行号",
        ],
        rows=(
            [
                d.number,
                d.issuer,
                d.title,
                d.date,
                d.get_kind_display(),
                d.registration_code,
                d.effective_from,
                d.effective_to,
                f"{d.start_line}–{d.end_line}",
            ]
            for d in documents
        ),
    )


def _preamble(document: Document, clauses) -> list[str]:
    """Paragraphs before the first numbered clause (cover letter, signature, enclosed title)."""
    paragraphs = document.body.split("\n")
    if not clauses:
        return paragraphs
    first = clauses[0].text.split("\n")[0]
    return paragraphs[: paragraphs.index(first)] if first in paragraphs else []


def cite(request):
    """Resolve a citation (文号, clause, line) to the clause's anchor on its document page."""
    number = request.GET.get("doc", "")
    clause_path = request.GET.get("clause", "")
    try:
        line = int(request.GET.get("line", "")) if request.GET.get("line") else None
    except ValueError:
        line = None
    clause = clause_for_citation(document_number=number, clause_path=clause_path, line=line)
    if clause is not None:
        # The clause in its document, by the document's URI and the clause's eId (the clause's own page is its
        # link on the document page).
        target = clause.eid or clause.anchor
        return redirect(f"{clause.document.get_absolute_url()}?highlight={target}#{target}")
    document = Document.objects.filter(number=number).first() or (document_for_line(line) if line else None)
    if document is None:
        raise Http404(f"公报中没有找到 {number} {clause_path}")
    return redirect(document.get_absolute_url())


def personnel_index(request):
    decisions = personnel_list(person=request.GET.get("person", ""), action=request.GET.get("action", ""))
    return render(
        request,
        "gazette/personnel_list.html",
        {
            "decisions": decisions,
            "actions": PersonnelDecision.Action.choices,
            "filters": request.GET,
        },
    )


def home_sections(request) -> list[dict]:
    """The home page's list of the gazette issue's documents (registered in GazetteConfig.program).

    Shown to administrators (who ingest the gazette); everyone else's home page is their work, with a link to
    the gazette in the menu, rather than the same long list for every role."""
    if not getattr(request.user, "is_staff", False):
        return []
    return [
        {
            "title": "本期公报文件",
            "template": "gazette/_home_documents.html",
            "documents": list(Document.objects.order_by("order")[:13]),
        }
    ]


def citation_text(document: str, clause: str, line: int) -> dict | None:
    """A citation's document title and the clause's own words, for core's citation_link (Program.citation_text)."""
    found = clause_for_citation(document_number=document, clause_path=clause, line=line)
    if found is None:
        doc = Document.objects.filter(number=document).only("title").first()
        return {"title": doc.title, "words": ""} if doc else None
    words = " ".join(f"{found.heading} {found.text}".split())
    return {"title": found.document.title, "words": words}


# ---- the register: identifiers, life in time, affected figures, memberships (issue 15) --------------------------

EVENT_COLUMNS = [
    Column("date", "日期", value=lambda e: chinese_date(e.date), sort="date"),
    Column("number", "文件", sort="number"),
    Column("kind", "事件", value=lambda e: e.get_kind_display(), sort="kind"),
    Column("cause_number", "依据文件", sort="cause_number"),
    Column("clauses", "所涉条款", value=lambda e: "、".join(e.clauses)),
    Column("origin", "来源", value=lambda e: e.get_origin_display(), sort="origin"),
    Column("note", "说明"),
]
MEMBERSHIP_COLUMNS = [
    Column("person", "姓名", sort="person"),
    Column("post", "职务", sort="post"),
    Column("start", "起始", value=lambda m: chinese_date(m.start) or "此前（公报未载）", sort="start"),
    Column("end", "结束", value=lambda m: chinese_date(m.end) or "—", sort="end"),
    Column("opened_by", "任命依据", value=lambda m: m.opened_by.document.number if m.opened_by else ""),
    Column("closed_by", "免职依据", value=lambda m: m.closed_by.document.number if m.closed_by else ""),
    Column("probation_end", "试用期满", value=lambda m: chinese_date(m.probation_end)),
    Column("term_end", "挂职期满", value=lambda m: chinese_date(m.term_end)),
]


def _on(request) -> dt.date | None:
    return date_param(request, "on", "日期")


@answers_bad_parameters
def by_uri(request, uri: str):
    """A document by its URI (/gazette/u/cn-sd-gaoqing/高政办发/2021/2/), one of its texts (…/zho@v1/) or one clause
    (…/~sec_4__subsec_2__para_5/); ?on=YYYY-MM-DD reads it as in force on that day."""
    uri = uri.strip("/")
    eid = ""
    if "/~" in uri:
        uri, _, eid = uri.partition("/~")
    work, version = split_expression(uri)
    document = document_by_uri(work)
    if document is None:
        raise Http404(f"没有标识为 /{work} 的文件")
    if eid:
        clause = clause_by_eid(document=document, eid=eid.strip("/"))
        if clause is None:
            raise Http404(f"{document.number} 没有条款 {eid}")
        return clause_detail(request, document, clause)
    return _document_page(request, document, version=version)


@answers_bad_parameters
def document_detail(request, pk: int):
    """The old address by database id: the same page as the URI's (whose address the page gives as canonical)."""
    return _document_page(request, get_object_or_404(Document, pk=pk))


def _document_page(request, document: Document, *, version: int | None = None):
    on = _on(request)
    clauses = list(document.clauses.order_by("order"))
    shown = None
    if version is not None:
        shown = document.versions.filter(version=version).first()
        if shown is None:
            raise Http404(f"{document.number} 没有第{version}版")
    point = document_as_of(document, on) if on else None
    if point is not None and shown is None and point.version and point.version.version != document.version:
        shown = point.version
    return render(
        request,
        "gazette/document_detail.html",
        {
            "document": document,
            "clauses": clauses if shown is None or shown.version == document.version else [],
            "old_text": shown.body.split("\n")
            if shown is not None and shown.version != document.version
            else None,
            "shown_version": shown,
            "preamble": _preamble(document, clauses),
            "personnel": document.personnel_decisions.order_by("order"),
            "versions": document.versions.order_by("-version"),
            "events": document.events.select_related("cause").order_by("date", "id"),
            "standing": document_standing(document, on or business_date()),
            "point": point,
            "on": on,
            "highlight": request.GET.get("highlight", ""),
            "affected_count": sum(len(rows) for _, rows in document_affected(document)),
            "can_record": access.can_administer_register(request.user),
        },
    )


def clause_detail(request, document: Document, clause):
    on = _on(request)
    point = document_as_of(document, on) if on else None
    amendments = document.events.filter(kind=DocumentEvent.Kind.AMENDED).order_by("date", "id")
    amendments = [e for e in amendments if any(clause_within(clause.path, p) for p in e.clauses)]
    cited = affected_by(number=document.number, from_date=document.date, clauses=[clause.path])
    return render(
        request,
        "gazette/clause_detail.html",
        {
            "document": document,
            "clause": clause,
            "children": clause.children.order_by("order"),
            "point": point,
            "on": on,
            "standing": document_standing(document, on or business_date()),
            "amendments": amendments,
            "cited": [row for row in cited if row.kind != "在办事项"],
        },
    )


@answers_bad_parameters
def affected(request, uri: str):
    document = document_by_uri(uri)
    if document is None:
        raise Http404(f"没有标识为 /{uri.strip('/')} 的文件")
    return render(
        request, "gazette/affected.html", {"document": document, "changes": document_affected(document)}
    )


@answers_bad_parameters
def register_index(request):
    kind = choice_param(request, "kind", "事件", DocumentEvent.Kind.choices)
    origin = choice_param(request, "origin", "来源", DocumentEvent.Origin.choices)
    number = request.GET.get("number", "").strip()[:64]
    table = Table(
        request,
        events_list(kind=kind, number=number, origin=origin),
        columns=EVENT_COLUMNS,
        default_sort="-date",
    )
    if table.export_requested:
        return table.export(filename="文件事件登记.csv")
    today = business_date()
    return render(
        request,
        "gazette/register.html",
        {
            "table": table,
            "kinds": DocumentEvent.Kind.choices,
            "origins": DocumentEvent.Origin.choices,
            "selected": {"kind": kind, "origin": origin, "number": number},
            "retained": retained_list(),
            "expiring": expiring_documents(today=today, within_days=90),
            "can_record": access.can_administer_register(request.user),
        },
    )


def event_new(request):
    if not access.can_administer_register(request.user):
        raise PermissionDenied("只有公报管理员可以登记文件事件")
    initial = {"number": request.GET.get("number", "")[:64]}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: event_record(
            actor=request.user,
            number=data["number"],
            kind=data["kind"],
            date=data["date"],
            cause_number=data["cause_number"],
            cause_line=data["cause_line"],
            clauses=data["clauses"],
            note=data["note"],
        ),
        success="已登记。",
    ):
        return redirect("gazette:register")
    return render(request, "gazette/event_form.html", {"form": form})


def retained_enter(request):
    if not access.can_administer_register(request.user):
        raise PermissionDenied("只有公报管理员可以录入保留文件目录")
    current = retained_list()
    form = RetainedListForm(
        request.POST or None, initial={"text": "\n".join(e.number for e in current["entries"])}
    )
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: retained_list_enter(actor=request.user, text=data["text"], note=data["note"]),
        success="已录入保留文件目录。",
    ):
        return redirect("gazette:register")
    return render(request, "gazette/retained_form.html", {"form": form, "retained": current})


@answers_bad_parameters
def posts_index(request):
    """Who held post P on day D, and by which decision; every membership when no day is given."""
    on = _on(request)
    post = request.GET.get("post", "").strip()[:200]
    person = request.GET.get("person", "").strip()[:16]
    memberships = PostMembership.objects.select_related("opened_by__document", "closed_by__document")
    if post:
        memberships = memberships.filter(post__icontains=post)
    if person:
        memberships = memberships.filter(person=person)
    if on is not None:
        memberships = memberships.filter(Q(start__isnull=True) | Q(start__lte=on)).filter(
            Q(end__isnull=True) | Q(end__gt=on)
        )
    table = Table(request, memberships, columns=MEMBERSHIP_COLUMNS, default_sort="post")
    if table.export_requested:
        return table.export(filename="任职记录.csv")
    return render(
        request,
        "gazette/posts.html",
        {"table": table, "selected": {"post": post, "person": person, "on": on}, "on": on},
    )


def person_detail(request, person: str):
    posts = person_posts(person)
    if not posts:
        raise Http404(f"任免记录中没有 {person}")
    return render(
        request,
        "gazette/person.html",
        {"person": person, "posts": posts, "decisions": personnel_list(person=person).filter(person=person)},
    )
