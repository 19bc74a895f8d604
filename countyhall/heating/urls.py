from django.urls import path

from . import views

app_name = "heating"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ledger/", views.ledger, name="ledger"),
    path("money/", views.money, name="money"),
    path("setup/", views.setup, name="setup"),
]
