"""Table-driven tests of POLICIES.md section A: no database, just the rules and the dated parameters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.rules import FacilityTerms, lunch_terms, operating_subsidy_terms
from countyhall.core.rules import RuleInputError, calc

D = dt.date
M = Decimal
RURAL_CARE_SAME = FacilityTerms("canteen", "rural", "care_org", True)
RURAL_CARE_OTHER = FacilityTerms("canteen", "rural", "care_org", False)
RURAL_VILLAGE = FacilityTerms("canteen", "rural", "village_committee", True)
COMMUNITY_ENTERPRISE = FacilityTerms("service_point", "community", "enterprise", False)
COMMUNITY_CARE = FacilityTerms("canteen", "community", "care_org", False)
RURAL_ENTERPRISE_SAME = FacilityTerms("canteen", "rural", "enterprise", True)
RURAL_OTHER_SAME = FacilityTerms("service_point", "rural", "other", True)
COMMUNITY_VILLAGE = FacilityTerms("canteen", "community", "village_committee", True)
MEAL = D(2022, 3, 15)


def lunch(birth, meal=MEAL, *, hukou=True, tekun=False, facility=RURAL_CARE_OTHER, price="8.00"):
    return lunch_terms(
        birth_date=birth, meal_date=meal, gaoqing_hukou=hukou, tekun=tekun, facility=facility, price=M(price)
    )


# birth date, meal date, eligible, city, county — ages 59/60/79/80 on and around the birthday (A1, A6)
AGE_CASES = [
    (D(1962, 3, 16), MEAL, False, "0.00", "0.00"),  # 59, turns 60 tomorrow
    (D(1962, 3, 15), MEAL, True, "1.00", "1.00"),  # 60 on the birthday itself
    (D(1962, 3, 14), MEAL, True, "1.00", "1.00"),
    (D(1942, 3, 16), MEAL, True, "1.00", "1.00"),  # 79, turns 80 tomorrow
    (D(1942, 3, 15), MEAL, True, "2.00", "1.00"),  # 80 on the birthday
    (D(1942, 3, 14), MEAL, True, "2.00", "1.00"),
    (D(1930, 1, 1), MEAL, True, "2.00", "1.00"),  # 92
]


@pytest.mark.parametrize(("birth", "meal", "eligible", "city", "county"), AGE_CASES)
def test_age_bands(birth, meal, eligible, city, county):
    result = lunch(birth, meal).data
    assert result["eligible"] is eligible
    assert (result["subsidy"]["city"], result["subsidy"]["county"]) == (M(city), M(county))


def test_age_is_counted_on_the_meal_date_not_today():
    # 59 on the first day of the policy, 60 on the last: eligibility follows the meal date.
    assert lunch(D(1963, 12, 31), D(2021, 9, 2)).data["eligible"] is False
    assert lunch(D(1963, 12, 31), D(2023, 12, 31)).data["eligible"] is True


# facility, tekun, birth, price → free, city, county, operator discount, care fund, elder pays, unfunded
SETTING_CASES = [
    # A8 rural care organisation, the canteen's own natural village
    (
        "A8 80+ same village free",
        RURAL_CARE_SAME,
        False,
        D(1940, 1, 1),
        "8.00",
        True,
        "2.00",
        "1.00",
        "5.00",
        "0.00",
        "0.00",
        "0.00",
    ),
    (
        "A8 60-79 same village +1",
        RURAL_CARE_SAME,
        False,
        D(1955, 1, 1),
        "8.00",
        False,
        "1.00",
        "1.00",
        "1.00",
        "0.00",
        "5.00",
        "0.00",
    ),
    (
        "A8 other village subsidy only",
        RURAL_CARE_OTHER,
        False,
        D(1940, 1, 1),
        "8.00",
        False,
        "2.00",
        "1.00",
        "0.00",
        "0.00",
        "5.00",
        "0.00",
    ),
    (
        "A8 60-79 other village",
        RURAL_CARE_OTHER,
        False,
        D(1955, 1, 1),
        "8.00",
        False,
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        "6.00",
        "0.00",
    ),
    (
        "A8 cheap meal: discount only up to price",
        RURAL_CARE_SAME,
        False,
        D(1955, 1, 1),
        "2.50",
        False,
        "1.00",
        "1.00",
        "0.50",
        "0.00",
        "0.00",
        "0.00",
    ),
    # A7 / A9 rural 特困: free at the 4-yuan standard from care funds, no city or county subsidy
    (
        "A7 rural tekun care org",
        RURAL_CARE_OTHER,
        True,
        D(1950, 1, 1),
        "8.00",
        True,
        "0.00",
        "0.00",
        "0.00",
        "4.00",
        "0.00",
        "0.00",
    ),
    (
        "A9 rural tekun village committee",
        RURAL_VILLAGE,
        True,
        D(1940, 1, 1),
        "6.00",
        True,
        "0.00",
        "0.00",
        "0.00",
        "4.00",
        "0.00",
        "0.00",
    ),
    (
        "A9 village committee others: A6",
        RURAL_VILLAGE,
        False,
        D(1950, 1, 1),
        "6.00",
        False,
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        "4.00",
        "0.00",
    ),
    # A11 community: the subsidy is deducted at the counter
    (
        "A11 community enterprise 60-79",
        COMMUNITY_ENTERPRISE,
        False,
        D(1955, 6, 1),
        "10.00",
        False,
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        "8.00",
        "0.00",
    ),
    (
        "A11 community care org 80+",
        COMMUNITY_CARE,
        False,
        D(1935, 6, 1),
        "10.00",
        False,
        "2.00",
        "1.00",
        "0.00",
        "0.00",
        "7.00",
        "0.00",
    ),
    # A8 binds care organisations only: other rural operators give the A6 subsidy, no extra discount
    (
        "rural enterprise same village 80+",
        RURAL_ENTERPRISE_SAME,
        False,
        D(1940, 1, 1),
        "8.00",
        False,
        "2.00",
        "1.00",
        "0.00",
        "0.00",
        "5.00",
        "0.00",
    ),
    (
        "rural other operator service point",
        RURAL_OTHER_SAME,
        False,
        D(1955, 1, 1),
        "7.00",
        False,
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        "5.00",
        "0.00",
    ),
    (
        "community village committee",
        COMMUNITY_VILLAGE,
        False,
        D(1955, 1, 1),
        "7.00",
        False,
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        "5.00",
        "0.00",
    ),
    (
        "rural tekun service point",
        RURAL_OTHER_SAME,
        True,
        D(1955, 1, 1),
        "7.00",
        True,
        "0.00",
        "0.00",
        "0.00",
        "4.00",
        "0.00",
        "0.00",
    ),
    # A12 urban 特困: free, the rest unfunded by policy and flagged
    (
        "A12 urban tekun",
        COMMUNITY_ENTERPRISE,
        True,
        D(1950, 1, 1),
        "10.00",
        True,
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        "0.00",
        "8.00",
    ),
    (
        "A12 urban tekun 80+",
        COMMUNITY_CARE,
        True,
        D(1935, 1, 1),
        "10.00",
        True,
        "2.00",
        "1.00",
        "0.00",
        "0.00",
        "0.00",
        "7.00",
    ),
    # The subsidy pays for the lunch: never more than its price (city first, then county).
    (
        "price below subsidy",
        COMMUNITY_CARE,
        False,
        D(1935, 1, 1),
        "2.00",
        False,
        "2.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ),
    (
        "price zero",
        COMMUNITY_CARE,
        False,
        D(1935, 1, 1),
        "0.00",
        False,
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ),
    (
        "A12 urban tekun price below subsidy",
        COMMUNITY_ENTERPRISE,
        True,
        D(1935, 1, 1),
        "2.50",
        True,
        "2.00",
        "0.50",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ),
]


@pytest.mark.parametrize(
    (
        "case",
        "facility",
        "tekun",
        "birth",
        "price",
        "free",
        "city",
        "county",
        "discount",
        "care",
        "pays",
        "unfunded",
    ),
    SETTING_CASES,
    ids=[c[0] for c in SETTING_CASES],
)
def test_settings_and_operators(
    case, facility, tekun, birth, price, free, city, county, discount, care, pays, unfunded
):
    result = lunch(birth, tekun=tekun, facility=facility, price=price).data
    assert result["eligible"] is True
    assert result["free"] is free
    assert result["subsidy"] == {"city": M(city), "county": M(county), "total": M(city) + M(county)}
    assert result["operator_discount"] == M(discount)
    assert result["care_fund"] == M(care)
    assert result["elder_pays"] == M(pays)
    assert result["unfunded"] == M(unfunded)


def test_readings_are_reported_where_they_decide():
    assert "A8" in lunch(D(1940, 1, 1), facility=RURAL_CARE_SAME).readings
    assert "A12" in lunch(D(1950, 1, 1), tekun=True, facility=COMMUNITY_ENTERPRISE).readings
    assert (
        lunch(D(1950, 1, 1), tekun=True, facility=COMMUNITY_ENTERPRISE).data["payer_of_free_meal"]
        == "unspecified_by_policy"
    )
    assert "A8" not in lunch(D(1940, 1, 1), facility=COMMUNITY_CARE).readings


def test_every_result_cites_the_clause_that_sets_the_amount():
    citations = {(c.clause, c.line) for c in lunch(D(1940, 1, 1)).citations}
    assert ("五、（一）1", 1215) in citations
    tekun = {(c.clause, c.line) for c in lunch(D(1950, 1, 1), tekun=True).citations}
    assert ("五、（一）2", 1221) in tekun


def test_not_eligible_reasons():
    assert lunch(D(1950, 1, 1), hukou=False).data["reason_code"] == "no_hukou"
    assert lunch(D(1970, 1, 1)).data["reason_code"] == "under_age"
    assert lunch(D(1970, 1, 1)).data["elder_pays"] == M("8.00")


@pytest.mark.parametrize(
    ("meal", "eligible"),
    [(D(2021, 9, 1), False), (D(2021, 9, 2), True), (D(2023, 12, 31), True), (D(2024, 1, 1), False)],
)
def test_in_force_window(meal, eligible):
    result = lunch(D(1940, 1, 1), meal)
    assert result.data["eligible"] is eligible
    if not eligible:
        assert result.data["reason_code"] == "not_in_force"
        assert "施行期" in result.data["reason"]
        assert [(c.clause, c.line) for c in result.citations] == [("施行和有效期", 1380)]


OPERATING_CASES = [
    # type, start, year, lunches, passed → amount, city, county, reason code
    ("canteen", D(2021, 1, 1), 2022, 3999, True, "0.00", "0.00", "0.00", "too_few_lunches"),
    ("canteen", D(2021, 1, 1), 2022, 4000, True, "20000.00", "1000.00", "19000.00", ""),
    ("canteen", D(2021, 1, 1), 2022, 6999, True, "20000.00", "1000.00", "19000.00", ""),
    ("canteen", D(2021, 1, 1), 2022, 7000, True, "30000.00", "1500.00", "28500.00", ""),
    ("canteen", D(2021, 1, 1), 2022, 9999, True, "30000.00", "1500.00", "28500.00", ""),
    ("canteen", D(2021, 1, 1), 2022, 10000, True, "40000.00", "2000.00", "38000.00", ""),
    ("canteen", D(2021, 1, 1), 2022, 25000, True, "40000.00", "2000.00", "38000.00", ""),
    ("service_point", D(2021, 1, 1), 2022, 3999, True, "0.00", "0.00", "0.00", "too_few_lunches"),
    ("service_point", D(2021, 1, 1), 2022, 4000, True, "6000.00", "300.00", "5700.00", ""),
    ("service_point", D(2021, 1, 1), 2022, 12000, True, "6000.00", "300.00", "5700.00", ""),
    # A14 reading: "运营满一年" by 31 December of the year
    ("canteen", D(2022, 1, 1), 2022, 12000, True, "40000.00", "2000.00", "38000.00", ""),
    ("canteen", D(2022, 1, 2), 2022, 12000, True, "0.00", "0.00", "0.00", "not_full_year"),  # one day short
    ("canteen", D(2021, 9, 2), 2021, 12000, True, "0.00", "0.00", "0.00", "not_full_year"),
    ("canteen", D(2021, 9, 2), 2022, 12000, True, "40000.00", "2000.00", "38000.00", ""),
    ("canteen", D(2021, 9, 2), 2023, 12000, True, "40000.00", "2000.00", "38000.00", ""),
    # A16: failing the year's evaluation → no operating subsidy that year
    ("canteen", D(2021, 1, 1), 2022, 12000, False, "0.00", "0.00", "0.00", "evaluation_failed"),
    ("canteen", D(2021, 1, 1), 2024, 12000, True, "0.00", "0.00", "0.00", "not_in_force"),
]


@pytest.mark.parametrize(
    ("kind", "start", "year", "lunches", "passed", "amount", "city", "county", "code"), OPERATING_CASES
)
def test_operating_subsidy(kind, start, year, lunches, passed, amount, city, county, code):
    result = operating_subsidy_terms(
        facility_type=kind, service_start=start, year=year, lunches=lunches, evaluation_passed=passed
    ).data
    assert (result["amount"], result["city"], result["county"]) == (M(amount), M(city), M(county))
    assert result["reason_code"] == code
    assert result["city"] + result["county"] == result["amount"]


def test_one_day_short_says_when_the_year_completes():
    result = operating_subsidy_terms(
        facility_type="canteen", service_start=D(2022, 1, 2), year=2022, lunches=5000, evaluation_passed=True
    )
    assert "2023年1月1日" in result.data["reason"] and result.readings == ["A14"]


def test_calc_interface_for_canteen_rules():
    out = calc(
        "canteen.lunch",
        {
            "birth_date": "1941-09-02",
            "meal_date": "2021-09-02",
            "gaoqing_hukou": True,
            "tekun": False,
            "price": "8.00",
            "facility": {"type": "canteen", "setting": "rural", "operator": "care_org", "same_village": True},
        },
    )
    assert out["free"] is True and out["subsidy"]["total"] == "3.00" and out["elder_pays"] == "0.00"
    assert "A8" in out["readings"]
    with pytest.raises(RuleInputError) as error:
        calc(
            "canteen.lunch",
            {
                "birth_date": "1941-09-02",
                "meal_date": "2021-09-02",
                "gaoqing_hukou": True,
                "tekun": False,
                "price": 8.5,
                "facility": {
                    "type": "canteen",
                    "setting": "rural",
                    "operator": "care_org",
                    "same_village": True,
                },
            },
        )
    assert error.value.field == "price" and "浮点数" in error.value.message
    with pytest.raises(RuleInputError) as error:
        calc(
            "canteen.lunch",
            {
                "birth_date": "2030-01-01",
                "meal_date": "2021-09-02",
                "gaoqing_hukou": True,
                "tekun": False,
                "price": "8",
                "facility": {
                    "type": "canteen",
                    "setting": "town",
                    "operator": "care_org",
                    "same_village": True,
                },
            },
        )
    assert error.value.field == "facility.setting"
    out = calc(
        "canteen.operating_subsidy",
        {
            "facility_type": "canteen",
            "service_start": "2021-01-01",
            "year": 2022,
            "lunches": 10000,
            "evaluation_passed": True,
        },
    )
    assert (out["amount"], out["city"], out["county"]) == ("40000.00", "2000.00", "38000.00")
