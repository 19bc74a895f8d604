"""The canteen part of the public "我能享受哪些补贴" page (core.programs.Program.public_sections).

Every figure comes from the lunch rule run on today's date for a typical elder of each age band, so the
table shows exactly what the counter would compute, with the clauses the rule cites; nothing is written
here by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from countyhall.canteens.rules import FacilityTerms, OperatorKind, Setting, lunch_terms
from countyhall.core.clock import business_date
from countyhall.core.policy import NoPolicyInForce
from countyhall.core.rules.trace import ParameterTrace

HIGH_PRICE = Decimal("100.00")  # above any lunch price: the table shows the subsidy, not a price cap


def _born(age: int, on: dt.date) -> dt.date:
    try:
        return on.replace(year=on.year - age)
    except ValueError:
        return on.replace(year=on.year - age, day=28)


def _case(
    on: dt.date,
    age: int,
    *,
    tekun=False,
    setting=Setting.COMMUNITY,
    operator=OperatorKind.ENTERPRISE,
    same_village=False,
):
    return lunch_terms(
        birth_date=_born(age, on),
        meal_date=on,
        gaoqing_hukou=True,
        tekun=tekun,
        facility=FacilityTerms(type="canteen", setting=setting, operator=operator, same_village=same_village),
        price=HIGH_PRICE,
    )


def _citations(*results) -> list[dict]:
    seen = {}
    for result in results:
        for citation in result.citations:
            data = citation.as_dict()
            seen[(data["document"], data["clause"])] = data
    return list(seen.values())


def lunch_subsidy_table(on: dt.date | None = None) -> dict:
    """The subsidy per lunch by age band, and the free lunches, as the rule computes them on `on`."""
    on = on or business_date()
    try:
        # The band ages come from the parameter file (A1, A6), like the amounts.
        ages = ParameterTrace(on)
        min_age, higher_age = (
            ages.get(name) for name in ("canteen.eligibility.min_age", "canteen.eligibility.higher_band_age")
        )
    except NoPolicyInForce:
        closed = _case(on, 100)
        return {
            "in_force": False,
            "on": on,
            "message": closed.data["reason"],
            "citations": _citations(closed),
        }
    young, old = _case(on, min_age + 5), _case(on, higher_age + 5)
    bands = []
    for label, result in ((f"{min_age}—{higher_age - 1}周岁", young), (f"{higher_age}周岁以上", old)):
        subsidy = result.data["subsidy"]
        bands.append(
            {
                "label": label,
                "city": subsidy["city"],
                "county": subsidy["county"],
                "total": subsidy["total"],
                "citations": _citations(result),
            }
        )
    tekun = _case(on, min_age + 5, tekun=True, setting=Setting.RURAL)
    village_young = _case(
        on, min_age + 5, setting=Setting.RURAL, operator=OperatorKind.CARE_ORG, same_village=True
    )
    village_old = _case(
        on, higher_age + 5, setting=Setting.RURAL, operator=OperatorKind.CARE_ORG, same_village=True
    )
    extras = [
        {
            "who": "农村长者食堂就餐的分散供养特困人员",
            "what": f"免费午餐，餐标 ¥{tekun.data['care_fund']}，由照护资金承担",
            "citations": _citations(tekun),
        },
        {
            "who": f"照护服务组织运营的农村长者食堂，所在自然村的{higher_age}周岁以上老人",
            "what": "免费午餐",
            "citations": _citations(village_old),
        },
        {
            "who": f"照护服务组织运营的农村长者食堂，所在自然村的{min_age}—{higher_age - 1}周岁老人",
            "what": f"在补贴之外每餐再优惠 ¥{village_young.data['operator_discount']}",
            "citations": _citations(village_young),
        },
    ]
    return {
        "in_force": True,
        "on": on,
        "bands": bands,
        "extras": extras,
        "min_age": min_age,
        "age_citations": _citations(ages),
    }


def public_sections(request) -> list[dict]:
    return [
        {
            "title": "长者食堂午餐补贴",
            "template": "canteens/_public_subsidy.html",
            "context": {"table": lunch_subsidy_table(), "finder_url": reverse("canteens:public")},
        }
    ]
