"""Rules of 高政办发〔2021〕2号: the per-lunch subsidy and the yearly operating subsidy.

Pure functions over the dated parameters in parameters/canteen.yaml; each returns the citations
and readings it used. POLICIES.md section A, items A1 and A6–A16.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from rest_framework import serializers

from countyhall.canteens import citations as cite
from countyhall.core.identity import full_years
from countyhall.core.money import split_by_ratios
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.rules.fields import MoneyField
from countyhall.core.rules.registry import RuleResult, StrictInput, rule
from countyhall.core.rules.trace import ParameterTrace

ZERO = Decimal("0.00")
DOCUMENT = "高政办发〔2021〕2号"
IN_FORCE_CITATION = cite.IN_FORCE


class FacilityType:
    CANTEEN = "canteen"
    SERVICE_POINT = "service_point"
    CHOICES = [CANTEEN, SERVICE_POINT]


class Setting:
    RURAL = "rural"
    COMMUNITY = "community"
    CHOICES = [RURAL, COMMUNITY]


class OperatorKind:
    CARE_ORG = "care_org"
    VILLAGE_COMMITTEE = "village_committee"
    ENTERPRISE = "enterprise"
    OTHER = "other"
    CHOICES = [CARE_ORG, VILLAGE_COMMITTEE, ENTERPRISE, OTHER]


@dataclass(frozen=True)
class FacilityTerms:
    type: str
    setting: str
    operator: str
    same_village: bool


def _one_year_completed_on(start: dt.date) -> dt.date:
    """The last day of the first full year of service (a start on 29 February completes on 28 February)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:
        anniversary = dt.date(start.year + 1, 3, 1)
    return anniversary - dt.timedelta(days=1)


def _not_in_force(meal_date: dt.date, price: Decimal) -> RuleResult:
    return RuleResult(
        data={
            "age": None,
            "age_band": None,
            "payer_of_free_meal": None,
            "eligible": False,
            "reason": f"{meal_date.isoformat()} 不在{DOCUMENT}的施行期内（2021年9月2日至2023年12月31日），"
            "本文件不提供助餐补贴。",
            "reason_code": "not_in_force",
            "free": False,
            "subsidy": {"city": ZERO, "county": ZERO, "total": ZERO},
            "operator_discount": ZERO,
            "care_fund": ZERO,
            "unfunded": ZERO,
            "elder_pays": price,
        },
        citations=[IN_FORCE_CITATION],
    )


