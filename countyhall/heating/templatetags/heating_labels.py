from django import template

register = template.Library()

BUDGET_LABELS = {
    "above_city": "市级以上",
    "upper": "上级资金",
    "city": "市财政",
    "county": "县财政",
    "town": "镇（街道）",
    "jinjie": "金捷天然气公司",
}


@register.filter
def budget(code: str) -> str:
    return BUDGET_LABELS.get(code, code)


@register.filter
def heating_place(household) -> str:
    """自然村 / 村 / 镇 of a household."""
    from countyhall.heating.views import place

    return place(household)


@register.simple_tag
def heating_policy() -> dict:
    """The programme's figures a page's text quotes (year, task, gas share, deadlines), read from heating.yaml so no
    template repeats a date or a number of the text."""
    from countyhall.core.rules.trace import ParameterTrace
    from countyhall.heating.rules import policy_date, programme_date, programme_year

    trace = ParameterTrace(programme_date())
    construction, commissioning = (
        policy_date("heating.deadline.construction"),
        policy_date("heating.deadline.commissioning"),
    )
    return {
        "year": programme_year(),
        "task": trace.get("heating.task.households"),
        "min_gas_percent": trace.get("heating.gas_village.min_gas_percent"),
        "citations": trace.citations,
        "construction": construction,
        "commissioning": commissioning,
        "construction_label": f"工程建设（{construction.month}月{construction.day}日）",
        "commissioning_label": f"调试交付（{commissioning.month}月{commissioning.day}日）",
        "inspection": policy_date("heating.deadline.inspection"),
    }
