from django.urls import path

from . import views

app_name = "gazette"
urlpatterns = [
    path("", views.document_index, name="list"),
    path("d/<int:pk>/", views.document_detail, name="document"),
    path("cite/", views.cite, name="cite"),
    path("personnel/", views.personnel_index, name="personnel"),
]
