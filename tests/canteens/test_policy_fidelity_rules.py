"""Issue 13, 高政办发〔2021〕2号: the obligations and readings of the lunch and operating-subsidy rules, table-driven
and pure (no database), each table naming its clause and the gazette line that carries it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from countyhall.canteens.rules import (
    FacilityTerms,
    TekunSupport,
    in_force_text,
    lunch_terms,
    operating_subsidy_terms,
)
from countyhall.canteens.services.evaluations import failed_run
from countyhall.core.policy import parameters
from countyhall.core.policy.governed import readings_answered

D = dt.date
M = Decimal
MEAL = D(2022, 3, 15)
RURAL_CARE_SAME = FacilityTerms("canteen", "rural", "care_org", True)
RURAL_CARE_OTHER = FacilityTerms("canteen", "rural", "care_org", False)
RURAL_VILLAGE = FacilityTerms("canteen", "rural", "village_committee", True)
COMMUNITY = FacilityTerms("canteen", "community", "enterprise", False)
AGE_65, AGE_85 = D(1957, 1, 1), D(1937, 1, 1)
BUDGET_KEYS = ("care_fund", "operator_discount", "elder_pays", "unfunded")


def lunch(
    birth=AGE_65,
    *,
    facility=RURAL_CARE_OTHER,
    price="8.00",
    tekun=False,
    support=TekunSupport.DISPERSED,
    extra=None,
    meal=MEAL,
):
    return lunch_terms(
        birth_date=birth,
        meal_date=meal,
        gaoqing_hukou=True,
        tekun=tekun,
        facility=facility,
        price=M(price),
        tekun_support=support,
        extra_price=M(extra) if extra else None,
    ).data


def split_total(data) -> Decimal:
    return data["subsidy"]["city"] + data["subsidy"]["county"] + sum(data[k] for k in BUDGET_KEYS)


# 五、（一）1, L1213 / L1217: the subsidy is "每餐补贴" — a lunch cheaper than it gets no more than its price, and the
# elder then pays 0.00. Every setting, both bands, prices around the 2.00 and 3.00 subsidies.
CAP_CASES = [
    # (birth, facility, tekun, price, city, county, elder pays)
    (AGE_65, RURAL_CARE_OTHER, False, "0.00", "0.00", "0.00", "0.00"),
    (AGE_65, RURAL_CARE_OTHER, False, "0.50", "0.50", "0.00", "0.00"),
    (AGE_65, RURAL_CARE_OTHER, False, "1.50", "1.00", "0.50", "0.00"),
    (AGE_65, RURAL_CARE_OTHER, False, "2.00", "1.00", "1.00", "0.00"),
    (AGE_65, RURAL_CARE_OTHER, False, "2.01", "1.00", "1.00", "0.01"),
    (AGE_85, COMMUNITY, False, "1.00", "1.00", "0.00", "0.00"),
    (AGE_85, COMMUNITY, False, "2.50", "2.00", "0.50", "0.00"),
    (AGE_85, COMMUNITY, False, "3.00", "2.00", "1.00", "0.00"),
    (AGE_65, RURAL_CARE_SAME, False, "2.50", "1.00", "1.00", "0.00"),  # the 1.00 extra discount is capped too
    (AGE_85, RURAL_CARE_SAME, False, "2.00", "2.00", "0.00", "0.00"),
    (AGE_65, COMMUNITY, True, "1.20", "1.00", "0.20", "0.00"),  # urban 特困 (A12)
]


@pytest.mark.parametrize(("birth", "facility", "tekun", "price", "city", "county", "pays"), CAP_CASES)
def test_subsidy_never_exceeds_the_price(birth, facility, tekun, price, city, county, pays):
    # 五、（一）1, L1213, L1217
    data = lunch(birth, facility=facility, tekun=tekun, price=price)
    assert (data["subsidy"]["city"], data["subsidy"]["county"], data["elder_pays"]) == (
        M(city),
        M(county),
        M(pays),
    )
    assert data["subsidy"]["total"] <= M(price)
    assert split_total(data) == data["base_price"] == M(price)
    assert all(data[k] >= 0 for k in BUDGET_KEYS)


# 五、（一）2, L1219–1227 (A7, A9): rural 分散特困 — a free lunch at the 4.00 standard out of care funds, no city or
# county subsidy; L1245–1249 (A10): a higher-standard meal is priced by the canteen and charged separately.
# The columns add up: the split equals the lunch as served (the standard), plus the separate charge.
TEKUN_CASES = [
    # (facility, price, extra, base (served lunch), care fund, extra charge, elder pays in all)
    (RURAL_CARE_OTHER, "8.00", None, "4.00", "4.00", "0.00", "0.00"),
    (RURAL_VILLAGE, "8.00", None, "4.00", "4.00", "0.00", "0.00"),
    (RURAL_CARE_SAME, "3.50", None, "3.50", "3.50", "0.00", "0.00"),
    (RURAL_CARE_OTHER, "8.00", "6.00", "4.00", "4.00", "6.00", "6.00"),
    (RURAL_VILLAGE, "8.00", "2.50", "4.00", "4.00", "2.50", "2.50"),
]


@pytest.mark.parametrize(("facility", "price", "extra", "base", "care", "charge", "pays"), TEKUN_CASES)
def test_rural_dispersed_tekun_meal_standard_and_separate_charge(
    facility, price, extra, base, care, charge, pays
):
    # 五、（一）2, L1221 (餐标暂定为4元), L1225 (市、县不再予以补贴), L1249 (另行收费)
    data = lunch(tekun=True, facility=facility, price=price, extra=extra)
    assert data["free"] and data["subsidy"]["total"] == 0
    assert (data["base_price"], data["care_fund"], data["extra_charge"], data["elder_pays_total"]) == (
        M(base),
        M(care),
        M(charge),
        M(pays),
    )
    assert split_total(data) == data["base_price"]
    assert data["served"] == data["base_price"] + data["extra_charge"]


# L1245–1249 for every other elder: the subsidised lunch is unchanged, the extra meal is charged on top (A10 adopted)
# or as what it exceeds the basic lunch by (A10 alternative).
EXTRA_CASES = [
    # (answer, birth, facility, price, extra, extra charge, elder pays in all)
    ("adopted", AGE_65, RURAL_CARE_OTHER, "8.00", "15.00", "15.00", "21.00"),
    ("alternative", AGE_65, RURAL_CARE_OTHER, "8.00", "15.00", "7.00", "13.00"),
    ("alternative", AGE_65, RURAL_CARE_OTHER, "8.00", "6.00", "0.00", "6.00"),
    ("adopted", AGE_85, RURAL_CARE_SAME, "8.00", "5.00", "5.00", "5.00"),  # A8 free lunch, the extra is paid
]


@pytest.mark.parametrize(("answer", "birth", "facility", "price", "extra", "charge", "pays"), EXTRA_CASES)
def test_higher_standard_meal_is_charged_separately(answer, birth, facility, price, extra, charge, pays):
    # 五、（一）2, L1249; reading A10
    with readings_answered({"A10": answer}):
        result = lunch_terms(
            birth_date=birth,
            meal_date=MEAL,
            gaoqing_hukou=True,
            tekun=False,
            facility=facility,
            price=M(price),
            extra_price=M(extra),
        )
    data = result.data
    assert (data["extra_charge"], data["elder_pays_total"]) == (M(charge), M(pays))
    assert split_total(data) == data["base_price"] == M(price)
    assert result.answers["A10"] == answer


# 五、（一）2, L1219: only 分散供养 特困 get the rural free lunch; a 集中供养 elder is subsidised like any other.
# In a community canteen 二、 L985 (城乡特困人员实行午餐免费) applies to both (A12).
SUPPORT_CASES = [
    # (facility, support, free, care fund, city, elder pays)
    (RURAL_CARE_OTHER, TekunSupport.DISPERSED, True, "4.00", "0.00", "0.00"),
    (RURAL_CARE_OTHER, TekunSupport.CENTRALISED, False, "0.00", "1.00", "6.00"),
    (RURAL_VILLAGE, TekunSupport.CENTRALISED, False, "0.00", "1.00", "6.00"),
    (COMMUNITY, TekunSupport.DISPERSED, True, "0.00", "1.00", "0.00"),
    (COMMUNITY, TekunSupport.CENTRALISED, True, "0.00", "1.00", "0.00"),
]


@pytest.mark.parametrize(("facility", "support", "free", "care", "city", "pays"), SUPPORT_CASES)
def test_only_dispersed_tekun_get_the_rural_free_lunch(facility, support, free, care, city, pays):
    # 五、（一）2, L1219 (为分散特困人员提供免费午餐)
    data = lunch(tekun=True, facility=facility, support=support)
    assert (data["free"], data["care_fund"], data["subsidy"]["city"], data["elder_pays"]) == (
        free,
        M(care),
        M(city),
        M(pays),
    )
    assert bool(data["tekun_note"]) is (support == TekunSupport.CENTRALISED and facility.setting == "rural")


# Readings with both answers implemented: A8 (五、（一）2, L1231), A12 (二、, L985), A13 (五、（一）1, L1213).
READING_CASES = [
    # (reading, answer, birth, facility, tekun, city, county, operator discount, unfunded)
    ("A8", "adopted", AGE_85, RURAL_CARE_SAME, False, "2.00", "1.00", "5.00", "0.00"),
    ("A8", "alternative", AGE_85, RURAL_CARE_SAME, False, "0.00", "0.00", "8.00", "0.00"),
    ("A12", "adopted", AGE_65, COMMUNITY, True, "1.00", "1.00", "0.00", "6.00"),
    ("A12", "alternative", AGE_65, COMMUNITY, True, "1.00", "1.00", "6.00", "0.00"),
]


@pytest.mark.parametrize(
    ("reading", "answer", "birth", "facility", "tekun", "city", "county", "discount", "unfunded"),
    READING_CASES,
)
def test_readings_switch_the_split(reading, answer, birth, facility, tekun, city, county, discount, unfunded):
    with readings_answered({reading: answer}):
        result = lunch_terms(
            birth_date=birth,
            meal_date=MEAL,
            gaoqing_hukou=True,
            tekun=tekun,
            facility=facility,
            price=M("8.00"),
        )
    data = result.data
    assert (
        data["subsidy"]["city"],
        data["subsidy"]["county"],
        data["operator_discount"],
        data["unfunded"],
    ) == (M(city), M(county), M(discount), M(unfunded))
    assert data["elder_pays"] == 0 and split_total(data) == M("8.00")
    assert result.answers[reading] == answer


@pytest.mark.parametrize(("answer", "value"), [("adopted", True), ("alternative", False)])
def test_a13_effect_is_the_one_lunch_a_day_parameter(answer, value):
    # 五、（一）1, L1213: the effect of A13's alternative is declared in canteen.yaml
    with readings_answered({"A13": answer}):
        found = parameters().at("canteen.one_subsidised_lunch_per_day", MEAL)
    assert found.value is value and found.reading == "A13" and found.answer == answer


# 五、（二）1, L1259 (运营满一年) — A14 both answers; 六、（四）L1380 with 五、（二）1 — A18, the first calendar year.
OPERATING_CASES = [
    # (answers, service start, year, lunches, eligible, amount, reason code)
    ({}, D(2021, 1, 1), 2021, 4000, True, "20000.00", ""),
    ({}, D(2021, 1, 2), 2021, 4000, False, "0.00", "not_full_year"),
    ({"A14": "alternative"}, D(2021, 1, 1), 2021, 4000, False, "0.00", "not_full_year"),
    ({"A14": "alternative"}, D(2021, 1, 1), 2022, 4000, True, "20000.00", ""),
    ({"A14": "alternative"}, D(2021, 1, 2), 2022, 7000, False, "0.00", "not_full_year"),
    ({"A14": "alternative"}, D(2021, 1, 2), 2023, 7000, True, "30000.00", ""),
    ({"A18": "alternative"}, D(2020, 1, 1), 2021, 10000, False, "0.00", "first_year_not_paid"),
    ({"A18": "alternative"}, D(2020, 1, 1), 2022, 10000, True, "40000.00", ""),
    ({"A18": "adopted"}, D(2020, 1, 1), 2021, 10000, True, "40000.00", ""),
]


@pytest.mark.parametrize(
    ("answers", "start", "year", "lunches", "eligible", "amount", "code"), OPERATING_CASES
)
def test_operating_subsidy_readings(answers, start, year, lunches, eligible, amount, code):
    with readings_answered(answers):
        result = operating_subsidy_terms(
            facility_type="canteen", service_start=start, year=year, lunches=lunches, evaluation_passed=True
        )
    assert (result.data["eligible"], result.data["amount"], result.data["reason_code"]) == (
        eligible,
        M(amount),
        code,
    )
    if year == 2021:
        assert "A18" in result.answers
    for reading, answer in answers.items():
        if reading in result.answers:
            assert result.answers[reading] == answer


# 六、（四）, L1376: 连续2年考核不合格 — by evaluation year, whatever order the results are entered in.
RUN_CASES = [
    ({2022, 2023}, 2022, range(2022, 2024)),
    ({2022, 2023}, 2023, range(2022, 2024)),
    ({2021, 2023}, 2023, None),
    ({2021, 2023}, 2021, None),
    ({2023}, 2023, None),
    ({2021, 2022, 2023}, 2022, range(2021, 2023)),
]


@pytest.mark.parametrize(("failed", "year", "run"), RUN_CASES)
def test_failed_run_is_by_evaluation_year(failed, year, run):
    assert failed_run(failed_years=failed, year=year, limit=2) == run


# The seven figures of 五、（一）1 and 五、（二）1 whose lines wrap: each cites the line that carries the figure.
FIGURE_LINES = [
    ("canteen.lunch_subsidy.city.age_60_79", 1213, "市财政每餐补贴 1元"),
    ("canteen.lunch_subsidy.county.age_60_79", 1213, "县财政补贴 1"),
    ("canteen.lunch_subsidy.city.age_80_plus", 1217, "补贴 2元"),
    ("canteen.lunch_subsidy.county.age_80_plus", 1217, "县财政补贴 1元"),
    ("canteen.operating_subsidy.canteen.tier_1_lunches", 1261, "4000人次"),
    ("canteen.operating_subsidy.canteen.tier_2_lunches", 1263, "7000人次"),
    ("canteen.operating_subsidy.canteen.tier_3_lunches", 1263, "10000人次"),
    ("canteen.operating_subsidy.canteen.tier_1_amount", 1263, "2"),
    ("canteen.operating_subsidy.canteen.tier_2_amount", 1265, "3万元"),
    ("canteen.operating_subsidy.canteen.tier_3_amount", 1265, "4万元"),
]


@pytest.mark.parametrize(("name", "line", "words"), FIGURE_LINES)
def test_citations_cite_the_line_that_carries_the_figure(name, line, words):
    seed = Path(settings.GAZETTE_SEED_PATH)
    if not seed.exists():
        pytest.skip("gazette seed text not available")
    text = seed.read_text(encoding="utf-8").splitlines()
    value = parameters().get(name).values[0]
    assert value.citation.line == line
    assert words in text[line - 1]


def test_every_canteen_reading_has_a_question_and_both_answers():
    readings = {rid: r for rid, r in parameters().readings.items() if r.source_file == "canteen.yaml"}
    assert {"A8", "A10", "A12", "A13", "A14", "A18"} <= set(readings)
    for reading in readings.values():
        assert reading.question.endswith("？") and reading.text and reading.alternative and reading.citation


def test_validity_in_messages_comes_from_the_parameter_file():
    # 六、（四）, L1380–1382: 2021年9月2日起施行，有效期至2023年12月31日
    assert in_force_text() == "2021年9月2日至2023年12月31日"
    data = lunch(meal=D(2024, 1, 2))
    assert data["reason_code"] == "not_in_force" and in_force_text() in data["reason"]
