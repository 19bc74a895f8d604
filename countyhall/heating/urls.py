from django.urls import path

from . import views

app_name = "heating"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/template.xlsx", views.ledger_template, name="ledger-template"),
    path(
        "ledger/import/jobs/<int:pk>/confirm/",
        views.ledger_import_confirm_job,
        name="ledger-import-confirm-job",
    ),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("money/", views.money, name="money"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/form.pdf", views.claim_form, {"output": "pdf"}, name="claim_pdf"),
    path("claims/<int:pk>/form.xlsx", views.claim_form, {"output": "xlsx"}, name="claim_xlsx"),
    path("setup/", views.setup, name="setup"),
    path("inspections/", views.inspections, name="inspections"),
]
