from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "countyhall.emergency"
    label = "emergency"
    verbose_name = "发电企业生产安全事故应急"

    def program(self):
        from countyhall.core.programs import MenuEntry, Program
        from countyhall.core.roles import Role
        from countyhall.emergency import access

        return Program(
            label=self.label,
            title="发电企业生产安全事故应急",
            parameter_files=("emergency.yaml",),
            menu=(MenuEntry("发电企业事故应急", "emergency:incidents", roles=access.USERS),),
            home_text={
                Role.EMERGENCY: "生产安全事故报告与应急响应。",
                Role.DEVELOPMENT: "发电企业生产安全事故应急指挥部办公室。",
                Role.POWER_ENTERPRISE: "本企业生产安全事故的报告、报告时限、重大危险源与应急演练。",
                Role.TOWN_OFFICER: "本镇（街道）、开发区范围内发电企业事故的协同处置；一般（IV级）事故由本镇（办）启动和实施响应。",
                Role.AUDITOR: "查阅事故报告与响应记录。",
            },
            access="countyhall.emergency.access",
            demo="countyhall.emergency.demo",
            cli="countyhall.emergency.cli",
            todos="countyhall.emergency.todos:todos_for",
            policy_locks="countyhall.emergency.policy:policy_locks",
            policy_impact="countyhall.emergency.policy:policy_impact",
        )

    def ready(self) -> None:
        from countyhall.emergency import rules  # noqa: F401  (registers emergency.* with the calc interface)
