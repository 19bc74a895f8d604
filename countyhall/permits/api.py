"""API of the approval system: the same scope as the pages (firms see their own projects, departments the
reviews they hold); every write goes through the services and answers {"error": {"field", "message"}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from countyhall.core.clock import business_date
from countyhall.core.models import Division, Organisation
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.audit import audit_personal_read
from countyhall.permits import selectors, services
from countyhall.permits.access import USERS as PERMIT_ROLES
from countyhall.permits.models import Case, Category, Project, Review


def _need(user) -> None:
    if not user.role_codes & PERMIT_ROLES:
        raise PermissionDenied("当前角色无权使用工程建设项目审批。")


def _not_found(field: str, message: str) -> Response:
    return Response({"error": {"field": field, "message": message}}, status=status.HTTP_404_NOT_FOUND)


def clock_json(clock) -> dict | None:
    if clock is None:
        return None
    return {
        "limit": clock.limit,
        "used": clock.used,
        "remaining": clock.remaining,
        "due": clock.due.isoformat() if clock.due else None,
        "running": clock.running,
        "overdue": clock.overdue,
        "stopped_working_days": clock.stopped_working_days,
    }


class ProjectSerializer(serializers.ModelSerializer):
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    site_name = serializers.CharField(source="site.full_name", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "category",
            "land_supply",
            "investment",
            "in_assessed_zone",
            "applicant",
            "applicant_name",
            "site",
            "site_name",
            "legal_representative",
            "project_manager",
            "contact_phone",
            "households",
            "fees_paid_on",
            "registered_at",
        ]


class ProjectCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    land_supply = serializers.ChoiceField(
        choices=Project.LandSupply.choices, default=Project.LandSupply.TRANSFER
    )
    site = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all())
    applicant = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    in_assessed_zone = serializers.BooleanField(default=False)
    investment = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    households = serializers.IntegerField(min_value=0, required=False, allow_null=True)


def case_json(user, case: Case, calendar: DatabaseCalendar) -> dict:
    reviews = []
    for review in selectors.case_reviews_for_user(user, case):
        reviews.append(
            {
                "id": review.pk,
                "department": str(review.department),
                "opinion": review.opinion,
                "reasons": review.reasons,
                "decided_on": review.decided_on,
                "clock": clock_json(services.review_clock(review, calendar=calendar)),
            }
        )
    return {
        "id": case.pk,
        "stage": case.stage,
        "status": case.status,
        "lead": str(case.lead),
        "applied_on": case.applied_on,
        "accepted_on": case.accepted_on,
        "decided_on": case.decided_on,
        "decision_reasons": case.decision_reasons,
        "applicant_listed": case.applicant_listed,
        "clock": clock_json(services.case_clock(case, calendar=calendar)),
        "reviews": reviews,
        "suspensions": [{"from": s.start, "to": s.end, "reason": s.reason} for s in case.suspensions.all()],
        "notes": [
            {"text": n.text, "internal": n.internal, "written_at": n.written_at}
            for n in selectors.case_notes_for_user(user, case)
        ],
    }


class ProjectListApi(APIView):
    @extend_schema(responses={200: ProjectSerializer(many=True)})
    def get(self, request):
        _need(request.user)
        projects = selectors.project_list_for_user(request.user)
        data = ProjectSerializer(projects, many=True).data
        if not selectors.is_firm(request.user):
            # Each project names its 法定代表人 and 项目负责人 with a phone number: a staff list read is logged.
            audit_personal_read(
                actor=request.user,
                what="工程建设项目列表（API）",
                object_type="permits.Project",
                count=len(data),
            )
        return Response(data)

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def post(self, request):
        _need(request.user)
        # Who may register is decided by the service (permits.access.can_register_project): 403 when refused.
        data = ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_register(actor=request.user, **data.validated_data)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        _need(request.user)
        project = selectors.project_list_for_user(request.user).filter(pk=pk).first()
        if project is None:
            return _not_found("pk", "项目不存在或不在您的范围内。")
        calendar = DatabaseCalendar()
        cases = project.cases.select_related("lead").prefetch_related(
            "reviews__department", "suspensions", "extensions", "notes"
        )
        if not selectors.is_firm(request.user):
            # The project names its 法定代表人 and 项目负责人 with a phone number (as in the list).
            audit_personal_read(
                actor=request.user,
                what="工程建设项目详情（API）",
                object_type="permits.Project",
                object_id=str(project.pk),
                count=1,
            )
        return Response(
            {
                **ProjectSerializer(project).data,
                "cases": [case_json(request.user, c, calendar) for c in cases],
            }
        )


def _case_for(user, pk: int) -> Case | None:
    return Case.objects.filter(pk=pk, project__in=selectors.project_list_for_user(user)).first()


class OpinionSerializer(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=[c for c in Review.Opinion.choices if c[0] != "pending"])
    reasons = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredBoolean(serializers.BooleanField):
    # A decision has no default outcome: an absent field in a form post is an error, not "false".
    default_empty_html = serializers.empty


class DecisionSerializer(serializers.Serializer):
    approve = RequiredBoolean(help_text="true 准予许可，false 不予许可（必填，无默认值）")
    reasons = serializers.CharField(required=False, allow_blank=True, default="")


class IntakeSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="退回或不予受理的理由（告知建设单位）")


class CaseActionApi(APIView):
    """POST /cases/<id>/<action>: accept, return, refuse_intake, opinion, resume, decide."""

    @extend_schema(request=OpinionSerializer, responses={200: dict})
    def post(self, request, pk: int, action: str):
        _need(request.user)
        case = _case_for(request.user, pk)
        if case is None:
            return _not_found("pk", "事项不存在或不在您的范围内。")
        on = business_date()
        if action == "accept":
            services.case_accept(actor=request.user, case=case, on=on)
        elif action == "opinion":
            data = OpinionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.review_give(actor=request.user, case=case, on=on, **data.validated_data)
        elif action == "resume":
            services.case_resume(actor=request.user, case=case, on=on, files=dict(request.FILES.items()))
        elif action in ("return", "refuse_intake"):
            data = IntakeSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            service = services.case_return if action == "return" else services.case_refuse_intake
            service(actor=request.user, case=case, on=on, **data.validated_data)
        elif action == "decide":
            data = DecisionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.case_decide(actor=request.user, case=case, on=on, **data.validated_data)
        else:
            return _not_found(
                "action", "未知的操作（accept、return、refuse_intake、opinion、resume、decide）。"
            )
        case = Case.objects.prefetch_related("reviews__department", "suspensions", "extensions", "notes").get(
            pk=pk
        )
        return Response(case_json(request.user, case, DatabaseCalendar()))


class ApplySerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="审批阶段名称；材料以 multipart 文件上传，字段名为材料名称")


class ApplyApi(APIView):
    @extend_schema(request=ApplySerializer, responses={201: dict})
    def post(self, request, pk: int):
        _need(request.user)
        project = selectors.project_list_for_user(request.user).filter(pk=pk).first()
        if project is None:
            return _not_found("pk", "项目不存在或不在您的范围内。")
        data = ApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.permit_stage_apply(
            actor=request.user,
            project=project,
            stage=data.validated_data["stage"],
            on=business_date(),
            files=dict(request.FILES.items()),
        )
        return Response(case_json(request.user, case, DatabaseCalendar()), status=status.HTTP_201_CREATED)


class DeskApi(APIView):
    """The reviews the user's department holds, with their clocks: overdue, due soon, open."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        _need(request.user)
        if selectors.is_firm(request.user) or request.user.organisation is None:
            raise PermissionDenied("工作台供审批部门使用。")
        desk = selectors.department_desk(organisation=request.user.organisation)

        def rows(key):
            return [
                {
                    "case": row.case.pk,
                    "project": row.case.project.code,
                    "stage": row.case.stage,
                    "opinion": row.review.opinion,
                    "clock": clock_json(row.clock),
                }
                for row in desk[key]
            ]

        return Response({key: rows(key) for key in ("overdue", "due_soon", "open", "answered")})
