from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "countyhall.permits"
    label = "permits"
    verbose_name = "工程建设项目审批"

    def program(self):
        from countyhall.core.programs import MenuEntry, Program
        from countyhall.core.roles import Role
        from countyhall.permits import access

        return Program(
            label=self.label,
            title="工程建设项目审批",
            parameter_files=("permit.yaml",),
            menu=(MenuEntry("工程建设审批", "permits:projects", roles=access.USERS),),
            home_text={
                Role.APPROVAL: "工程建设项目审批：阶段、时限、并联审批。",
                Role.HOUSING: "工程建设项目的审查与验收。",
                Role.NATURAL_RESOURCES: "规划与用地审批。",
                Role.DEVELOPMENT: "项目立项与审批进展。",
                Role.PERMIT_REVIEWER: "工程建设项目并联审批：出具本部门审查意见，关注本部门时限。",
                Role.APPLICANT_FIRM: "本单位工程建设项目的申报、材料提交、补正和办理进度。",
                Role.CIVIL_AFFAIRS: "配建养老服务用房的移交。",
                Role.AUDITOR: "查阅工程建设项目审批记录。",
            },
            access="countyhall.permits.access",
            demo="countyhall.permits.demo",
            cli="countyhall.permits.cli",
            todos="countyhall.permits.todos:todos_for",
            policy_locks="countyhall.permits.policy:policy_locks",
            policy_impact="countyhall.permits.policy:policy_impact",
            policy_check="countyhall.permits.policy:policy_check",
            policy_apply="countyhall.permits.policy:policy_apply",
        )

    def ready(self) -> None:
        from countyhall.permits import rules  # noqa: F401  (registers permit.* with the calc interface)
