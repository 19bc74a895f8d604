"""API of the e-government program (/api/v1/egov/…): plan years, applications with their review and gates, the annual
plans, performance evaluations and assessments, the portfolio and the ranking. The same scope as the pages (a budget
unit sees only its own organisation's projects: another's answers 404), the same predicates (403 in the structured
error shape of core/api/errors.py), every write a service of egov.performance."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.core.access import AccessDenied
from countyhall.core.clock import business_date
from countyhall.egov import access, performance, portfolio, selectors
from countyhall.egov.models import (
    AnnualPlan,
    Application,
    PerformanceEvaluation,
    PlanEntry,
    PlanYear,
    Review,
    SupplierRating,
)


def _need(user) -> None:
    if not access.can_open(user):
        raise AccessDenied("当前角色无权使用电子政务项目模块。")


def _not_found(message: str, field: str = "pk") -> Response:
    return Response({"error": {"field": field, "message": message}}, status=status.HTTP_404_NOT_FOUND)


def _bad(field: str, message: str) -> Response:
    return Response({"error": {"field": field, "message": message}}, status=status.HTTP_400_BAD_REQUEST)


def _application(user, pk: int) -> Application | None:
    return selectors.application_get_for_user(user, pk)


NOT_FOUND = "项目不存在或不在您的范围内。"


class PlanYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanYear
        fields = [
            "year",
            "application_due",
            "joint_review_due",
            "annual_plan_due",
            "budget_year",
            "citations",
        ]


class ApplicationSerializer(serializers.ModelSerializer):
    plan_year = serializers.IntegerField(source="plan_year.year", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "plan_year",
            "unit",
            "unit_name",
            "name",
            "planned_investment",
            "has_engineering",
            "has_service",
            "classified",
            "status",
            "status_label",
            "submitted_on",
            "outcome",
        ]


class ReviewSerializer(serializers.ModelSerializer):
    reviewer_name = serializers.CharField(source="reviewer.name", read_only=True, default="")
    admissible = serializers.BooleanField(read_only=True)
    cosigned = serializers.BooleanField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "admissible",
            "admissibility",
            "mode",
            "mode_terms",
            "reviewer_name",
            "report_conclusion",
            "report_uploaded_at",
            "technical_supported",
            "technical_opinion",
            "technical_signed_at",
            "fiscal_supported",
            "fiscal_opinion",
            "approved_investment",
            "fiscal_signed_at",
            "cosigned",
        ]


class GateSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    evidence = serializers.CharField(allow_blank=True)
    evidence_date = serializers.DateField(allow_null=True)
    age_days = serializers.IntegerField(allow_null=True)
    stale = serializers.BooleanField()
    citation = serializers.DictField()


class MoneySerializer(serializers.Serializer):
    planned = serializers.DecimalField(max_digits=14, decimal_places=2)
    approved = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)


class BaselineSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField()
    investment = serializers.DecimalField(max_digits=14, decimal_places=2)
    change = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    compiled_on = serializers.DateField()
    approved_at = serializers.DateTimeField(allow_null=True)
    reference = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class PlanEntrySerializer(serializers.ModelSerializer):
    application_name = serializers.CharField(source="application.name", read_only=True)
    unit_name = serializers.CharField(source="application.unit.name", read_only=True)

    class Meta:
        model = PlanEntry
        fields = ["application", "application_name", "unit_name", "investment"]


class PlanSerializer(serializers.ModelSerializer):
    plan_year = serializers.IntegerField(source="plan_year.year", read_only=True)
    entries = PlanEntrySerializer(many=True, read_only=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = AnnualPlan
        fields = [
            "plan_year",
            "version",
            "status",
            "change_reason",
            "compiled_on",
            "approval_reference",
            "approved_at",
            "entries",
            "total",
            "citations",
        ]


class EvaluationSerializer(serializers.ModelSerializer):
    application_name = serializers.CharField(source="application.name", read_only=True)

    class Meta:
        model = PerformanceEvaluation
        fields = [
            "id",
            "application",
            "application_name",
            "round",
            "evaluated_on",
            "score",
            "scale_max",
            "progress",
            "funds",
            "operation",
            "effect",
            "verdict",
            "rectification_due",
            "citations",
            "policy_basis",
        ]


class EvaluationInput(serializers.Serializer):
    round = serializers.ChoiceField(choices=PerformanceEvaluation.Round.choices, default="regular")
    evaluated_on = serializers.DateField()
    score = serializers.CharField(max_length=10, help_text='得分，字符串（如 "86.5"），不超过评分量表的满分')
    progress = serializers.CharField()
    funds = serializers.CharField()
    operation = serializers.CharField()
    effect = serializers.CharField()
    verdict = serializers.ChoiceField(choices=PerformanceEvaluation.Verdict.choices)
    rectification_due = serializers.DateField(required=False, allow_null=True, default=None)


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierRating
        fields = [
            "id",
            "application",
            "kind",
            "supplier",
            "score",
            "scale_max",
            "rated_on",
            "note",
            "citations",
        ]


class RatingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SupplierRating.Kind.choices)
    supplier = serializers.CharField(max_length=120)
    score = serializers.CharField(max_length=10)
    rated_on = serializers.DateField()
    note = serializers.CharField(max_length=200)


def _year_param(request) -> tuple[int | None, Response | None]:
    raw = request.query_params.get("year", "").strip()
    if not raw:
        return None, None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        return None, _bad("year", "计划年度应为四位数字。")
    return int(raw), None


class PlanYearListApi(APIView):
    @extend_schema(responses={200: PlanYearSerializer(many=True)})
    def get(self, request):
        _need(request.user)
        return Response(PlanYearSerializer(PlanYear.objects.order_by("-year"), many=True).data)


class ApplicationListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="计划年度"), OpenApiParameter("status", str)],
        responses={200: ApplicationSerializer(many=True)},
    )
    def get(self, request):
        _need(request.user)
        applications = selectors.application_queryset_for_user(request.user).order_by("plan_year__year", "pk")
        year, error = _year_param(request)
        if error:
            return error
        if year is not None:
            applications = applications.filter(plan_year__year=year)
        state = request.query_params.get("status", "").strip()
        if state:
            if state not in Application.Status.values:
                return _bad("status", "状态应为：" + "、".join(Application.Status.values))
            applications = applications.filter(status=state)
        return Response(ApplicationSerializer(applications, many=True).data)


class ApplicationDetailApi(APIView):
    """One project with its review, gates (with evidence and age), money and baselines."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        _need(request.user)
        application = _application(request.user, pk)
        if application is None:
            return _not_found(NOT_FOUND)
        review = Review.objects.filter(application=application).first()
        return Response(
            {
                **ApplicationSerializer(application).data,
                "review": ReviewSerializer(review).data if review else None,
                "gates": GateSerializer(portfolio.gates(application), many=True).data,
                "money": MoneySerializer(portfolio.money(application)).data,
                "baselines": BaselineSerializer(portfolio.baselines(application), many=True).data,
            }
        )


