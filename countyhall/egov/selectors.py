"""Reads of the e-government yearly cycle: the one place its scope is decided (a budget unit sees its own
organisation's applications; 保密局 the classified ones; 发改局 the county major projects; a third-party reviewer the
reviews assigned to it; 大数据局, 财政局, 审计局, 县政府 and auditors the county), the inbox of 大数据局, the plan page."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from countyhall.core.roles import Role
from countyhall.egov import access
from countyhall.egov.models import AnnualPlan, Application, PlanYear, Review, Template

Status = Application.Status


def application_queryset_for_user(user) -> QuerySet[Application]:
    base = Application.objects.select_related("plan_year", "unit", "review")
    roles = getattr(user, "role_codes", frozenset())
    if access.can_see_all(user):
        return base
    scope = Q(pk__in=[])
    if Role.BUDGET_UNIT in roles and user.organisation_id:
        scope |= Q(unit_id=user.organisation_id)
    if Role.SECRECY in roles:
        scope |= Q(classified=True)
    if Role.DEVELOPMENT in roles:
        scope |= Q(major_county_project=True)
    if Role.EGOV_REVIEWER in roles and user.organisation_id:
        scope |= Q(review__reviewer_id=user.organisation_id)
    return base.filter(scope)


def application_get_for_user(user, pk: int) -> Application | None:
    return application_queryset_for_user(user).filter(pk=pk).first()


def current_plan_year() -> PlanYear | None:
    return PlanYear.objects.order_by("-year").first()


def latest_templates() -> list[Template]:
    """The latest version of each attachment an administrator uploaded (none invented for the others)."""
    latest: dict[int, Template] = {}
    for template in Template.objects.order_by("attachment", "-version"):
        latest.setdefault(template.attachment, template)
    return list(latest.values())


def latest_documents(application: Application) -> dict[int, object]:
    latest: dict[int, object] = {}
    for document in application.documents.order_by("attachment", "-version"):
        latest.setdefault(document.attachment, document)
    return latest


# What waits for whom (the inbox and the home to-dos): status → the department that acts next.
INBOX = {
    "to_review": ("待准予评审审查", Q(status=Status.SUBMITTED)),
    "to_file": ("省、市统筹项目待备案", Q(status=Status.FILED, filed_at__isnull=True)),
    "onsite": (
        "现场评审待记录",
        Q(
            status=Status.UNDER_REVIEW,
            review__mode=Review.Mode.ONSITE,
            review__report_uploaded_at__isnull=True,
        ),
    ),
    "to_report": ("待上传评审报告", Q(status=Status.UNDER_REVIEW, review__report_uploaded_at__isnull=True)),
    "to_sign_technical": (
        "评审报告待技术会签",
        Q(
            status=Status.UNDER_REVIEW,
            review__report_uploaded_at__isnull=False,
            review__technical_signed_at__isnull=True,
        ),
    ),
    "to_sign_fiscal": (
        "评审报告待财政会签",
        Q(
            status=Status.UNDER_REVIEW,
            review__report_uploaded_at__isnull=False,
            review__fiscal_signed_at__isnull=True,
        ),
    ),
    "to_confirm_secrecy": ("涉密项目待保密审查", Q(status=Status.SECRECY_REVIEW)),
    "to_approve_development": (
        "县重大项目待立项审批",
        Q(major_county_project=True, development_approval="")
        & ~Q(status__in=[Status.DRAFT, Status.REFUSED_LATE, Status.DEFERRED]),
    ),
}
INBOX_FOR = {
    Role.BIG_DATA: ("to_review", "to_file", "onsite", "to_sign_technical"),
    Role.FINANCE: ("to_sign_fiscal",),
    Role.SECRECY: ("to_confirm_secrecy",),
    Role.DEVELOPMENT: ("to_approve_development",),
    Role.EGOV_REVIEWER: ("to_report",),
}


def inbox_keys_for(user) -> list[str]:
    keys: list[str] = []
    for role in sorted(getattr(user, "role_codes", frozenset())):
        keys += [key for key in INBOX_FOR.get(role, ()) if key not in keys]
    return keys


def inbox_counts(user) -> dict[str, int]:
    """One aggregate query: how many applications wait at each step the user acts on."""
    keys = inbox_keys_for(user)
    if not keys:
        return {}
    found = application_queryset_for_user(user).aggregate(
        **{key: Count("pk", filter=INBOX[key][1]) for key in keys}
    )
    return {key: found[key] for key in keys}


def plan_versions(plan_year: PlanYear) -> list[AnnualPlan]:
    return list(
        plan_year.plans.select_related("approved_by", "compiled_by")
        .prefetch_related("entries__application__unit")
        .order_by("-version")
    )


def plan_year_summary(plan_year: PlanYear) -> dict[str, int]:
    rows = plan_year.applications.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
