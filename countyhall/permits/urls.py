from django.urls import path

from . import lists, pages, views

app_name = "permits"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("new/", views.project_new, name="project-new"),
    path("p/<int:pk>/", views.project_detail, name="project"),
    path("p/<int:pk>/edit/", pages.project_edit, name="project-edit"),
    path("cases/", lists.case_list, name="cases"),
    path("cases/<int:pk>/decision/", pages.decision_document, name="decision"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("limits/", views.stage_limits, name="limits"),
    path("credit/", views.credit_list, name="credit"),
    path("desk/", views.desk, name="desk"),
    path("reports/", views.reports, name="reports"),
]
