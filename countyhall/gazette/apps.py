from django.apps import AppConfig


class GazetteConfig(AppConfig):
    name = "countyhall.gazette"
    label = "gazette"
    verbose_name = "政府公报"
