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
from countyhall.core.policy import Citation, NoPolicyInForce, parameters
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


class TekunSupport:
    """特困人员供养方式 (the 特困 status records it): only 分散供养 get the rural free lunch (五、（一）2, L1219)."""

    DISPERSED = "dispersed"
    CENTRALISED = "centralised"
    CHOICES = [DISPERSED, CENTRALISED]


IN_FORCE_PARAMETER = "canteen.eligibility.min_age"


def in_force_window() -> tuple[dt.date, dt.date | None]:
    """The opinion's validity (六、（四）, L1380–1382), as the parameter file dates it: no date in code."""
    values = parameters().get(IN_FORCE_PARAMETER).values
    return values[0].valid_from, values[-1].valid_to


def band_ages(on: dt.date) -> tuple[int, int]:
    """The eligibility age and the higher band's age (A1, A6) on a day — or, outside the validity, the last ones
    the file gives (a list filter still needs its labels)."""
    young, old, _ = band_ages_terms(on)
    return young, old


def band_ages_terms(on: dt.date) -> tuple[int, int, list[Citation]]:
    """band_ages with the citations of the two ages (A1 二、, A6 四、（一）), for a page that shows them."""
    ages, citations = [], []
    for name in ("canteen.eligibility.min_age", "canteen.eligibility.higher_band_age"):
        trace = ParameterTrace(on)
        try:
            ages.append(trace.get(name))
            citations += trace.citations
        except NoPolicyInForce:
            last = parameters().get(name).values[-1]
            ages.append(last.value)
            citations.append(last.citation)
    return ages[0], ages[1], citations


def _chinese_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "另行通知"


def in_force_text() -> str:
    start, end = in_force_window()
    return f"{_chinese_date(start)}至{_chinese_date(end)}"


def _zero_terms(price: Decimal) -> dict:
    return {
        "subsidy": {"city": ZERO, "county": ZERO, "total": ZERO},
        "operator_discount": ZERO,
        "care_fund": ZERO,
        "unfunded": ZERO,
        "elder_pays": price,
        "base_price": price,
        "extra_charge": ZERO,
        "served": price,
        "elder_pays_total": price,
    }


def _not_in_force(meal_date: dt.date, price: Decimal) -> RuleResult:
    return RuleResult(
        data={
            "age": None,
            "age_band": None,
            "payer_of_free_meal": None,
            "eligible": False,
            "reason": f"{_chinese_date(meal_date)} 不在{DOCUMENT}的施行期内（{in_force_text()}），本文件不提供助餐补贴。",
            "reason_code": "not_in_force",
            "free": False,
            "tekun_note": "",
            **_zero_terms(price),
        },
        citations=[IN_FORCE_CITATION],
    )


