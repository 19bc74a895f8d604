from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "countyhall.emergency"
    label = "emergency"
    verbose_name = "发电企业生产安全事故应急"

    def ready(self) -> None:
        from countyhall.emergency import rules  # noqa: F401  (registers emergency.* with the calc interface)
