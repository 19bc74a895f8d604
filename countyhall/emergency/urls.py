from django.urls import path

from . import views

app_name = "emergency"
urlpatterns = [
    path("", views.incident_list, name="incidents"),
    path("new/", views.incident_new, name="incident-new"),
    path("i/<int:pk>/", views.incident_detail, name="incident"),
    path("i/<int:pk>/report.pdf", views.incident_report_pdf, name="incident-pdf"),
    path("i/<int:pk>/clock.json", views.incident_clock, name="incident-clock"),
    path("registers/", views.registers, name="registers"),
    path("warnings/", views.warnings, name="warnings"),
    path("warnings/<int:pk>/cap.xml", views.warning_cap, name="warning-cap"),
    path("drills/", views.drills, name="drills"),
    path("outbox/", views.outbox, name="outbox"),
]