def _within_price(city: Decimal, county: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
    """The subsidy pays for a lunch, so it never exceeds the lunch's price (city first, then county)."""
    city = min(city, max(price, ZERO))
    return city, min(county, max(price - city, ZERO))


def _extra_charge(trace: ParameterTrace, extra_price: Decimal | None, base: Decimal) -> Decimal:
    """A10 (五、（一）2, L1245–1249): a higher-standard or personalised meal is priced by the canteen and charged
    separately, never subsidised. What is charged — the listed price on top, or what it exceeds the basic lunch
    by — is reading A10, both answers implemented."""
    if extra_price is None:
        return ZERO
    if trace.adopted("A10"):
        return extra_price
    return max(extra_price - base, ZERO)


def lunch_terms(
    *,
    birth_date: dt.date,
    meal_date: dt.date,
    gaoqing_hukou: bool,
    tekun: bool,
    facility: FacilityTerms,
    price: Decimal,
    tekun_support: str = TekunSupport.DISPERSED,
    extra_price: Decimal | None = None,
) -> RuleResult:
    """What one lunch costs the elder and who pays the rest, with the clauses that say so.

    `price` is the facility's lunch price; `extra_price` a higher-standard or personalised meal from its price
    list (A10). The figures always add up: city + county + care fund + operator discount + elder pays + unfunded
    = `base_price` (the subsidised lunch as served: for a rural 分散特困 elder the meal standard), and
    `served` = base_price + extra_charge, which the elder pays on top (`elder_pays_total`)."""
    trace = ParameterTrace(meal_date)
    try:
        min_age = trace.get("canteen.eligibility.min_age")
        higher_age = trace.get("canteen.eligibility.higher_band_age")
    except NoPolicyInForce:
        return _not_in_force(meal_date, price)
    age = full_years(birth_date, meal_date)
    base = {"age": age, "age_band": None, "free": False, "payer_of_free_meal": None, "tekun_note": ""}
    if age < min_age:
        return trace.result(
            {
                **base,
                **_zero_terms(price),
                "eligible": False,
                "reason_code": "under_age",
                "reason": f"就餐当日未满{min_age}周岁（{age}周岁）。",
            }
        )
    if not gaoqing_hukou:
        return trace.result(
            {
                **base,
                **_zero_terms(price),
                "eligible": False,
                "reason_code": "no_hukou",
                "reason": "不具有高青县户籍。",
            }
        )
    band = "age_80_plus" if age >= higher_age else "age_60_79"
    ok = {"eligible": True, "reason": "", "reason_code": "", "age_band": band}

    def done(data: dict, lunch_value: Decimal) -> RuleResult:
        extra = _extra_charge(trace, extra_price, lunch_value)
        return trace.result(
            {
                **base,
                **ok,
                **data,
                "base_price": lunch_value,
                "extra_charge": extra,
                "served": lunch_value + extra,
                "elder_pays_total": data["elder_pays"] + extra,
            }
        )

    zero_subsidy = {"city": ZERO, "county": ZERO, "total": ZERO}
    if tekun and facility.setting == Setting.RURAL and tekun_support == TekunSupport.DISPERSED:
        # A7/A9 (L1219–1227): a free lunch at the meal standard ("暂定" 4 yuan) out of care funds; no city or
        # county subsidy. The lunch served is the standard meal; anything above it is A10, charged separately.
        standard = min(trace.get("canteen.tekun.meal_standard"), max(price, ZERO))
        return done(
            {
                "free": True,
                "subsidy": zero_subsidy,
                "operator_discount": ZERO,
                "care_fund": standard,
                "unfunded": ZERO,
                "elder_pays": ZERO,
                "payer_of_free_meal": "care_fund",
            },
            standard,
        )
    if tekun and facility.setting == Setting.RURAL:
        # L1219 gives the rural free lunch to 分散供养 特困 only: a 集中供养 elder (fed by the 供养机构) eating
        # here is subsidised like any other elder.
        base["tekun_note"] = "集中供养特困人员不享受农村长者食堂的特困免费午餐，按一般老人享受助餐补贴。"
    city, county = _within_price(
        trace.get(f"canteen.lunch_subsidy.city.{band}"),
        trace.get(f"canteen.lunch_subsidy.county.{band}"),
        price,
    )
    subsidy = {"city": city, "county": county, "total": city + county}
    rest = max(price - subsidy["total"], ZERO)
    if tekun and facility.setting != Setting.RURAL:
        # A12: urban 特困 eat free (二、, L985); the gazette names no payer for what the subsidy does not cover.
        payer = trace.get("canteen.urban_tekun.payer")
        if payer == "operator":
            return done(
                {
                    "free": True,
                    "subsidy": subsidy,
                    "operator_discount": rest,
                    "care_fund": ZERO,
                    "unfunded": ZERO,
                    "elder_pays": ZERO,
                    "payer_of_free_meal": "operator",
                },
                price,
            )
        return done(
            {
                "free": True,
                "subsidy": subsidy,
                "operator_discount": ZERO,
                "care_fund": ZERO,
                "unfunded": rest,
                "elder_pays": ZERO,
                "payer_of_free_meal": payer,
            },
            price,
        )
    discount = ZERO
    free = False
    if (
        facility.setting == Setting.RURAL
        and facility.operator == OperatorKind.CARE_ORG
        and facility.same_village
    ):
        free_age = trace.get("canteen.care_org.same_village_free_age")
        if age >= free_age:
            free = True
            if trace.adopted("A8"):
                # A8 adopted: the operator still earns the A6 subsidy and waives the rest of the price.
                discount = rest
            else:
                # A8 alternative: the organisation bears the whole meal; no city or county subsidy.
                subsidy = zero_subsidy
                discount = max(price, ZERO)
        else:
            discount = min(trace.get("canteen.care_org.same_village_discount"), rest)
    elder_pays = max(price - subsidy["total"] - discount, ZERO)
    return done(
        {
            "free": free,
            "subsidy": subsidy,
            "operator_discount": discount,
            "care_fund": ZERO,
            "unfunded": ZERO,
            "elder_pays": elder_pays,
            "payer_of_free_meal": "operator" if free else None,
        },
        price,
    )


FULL_YEAR_BY_YEAR_END = "service_start_on_or_before_1_january"  # A14 adopted
FULL_YEAR_THEN_CALENDAR_YEAR = "first_full_calendar_year_after_one_year"  # A14 alternative


def _first_subsidy_year(rule_value: str, service_start: dt.date) -> int:
    completed = _one_year_completed_on(service_start)
    if rule_value == FULL_YEAR_BY_YEAR_END:
        return completed.year
    if rule_value == FULL_YEAR_THEN_CALENDAR_YEAR:
        return completed.year + 1
    raise ValueError(f"未知的“运营满一年”判定：{rule_value}")


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
        full_year_rule = trace.get("canteen.operating_subsidy.full_year_rule")
    except NoPolicyInForce:
        return RuleResult(
            data={
                **zero,
                "eligible": False,
                "reason_code": "not_in_force",
                "reason": f"{year}年不在{DOCUMENT}的施行期内（{in_force_text()}），本文件不提供运营补贴。",
            },
            citations=[IN_FORCE_CITATION],
        )
    first_day, _ = in_force_window()
    if year == first_day.year and first_day > dt.date(year, 1, 1):
        # A18: the year the opinion took effect is not a whole calendar year of the policy.
        if not trace.get("canteen.operating_subsidy.first_year_in_force_paid"):
            return trace.result(
                {
                    **zero,
                    "eligible": False,
                    "reason_code": "first_year_not_paid",
                    "reason": f"本意见自{_chinese_date(first_day)}起施行，施行当年（{year}年度）"
                    "不核发运营补贴。",
                }
            )
    # A14: a full year of service — by 31 December Y (adopted), or a whole calendar year after it (alternative).
    first_year = _first_subsidy_year(full_year_rule, service_start)
    if year < first_year:
        completed = _one_year_completed_on(service_start)
        reason = (
            f"开始服务于{_chinese_date(service_start)}，至{year}年12月31日未运营满一年"
            f"（满一年之日为{_chinese_date(completed)}）。"
            if full_year_rule == FULL_YEAR_BY_YEAR_END
            else f"开始服务于{_chinese_date(service_start)}，满一年之日为{_chinese_date(completed)}，"
            f"自其后首个完整自然年度（{first_year}年度）起方可申请运营补贴。"
        )
        return trace.result({**zero, "eligible": False, "reason_code": "not_full_year", "reason": reason})
    if not evaluation_passed:
        trace.citations.append(cite.EVALUATION_FAILED)
        return trace.result(
            {
                **zero,
                "eligible": False,
                "reason_code": "evaluation_failed",
                "reason": f"{year}年度评估考核未通过，当年不予发放运营补贴。",
            }
        )
    amount = ZERO
    if facility_type == FacilityType.CANTEEN:
        minimum = trace.get("canteen.operating_subsidy.canteen.tier_1_lunches")
        for tier in (3, 2, 1):
            threshold = trace.get(f"canteen.operating_subsidy.canteen.tier_{tier}_lunches")
            if lunches >= threshold:
                amount = trace.get(f"canteen.operating_subsidy.canteen.tier_{tier}_amount")
                break
    else:
        minimum = trace.get("canteen.operating_subsidy.service_point.min_lunches")
        if lunches >= minimum:
            amount = trace.get("canteen.operating_subsidy.service_point.amount")
    if amount == ZERO:
        return trace.result(
            {
                **zero,
                "eligible": False,
                "reason_code": "too_few_lunches",
                "reason": f"年度就餐{lunches}人次，未达到{minimum}人次。",
            }
        )
    split = trace.get("canteen.operating_subsidy.split")
    city, county = split_by_ratios(amount, [split["city"], split["county"]])
    return trace.result(
        {"amount": amount, "city": city, "county": county, "eligible": True, "reason": "", "reason_code": ""}
    )


# Labels in Chinese (title / x-enum-labels of the published schema, read by the form calculator): the
# choices carry their Chinese names, so no English key reaches a citizen.
FACILITY_TYPE_LABELS = [(FacilityType.CANTEEN, "长者食堂"), (FacilityType.SERVICE_POINT, "长者助餐服务点")]
SETTING_LABELS = [(Setting.RURAL, "农村"), (Setting.COMMUNITY, "城市社区")]
OPERATOR_LABELS = [
    (OperatorKind.CARE_ORG, "照护服务组织"),
    (OperatorKind.VILLAGE_COMMITTEE, "村（居）委员会"),
    (OperatorKind.ENTERPRISE, "餐饮企业"),
    (OperatorKind.OTHER, "其他"),
]
TEKUN_SUPPORT_LABELS = [(TekunSupport.DISPERSED, "分散供养"), (TekunSupport.CENTRALISED, "集中供养")]


class FacilityInput(StrictInput):
    type = serializers.ChoiceField(choices=FACILITY_TYPE_LABELS, label="机构类别")
    setting = serializers.ChoiceField(
        choices=SETTING_LABELS, label="城乡", help_text="食堂位于农村还是城市社区"
    )
    operator = serializers.ChoiceField(choices=OPERATOR_LABELS, label="运营方")
    same_village = serializers.BooleanField(
        label="老人住在食堂所在村", help_text="老人居住在食堂所在自然村（场所提供村）"
    )


class LunchInput(StrictInput):
    birth_date = serializers.DateField(label="出生日期", help_text="身份证上的出生日期")
    meal_date = serializers.DateField(label="就餐日期")
    gaoqing_hukou = serializers.BooleanField(label="高青县户籍", help_text="是否具有高青县户籍")
    tekun = serializers.BooleanField(label="特困人员", help_text="是否为民政部门认定的特困人员")
    tekun_support = serializers.ChoiceField(
        choices=TEKUN_SUPPORT_LABELS,
        label="特困人员供养方式",
        required=False,
        default=TekunSupport.DISPERSED,
        help_text="农村长者食堂只为分散供养特困人员提供免费午餐",
    )
    facility = FacilityInput(label="就餐的食堂")
    price = MoneyField(label="午餐价格（元）", help_text="食堂价目表上的午餐价格")
    extra_price = MoneyField(
        label="高标准或个性化餐（元）",
        required=False,
        allow_null=True,
        default=None,
        help_text="价目表上的高标准或个性化餐价格，另行收费，不享受补贴",
    )

    def validate(self, attrs):
        if attrs["birth_date"] > attrs["meal_date"]:
            raise serializers.ValidationError({"birth_date": "出生日期不能晚于就餐日期。"})
        return attrs


@rule(
    name="canteen.lunch",
    public=True,
    title="长者食堂午餐：补贴与个人负担",
    input=LunchInput,
    example={
        "birth_date": "1941-09-02",
        "meal_date": "2021-09-02",
        "gaoqing_hukou": True,
        "tekun": False,
        "facility": {"type": "canteen", "setting": "rural", "operator": "care_org", "same_village": False},
        "price": "8.00",
    },
    description="按高政办发〔2021〕2号计算一餐午餐的市、县补贴，运营方优惠，照护资金承担部分和老人自付金额。",
)
def lunch_rule(
    *,
    birth_date,
    meal_date,
    gaoqing_hukou,
    tekun,
    facility,
    price,
    tekun_support=TekunSupport.DISPERSED,
    extra_price=None,
) -> RuleResult:
    return lunch_terms(
        birth_date=birth_date,
        meal_date=meal_date,
        gaoqing_hukou=gaoqing_hukou,
        tekun=tekun,
        facility=FacilityTerms(**facility),
        price=price,
        tekun_support=tekun_support,
        extra_price=extra_price,
    )


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
    example={
        "facility_type": "canteen",
        "service_start": "2021-01-01",
        "year": 2022,
        "lunches": 7000,
        "evaluation_passed": True,
    },
    description="按高政办发〔2021〕2号计算运营满一年、评估合格的长者食堂或助餐服务点的年度运营补贴及市县分担。",
)
def operating_subsidy_rule(**kwargs) -> RuleResult:
    return operating_subsidy_terms(**kwargs)
