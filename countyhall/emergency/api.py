"""API of the accident module: the same scope as the pages; the live board for wall displays and terminals."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.core.rules.fields import DateTimeField
from countyhall.emergency import selectors, services
from countyhall.emergency.access import USERS as EMERGENCY_ROLES
from countyhall.emergency.cap import warning_cap_xml
from countyhall.emergency.models import Incident, PowerEnterprise, ReportDeadline, Warning
from countyhall.emergency.rules import LEVEL_LABELS


def _need(user) -> None:
    if not user.role_codes & EMERGENCY_ROLES:
        raise PermissionDenied("当前角色无权使用发电企业事故应急模块。")


def _not_found(message: str) -> Response:
    return Response({"error": {"field": "pk", "message": message}}, status=status.HTTP_404_NOT_FOUND)


class IncidentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.organisation.name", read_only=True)
    level_label = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "occurred_at",
            "place",
            "status",
            "level",
            "level_label",
            "reported_at",
            "response_started_at",
            "response_started_by",
            "ended_at",
            "ended_by",
        ]

    def get_level_label(self, incident) -> str:
        return LEVEL_LABELS[incident.level]


class IncidentReportSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=PowerEnterprise.objects.all())
    kind = serializers.ChoiceField(choices=Incident.Kind.choices)
    occurred_at = DateTimeField()
    place = serializers.CharField(max_length=200)
    deaths = serializers.IntegerField(min_value=0, max_value=services.MAX_PERSONS, default=0)
    missing = serializers.IntegerField(min_value=0, max_value=services.MAX_PERSONS, default=0)
    injured = serializers.IntegerField(min_value=0, max_value=services.MAX_PERSONS, default=0)
    especially_major_impact = serializers.BooleanField(default=False)
    direct_loss_yuan = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    unit_overview = serializers.CharField(required=False, allow_blank=True, default="")
    scene = serializers.CharField(required=False, allow_blank=True, default="")
    course = serializers.CharField(required=False, allow_blank=True, default="")
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    other = serializers.CharField(required=False, allow_blank=True, default="")


class FiguresSerializer(serializers.Serializer):
    deaths = serializers.IntegerField(min_value=0, max_value=services.MAX_PERSONS)
    missing = serializers.IntegerField(min_value=0, max_value=services.MAX_PERSONS)
    injured = serializers.IntegerField(min_value=0, max_value=services.MAX_PERSONS)
    especially_major_impact = serializers.BooleanField(default=False)
    direct_loss_yuan = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )


class DoneSerializer(serializers.Serializer):
    reported_to = serializers.CharField(max_length=200)
    done_at = DateTimeField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentListApi(APIView):
    @extend_schema(responses={200: IncidentSerializer(many=True)})
    def get(self, request):
        _need(request.user)
        return Response(IncidentSerializer(selectors.incident_list_for_user(request.user), many=True).data)

    @extend_schema(request=IncidentReportSerializer, responses={201: IncidentSerializer})
    def post(self, request):
        _need(request.user)
        data = IncidentReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_report(actor=request.user, **data.validated_data)
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentBoardApi(APIView):
    """The incident with its E2 board: every deadline with seconds left, done, late or missed."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        _need(request.user)
        incident = selectors.incident_list_for_user(request.user).filter(pk=pk).first()
        if incident is None:
            return _not_found("事故不存在或不在您的范围内。")
        return Response({**IncidentSerializer(incident).data, "board": selectors.incident_board(incident)})


class IncidentFiguresApi(APIView):
    @extend_schema(request=FiguresSerializer, responses={200: dict})
    def post(self, request, pk: int):
        _need(request.user)
        incident = selectors.incident_list_for_user(request.user).filter(pk=pk).first()
        if incident is None:
            return _not_found("事故不存在或不在您的范围内。")
        data = FiguresSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        figures = services.incident_figures_update(
            actor=request.user, incident=incident, **data.validated_data
        )
        incident.refresh_from_db()
        return Response(
            {
                "version": figures.version,
                "computed_level": figures.level,
                "level": incident.level,
                "citations": figures.citations,
                "readings": figures.readings,
            }
        )


class DeadlineDoneApi(APIView):
    @extend_schema(request=DoneSerializer, responses={200: dict})
    def post(self, request, pk: int):
        _need(request.user)
        deadline = ReportDeadline.objects.filter(
            pk=pk, incident__in=selectors.incident_list_for_user(request.user)
        ).first()
        if deadline is None:
            return _not_found("报告时限不存在或不在您的范围内。")
        data = DoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deadline = services.deadline_done(actor=request.user, deadline=deadline, **data.validated_data)
        return Response(selectors.deadline_state(deadline, now=deadline.done_at))


class WarningCapApi(APIView):
    """A warning as a CAP 1.2 alert (application/cap+xml)."""

    @extend_schema(responses={(200, "application/cap+xml"): str})
    def get(self, request, pk: int):
        _need(request.user)
        warning = Warning.objects.filter(pk=pk).first()
        if warning is None:
            return _not_found("预警不存在。")
        return HttpResponse(warning_cap_xml(warning), content_type="application/cap+xml; charset=utf-8")
