from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "countyhall.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        # Register the core's rules with the calc interface.
        from countyhall.core.rules import calendar  # noqa: F401
