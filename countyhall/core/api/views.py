from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.core.errors import ServiceError
from countyhall.core.models import Person
from countyhall.core.policy import parameters
from countyhall.core.rules import RuleInputError, calc, rule_catalogue
from countyhall.core.selectors.calendar import calendar_month
from countyhall.core.selectors.people import (
    division_filter_for_user,
    person_get_for_user,
    person_list_for_user,
    person_list_read_log,
    person_present,
)
from countyhall.core.workdays import CalendarYearUnknown

ErrorDetailSerializer = inline_serializer(
    "ErrorDetail", {"field": serializers.CharField(), "message": serializers.CharField()}
)
ErrorSerializer = inline_serializer("Error", {"error": ErrorDetailSerializer})
# A rule's input errors: the first as "error" (the shape of every API error), all of them in "errors".
CalcErrorSerializer = inline_serializer(
    "CalcError",
    {"error": ErrorDetailSerializer, "errors": serializers.ListField(child=ErrorDetailSerializer)},
)


class CalcListApi(APIView):
    """Every rule the platform computes, with its input schema and an example."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"rules": rule_catalogue()})


class CalcApi(APIView):
    """Run one rule. Money is a yuan string with two decimals; every result carries citations and readings."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: CalcErrorSerializer, 404: CalcErrorSerializer},
    )
    def post(self, request, rule: str):
        try:
            try:
                payload = request.data
            except ParseError as exc:
                # Answered like every other input error of a rule, so 400 always has the CalcError shape.
                raise RuleInputError("(input)", f"输入不是有效的 JSON：{exc.detail}") from None
            return Response(calc(rule, payload))
        except RuleInputError as exc:
            status = 404 if exc.field == "rule" else 400
            return Response(exc.as_dict(), status=status)


def _parameter_json(parameter) -> dict:
    registry = parameters()
    return {
        "name": parameter.name,
        "label": parameter.label,
        "unit": parameter.unit,
        "unit_label": parameter.unit_label,
        "description": parameter.description,
        "administered": parameter.administered,
        "source_file": parameter.source_file,
        "values": [
            {
                "from": v.valid_from.isoformat(),
                "to": v.valid_to.isoformat() if v.valid_to else None,
                "value": str(v.value) if not isinstance(v.value, bool | int | dict | list) else v.value,
                "citation": v.citation.as_dict(),
                "reading": registry.readings[v.reading].as_dict() if v.reading else None,
                "note": v.note,
            }
            for v in parameter.values
        ],
    }


class ParameterListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        registry = parameters()
        return Response(
            {
                "parameters": [_parameter_json(p) for p in registry],
                "readings": [r.as_dict() for r in sorted(registry.readings.values(), key=lambda r: r.id)],
            }
        )


class ParameterDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="parameter_detail", responses={200: OpenApiTypes.OBJECT, 404: ErrorSerializer}
    )
    def get(self, request, name: str):
        try:
            return Response(_parameter_json(parameters().get(name)))
        except KeyError:
            return Response({"error": {"field": "name", "message": f"未定义的政策参数：{name}"}}, status=404)


class PersonSerializer(serializers.Serializer):
    pk = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.CharField()
    division = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField()


class PersonListApi(APIView):
    """People within the caller's division scope; masked unless the role needs full data."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str), OpenApiParameter("division", int)],
        responses={200: PersonSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request):
        try:
            within = division_filter_for_user(request.user, request.query_params.get("division"))
        except ServiceError as exc:
            return Response(exc.as_dict(), status=400)
        query = request.query_params.get("q", "").strip()
        people = list(person_list_for_user(request.user, query=query, within=within)[:200])
        # Up to 200 records with address and phone for an unmasked role: logged like a detail read.
        person_list_read_log(request.user, what="接口人员列表", count=len(people), query=query, within=within)
        return Response([PersonSerializer(person_present(p, request.user)).data for p in people])


class PersonDetailApi(APIView):
    @extend_schema(responses={200: PersonSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        try:
            view = person_get_for_user(request.user, person_id=pk, purpose="接口查询人员详情")
        except Person.DoesNotExist:
            return Response({"error": {"field": "pk", "message": "不在您的数据范围内或不存在。"}}, status=404)
        return Response(PersonSerializer(view).data)


class CalendarMonthApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", {"type": "integer", "minimum": 1, "maximum": 9999}, OpenApiParameter.PATH
            ),
            OpenApiParameter(
                "month", {"type": "integer", "minimum": 1, "maximum": 12}, OpenApiParameter.PATH
            ),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, year: int, month: int):
        # The URL only promises digits: an impossible month is the caller's error, not an empty month, and a
        # year beyond 9999 overflows the database's integers.
        if not 1 <= month <= 12:
            return Response(
                {"error": {"field": "month", "message": f"月份应为 1–12，不能是 {month}。"}}, status=400
            )
        if not 1 <= year <= 9999:
            return Response(
                {"error": {"field": "year", "message": f"年份应为 1–9999，不能是 {year}。"}}, status=400
            )
        try:
            days = calendar_month(year=year, month=month)
        except CalendarYearUnknown as exc:
            return Response({"error": {"field": "year", "message": str(exc)}}, status=404)
        return Response(
            {
                "days": [
                    {
                        "date": d.date.isoformat(),
                        "is_workday": d.is_workday,
                        "kind": d.kind,
                        "holiday_name": d.holiday_name,
                    }
                    for d in days
                ]
            }
        )