class ReviewApi(APIView):
    @extend_schema(responses={200: ReviewSerializer})
    def get(self, request, pk: int):
        _need(request.user)
        application = _application(request.user, pk)
        if application is None:
            return _not_found(NOT_FOUND)
        review = Review.objects.filter(application=application).first()
        if review is None:
            return _not_found("该项目尚未开始评审。")
        return Response(ReviewSerializer(review).data)


class PlanListApi(APIView):
    """Every version of the annual plans (a plan is fed back to every applicant, 三、（二）3)."""

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: PlanSerializer(many=True)})
    def get(self, request):
        _need(request.user)
        plans = AnnualPlan.objects.select_related("plan_year").prefetch_related("entries__application__unit")
        year, error = _year_param(request)
        if error:
            return error
        if year is not None:
            plans = plans.filter(plan_year__year=year)
        return Response(PlanSerializer(plans.order_by("-plan_year__year", "-version"), many=True).data)


class EvaluationListApi(APIView):
    @extend_schema(responses={200: EvaluationSerializer(many=True)})
    def get(self, request, pk: int):
        _need(request.user)
        application = _application(request.user, pk)
        if application is None:
            return _not_found(NOT_FOUND)
        return Response(EvaluationSerializer(application.evaluations.all(), many=True).data)

    @extend_schema(request=EvaluationInput, responses={201: EvaluationSerializer})
    def post(self, request, pk: int):
        _need(request.user)
        application = _application(request.user, pk)
        if application is None:
            return _not_found(NOT_FOUND)
        data = EvaluationInput(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = performance.evaluation_record(
            actor=request.user, application=application, **data.validated_data
        )
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


class RatingListApi(APIView):
    @extend_schema(responses={200: RatingSerializer(many=True)})
    def get(self, request, pk: int):
        _need(request.user)
        application = _application(request.user, pk)
        if application is None:
            return _not_found(NOT_FOUND)
        return Response(RatingSerializer(application.supplier_ratings.all(), many=True).data)

    @extend_schema(request=RatingInput, responses={201: RatingSerializer})
    def post(self, request, pk: int):
        _need(request.user)
        application = _application(request.user, pk)
        if application is None:
            return _not_found(NOT_FOUND)
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = performance.supplier_rate(actor=request.user, application=application, **data.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class PortfolioApi(APIView):
    """The portfolio of a plan year (大数据局 and 财政局): every project with gates, money and baselines."""

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: dict})
    def get(self, request):
        _need(request.user)
        if not access.can_view_portfolio(request.user):
            raise AccessDenied("项目总览供县大数据局和县财政局使用。")
        year, error = _year_param(request)
        if error:
            return error
        plan_year = (
            PlanYear.objects.filter(year=year).first() if year is not None else selectors.current_plan_year()
        )
        if plan_year is None:
            return _not_found("计划年度不存在。", field="year")
        rows = portfolio.portfolio_rows(
            portfolio.portfolio_queryset(plan_year).order_by("unit__name", "name")
        )
        return Response(
            {
                "year": plan_year.year,
                "stale_days": portfolio.stale_days(),
                "projects": [
                    {
                        **ApplicationSerializer(row.application).data,
                        "gates": GateSerializer(row.gates, many=True).data,
                        "money": MoneySerializer(row.money).data,
                        "baselines": BaselineSerializer(row.baselines, many=True).data,
                        "stale": row.stale,
                    }
                    for row in rows
                ],
            }
        )


