from django import template

register = template.Library()

BUDGET_LABELS = {"above_city": "市级以上", "upper": "上级资金", "city": "市财政", "county": "县财政", "town": "镇（街道）",
                 "jinjie": "金捷天然气公司"}


@register.filter
def budget(code: str) -> str:
    return BUDGET_LABELS.get(code, code)


@register.filter
def heating_place(household) -> str:
    """自然村 / 村 / 镇 of a household."""
    from countyhall.heating.views import place

    return place(household)
