from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from .models import Clause, Document, PersonnelDecision
from .selectors import document_list


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
