from django.urls import path

from . import views

app_name = "permits"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("p/<int:pk>/", views.project_detail, name="project"),
]
