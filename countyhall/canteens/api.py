"""API of the 助餐服务系统: terminals check lunches in with an idempotency key; departments read and approve."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.canteens.models import Facility, Lunch, Settlement
from countyhall.canteens.selectors import facility_list_for_user, settlement_list_for_user
from countyhall.canteens.services.facilities import facility_requirements
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.settlements import settlement_approve
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.rules.fields import MoneyField


class CheckInItemSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=32, help_text="身份证号或就餐卡号")
    meal_date = serializers.DateField(required=False, help_text="就餐日期，缺省为当天")
    price = MoneyField(required=False, help_text="本餐价格，缺省为机构登记的午餐价格")
    idempotency_key = serializers.CharField(max_length=80, required=False)


class CheckInSerializer(serializers.Serializer):
    facility = serializers.IntegerField(help_text="机构编号")
    identifier = serializers.CharField(max_length=32, help_text="身份证号或就餐卡号")
    meal_date = serializers.DateField(required=False, help_text="就餐日期，缺省为当天")
    price = MoneyField(required=False, help_text="本餐价格，缺省为机构登记的午餐价格")
    idempotency_key = serializers.CharField(max_length=80, required=False,
                                            help_text="也可用请求头 Idempotency-Key；同一键重试不会重复登记")


class LunchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lunch
        fields = ["id", "facility", "elder", "meal_date", "status", "reason_code", "reason", "age", "tekun", "free",
                  "price", "city", "county", "operator_discount", "care_fund", "elder_pays", "unfunded", "citations",
                  "readings", "idempotency_key", "recorded_at"]


LUNCH_FIELDS = LunchSerializer.Meta.fields
DATETIME = serializers.DateTimeField()


def lunch_json(lunch: Lunch) -> dict:
    """The LunchSerializer's shape, built directly: ModelSerializer introspection cost more than the check-in."""
    data = {}
    for name in LUNCH_FIELDS:
        value = getattr(lunch, f"{name}_id" if name in ("facility", "elder") else name)
        if isinstance(value, Decimal):
            value = f"{value:.2f}"
        elif isinstance(value, dt.datetime):
            value = DATETIME.to_representation(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[name] = value
    return data


def _facility_for_check_in(user, pk: int) -> Facility | None:
    # No joins and no ordering: the check-in needs the facility's own columns only.
    return facility_list_for_user(user).select_related(None).order_by().filter(pk=pk).first()


def _facility_not_found() -> Response:
    return Response({"error": {"field": "facility", "message": "机构不存在或不在您的范围内。"}},
                    status=status.HTTP_404_NOT_FOUND)


class LunchCheckInApi(APIView):
    """Record one lunch. 201: accepted; 422: refused (the refusal is recorded, with its reason).
    A retry with the same idempotency key returns the original answer with `Idempotent-Replayed: true`."""

    @extend_schema(request=CheckInSerializer, responses={201: LunchSerializer, 422: LunchSerializer})
    def post(self, request):
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        facility = _facility_for_check_in(request.user, data["facility"])
        if facility is None:
            return _facility_not_found()
        key = request.headers.get("Idempotency-Key") or data.get("idempotency_key")
        checked = lunch_check_in(actor=request.user, facility=facility, identifier=data["identifier"],
                                 meal_date=data.get("meal_date"), idempotency_key=key, price=data.get("price"))
        body = lunch_json(checked.lunch)
        code = status.HTTP_201_CREATED if checked.accepted else status.HTTP_422_UNPROCESSABLE_ENTITY
        if not checked.accepted:
            body = {"error": {"field": "identifier", "message": checked.lunch.reason}, "lunch": body}
        response = Response(body, status=code)
        if checked.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class BatchCheckInSerializer(serializers.Serializer):
    facility = serializers.IntegerField(help_text="机构编号")
    lunches = serializers.ListField(child=CheckInItemSerializer(), min_length=1, max_length=100,
                                    help_text="最多 100 条；每条有自己的幂等键，逐条登记、逐条答复")


class LunchBatchCheckInApi(APIView):
    """A terminal sends the check-ins it has queued (a busy counter, or a village with a weak network).

    Each item is its own check-in (own idempotency key, own transaction, own answer); the batch
    only saves round trips. 200 with one result per item, in order.
    """

    @extend_schema(request=BatchCheckInSerializer, responses={200: LunchSerializer(many=True)})
    def post(self, request):
        serializer = BatchCheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        facility = _facility_for_check_in(request.user, data["facility"])
        if facility is None:
            return _facility_not_found()
        results = []
        for index, item in enumerate(data["lunches"]):
            try:
                checked = lunch_check_in(actor=request.user, facility=facility, identifier=item["identifier"],
                                         meal_date=item.get("meal_date"), idempotency_key=item.get("idempotency_key"),
                                         price=item.get("price"))
            except ServiceError as exc:
                results.append({"index": index, "status": "error", **exc.as_dict()})
                continue
            results.append({"index": index, "status": checked.lunch.status, "replayed": checked.replayed,
                            "lunch": lunch_json(checked.lunch)})
        return Response({"results": results})


class FacilitySerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division.full_name")
    operator = serializers.CharField(source="operator.name")

    class Meta:
        model = Facility
        fields = ["id", "name", "kind", "model", "setting", "operator", "operator_kind", "division", "address",
                  "area_m2", "seats", "lunch_price", "status", "filed_on", "service_start"]


class FacilityListApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("status", str)], responses={200: FacilitySerializer(many=True)})
    def get(self, request):
        facilities = facility_list_for_user(request.user)
        if request.query_params.get("status"):
            facilities = facilities.filter(status=request.query_params["status"])
        return Response(FacilitySerializer(facilities, many=True).data)


