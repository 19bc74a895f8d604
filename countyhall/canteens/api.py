"""API of the 助餐服务系统: terminals check lunches in with an idempotency key; departments read and approve."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.canteens.access import is_terminal
from countyhall.canteens.models import Facility, Lunch, Settlement
from countyhall.canteens.selectors import facility_list_for_user, settlement_list_for_user
from countyhall.canteens.services.facilities import facility_requirements
from countyhall.canteens.services.lunches import IdempotencyConflict, lunch_check_in
from countyhall.canteens.services.settlements import settlement_approve
from countyhall.canteens.services.terminals import terminal_authenticate
from countyhall.core.access import AccessDenied
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError

PRICE_REFUSED = "餐价由机构价目表决定，终端不能设置"
# Anything else a terminal might send about the lunch (its subsidy, the 特困 support kind, the age…) is decided by
# the server from the registry and the price list: a field the check-in does not take is refused, never ignored.
UNKNOWN_FIELD = "登记午餐不接受该字段：补贴、特困供养方式、年龄等由系统按登记信息和价目表确定"


class TerminalAuthentication(BaseAuthentication):
    """`Authorization: Terminal <token>`: a check-in device of one facility (token issued on the terminals page).

    Only the check-in endpoints list this class, so a device token opens nothing else: on any other
    endpoint the header is not understood and the request is unauthenticated. Staff keep their session
    or their personal `Token`.
    """

    keyword = "Terminal"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("终端令牌格式应为：Authorization: Terminal <令牌>。")
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("终端令牌含有无效字符。") from exc
        actor = terminal_authenticate(token)
        if actor is None:
            raise exceptions.AuthenticationFailed("终端令牌无效或已停用。")
        return actor, None

    def authenticate_header(self, request):
        return self.keyword


class TerminalAuthenticationScheme(OpenApiAuthenticationExtension):
    """How /api/docs describes the terminal header."""

    target_class = "countyhall.canteens.api.TerminalAuthentication"
    name = "terminalAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "登记终端令牌：`Terminal <令牌>`（在机构的“登记终端”页面发放，只能登记本机构的午餐）",
        }


# Never HTTP Basic: a password on every request is what the lockout cannot watch (docs/security.md).
CHECK_IN_AUTHENTICATION = [TerminalAuthentication, SessionAuthentication, TokenAuthentication]


MEAL_DATE_ERRORS = {"invalid": "就餐日期格式应为 2022-06-01（年-月-日）。"}
FACILITY_ERRORS = {
    "invalid": "机构编号应为整数。",
    "max_value": "机构编号不存在（数值过大）。",
    "min_value": "机构编号应为正整数。",
    "max_string_length": "机构编号不存在（数值过大）。",
}


class CheckInItemSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=32, help_text="身份证号或就餐卡号")
    meal_date = serializers.DateField(
        required=False, help_text="就餐日期，缺省为当天", error_messages=MEAL_DATE_ERRORS
    )
    idempotency_key = serializers.CharField(max_length=80, required=False)
    extra_label = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="价目表中的高标准或个性化餐名称：另行收费，不享受补贴",
    )


class CheckInSerializer(serializers.Serializer):
    facility = serializers.IntegerField(
        help_text="机构编号", min_value=1, max_value=2**31 - 1, error_messages=FACILITY_ERRORS
    )
    identifier = serializers.CharField(max_length=32, help_text="身份证号或就餐卡号")
    meal_date = serializers.DateField(
        required=False, help_text="就餐日期，缺省为当天", error_messages=MEAL_DATE_ERRORS
    )
    idempotency_key = serializers.CharField(
        max_length=80, required=False, help_text="也可用请求头 Idempotency-Key；同一键重试不会重复登记"
    )
    extra_label = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="价目表中的高标准或个性化餐名称：另行收费，不享受补贴",
    )


class LunchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lunch
        fields = [
            "id",
            "facility",
            "elder",
            "meal_date",
            "status",
            "reason_code",
            "reason",
            "age",
            "tekun",
            "free",
            "price",
            "city",
            "county",
            "operator_discount",
            "care_fund",
            "elder_pays",
            "unfunded",
            "extra_charge",
            "extra_label",
            "citations",
            "readings",
            "policy_basis",
            "idempotency_key",
            "recorded_at",
        ]


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


def _error(field: str, message: str, code: int) -> Response:
    return Response({"error": {"field": field, "message": message}}, status=code)


def _price_sent(request) -> Response | None:
    """Finding: terminals used to send the price. A request that still does is refused, naming the field; so is
    any other field the check-in does not take (a terminal must not believe it set the support kind or a subsidy)."""
    data = request.data
    if not isinstance(data, dict):
        return None
    batch = "lunches" in data
    allowed = (
        set(BatchCheckInSerializer._declared_fields) if batch else set(CheckInSerializer._declared_fields)
    )
    allowed.add("csrfmiddlewaretoken")
    if "price" in data:
        return _error("price", PRICE_REFUSED, status.HTTP_400_BAD_REQUEST)
    for name in data:
        if name not in allowed:
            return _error(str(name)[:60], UNKNOWN_FIELD, status.HTTP_400_BAD_REQUEST)
    items = data.get("lunches")
    if isinstance(items, list):
        item_fields = set(CheckInItemSerializer._declared_fields)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if "price" in item:
                return _error(f"lunches[{index}].price", PRICE_REFUSED, status.HTTP_400_BAD_REQUEST)
            for name in item:
                if name not in item_fields:
                    return _error(
                        f"lunches[{index}].{str(name)[:60]}", UNKNOWN_FIELD, status.HTTP_400_BAD_REQUEST
                    )
    return None


def _facility_for_check_in(actor, pk: int) -> Facility | Response:
    """The facility to record at, or the answer: a device names only its own facility (403 otherwise)."""
    if is_terminal(actor):
        if pk != actor.facility_id:
            return _error("facility", "该终端只能登记本机构的午餐。", status.HTTP_403_FORBIDDEN)
        # No joins and no ordering: the check-in needs the facility's own columns only.
        facility = Facility.objects.order_by().filter(pk=pk).first()
    else:
        facility = facility_list_for_user(actor).select_related(None).order_by().filter(pk=pk).first()
    if facility is None:
        return _error("facility", "机构不存在或不在您的范围内。", status.HTTP_404_NOT_FOUND)
    return facility


def _conflict(exc: IdempotencyConflict) -> Response:
    return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)


# What the check-in answers, documented as it is sent: a refusal carries the recorded lunch beside the error,
# and a batch answers one result per item (schemathesis checks the answers against these).
_ERROR_DETAIL = inline_serializer(
    "CheckInErrorDetail", {"field": serializers.CharField(), "message": serializers.CharField()}
)
REFUSED_LUNCH = inline_serializer("RefusedLunch", {"error": _ERROR_DETAIL, "lunch": LunchSerializer()})
BATCH_RESULTS = inline_serializer(
    "BatchCheckInResults",
    {
        "results": inline_serializer(
            "BatchCheckInResult",
            {
                "index": serializers.IntegerField(),
                "status": serializers.CharField(help_text="accepted / refused / error"),
                "replayed": serializers.BooleanField(required=False),
                "code": serializers.IntegerField(
                    required=False, help_text="error 时的状态码：400、403 或 409"
                ),
                "error": _ERROR_DETAIL.__class__(required=False),
                "lunch": LunchSerializer(required=False),
            },
            many=True,
        )
    },
)


class LunchCheckInApi(APIView):
    """Record one lunch. 201: accepted; 422: refused (the refusal is recorded, with its reason).
    A retry with the same idempotency key and the same body returns the original answer with
    `Idempotent-Replayed: true`; the same key with a different body is 409. The price comes from the
    facility's price list; a body with `price` is 400. A terminal authenticates with `Authorization: Terminal`."""

    authentication_classes = CHECK_IN_AUTHENTICATION

    @extend_schema(request=CheckInSerializer, responses={201: LunchSerializer, 409: None, 422: REFUSED_LUNCH})
    def post(self, request):
        refused = _price_sent(request)
        if refused is not None:
            return refused
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        facility = _facility_for_check_in(request.user, data["facility"])
        if isinstance(facility, Response):
            return facility
        key = request.headers.get("Idempotency-Key") or data.get("idempotency_key")
        try:
            checked = lunch_check_in(
                actor=request.user,
                facility=facility,
                identifier=data["identifier"],
                meal_date=data.get("meal_date"),
                idempotency_key=key,
                extra_label=data.get("extra_label") or "",
            )
        except IdempotencyConflict as exc:
            return _conflict(exc)
        body = lunch_json(checked.lunch)
        code = status.HTTP_201_CREATED if checked.accepted else status.HTTP_422_UNPROCESSABLE_ENTITY
        if not checked.accepted:
            body = {"error": {"field": "identifier", "message": checked.lunch.reason}, "lunch": body}
        response = Response(body, status=code)
        if checked.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class BatchCheckInSerializer(serializers.Serializer):
    facility = serializers.IntegerField(
        help_text="机构编号", min_value=1, max_value=2**31 - 1, error_messages=FACILITY_ERRORS
    )
    lunches = serializers.ListField(
        child=CheckInItemSerializer(),
        min_length=1,
        max_length=100,
        help_text="最多 100 条；每条有自己的幂等键，逐条登记、逐条答复",
    )


