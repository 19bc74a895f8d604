from django.urls import path

from . import views, views_portfolio

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
    # Operation, performance and the portfolio (views_portfolio.py).
    path("portfolio/", views_portfolio.portfolio_list, name="portfolio"),
    path("a/<int:pk>/performance/", views_portfolio.project, name="performance-project"),
    path("a/<int:pk>/review.pdf", views_portfolio.review_pdf, name="review-pdf"),
    path("a/<int:pk>/acceptance.pdf", views_portfolio.acceptance_pdf, name="acceptance-pdf"),
    path("plan/<int:year>/v<int:version>.pdf", views_portfolio.plan_pdf, name="plan-pdf"),
    path("performance/", views_portfolio.performance_list, name="performance"),
    path("performance/next-year/<int:pk>/", views_portfolio.next_year_confirm, name="next-year"),
    path("ratings/", views_portfolio.ratings, name="ratings"),
]
