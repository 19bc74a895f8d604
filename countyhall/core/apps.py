from django.apps import AppConfig

from countyhall.core.programs import Program


class CoreConfig(AppConfig):
    name = "countyhall.core"
    label = "core"
    verbose_name = "平台基础"
    # Core registers like a program so /access/ shows its permission table with the others; no menu here
    # (the core pages are added to the menu by capability in context_processors).
    program = Program(
        label="core",
        title="平台基础（人员、区划与机构、工作日历）",
        access="countyhall.core.permissions",
        parameter_files=("calendar.yaml", "readings.yaml"),
        policy_title="平台通用（工作日历）",
    )

    def ready(self) -> None:
        # Register the core's rules with the calc interface.
        from countyhall.core.rules import calendar  # noqa: F401
