from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "countyhall.permits"
    label = "permits"
    verbose_name = "工程建设项目审批"

    def ready(self) -> None:
        from countyhall.permits import rules  # noqa: F401  (registers permit.* with the calc interface)
