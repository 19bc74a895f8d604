from django.urls import path

from . import views

app_name = "gazette"
urlpatterns = [
    path("", views.document_index, name="list"),
    path("d/<int:pk>/", views.document_detail, name="document"),
    path("d/<int:pk>/pdf/", views.document_pdf, name="document-pdf"),
    path("export.xlsx", views.document_list_excel, name="export"),
    path("cite/", views.cite, name="cite"),
    path("personnel/", views.personnel_index, name="personnel"),
]

urlpatterns += [
    path("search/", views.search_page, name="search"),
    path("d/<int:pk>/akn.xml", views.document_akn, name="document-akn"),
]
