from django.urls import path

from .views import counter, elders, facilities, reports, settlements

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
    path("elders/", elders.elder_list, name="elders"),
    path("elders/new/", elders.elder_new, name="elder-new"),
    path("elders/import/", elders.elder_import_view, name="elder-import"),
    path("elders/template.xlsx", elders.elder_template, name="elder-template"),
    path("elders/<int:pk>/", elders.elder_detail, name="elder"),
    path("elders/<int:pk>/tekun/", elders.elder_tekun, name="elder-tekun"),
    path("elders/<int:pk>/left/", elders.elder_left, name="elder-left"),
    path("lunches/", counter.lunch_list, name="lunches"),
    path("lunches/<int:pk>/void/", counter.lunch_void_view, name="lunch-void"),
    path("settlements/", settlements.settlement_list, name="settlements"),
    path("settlements/<int:pk>/", settlements.settlement_detail, name="settlement"),
    path("subsidies/", settlements.subsidies, name="subsidies"),
    path("fraud/", reports.fraud_report, name="fraud"),
]
