from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.params import BadParameter

from .identifiers import split_expression
from .models import Clause, Document, DocumentEvent, PersonnelDecision, PostMembership
from .search import clause_eid, search
from .selectors import (
    clause_by_eid,
    document_affected_for,
    document_as_of,
    document_by_uri,
    document_list,
    document_standing,
    memberships_on,
    person_posts,
)
from .views import search_params


class ClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clause
        fields = ["eid", "anchor", "path", "level", "heading", "text", "line", "end_line"]


class PersonnelDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonnelDecision
        fields = [
            "person",
            "action",
            "position",
            "acting",
            "probation",
            "probation_months",
            "term",
            "term_months",
            "line",
        ]


class DocumentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "uri",
            "number",
            "numbered",
            "number_as_printed",
            "issuer",
            "issuers",
            "title",
            "date",
            "kind",
            "registration_code",
            "effective_from",
            "effective_to",
            "version",
            "start_line",
            "end_line",
        ]


class DocumentDetailSerializer(DocumentSummarySerializer):
    clauses = ClauseSerializer(many=True, read_only=True)
    personnel_decisions = PersonnelDecisionSerializer(many=True, read_only=True)

    class Meta(DocumentSummarySerializer.Meta):
        fields = DocumentSummarySerializer.Meta.fields + [
            "recipients",
            "attachments",
            "attachments_printed",
            "body",
            "clauses",
            "personnel_decisions",
        ]


@extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("kind", str)])
class DocumentListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = DocumentSummarySerializer

    def get_queryset(self):
        return document_list(
            query=self.request.query_params.get("q", ""), kind=self.request.query_params.get("kind", "")
        )


class DocumentDetailApi(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = DocumentDetailSerializer
    queryset = Document.objects.prefetch_related("clauses", "personnel_decisions")


class SearchHitSerializer(serializers.Serializer):
    number = serializers.CharField(source="document.number", help_text="文号")
    title = serializers.CharField(source="document.title")
    issuer = serializers.CharField(source="document.issuer")
    date = serializers.DateField(source="document.date")
    document = serializers.IntegerField(source="document.pk")
    clause = serializers.SerializerMethodField(help_text="条款（文件本身的命中为 null）")
    eid = serializers.SerializerMethodField()
    score = serializers.FloatField(help_text="相关度（BM25；文号命中排在最前）")
    number_match = serializers.BooleanField()
    snippet = serializers.CharField(help_text="摘录：已转义的 HTML，命中的词在 <mark> 中")
    url = serializers.CharField()

    def get_clause(self, hit) -> str | None:
        return hit.clause.path if hit.clause is not None else None

    def get_eid(self, hit) -> str | None:
        return clause_eid(hit.clause) if hit.clause is not None else None


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField(), help_text="分词结果")
    number = serializers.CharField(help_text="查询中的文号（规范写法），没有则为空")
    count = serializers.IntegerField()
    hits = SearchHitSerializer(many=True)


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="关键词或文号（〔〕 [] 【】 （） 均可，有无“第”均可）"),
        OpenApiParameter("kind", str),
        OpenApiParameter("issuer", str),
        OpenApiParameter("year", int),
        OpenApiParameter("in_force_on", str, description="在该日期有效（YYYY-MM-DD）"),
        OpenApiParameter("sort", str, enum=["relevance", "date"]),
    ],
    responses=SearchResultSerializer,
)
class SearchApi(APIView):
    """Full-text search of the register (gazette.search): ranked hits with highlighted snippets."""

    permission_classes = [AllowAny]

    def get(self, request):
        try:
            params = search_params(request)
        except BadParameter as exc:
            raise ServiceError(exc.name, f"{exc.label}：{exc.message}") from None
        result = search(**params, limit=100)
        data = {
            "query": result.query,
            "terms": result.terms,
            "number": result.number,
            "count": len(result.hits),
            "hits": result.hits,
        }
        return Response(SearchResultSerializer(data).data)


# ---- issue 15: by URI and eId, as in force on a day, affected figures, memberships -------------------------------


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentEvent
        fields = [
            "number",
            "kind",
            "date",
            "cause_number",
            "cause_line",
            "clauses",
            "version",
            "note",
            "origin",
        ]


