from django.urls import path

from .views import counter, elders, facilities, money, reports, settlements
from .views.gate import program_page

app_name = "canteens"
urlpatterns = [
    path("", program_page(reports.dashboard), name="dashboard"),
    path("public/", facilities.public_facilities, name="public"),
    path("facilities/", program_page(facilities.facility_list), name="facilities"),
    path("facilities/new/", program_page(facilities.facility_new), name="facility-new"),
    path("facilities/<int:pk>/", program_page(facilities.facility_detail), name="facility"),
    path("facilities/<int:pk>/filing/", program_page(facilities.facility_filing), name="facility-filing"),
    path("facilities/<int:pk>/staff/", program_page(facilities.facility_staff), name="facility-staff"),
    path("facilities/<int:pk>/menu/", program_page(facilities.facility_menu), name="facility-menu"),
    path(
        "facilities/<int:pk>/fund-report/", program_page(facilities.facility_fund_report), name="fund-report"
    ),
    path(
        "facilities/<int:pk>/notice-check/",
        program_page(facilities.facility_notice_check),
        name="notice-check",
    ),
    path("fund-reports/<int:pk>/", program_page(facilities.fund_report_download), name="fund-report-file"),
    path("facilities/<int:pk>/counter/", program_page(counter.counter), name="counter"),
    path("facilities/<int:pk>/prices/", program_page(money.price_list_view), name="prices"),
    path("facilities/<int:pk>/terminals/", program_page(money.terminal_list), name="terminals"),
    path(
        "facilities/<int:pk>/late-entries/new/",
        program_page(money.late_entry_request_view),
        name="late-entry-new",
    ),
    path("late-entries/", program_page(money.late_entry_list), name="late-entries"),
    path(
        "late-entries/<int:pk>/decide/", program_page(money.late_entry_decide_view), name="late-entry-decide"
    ),
    path("late-entries/backdate-window/", program_page(money.backdate_window_view), name="backdate-window"),
    path("elders/", program_page(elders.elder_list), name="elders"),
    path("elders/new/", program_page(elders.elder_new), name="elder-new"),
    path("elders/import/", program_page(elders.elder_import_view), name="elder-import"),
    path(
        "elders/import/jobs/<int:pk>/confirm/",
        program_page(elders.elder_import_confirm_job),
        name="elder-import-confirm-job",
    ),
    path("elders/template.xlsx", program_page(elders.elder_template), name="elder-template"),
    path("elders/<int:pk>/", program_page(elders.elder_detail), name="elder"),
    path("elders/<int:pk>/tekun/", program_page(elders.elder_tekun), name="elder-tekun"),
    path("elders/<int:pk>/left/", program_page(elders.elder_left), name="elder-left"),
    path("elders/<int:pk>/edit/", program_page(elders.elder_edit), name="elder-edit"),
    path("elders/<int:pk>/undo-left/", program_page(elders.elder_undo_left), name="elder-undo-left"),
    path("lunches/", program_page(counter.lunch_list), name="lunches"),
    path("lunches/<int:pk>/", program_page(counter.lunch_detail), name="lunch"),
    path("lunches/<int:pk>/void/", program_page(counter.lunch_void_view), name="lunch-void"),
    path("settlements/", program_page(settlements.settlement_list), name="settlements"),
    path("settlements/<int:pk>/", program_page(settlements.settlement_detail), name="settlement"),
    path("subsidies/", program_page(settlements.subsidies), name="subsidies"),
    path("fraud/", program_page(reports.fraud_report), name="fraud"),
]
