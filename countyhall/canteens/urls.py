from django.urls import path

from .views import counter, elders, facilities, money, reports, settlements

app_name = "canteens"
urlpatterns = [
    path("", reports.dashboard, name="dashboard"),
    path("public/", facilities.public_facilities, name="public"),
    path("facilities/", facilities.facility_list, name="facilities"),
    path("facilities/new/", facilities.facility_new, name="facility-new"),
    path("facilities/<int:pk>/", facilities.facility_detail, name="facility"),
    path("facilities/<int:pk>/filing/", facilities.facility_filing, name="facility-filing"),
    path("facilities/<int:pk>/staff/", facilities.facility_staff, name="facility-staff"),
    path("facilities/<int:pk>/menu/", facilities.facility_menu, name="facility-menu"),
    path("facilities/<int:pk>/counter/", counter.counter, name="counter"),
    path("facilities/<int:pk>/prices/", money.price_list_view, name="prices"),
    path("facilities/<int:pk>/terminals/", money.terminal_list, name="terminals"),
    path("facilities/<int:pk>/late-entries/new/", money.late_entry_request_view, name="late-entry-new"),
    path("late-entries/", money.late_entry_list, name="late-entries"),
    path("late-entries/<int:pk>/decide/", money.late_entry_decide_view, name="late-entry-decide"),
    path("late-entries/backdate-window/", money.backdate_window_view, name="backdate-window"),
    path("elders/", elders.elder_list, name="elders"),
    path("elders/new/", elders.elder_new, name="elder-new"),
    path("elders/import/", elders.elder_import_view, name="elder-import"),
    path("elders/import/jobs/<int:pk>/confirm/", elders.elder_import_confirm_job, name="elder-import-confirm-job"),
    path("elders/template.xlsx", elders.elder_template, name="elder-template"),
    path("elders/<int:pk>/", elders.elder_detail, name="elder"),
    path("elders/<int:pk>/tekun/", elders.elder_tekun, name="elder-tekun"),
    path("elders/<int:pk>/left/", elders.elder_left, name="elder-left"),
    path("elders/<int:pk>/edit/", elders.elder_edit, name="elder-edit"),
    path("elders/<int:pk>/undo-left/", elders.elder_undo_left, name="elder-undo-left"),
    path("lunches/", counter.lunch_list, name="lunches"),
    path("lunches/<int:pk>/void/", counter.lunch_void_view, name="lunch-void"),
    path("settlements/", settlements.settlement_list, name="settlements"),
    path("settlements/<int:pk>/", settlements.settlement_detail, name="settlement"),
    path("subsidies/", settlements.subsidies, name="subsidies"),
    path("fraud/", reports.fraud_report, name="fraud"),
]
