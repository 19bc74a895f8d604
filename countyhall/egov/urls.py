from django.urls import path

from . import views

app_name = "egov"
urlpatterns = [
    path("", views.application_list, name="applications"),
    path("new/", views.application_new, name="application-new"),
    path("a/<int:pk>/", views.application_detail, name="application"),
    path("a/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("a/<int:pk>/report/", views.report_download, name="report"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("files/<str:kind>/<int:pk>/", views.construction_file, name="construction-file"),
    path("templates/", views.templates, name="templates"),
    path("templates/<int:pk>/", views.template_download, name="template"),
    path("plan/", views.plan, name="plan"),
    path("plan/<int:year>/", views.plan, name="plan-year"),
]
