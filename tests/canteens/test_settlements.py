from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.models import Lunch, Settlement, SettlementAdjustment
from countyhall.canteens.services.elders import elder_mark_left
from countyhall.canteens.services.lunches import lunch_check_in, lunch_void
from countyhall.canteens.services.settlements import (
    settlement_approve,
    settlement_compute,
    settlement_compute_all,
)
from countyhall.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def record(world, elder_key, day):
    elder = world["elders"][elder_key]
    return lunch_check_in(
        actor=world["users"]["operator"],
        facility=world["facility"],
        identifier=elder.person.id_number,
        meal_date=day,
    ).lunch


@pytest.fixture
def may_lunches(filed_world):
    for day in range(2, 7):  # 2–6 May 2022
        for key in ("same_80", "same_65", "other_70", "young"):
            record(filed_world, key, dt.date(2022, 5, day))
    return filed_world


def test_monthly_settlement_totals(may_lunches):
    world = may_lunches
    settlement = settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    # 5 days × (80+ same village: 2+1; 65 same village: 1+1; 70 other village: 1+1); the young one is refused
    assert settlement.lunches == 15 and settlement.free_lunches == 5
    assert (settlement.city, settlement.county) == (Decimal("20.00"), Decimal("15.00"))
    assert settlement.operator_discount == Decimal("30.00")  # 5 × 5.00 (80+ free) + 5 × 1.00
    assert settlement.elder_paid == Decimal("55.00")  # 5 × 5.00 + 5 × 6.00
    assert Lunch.objects.filter(settlement=settlement).count() == 15


def test_set_based_county_settlement_matches_per_facility(may_lunches):
    world = may_lunches
    [county_wide] = settlement_compute_all(actor=world["users"]["minzheng"], year=2022, month=5)
    single = Settlement.objects.get(pk=county_wide.pk)
    per_lunch = sum(
        (lunch.city + lunch.county for lunch in Lunch.objects.filter(status="accepted")), Decimal("0")
    )
    assert single.city + single.county == per_lunch == Decimal("35.00")
    yearly = settlement_compute_all(actor=world["users"]["minzheng"], year=2022)
    assert yearly[0].month is None and yearly[0].lunches == 15
    with pytest.raises(ServiceError) as error:  # 2022 is still running on the business date 2022-06-15
        settlement_approve(actor=world["users"]["minzheng"], settlement=yearly[0])
    assert error.value.field == "period" and "2022-12-31" in error.value.message


def test_unfinished_month_cannot_be_settled(filed_world):
    with pytest.raises(ServiceError) as error:
        settlement_compute(
            actor=filed_world["users"]["minzheng"], facility=filed_world["facility"], year=2022, month=6
        )
    assert error.value.field == "month"


def test_approval_order_and_lock(may_lunches):
    world = may_lunches
    users = world["users"]
    settlement = settlement_compute(actor=users["minzheng"], facility=world["facility"], year=2022, month=5)
    with pytest.raises(ServiceError):
        settlement_approve(actor=users["caizheng"], settlement=settlement)
    settlement_approve(actor=users["minzheng"], settlement=settlement)
    with pytest.raises(ServiceError):
        settlement_approve(actor=users["minzheng"], settlement=settlement)
    settlement = settlement_approve(actor=users["caizheng"], settlement=settlement)
    assert settlement.locked and settlement.finance_by == users["caizheng"]
    with pytest.raises(ServiceError) as error:
        settlement_compute(actor=users["minzheng"], facility=world["facility"], year=2022, month=5)
    assert "调整" in error.value.message


def test_correction_after_lock_is_an_adjustment_in_a_later_period(may_lunches):
    world = may_lunches
    users = world["users"]
    april_lunch = record(world, "other_70", dt.date(2022, 4, 28))
    april = settlement_compute(actor=users["minzheng"], facility=world["facility"], year=2022, month=4)
    settlement_approve(actor=users["minzheng"], settlement=april)
    april = settlement_approve(actor=users["caizheng"], settlement=april)
    lunch_void(actor=users["minzheng"], lunch=april_lunch, reason="老人当日住院，误登记")
    april.refresh_from_db()
    assert (april.city, april.county, april.lunches) == (
        Decimal("1.00"),
        Decimal("1.00"),
        1,
    )  # locked: unchanged
    adjustment = SettlementAdjustment.objects.get(lunch=april_lunch)
    assert adjustment.original_settlement == april and adjustment.settlement is None
    may = settlement_compute(actor=users["minzheng"], facility=world["facility"], year=2022, month=5)
    adjustment.refresh_from_db()
    assert adjustment.settlement == may
    assert may.adjustments_total == Decimal("-2.00")
    assert (may.city, may.county) == (Decimal("19.00"), Decimal("14.00"))


def test_settled_amounts_do_not_follow_later_registry_changes(may_lunches):
    world = may_lunches
    settlement = settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    before = (settlement.city, settlement.county)
    elder = world["elders"]["same_80"]
    person = elder.person
    person.birth_date = dt.date(1960, 1, 1)  # a corrected registry must not rewrite settled lunches
    person.save()
    elder_mark_left(
        actor=world["users"]["town"], elder=world["elders"]["same_65"], died_on=dt.date(2022, 5, 1)
    )
    settlement = settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    assert (settlement.city, settlement.county) == before
