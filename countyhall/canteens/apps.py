from django.apps import AppConfig


class CanteensConfig(AppConfig):
    name = "countyhall.canteens"
    label = "canteens"
    verbose_name = "长者食堂"

    def program(self):
        from countyhall.canteens import access
        from countyhall.core.programs import MenuEntry, Program
        from countyhall.core.roles import Role

        return Program(
            label=self.label,
            title="长者食堂",
            parameter_files=("canteen.yaml",),
            menu=(
                MenuEntry("长者食堂", "canteens:dashboard", roles=access.USERS),
                MenuEntry("长者食堂公开信息", "canteens:public", anonymous=True, signed_in=False),
            ),
            home_text={
                Role.CIVIL_AFFAIRS: "长者食堂备案、助餐老人资格与补贴结算审核。",
                Role.FINANCE: "长者食堂补贴结算的财政审核与拨付。",
                Role.MARKET_REGULATION: "长者食堂食品安全监管与备案会签。",
                Role.TOWN_OFFICER: "本镇（街道）长者食堂的申报与助餐老人登记。",
                Role.CANTEEN_OPERATOR: "本食堂的午餐登记、价目表与结算。",
                Role.AUDITOR: "查阅长者食堂的登记、结算与补贴记录。",
            },
            access="countyhall.canteens.access",
            demo="countyhall.canteens.demo",
            cli="countyhall.canteens.cli",
            todos="countyhall.canteens.todos:todos",
            cited_open_items="countyhall.canteens.policy:cited_open_items",
            public_sections="countyhall.canteens.public:public_sections",
            policy_locks="countyhall.canteens.policy:policy_locks",
            policy_impact="countyhall.canteens.policy:policy_impact",
            policy_check="countyhall.canteens.policy:policy_check",
        )

    def ready(self) -> None:
        from countyhall.canteens import rules  # noqa: F401  (registers canteen.* with the calc interface)
