from __future__ import annotations

from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.core.clock import business_date, chinese_date
from countyhall.core.params import (
    BadParameter,
    answers_bad_parameters,
    choice_param,
    date_param,
    page_param,
    year_param,
)
from countyhall.core.reports import excel_response, pdf_response

from .akn import akn_filename, document_akn_xml
from .models import Document, PersonnelDecision
from .search import issuer_choices, search, validity_on, year_choices
from .selectors import clause_for_citation, clause_search, document_for_line, document_list, personnel_list


def document_index(request):
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    documents = document_list(query=query, kind=kind)
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


def document_detail(request, pk: int):
    document = get_object_or_404(Document, pk=pk)
    clauses = list(document.clauses.order_by("order"))
    return render(
        request,
        "gazette/document_detail.html",
        {
            "document": document,
            "clauses": clauses,
            "preamble": _preamble(document, clauses),
            "personnel": document.personnel_decisions.order_by("order"),
            "versions": document.versions.order_by("-version"),
            "highlight": request.GET.get("highlight", ""),
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
    documents = document_list(query=request.GET.get("q", ""), kind=request.GET.get("kind", ""))
    today = business_date()
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
                validity_on(d, today),
                ("、".join(d.attachments) + ("" if d.attachments_printed else "（未随文刊印）"))
                if d.attachments
                else "",
                d.version,
            ]
            for d in documents.iterator()
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
        return redirect(f"{clause.document.get_absolute_url()}?highlight={clause.anchor}#{clause.anchor}")
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


def _search_excel(result):
    today = business_date()
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
                validity_on(hit.document, today),
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