def _within_price(city: Decimal, county: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
    """The subsidy pays for a lunch, so it never exceeds the lunch's price (city first, then county)."""
    city = min(city, max(price, ZERO))
    return city, min(county, max(price - city, ZERO))


def lunch_terms(
    *,
    birth_date: dt.date,
    meal_date: dt.date,
    gaoqing_hukou: bool,
    tekun: bool,
    facility: FacilityTerms,
    price: Decimal,
) -> RuleResult:
    """What one lunch costs the elder and who pays the rest, with the clauses that say so."""
    trace = ParameterTrace(meal_date)
    try:
        min_age = trace.get("canteen.eligibility.min_age")
        higher_age = trace.get("canteen.eligibility.higher_band_age")
    except NoPolicyInForce:
        return _not_in_force(meal_date, price)
    age = full_years(birth_date, meal_date)
    base = {"age": age, "age_band": None, "free": False, "operator_discount": ZERO, "care_fund": ZERO, "unfunded": ZERO,
            "payer_of_free_meal": None}
    if age < min_age:
        return trace.result({**base, "eligible": False, "reason_code": "under_age",
                             "reason": f"就餐当日未满{min_age}周岁（{age}周岁）。",
                             "subsidy": {"city": ZERO, "county": ZERO, "total": ZERO}, "elder_pays": price})
    if not gaoqing_hukou:
        return trace.result({**base, "eligible": False, "reason_code": "no_hukou",
                             "reason": "不具有高青县户籍。", "subsidy": {"city": ZERO, "county": ZERO, "total": ZERO},
                             "elder_pays": price})
    band = "age_80_plus" if age >= higher_age else "age_60_79"
    city, county = _within_price(trace.get(f"canteen.lunch_subsidy.city.{band}"),
                                 trace.get(f"canteen.lunch_subsidy.county.{band}"), price)

    if tekun and facility.setting == Setting.RURAL:
        # A7/A9: free lunch at the 4-yuan standard out of care funds; no city or county subsidy.
        standard = trace.get("canteen.tekun.meal_standard")
        return trace.result({**base, "eligible": True, "reason": "", "reason_code": "", "free": True,
                             "age_band": band, "subsidy": {"city": ZERO, "county": ZERO, "total": ZERO},
                             "care_fund": min(standard, price), "elder_pays": ZERO,
                             "payer_of_free_meal": "care_fund"})
    subsidy = {"city": city, "county": county, "total": city + county}
    if tekun:
        # A12: urban 特困 eat free; the gazette names no payer for what the subsidy does not cover.
        payer = trace.get("canteen.urban_tekun.payer")
        return trace.result({**base, "eligible": True, "reason": "", "reason_code": "", "free": True,
                             "age_band": band, "subsidy": subsidy, "elder_pays": ZERO,
                             "unfunded": max(price - subsidy["total"], ZERO), "payer_of_free_meal": payer})
    discount = ZERO
    free = False
    if facility.setting == Setting.RURAL and facility.operator == OperatorKind.CARE_ORG and facility.same_village:
        free_age = trace.get("canteen.care_org.same_village_free_age")
        if age >= free_age:
            # A8 reading: the operator still earns the A6 subsidy and waives the rest of the price.
            discount = max(price - subsidy["total"], ZERO)
            free = True
        else:
            discount = min(trace.get("canteen.care_org.same_village_discount"), max(price - subsidy["total"], ZERO))
    elder_pays = max(price - subsidy["total"] - discount, ZERO)
    return trace.result({**base, "eligible": True, "reason": "", "reason_code": "", "free": free,
                         "age_band": band, "subsidy": subsidy, "operator_discount": discount,
                         "elder_pays": elder_pays, "payer_of_free_meal": "operator" if free else None})


def operating_subsidy_terms(
    *,
    facility_type: str,
    service_start: dt.date,
    year: int,
    lunches: int,
    evaluation_passed: bool,
) -> RuleResult:
    """The yearly operating subsidy of a facility (A14, A16) and its city : county split."""
    year_end = dt.date(year, 12, 31)
    trace = ParameterTrace(year_end)
    zero = {"amount": ZERO, "city": ZERO, "county": ZERO}
    try:
        trace.get("canteen.operating_subsidy.full_year_rule")
    except NoPolicyInForce:
        return RuleResult(data={**zero, "eligible": False, "reason_code": "not_in_force",
                                "reason": f"{year}年不在{DOCUMENT}的施行期内，本文件不提供运营补贴。"},
                          citations=[IN_FORCE_CITATION])
    # A14 reading: a full year of service by 31 December Y, i.e. service began on or before 1 January Y.
    if service_start > dt.date(year, 1, 1):
        completed = _one_year_completed_on(service_start)
        return trace.result({**zero, "eligible": False, "reason_code": "not_full_year",
                             "reason": f"开始服务于{service_start.isoformat()}，至{year}年12月31日未运营满一年"
                                       f"（满一年之日为{completed.isoformat()}）。"})
    if not evaluation_passed:
        trace.citations.append(cite.EVALUATION_FAILED)
        return trace.result({**zero, "eligible": False, "reason_code": "evaluation_failed",
                             "reason": f"{year}年度评估考核未通过，当年不予发放运营补贴。"})
    amount = ZERO
    if facility_type == FacilityType.CANTEEN:
        for tier in (3, 2, 1):
            threshold = trace.get(f"canteen.operating_subsidy.canteen.tier_{tier}_lunches")
            if lunches >= threshold:
                amount = trace.get(f"canteen.operating_subsidy.canteen.tier_{tier}_amount")
                break
        minimum = parameters().at("canteen.operating_subsidy.canteen.tier_1_lunches", year_end).value
    else:
        minimum = trace.get("canteen.operating_subsidy.service_point.min_lunches")
        if lunches >= minimum:
            amount = trace.get("canteen.operating_subsidy.service_point.amount")
    if amount == ZERO:
        return trace.result({**zero, "eligible": False, "reason_code": "too_few_lunches",
                             "reason": f"年度就餐{lunches}人次，未达到{minimum}人次。"})
    split = trace.get("canteen.operating_subsidy.split")
    city, county = split_by_ratios(amount, [split["city"], split["county"]])
    return trace.result({"amount": amount, "city": city, "county": county, "eligible": True, "reason": "",
                         "reason_code": ""})


# Labels in Chinese (title / x-enum-labels of the published schema, read by the form calculator): the
# choices carry their Chinese names, so no English key reaches a citizen.
FACILITY_TYPE_LABELS = [(FacilityType.CANTEEN, "长者食堂"), (FacilityType.SERVICE_POINT, "长者助餐服务点")]
SETTING_LABELS = [(Setting.RURAL, "农村"), (Setting.COMMUNITY, "城市社区")]
OPERATOR_LABELS = [(OperatorKind.CARE_ORG, "照护服务组织"), (OperatorKind.VILLAGE_COMMITTEE, "村（居）委员会"),
                   (OperatorKind.ENTERPRISE, "餐饮企业"), (OperatorKind.OTHER, "其他")]


class FacilityInput(StrictInput):
    type = serializers.ChoiceField(choices=FACILITY_TYPE_LABELS, label="机构类别")
    setting = serializers.ChoiceField(choices=SETTING_LABELS, label="城乡", help_text="食堂位于农村还是城市社区")
    operator = serializers.ChoiceField(choices=OPERATOR_LABELS, label="运营方")
    same_village = serializers.BooleanField(label="老人住在食堂所在村", help_text="老人居住在食堂所在自然村（场所提供村）")


class LunchInput(StrictInput):
    birth_date = serializers.DateField(label="出生日期", help_text="身份证上的出生日期")
    meal_date = serializers.DateField(label="就餐日期")
    gaoqing_hukou = serializers.BooleanField(label="高青县户籍", help_text="是否具有高青县户籍")
    tekun = serializers.BooleanField(label="特困人员", help_text="是否为民政部门认定的分散供养特困人员")
    facility = FacilityInput(label="就餐的食堂")
    price = MoneyField(label="午餐价格（元）", help_text="食堂价目表上的午餐价格")

    def validate(self, attrs):
        if attrs["birth_date"] > attrs["meal_date"]:
            raise serializers.ValidationError({"birth_date": "出生日期不能晚于就餐日期。"})
        return attrs


@rule(
    name="canteen.lunch",
    public=True,
    title="长者食堂午餐：补贴与个人负担",
    input=LunchInput,
    example={"birth_date": "1941-09-02", "meal_date": "2021-09-02", "gaoqing_hukou": True, "tekun": False,
             "facility": {"type": "canteen", "setting": "rural", "operator": "care_org", "same_village": False},
             "price": "8.00"},
    description="按高政办发〔2021〕2号计算一餐午餐的市、县补贴，运营方优惠，照护资金承担部分和老人自付金额。",
)
def lunch_rule(*, birth_date, meal_date, gaoqing_hukou, tekun, facility, price) -> RuleResult:
    return lunch_terms(birth_date=birth_date, meal_date=meal_date, gaoqing_hukou=gaoqing_hukou, tekun=tekun,
                       facility=FacilityTerms(**facility), price=price)


class OperatingSubsidyInput(StrictInput):
    facility_type = serializers.ChoiceField(choices=FACILITY_TYPE_LABELS, label="机构类别")
    service_start = serializers.DateField(label="开始服务日期", help_text="开始提供助餐服务的日期")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="年度")
    lunches = serializers.IntegerField(min_value=0, label="年度就餐人次", help_text="当年午餐就餐人次")
    evaluation_passed = serializers.BooleanField(label="评估合格", help_text="当年第三方评估是否合格")


@rule(
    name="canteen.operating_subsidy",
    title="长者食堂年度运营补贴",
    input=OperatingSubsidyInput,
    example={"facility_type": "canteen", "service_start": "2021-01-01", "year": 2022, "lunches": 7000,
             "evaluation_passed": True},
    description="按高政办发〔2021〕2号计算运营满一年、评估合格的长者食堂或助餐服务点的年度运营补贴及市县分担。",
)
def operating_subsidy_rule(**kwargs) -> RuleResult:
    return operating_subsidy_terms(**kwargs)
