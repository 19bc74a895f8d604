from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.models import Facility, FilingStep
from countyhall.canteens.services.facilities import (
    facility_county_evaluate,
    facility_name_problem,
    facility_register,
    facility_requirements,
    facility_submit,
    facility_town_review,
    facility_update,
)
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "kind", "ok"),
    [
        ("青城镇乙村长者食堂", "canteen", True),
        ("田镇街道办东风社区长者助餐服务点", "service_point", True),
        ("青城镇乙村长者助餐服务点", "canteen", False),
        ("乙村食堂", "canteen", False),
        ("青城镇乙村长者食堂（新）", "canteen", False),
    ],
)
def test_official_name_format(name, kind, ok):
    assert (facility_name_problem(name=name, kind=kind, division=None) == "") is ok


def test_requirements_say_what_is_missing(canteen_world):
    facility = canteen_world["facility"]
    assert all(r.ok for r in facility_requirements(facility)), [
        r.message for r in facility_requirements(facility)
    ]
    facility_update(
        actor=canteen_world["users"]["town"],
        facility=facility,
        area_m2=Decimal("149.9"),
        seats=19,
        food_licence_expiry=dt.date(2020, 1, 1),
    )
    missing = {r.code: r for r in facility_requirements(facility) if not r.ok}
    assert set(missing) == {"area", "seats", "licence"}
    assert "150" in missing["area"].message and missing["area"].citation["line"] == 1015
    with pytest.raises(ServiceError) as error:
        facility_submit(actor=canteen_world["users"]["operator"], facility=facility)
    assert error.value.field == "requirements" and "150" in error.value.message
    assert Facility.objects.get(pk=facility.pk).status == "draft"


def test_expired_health_certificate_is_reported(canteen_world):
    facility = canteen_world["facility"]
    staff = facility.staff.first()
    staff.health_certificate_expiry = dt.date(2020, 1, 1)
    staff.save()
    health = next(r for r in facility_requirements(facility) if r.code == "health")
    assert not health.ok and "厨师甲" in health.message


def test_filing_workflow_records_each_step(filed_world):
    facility = filed_world["facility"]
    assert facility.status == "filed"
    steps = list(facility.filing_steps.values_list("step", "decision"))
    assert steps == [
        ("submit", "submitted"),
        ("town_review", "approved"),
        ("civil_affairs", "approved"),
        ("market_regulation", "approved"),
        ("filed", "approved"),
    ]
    town_step = facility.filing_steps.get(step="town_review")
    assert town_step.decided_by == filed_world["users"]["town"] and town_step.decided_on
    assert AuditEntry.objects.filter(object_type="canteens.FilingStep").count() == 5


def test_rejection_needs_a_reason_and_allows_resubmission(canteen_world):
    users, facility = canteen_world["users"], canteen_world["facility"]
    facility_submit(actor=users["operator"], facility=facility)
    with pytest.raises(ServiceError) as error:
        facility_town_review(actor=users["town"], facility=facility, approve=False)
    assert error.value.field == "note"
    facility_town_review(actor=users["town"], facility=facility, approve=False, note="消防通道不畅")
    assert Facility.objects.get(pk=facility.pk).status == "rejected"
    facility_submit(actor=users["operator"], facility=facility)
    facility_town_review(actor=users["town"], facility=facility, approve=True)
    facility_county_evaluate(actor=users["minzheng"], facility=facility, approve=True)
    with pytest.raises(ServiceError):
        facility_county_evaluate(actor=users["minzheng"], facility=facility, approve=True)
    assert Facility.objects.get(pk=facility.pk).status == "county_evaluation"


def test_only_the_right_departments_decide(canteen_world):
    users, facility = canteen_world["users"], canteen_world["facility"]
    facility_submit(actor=users["operator"], facility=facility)
    with pytest.raises(ServiceError):
        facility_town_review(actor=users["minzheng"], facility=facility, approve=True)
    facility_town_review(actor=users["town"], facility=facility, approve=True)
    with pytest.raises(ServiceError):
        facility_county_evaluate(actor=users["caizheng"], facility=facility, approve=True)
    assert FilingStep.objects.filter(facility=facility).count() == 2


def test_registration_rules(canteen_world):
    users = canteen_world["users"]
    base = dict(
        kind="canteen",
        model="happiness_home",
        setting="rural",
        operator_kind="care_org",
        lunch_price=Decimal("8"),
        name="青城镇乙村第二长者食堂",
    )
    with pytest.raises(ServiceError) as error:
        facility_register(
            actor=users["town"],
            operator=canteen_world["operator_org"],
            division=canteen_world["village_b"],
            **base,
        )
    assert error.value.field == "division"  # rural canteens are registered to their natural village
    with pytest.raises(ServiceError) as error:
        facility_register(
            actor=users["town"],
            operator=canteen_world["operator_org"],
            division=canteen_world["natural_b"],
            **{**base, "kind": "service_point"},
        )
    assert error.value.field == "model"
    with pytest.raises(ServiceError) as error:
        facility_register(
            actor=users["town"],
            operator=canteen_world["operator_org"],
            division=canteen_world["village_a"],
            **base,
        )
    assert error.value.field == "division"  # outside the town officer's scope


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seats", 10**12),
        ("lunch_price", Decimal("NaN")),
        ("lunch_price", Decimal("1e15")),
        ("area_m2", Decimal("1e9")),
        ("area_m2", Decimal("10.25")),
    ],
)
def test_a_figure_its_column_cannot_hold_names_the_field(canteen_world, field, value):
    """Attack: 10^12 seats, a lunch price of NaN or 10^15 yuan, an area of 10^9 m² passed the forms and the API
    (no maximum) and failed the save with a 500 (PostgreSQL's integer column, the DecimalField's digits)."""
    fields = {
        "kind": "canteen",
        "model": "happiness_home",
        "setting": "rural",
        "operator_kind": "care_org",
        "lunch_price": Decimal("8"),
        "name": "青城镇乙村第二长者食堂",
        field: value,
    }
    with pytest.raises(ServiceError) as error:
        facility_register(
            actor=canteen_world["users"]["town"],
            operator=canteen_world["operator_org"],
            division=canteen_world["natural_b"],
            **fields,
        )
    assert error.value.field == field
