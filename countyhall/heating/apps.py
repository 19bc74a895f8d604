from django.apps import AppConfig


class HeatingConfig(AppConfig):
    name = "countyhall.heating"
    label = "heating"
    verbose_name = "清洁取暖"

    def program(self):
        from countyhall.core.programs import MenuEntry, Program
        from countyhall.core.roles import Role
        from countyhall.heating import access

        return Program(
            label=self.label,
            title="清洁取暖",
            parameter_files=("heating.yaml",),
            menu=(MenuEntry("清洁取暖", "heating:dashboard", roles=access.USERS),),
            home_text={
                Role.HOUSING: "清洁取暖改造台账、补贴核算与验收。",
                Role.FINANCE: "清洁取暖补贴的申请与拨付审核。",
                Role.TOWN_OFFICER: "本镇（街道）清洁取暖台账与村级改造进度。",
                Role.AUDITOR: "查阅清洁取暖台账与补贴记录。",
            },
            access="countyhall.heating.access",
            demo="countyhall.heating.demo",
            todos="countyhall.heating.todos:todos",
            cited_open_items="countyhall.heating.policy:cited_open_items",
            public_sections="countyhall.heating.public:sections",
            policy_locks="countyhall.heating.policy:policy_locks",
            policy_impact="countyhall.heating.policy:policy_impact",
            policy_check="countyhall.heating.policy:policy_check",
        )

    def ready(self) -> None:
        from countyhall.heating import rules  # noqa: F401  (registers heating.* with the calc interface)
