from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from countyhall.core.clock import business_date, chinese_date, local
from countyhall.core.errors import ServiceError
from countyhall.core.params import (
    BadParameter,
    answers_bad_parameters,
    choice_param,
    date_param,
    page_param,
    year_param,
)
from countyhall.core.reports import excel_response, pdf_response
from countyhall.core.tables import Column, Table
from countyhall.core.web import form_error, save_form

from . import access
from .akn import akn_filename, document_akn_xml
from .forms import EventCorrectForm, EventForm, EventWithdrawForm, RetainedListForm
from .identifiers import split_expression
from .models import Document, DocumentEvent, PersonnelDecision, PostMembership
from .register import clause_within
from .search import issuer_choices, search, year_choices
from .selectors import (
    affected_by,
    clause_by_eid,
    clause_for_citation,
    document_affected_for,
    document_as_of,
    document_by_uri,
    document_for_line,
    document_list,
    document_list_ranked,
    document_standing,
    events_list,
    expiring_documents,
    period_reading,
    person_posts,
    personnel_list,
    retained_list,
)
from .services import event_check, event_correct, event_record, event_withdraw, retained_list_enter
from .todos import TERM_NOTICE_DAYS


def document_index(request):
    """The register's documents: by date (newest first) without a query; with one, only the matching documents,
    ranked by relevance (selectors.document_list_ranked), each with its best passage highlighted."""
    query = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    ranked, clause_hits = [], []
    if query:
        ranked, result = document_list_ranked(query=query, kind=kind)
        documents = [r.document for r in ranked]
        clause_hits = [hit for hit in result.hits if hit.clause is not None][:30]
    else:
        documents = list(document_list(kind=kind).order_by("-date", "order"))
    events = {}
    for event in DocumentEvent.objects.filter(document__in=documents):
        events.setdefault(event.document_id, []).append(event)
    today = business_date()
    retained = {e.number for e in retained_list()["entries"]}
    for document in documents:
        document.standing = document_standing(
            document, today, retained=retained, events=events.get(document.pk, [])
        )
    return render(
        request,
        "gazette/document_list.html",
        {
            "documents": documents,
            "ranked": ranked,
            "clause_hits": clause_hits,
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
        context=_print_context(document, clauses),
        filename=f"{document.number}.pdf",
    )


def _print_context(document: Document, clauses: list) -> dict:
    """What the 公文 layout prints where: the numbered clauses as the body, the 落款 as the signature (or, when the
    text printed none, the issuers and the 成文日期), the printed attachments after it."""
    signature = next((c for c in clauses if c.path == "落款"), None)
    listed = next((c for c in clauses if c.path == "附件"), None)  # the 附件 line as printed
    annexes = [c for c in clauses if c.path.startswith("附件") and c is not listed]
    body = [c for c in clauses if c not in (signature, listed) and c not in annexes]
    return {
        "attachment_lines": listed.text.splitlines() if listed is not None else [],
        "document": document,
        "organs": document.issuers or [document.issuer],
        "preamble": _preamble(document, clauses),
        "body_clauses": body,
        "annexes": annexes,
        "signature": (
            [line for line in signature.text.splitlines() if line.strip()]
            if signature is not None
            else [*(document.issuers or [document.issuer]), chinese_date(document.date)]
        ),
    }


def document_list_excel(request):
    """The register as Excel: the documents the list's filters (q, kind) select, with their standing today."""
    query = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    # The rows in the list page's order: by relevance with a query, else by date.
    if query:
        documents = [r.document for r in document_list_ranked(query=query, kind=kind)[0]]
    else:
        documents = list(document_list(kind=kind).order_by("-date", "order"))
    prefetch_related_objects(documents, "events")  # the standing below reads each document's events
    today = business_date()
    # The standing the pages show (document_standing: the register's repeals, lapses and 60号's list as well as the
    # printed dates), not the printed dates alone: a repealed document read "有效期内" in the export (walk15).
    retained = {e.number for e in retained_list()["entries"]}
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
            "联合发文机关",
            f"效力状态（{chinese_date(today)}）",
            "附件",
            "版本",
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
                "、".join(d.issuers) if len(d.issuers) > 1 else "",
                document_standing(d, today, retained=retained).label,
                ("、".join(d.attachments) + ("" if d.attachments_printed else "（未随文刊印）"))
                if d.attachments
                else "",
                d.version,
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


# ---- search, Akoma Ntoso (issue 15) ---------------------------------------------------------------------------------

SEARCH_SORTS = [("relevance", "按相关度"), ("date", "按成文日期")]
SEARCH_PER_PAGE = 20


def search_params(request) -> dict:
    """The search's query string, checked (core.params.BadParameter naming the field for a bad one)."""
    query = request.GET.get("q", "").strip()
    if len(query) > 100:
        raise BadParameter("q", "关键词", f"最多 100 个字（收到 {len(query)} 个）。")
    return {
        "query": query,
        "kind": choice_param(request, "kind", "文种", Document.Kind.choices),
        "issuer": choice_param(request, "issuer", "发文机关", [(i, i) for i in issuer_choices()]),
        "year": year_param(request),
        "in_force_on": date_param(request, "in_force_on", "有效日期"),
        "sort": choice_param(request, "sort", "排序", SEARCH_SORTS) or "relevance",
    }


@answers_bad_parameters
def search_page(request):
    params = search_params(request)
    result = search(**params)
    if request.GET.get("export") == "xlsx":
        return _search_excel(result)
    page = Paginator(result.hits, SEARCH_PER_PAGE).get_page(page_param(request))
    kept = request.GET.copy()
    kept.pop("page", None)
    kept.pop("export", None)
    return render(
        request,
        "gazette/search.html",
        {
            "result": result,
            "page": page,
            "params": params,
            "filter_query": kept.urlencode(),
            "kinds": Document.Kind.choices,
            "issuers": issuer_choices(),
            "years": year_choices(),
            "sorts": SEARCH_SORTS,
        },
    )


# ---- the register: identifiers, life in time, affected figures, memberships (issue 15) --------------------------

EVENT_COLUMNS = [
    Column("date", "日期", value=lambda e: chinese_date(e.date), sort="date"),
    Column("number", "文件", sort="number"),
    Column("kind", "事件", value=lambda e: e.get_kind_display(), sort="kind"),
    Column("cause_number", "依据文件", sort="cause_number"),
    Column("clauses", "所涉条款", value=lambda e: "、".join(e.clauses)),
    Column("origin", "来源", value=lambda e: e.get_origin_display(), sort="origin"),
    Column("note", "说明"),
    # The register's list holds withdrawn entries too: the export says so, as the page does.
    Column(
        "withdrawn",
        "撤销",
        value=lambda e: (
            f"已撤销（{chinese_date(local(e.withdrawn_at).date())}）：{e.withdrawn_reason}"
            if e.withdrawn_at
            else ""
        ),
    ),
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
            "affected_count": sum(len(rows) for _, rows in document_affected_for(document, request.user)),
            "can_record": access.can_administer_register(request.user),
            "withdrawable_kinds": [str(k) for k in DocumentEvent.ADMINISTERED_KINDS],
        },
    )