class FacilityRequirementsApi(APIView):
    """Whether the facility meets each A2/A5 requirement, with the clause that sets it."""

    @extend_schema(responses={200: {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "要求代码：area、seats、licence、supplier、staff …"},
                "ok": {"type": "boolean"},
                "message": {"type": "string"},
                "citation": {"type": "object", "properties": {"document": {"type": "string"},
                                                              "clause": {"type": "string"},
                                                              "line": {"type": "integer"}},
                             "required": ["document", "clause", "line"]},
            },
            "required": ["code", "ok", "message", "citation"],
        },
    }})
    def get(self, request, pk: int):
        facility = facility_list_for_user(request.user).filter(pk=pk).first()
        if facility is None:
            return Response({"error": {"field": "pk", "message": "机构不存在或不在您的范围内。"}}, status=404)
        return Response([{"code": r.code, "ok": r.ok, "message": r.message, "citation": r.citation}
                         for r in facility_requirements(facility, on=business_date())])


class SettlementSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name")

    class Meta:
        model = Settlement
        fields = ["id", "facility", "facility_name", "year", "month", "status", "lunches", "free_lunches", "city",
                  "county", "care_fund", "operator_discount", "elder_paid", "unfunded", "adjustments_total"]


class SettlementListApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: SettlementSerializer(many=True)})
    def get(self, request):
        year = request.query_params.get("year")
        settlements = settlement_list_for_user(request.user, year=int(year) if year and year.isdigit() else None)
        return Response(SettlementSerializer(settlements, many=True).data)


class SettlementApproveApi(APIView):
    @extend_schema(request=None, responses={200: SettlementSerializer})
    def post(self, request, pk: int):
        settlement = settlement_list_for_user(request.user).filter(pk=pk).first()
        if settlement is None:
            return Response({"error": {"field": "pk", "message": "结算单不存在或不在您的范围内。"}}, status=404)
        try:
            settlement = settlement_approve(actor=request.user, settlement=settlement)
        except ServiceError as exc:
            return Response(exc.as_dict(), status=400)
        return Response(SettlementSerializer(settlement).data)