class RankingApi(APIView):
    """The ranking of assessed units as of a date, with its formula and the minimum count in force."""

    @extend_schema(
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD")], responses={200: dict}
    )
    def get(self, request):
        _need(request.user)
        if not access.can_view_ratings(request.user):
            raise AccessDenied("参建单位评估考核结果供县级部门在政府采购中参考，预算单位不能查看。")
        raw = request.query_params.get("as_of", "").strip()
        as_of = business_date()
        if raw:
            field = serializers.DateField()
            try:
                as_of = field.to_internal_value(raw)
            except serializers.ValidationError:
                return _bad("as_of", "截至日期应为日期（YYYY-MM-DD）。")
            if as_of > business_date():
                return _bad("as_of", "截至日期不能晚于今天。")
        ranking = portfolio.ratings_as_of(as_of)
        return Response(
            {
                "as_of": as_of.isoformat(),
                "formula": ranking["formula"],
                "min_projects": ranking["min_projects"],
                "unentered": ranking["unentered"],
                "citations": ranking["citations"],
                "rows": [
                    {
                        "kind": r.kind,
                        "kind_label": r.kind_label,
                        "supplier": r.supplier,
                        "projects": r.projects,
                        "average": f"{r.average}",
                        "rank": r.rank,
                    }
                    for r in ranking["rows"]
                ],
            }
        )
