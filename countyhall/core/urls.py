from django.urls import path

from .views import access, audit, calendar, jobs, notices, people, policy

app_name = "core"
urlpatterns = [
    path("policy/parameters/", policy.parameter_list, name="parameters"),
    path("policy/parameters/<str:name>/", policy.parameter_detail, name="parameter"),
    path("policy/readings/", policy.reading_list, name="readings"),
    path("policy/readings/<str:reading_id>/", policy.reading_detail, name="reading"),
    path("policy/changes/", policy.change_list, name="policy-changes"),
    path("policy/changes/new/<str:kind>/<str:key>/", policy.change_new, name="policy-change-new"),
    path("policy/changes/<int:pk>/", policy.change_detail, name="policy-change"),
    path("policy/changes/<int:pk>/decide", policy.change_decide, name="policy-change-decide"),
    path("calc/", policy.calc_page, name="calc"),
    path("people/", people.person_list, name="people"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("audit/", audit.audit_list, name="audit"),
    path("access/", access.permission_tables, name="access"),
    path("notices/", notices.notice_list, name="notices"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/status", jobs.job_status, name="job-status"),
    path("jobs/<int:pk>/download", jobs.job_download, name="job-download"),
    path("jobs/<int:pk>/action", jobs.job_action, name="job-action"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/read-all/", notices.notice_read_all, name="notices-read-all"),
    path("outbox/", notices.outbox_list, name="outbox"),
    path("outbox/retry/", notices.outbox_retry_view, name="outbox-retry"),
    path("subsidies/", policy.subsidies, name="subsidies"),
    path("calendar/", calendar.calendar_overview, name="calendar"),
    path("calendar/new-year/", calendar.calendar_new_year, name="calendar-new-year"),
    path("calendar/<int:year>/<int:month>/", calendar.calendar_month_view, name="calendar-month"),
]
