from django.apps import AppConfig


class HeatingConfig(AppConfig):
    name = "countyhall.heating"
    label = "heating"
    verbose_name = "清洁取暖"

    def ready(self) -> None:
        from countyhall.heating import rules  # noqa: F401  (registers heating.* with the calc interface)
