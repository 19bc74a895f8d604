from django.apps import AppConfig


class EgovConfig(AppConfig):
    """电子政务项目 (高政办发〔2021〕1号): parameters in countyhall/parameters/egov.yaml, the egov.* rules, the yearly
    cycle from application to the annual plan, then construction, acceptance and the settlement review."""

    name = "countyhall.egov"
    label = "egov"
    verbose_name = "电子政务项目"

    def program(self):
        from countyhall.core.programs import MenuEntry, Program
        from countyhall.core.roles import Role
        from countyhall.egov import access

        return Program(
            label=self.label,
            title="电子政务项目",
            parameter_files=("egov.yaml",),
            menu=(MenuEntry("电子政务项目", "egov:applications", roles=access.USERS),),
            home_text={
                Role.BUDGET_UNIT: "申报和建设本单位的电子政务项目：评审结果、年度建设计划、采购、监理、验收。",
                Role.BIG_DATA: "电子政务项目的受理、评审、审核会签和年度建设计划。",
                Role.FINANCE: "电子政务项目的财政审核会签和年度建设计划。",
                Role.SECRECY: "涉密电子政务项目的审查确认。",
                Role.COUNTY_GOVERNMENT: "审定电子政务项目年度建设计划。",
                Role.EGOV_REVIEWER: "受托电子政务项目的评审报告。",
                Role.AUDIT_OFFICE: "查阅电子政务项目的申报、评审、年度计划、建设和验收。",
                Role.TRADING_CENTRE: "经县大数据局审核采购文件的电子政务项目的政府采购。",
            },
            access="countyhall.egov.access",
            demo="countyhall.egov.demo",
            todos="countyhall.egov.todos:todos_for",
            cli="countyhall.egov.cli",
        )

    def ready(self) -> None:
        from countyhall.egov import rules  # noqa: F401  (registers egov.* with the calc interface)
