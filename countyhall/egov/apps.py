from django.apps import AppConfig


class EgovConfig(AppConfig):
    """电子政务项目 (高政办发〔2021〕1号): parameters in countyhall/parameters/egov.yaml, the egov.* rules. No pages
    yet, so no menu entry, home text or permission table (later sessions add the yearly cycle, review, construction,
    acceptance and the portfolio on top)."""

    name = "countyhall.egov"
    label = "egov"
    verbose_name = "电子政务项目"

    def program(self):
        from countyhall.core.programs import Program

        # Declaring egov.yaml groups 1号's readings and figures under this program on the governance pages
        # (/policy/readings/ listed them with an empty 所属 column).
        return Program(label=self.label, title="电子政务项目", parameter_files=("egov.yaml",))

    def ready(self) -> None:
        from countyhall.egov import rules  # noqa: F401  (registers egov.* with the calc interface)
