from django.apps import AppConfig


class GazetteConfig(AppConfig):
    name = "countyhall.gazette"
    label = "gazette"
    verbose_name = "政府公报"

    def program(self):
        from countyhall.core.programs import MenuEntry, Program

        return Program(
            label=self.label,
            title="政府公报",
            menu=(
                MenuEntry("政府公报", "gazette:list", anonymous=True),
                MenuEntry("公报检索", "gazette:search", anonymous=True),
            ),
            home_sections="countyhall.gazette.views:home_sections",
            citation_text="countyhall.gazette.views:citation_text",
            access="countyhall.gazette.access",
            todos="countyhall.gazette.todos:todos",
            # Reading P2 (a period of months from a decision): its answer dates the probation and secondment ends;
            # an approved change rebuilds them (policy.policy_apply).
            parameter_files=("gazette.yaml",),
            policy_apply="countyhall.gazette.policy:policy_apply",
            policy_impact="countyhall.gazette.policy:policy_impact",
        )