def _search_excel(result):
    today = business_date()
    retained = {e.number for e in retained_list()["entries"]}
    standing: dict[int, str] = {}  # one document's standing once, however many of its clauses were hit

    def standing_of(document) -> str:
        if document.pk not in standing:
            standing[document.pk] = document_standing(document, today, retained=retained).label
        return standing[document.pk]

    return excel_response(
        filename="政府公报检索结果.xlsx",
        sheet_title="检索结果",
        headers=["相关度", "文号", "标题", "发文机关", "成文日期", "条款", "摘录", "效力状态"],
        rows=(
            [
                hit.score,
                hit.document.number,
                hit.document.title,
                hit.document.issuer,
                hit.document.date,
                hit.clause.path if hit.clause else "",
                hit.snippet.replace("<mark>", "").replace("</mark>", ""),
                standing_of(hit.document),
            ]
            for hit in result.hits
        ),
    )


def document_akn(request, pk: int):
    """The document as Akoma Ntoso 3.0 XML (gazette.akn)."""
    document = get_object_or_404(Document, pk=pk)
    response = HttpResponse(
        document_akn_xml(document=document), content_type="application/akn+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(akn_filename(document))}"
    return response


def clause_detail(request, document: Document, clause):
    on = _on(request)
    point = document_as_of(document, on) if on else None
    amendments = document.events.filter(kind=DocumentEvent.Kind.AMENDED).order_by("date", "id")
    amendments = [e for e in amendments if any(clause_within(clause.path, p) for p in e.clauses)]
    cited = affected_by(number=document.number, from_date=document.date, clauses=[clause.path])
    # Read as on a day whose text is an earlier (or later) version: the clause's words in that version, as parsed.
    text_then = None
    if point is not None and point.version is not None and point.version.version != document.version:
        parsed = (point.version.parsed or {}).get("clauses") or []
        text_then = next((c.get("text", "") for c in parsed if c.get("path") == clause.path), "")
    return render(
        request,
        "gazette/clause_detail.html",
        {
            "document": document,
            "clause": clause,
            "text_then": text_then,
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
        request,
        "gazette/affected.html",
        {
            "document": document,
            "changes": document_affected_for(document, request.user),
            "open_items_hidden": not access.can_see_open_items(request.user),
        },
    )


@answers_bad_parameters
def register_index(request):
    kind = choice_param(request, "kind", "事件", DocumentEvent.Kind.choices)
    origin = choice_param(request, "origin", "来源", DocumentEvent.Origin.choices)
    number = request.GET.get("number", "").strip()[:64]
    history = request.GET.get("history") == "1"
    table = Table(
        request,
        events_list(kind=kind, number=number, origin=origin, history=history),
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
            "selected": {"kind": kind, "origin": origin, "number": number, "history": history},
            "retained": retained_list(),
            "expiring": expiring_documents(today=today, within_days=90),
            "can_record": access.can_administer_register(request.user),
            "withdrawable_kinds": [str(k) for k in DocumentEvent.ADMINISTERED_KINDS],
        },
    )


def _documents_list() -> list[tuple[str, str]]:
    return list(Document.objects.order_by("-date", "order").values_list("number", "title"))


def _event_lines(entry, *, old: DocumentEvent | None = None, reason: str = "") -> list[str]:
    """What the confirmation page shows: the documents by name, the date in Chinese, each clause with its words."""
    from countyhall.core.templatetags.countyhall import plain_policy_text

    lines = []
    if old is not None:
        lines.append(
            f"更正原登记：{chinese_date(old.date)} {old.get_kind_display()}（依据 {old.cause_number}）"
            + (f"，所涉条款 {'、'.join(old.clauses)}" if old.clauses else "")
        )
    document = entry.document
    lines.append(f"文件：{entry.number}" + (f"《{document.title}》" if document else "（本公报未刊载）"))
    lines.append(f"事件：{entry.kind_label}，自{chinese_date(entry.date)}起")
    cause = entry.cause
    lines.append(f"依据文件：{entry.cause_number}" + (f"《{cause.title}》" if cause else "（本公报未刊载）"))
    if entry.cause_line:
        lines.append(f"依据行号：公报第{entry.cause_line}行")
    if entry.clauses:
        texts = (
            dict(document.clauses.filter(path__in=entry.clauses).values_list("path", "text"))
            if document
            else {}
        )
        for path in entry.clauses:
            words = plain_policy_text(texts.get(path, ""))[:80]
            lines.append(f"所涉条款 {path}" + (f"：{words}" if words else ""))
    if entry.version:
        lines.append(f"修改后文本：第{entry.version}版，自{chinese_date(entry.date)}起施行")
    if entry.note:
        lines.append(f"理由：{entry.note}")
    if reason:
        lines.append(f"更正理由：{reason}")
    return lines


def _confirm(request, *, title: str, lines: list[str], action: str, back: str):
    hidden = [
        (name, value)
        for name in request.POST
        for value in request.POST.getlist(name)
        if name not in ("csrfmiddlewaretoken", "confirmed", "edit")
    ]
    return render(
        request,
        "gazette/confirm.html",
        {
            "title": title,
            "lines": lines,
            "action": action,
            "back": back,
            "hidden": hidden,
            "target": request.path,
        },
    )


def _event_fields(data) -> dict:
    return {
        "kind": data["kind"],
        "date": data["date"],
        "cause_number": data["cause_number"],
        "cause_line": data["cause_line"],
        "clauses": data["clauses"],
        "version": data["version"],
        "note": data["note"],
    }


def event_new(request):
    """Record a publication, amendment, repeal or lapse: the form, then a confirmation page naming the documents,
    the date and the clauses; only the second POST (confirmed=1) writes."""
    if not access.can_administer_register(request.user):
        raise PermissionDenied("只有公报管理员可以登记文件事件")
    initial = {"number": request.GET.get("number", "")[:64]}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("edit") != "1" and form.is_valid():
        fields = {"number": form.cleaned_data["number"], **_event_fields(form.cleaned_data)}
        try:
            if request.POST.get("confirmed") == "1":
                event = event_record(actor=request.user, **fields)
                messages.success(request, f"已登记：{event.number} {event.get_kind_display()}。")
                return redirect("gazette:register")
            entry = event_check(**fields)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return _confirm(
                request,
                title=f"登记{entry.kind_label}",
                lines=_event_lines(entry),
                action="确认登记",
                back=reverse("gazette:event-new"),
            )
    return render(request, "gazette/event_form.html", {"form": form, "documents": _documents_list()})


def event_correct_page(request, pk: int):
    """Correct an administered entry with a reason: the old entry is kept (history), the new one replaces it."""
    if not access.can_administer_register(request.user):
        raise PermissionDenied("只有公报管理员可以更正文件事件")
    event = get_object_or_404(DocumentEvent.history.select_related("document", "superseded_by"), pk=pk)
    if event.origin != DocumentEvent.Origin.ADMINISTERED or event.kind == DocumentEvent.Kind.RETAINED:
        raise Http404("只能更正管理员登记的公布、修改、废止或失效")
    initial = {
        "kind": event.kind,
        "date": event.date,
        "cause_number": event.cause_number,
        "cause_line": event.cause_line,
        "clauses": "，".join(event.clauses),
        "version": event.version,
        "note": event.note,
    }
    form = EventCorrectForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("edit") != "1" and form.is_valid():
        fields = _event_fields(form.cleaned_data)
        reason = form.cleaned_data["reason"]
        try:
            if request.POST.get("confirmed") == "1":
                event_correct(actor=request.user, event=event, reason=reason, **fields)
                messages.success(
                    request, f"已更正：{event.number} {event.get_kind_display()}（原登记保留）。"
                )
                return redirect("gazette:register")
            if event.superseded_by_id is not None:
                raise ServiceError("event", "该登记已被更正，请更正最新的一条")
            entry = event_check(number=event.number, replacing=event, **fields)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return _confirm(
                request,
                title=f"更正{event.get_kind_display()}登记",
                lines=_event_lines(entry, old=event, reason=reason),
                action="确认更正",
                back=reverse("gazette:event-correct", args=[event.pk]),
            )
    return render(
        request,
        "gazette/event_correct.html",
        {"form": form, "event": event, "documents": _documents_list(), "history": _event_history(event)},
    )


def _event_history(event: DocumentEvent) -> list[DocumentEvent]:
    """The chain of entries an entry replaced, oldest first, and those that replaced it."""
    chain = [event]
    earlier = DocumentEvent.history.filter(superseded_by=event).first()
    while earlier is not None and len(chain) < 50:
        chain.insert(0, earlier)
        earlier = DocumentEvent.history.filter(superseded_by=earlier).first()
    later = event.superseded_by
    while later is not None and len(chain) < 100:
        chain.append(later)
        later = later.superseded_by
    return chain


def event_withdraw_page(request, pk: int):
    """The confirmation page of withdrawing a mistaken entry: what was recorded, what it changes, the reason."""
    if not access.can_administer_register(request.user):
        raise PermissionDenied("只有公报管理员可以撤销文件事件登记")
    event = get_object_or_404(
        DocumentEvent.with_withdrawn.select_related("document", "cause", "recorded_by", "withdrawn_by"), pk=pk
    )
    form = EventWithdrawForm(request.POST or None)
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: event_withdraw(actor=request.user, event_id=event.pk, reason=data["reason"]),
        success=f"已撤销：{event.number} {event.get_kind_display()}（{chinese_date(event.date)}）。",
    ):
        return redirect("gazette:register")
    withdrawable = (
        event.withdrawn_at is None
        and event.origin == DocumentEvent.Origin.ADMINISTERED
        and event.kind in DocumentEvent.ADMINISTERED_KINDS
    )
    return render(
        request, "gazette/event_withdraw.html", {"form": form, "event": event, "withdrawable": withdrawable}
    )


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
        {
            "person": person,
            "posts": posts,
            "decisions": personnel_list(person=person).filter(person=person),
            # the probation and secondment ends rest on reading P2: the page says which answer and links to it
            "period_reading": period_reading(business_date()),
            # The open posts whose probation or secondment year ends: what the keeper's to-do asks them to check.
            "ending": [m for m in posts if m.end is None and (m.probation_end or m.term_end)],
            "notice_days": TERM_NOTICE_DAYS,
        },
    )