class MembershipSerializer(serializers.ModelSerializer):
    opened_by = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField()

    class Meta:
        model = PostMembership
        fields = [
            "person",
            "post",
            "start",
            "end",
            "probation_end",
            "term_end",
            "acting",
            "secondment",
            "opened_by",
            "closed_by",
        ]

    def _decision(self, decision):
        if decision is None:
            return None
        return {
            "document": decision.document.number,
            "uri": decision.document.uri,
            "action": decision.action,
            "line": decision.line,
        }

    def get_opened_by(self, membership) -> dict | None:
        return self._decision(membership.opened_by)

    def get_closed_by(self, membership) -> dict | None:
        return self._decision(membership.closed_by)


def _on_param(request, name: str = "on") -> dt.date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [f"日期：格式应为 YYYY-MM-DD（收到“{raw[:20]}”）"]}) from None


def _document(uri: str) -> Document:
    work, version = split_expression(uri.split("/~", 1)[0])
    document = document_by_uri(work)
    if document is None:
        raise NotFound(f"没有标识为 /{work.strip('/')} 的文件")
    # …/zho@v9 of a document with two versions names no text: a 404 as on the page, not the current text.
    if version is not None and not document.versions.filter(version=version).exists():
        raise NotFound(f"{document.number} 没有第{version}版")
    return document


class DocumentByUriApi(APIView):
    """A document by its URI (…/高政办发/2021/2), or one clause (…/~sec_4__subsec_2__para_5), with its events and,
    with ?on=, its standing on that day and what changed later."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("uri", str, OpenApiParameter.PATH),
            OpenApiParameter("on", str, description="YYYY-MM-DD：按该日的效力"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, uri: str):
        document = _document(uri)
        on = _on_param(request)
        day = on or business_date()
        standing = document_standing(document, day)
        data = {
            "uri": document.uri,
            "expression_uri": document.expression_uri,
            "number": document.number,
            "title": document.title,
            "standing": {"code": standing.code, "label": standing.label, "on": day.isoformat()},
            "events": EventSerializer(document.events.order_by("date", "id"), many=True).data,
        }
        if on is not None:
            point = document_as_of(document, on)
            data["version"] = point.version.version if point.version else None
            # The legal date the version's text is in force from (not the day it was ingested), and its basis.
            data["version_from"] = point.version_start.start.isoformat() if point.version_start else None
            data["version_basis"] = point.version_start.basis if point.version_start else ""
            data["later"] = EventSerializer(point.later, many=True).data
        if "/~" in uri:
            eid = uri.split("/~", 1)[1].strip("/")
            clause = clause_by_eid(document=document, eid=eid)
            if clause is None:
                raise NotFound(f"{document.number} 没有条款 {eid}")
            data["clause"] = ClauseSerializer(clause).data
        else:
            data["clauses"] = ClauseSerializer(document.clauses.order_by("order"), many=True).data
        return Response(data)


class AffectedApi(APIView):
    """What a document's expiry, repeal or amendment affects: parameters, readings, in-code citations, open items."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("uri", str, OpenApiParameter.PATH)], responses=OpenApiTypes.OBJECT
    )
    def get(self, request, uri: str):
        document = _document(uri)
        return Response(
            [
                {
                    "event": EventSerializer(change["event"]).data,
                    "from": change["from"].isoformat(),
                    "affected": [asdict(row) for row in rows],
                }
                for change, rows in document_affected_for(document, request.user)
            ]
        )


class MembershipListApi(APIView):
    """Who held post P on day D and by which decision (?post=&on=), or a person's posts over time (?person=)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("post", str),
            OpenApiParameter("person", str),
            OpenApiParameter("on", str, description="YYYY-MM-DD：当日在任"),
        ],
        responses=MembershipSerializer(many=True),
    )
    def get(self, request):
        on = _on_param(request)
        post = request.query_params.get("post", "").strip()[:200]
        person = request.query_params.get("person", "").strip()[:16]
        if not post and not person:
            raise ValidationError({"post": ["职务或姓名：至少填写一项"]})
        rows = (
            person_posts(person)
            if person and not post and on is None
            else memberships_on(post=post, person=person, on=on)
        )
        return Response(MembershipSerializer(rows, many=True).data)
