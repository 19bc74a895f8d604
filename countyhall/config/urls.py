from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from countyhall.canteens import api as canteen_api
from countyhall.core.api import views as core_api
from countyhall.core.views.health import healthz
from countyhall.core.views.home import home
from countyhall.egov import api as egov_api
from countyhall.emergency import api as emergency_api
from countyhall.gazette import api as gazette_api
from countyhall.permits import api as permit_api

api_v1 = [
    path("calc", core_api.CalcListApi.as_view(), name="calc-list"),
    path("calc/<str:rule>", core_api.CalcApi.as_view(), name="calc"),
    path("parameters", core_api.ParameterListApi.as_view(), name="parameter-list"),
    path("parameters/<str:name>", core_api.ParameterDetailApi.as_view(), name="parameter-detail"),
    path("people", core_api.PersonListApi.as_view(), name="person-list"),
    path("people/<int:pk>", core_api.PersonDetailApi.as_view(), name="person-detail"),
    path("calendar/<int:year>/<int:month>", core_api.CalendarMonthApi.as_view(), name="calendar-month"),
    path("gazette/documents", gazette_api.DocumentListApi.as_view(), name="document-list"),
    path("gazette/documents/<int:pk>", gazette_api.DocumentDetailApi.as_view(), name="document-detail"),
    path("gazette/search", gazette_api.SearchApi.as_view(), name="gazette-search"),
    path("gazette/uri/<path:uri>", gazette_api.DocumentByUriApi.as_view(), name="document-by-uri"),
    path("gazette/affected/<path:uri>", gazette_api.AffectedApi.as_view(), name="document-affected"),
    path("gazette/memberships", gazette_api.MembershipListApi.as_view(), name="membership-list"),
    path("canteens/lunches", canteen_api.LunchCheckInApi.as_view(), name="canteen-lunches"),
    path("canteens/lunches/batch", canteen_api.LunchBatchCheckInApi.as_view(), name="canteen-lunches-batch"),
    path("canteens/facilities", canteen_api.FacilityListApi.as_view(), name="canteen-facilities"),
    path(
        "canteens/facilities/<int:pk>/requirements",
        canteen_api.FacilityRequirementsApi.as_view(),
        name="canteen-facility-requirements",
    ),
    path("canteens/settlements", canteen_api.SettlementListApi.as_view(), name="canteen-settlements"),
    path(
        "canteens/settlements/<int:pk>/approve",
        canteen_api.SettlementApproveApi.as_view(),
        name="canteen-settlement-approve",
    ),
    path("permits/projects", permit_api.ProjectListApi.as_view(), name="permit-projects"),
    path("permits/projects/<int:pk>", permit_api.ProjectDetailApi.as_view(), name="permit-project"),
    path("permits/projects/<int:pk>/apply", permit_api.ApplyApi.as_view(), name="permit-apply"),
    path(
        "permits/cases/<int:pk>/<str:action>", permit_api.CaseActionApi.as_view(), name="permit-case-action"
    ),
    path("permits/desk", permit_api.DeskApi.as_view(), name="permit-desk"),
    path("emergency/incidents", emergency_api.IncidentListApi.as_view(), name="emergency-incidents"),
    path("emergency/incidents/<int:pk>", emergency_api.IncidentBoardApi.as_view(), name="emergency-incident"),
    path(
        "emergency/incidents/<int:pk>/figures",
        emergency_api.IncidentFiguresApi.as_view(),
        name="emergency-incident-figures",
    ),
    path(
        "emergency/deadlines/<int:pk>/done",
        emergency_api.DeadlineDoneApi.as_view(),
        name="emergency-deadline-done",
    ),
    path(
        "emergency/warnings/<int:pk>/cap", emergency_api.WarningCapApi.as_view(), name="emergency-warning-cap"
    ),
    path("egov/plan-years", egov_api.PlanYearListApi.as_view(), name="egov-plan-years"),
    path("egov/applications", egov_api.ApplicationListApi.as_view(), name="egov-applications"),
    path("egov/applications/<int:pk>", egov_api.ApplicationDetailApi.as_view(), name="egov-application"),
    path("egov/applications/<int:pk>/review", egov_api.ReviewApi.as_view(), name="egov-review"),
    path(
        "egov/applications/<int:pk>/evaluations",
        egov_api.EvaluationListApi.as_view(),
        name="egov-evaluations",
    ),
    path("egov/applications/<int:pk>/ratings", egov_api.RatingListApi.as_view(), name="egov-ratings"),
    path("egov/plans", egov_api.PlanListApi.as_view(), name="egov-plans"),
    path("egov/portfolio", egov_api.PortfolioApi.as_view(), name="egov-portfolio"),
    path("egov/ranking", egov_api.RankingApi.as_view(), name="egov-ranking"),
]

urlpatterns = [
    path("", home, name="home"),
    path(
        "accounts/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("gazette/", include("countyhall.gazette.urls")),
    path("canteens/", include("countyhall.canteens.urls")),
    path("heating/", include("countyhall.heating.urls")),
    path("permits/", include("countyhall.permits.urls")),
    path("emergency/", include("countyhall.emergency.urls")),
    path("egov/", include("countyhall.egov.urls")),
    path("", include("countyhall.core.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script=), so the page runs under the
    # Content-Security-Policy's script-src 'self' without an exception.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Monitoring (no login): database, migrations, calendar years; 200 or 503 (core/views/health.py).
    path("healthz", healthz, name="healthz"),
]

# Unmatched URLs under /api/ answer JSON in the structured error shape (core/api/errors.py).
handler404 = "countyhall.core.api.errors.not_found"
