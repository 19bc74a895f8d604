from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.core.errors import ServiceError
from countyhall.core.params import BadParameter

from .models import Clause, Document, PersonnelDecision
from .search import clause_eid, search
from .selectors import document_list
from .views import search_params


class ClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clause
        fields = ["anchor", "path", "level", "heading", "text", "line", "end_line"]


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