class LunchBatchCheckInApi(APIView):
    """A terminal sends the check-ins it has queued (a busy counter, or a village with a weak network).

    Each item is its own check-in (own idempotency key, own transaction, own answer); the batch
    only saves round trips. 200 with one result per item, in order; an item whose key was used for a
    different body answers status "error" with code 409.
    """

    authentication_classes = CHECK_IN_AUTHENTICATION

    @extend_schema(request=BatchCheckInSerializer, responses={200: BATCH_RESULTS})
    def post(self, request):
        refused = _price_sent(request)
        if refused is not None:
            return refused
        serializer = BatchCheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        facility = _facility_for_check_in(request.user, data["facility"])
        if isinstance(facility, Response):
            return facility
        results = []
        for index, item in enumerate(data["lunches"]):
            try:
                checked = lunch_check_in(
                    actor=request.user,
                    facility=facility,
                    identifier=item["identifier"],
                    meal_date=item.get("meal_date"),
                    idempotency_key=item.get("idempotency_key"),
                    extra_label=item.get("extra_label") or "",
                )
            except IdempotencyConflict as exc:
                results.append({"index": index, "status": "error", "code": 409, **exc.as_dict()})
                continue
            except AccessDenied as exc:
                results.append({"index": index, "status": "error", "code": 403, **exc.as_dict()})
                continue
            except ServiceError as exc:
                results.append({"index": index, "status": "error", "code": 400, **exc.as_dict()})
                continue
            results.append(
                {
                    "index": index,
                    "status": checked.lunch.status,
                    "replayed": checked.replayed,
                    "lunch": lunch_json(checked.lunch),
                }
            )
        return Response({"results": results})


class FacilitySerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division.full_name")
    operator = serializers.CharField(source="operator.name")

    class Meta:
        model = Facility
        fields = [
            "id",
            "name",
            "kind",
            "model",
            "setting",
            "operator",
            "operator_kind",
            "division",
            "address",
            "area_m2",
            "seats",
            "lunch_price",
            "status",
            "filed_on",
            "service_start",
        ]


class FacilityListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str)], responses={200: FacilitySerializer(many=True)}
    )
    def get(self, request):
        facilities = facility_list_for_user(request.user)
        if request.query_params.get("status"):
            facilities = facilities.filter(status=request.query_params["status"])
        return Response(FacilitySerializer(facilities, many=True).data)


class FacilityRequirementsApi(APIView):
    """Whether the facility meets each A2/A5 requirement, with the clause that sets it."""

    @extend_schema(
        responses={
            200: {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "要求代码：area、seats、licence、supplier、staff …",
                        },
                        "ok": {"type": "boolean"},
                        "message": {"type": "string"},
                        "citation": {
                            "type": "object",
                            "properties": {
                                "document": {"type": "string"},
                                "clause": {"type": "string"},
                                "line": {"type": "integer"},
                            },
                            "required": ["document", "clause", "line"],
                        },
                    },
                    "required": ["code", "ok", "message", "citation"],
                },
            }
        }
    )
    def get(self, request, pk: int):
        facility = facility_list_for_user(request.user).filter(pk=pk).first()
        if facility is None:
            return Response({"error": {"field": "pk", "message": "机构不存在或不在您的范围内。"}}, status=404)
        return Response(
            [
                {"code": r.code, "ok": r.ok, "message": r.message, "citation": r.citation}
                for r in facility_requirements(facility, on=business_date())
            ]
        )


class SettlementSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name")

    class Meta:
        model = Settlement
        fields = [
            "id",
            "facility",
            "facility_name",
            "year",
            "month",
            "status",
            "lunches",
            "free_lunches",
            "city",
            "county",
            "care_fund",
            "operator_discount",
            "elder_paid",
            "unfunded",
            "adjustments_total",
        ]


class SettlementListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int)], responses={200: SettlementSerializer(many=True)}
    )
    def get(self, request):
        year = request.query_params.get("year", "").strip()
        if year and not (year.isascii() and year.isdigit()):
            return Response({"error": {"field": "year", "message": "年度应为整数，如 2021。"}}, status=400)
        settlements = settlement_list_for_user(request.user, year=int(year) if year else None)
        return Response(SettlementSerializer(settlements, many=True).data)


class SettlementApproveApi(APIView):
    @extend_schema(request=None, responses={200: SettlementSerializer})
    def post(self, request, pk: int):
        settlement = settlement_list_for_user(request.user).filter(pk=pk).first()
        if settlement is None:
            return Response(
                {"error": {"field": "pk", "message": "结算单不存在或不在您的范围内。"}}, status=404
            )
        try:
            settlement = settlement_approve(actor=request.user, settlement=settlement)
        except AccessDenied:
            raise  # the API's exception handler answers 403 in the same error shape
        except ServiceError as exc:
            return Response(exc.as_dict(), status=400)
        return Response(SettlementSerializer(settlement).data)
