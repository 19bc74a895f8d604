"""The lunch price comes from the facility's dated price list, never from the terminal or the counter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.models import Lunch, PriceListEntry
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.prices import lunch_price_on, price_set
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 6, 1)


def check_in(world, elder_key, day=DAY):
    return lunch_check_in(
        actor=world["users"]["operator"],
        facility=world["facility"],
        identifier=world["elders"][elder_key].person.id_number,
        meal_date=day,
    )


def api(client, world, body, **headers):
    client.force_login(world["users"]["operator"])
    return client.post("/api/v1/canteens/lunches", body, content_type="application/json", headers=headers)


def test_registration_opens_the_price_list(filed_world):
    [entry] = filed_world["facility"].prices.all()
    assert (entry.kind, entry.price, entry.valid_from) == ("lunch", Decimal("8.00"), dt.date(2021, 9, 2))
    assert lunch_price_on(filed_world["facility"].pk, DAY) == Decimal("8.00")
    assert lunch_price_on(filed_world["facility"].pk, dt.date(2021, 9, 1)) is None


def test_check_in_takes_the_price_in_force_on_the_meal_date(filed_world):
    price_set(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        price=Decimal("9.00"),
        valid_from=dt.date(2022, 6, 15),
    )
    before = check_in(filed_world, "other_70", day=dt.date(2022, 6, 14)).lunch
    after = check_in(filed_world, "other_70", day=dt.date(2022, 6, 15)).lunch
    assert (before.price, before.elder_pays) == (Decimal("8.00"), Decimal("6.00"))
    assert (after.price, after.elder_pays) == (Decimal("9.00"), Decimal("7.00"))


@pytest.mark.parametrize("field", ["price"])
def test_api_refuses_a_price_from_the_terminal(client, filed_world, field):
    elder = filed_world["elders"]["same_65"]
    response = api(
        client,
        filed_world,
        {
            "facility": filed_world["facility"].pk,
            "identifier": elder.person.id_number,
            "meal_date": "2022-06-01",
            field: "0.00",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == {"field": "price", "message": "餐价由机构价目表决定，终端不能设置"}
    assert not Lunch.objects.exists()


def test_batch_refuses_a_price_in_any_item(client, filed_world):
    client.force_login(filed_world["users"]["operator"])
    response = client.post(
        "/api/v1/canteens/lunches/batch",
        {
            "facility": filed_world["facility"].pk,
            "lunches": [
                {"identifier": "C001", "meal_date": "2022-06-01"},
                {"identifier": "C001", "meal_date": "2022-06-02", "price": "99999999.99"},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "lunches[1].price"
    assert not Lunch.objects.exists()


def test_no_price_in_force_is_a_recorded_refusal(filed_world):
    PriceListEntry.objects.filter(facility=filed_world["facility"]).delete()
    lunch = check_in(filed_world, "same_65").lunch
    assert lunch.status == "refused" and lunch.reason_code == "no_price" and "价目表" in lunch.reason
    assert lunch.city == lunch.county == Decimal("0") and lunch.daily_subsidy_key is None


def test_subsidy_never_exceeds_a_low_price(filed_world, settings):
    price_set(
        actor=filed_world["users"]["minzheng"],
        facility=filed_world["facility"],
        price=Decimal("2.50"),
        valid_from=dt.date(2022, 6, 15),
    )
    lunch = check_in(filed_world, "other_70", day=dt.date(2022, 6, 15)).lunch  # 71: A6 would be 1.00 + 1.00
    assert (lunch.city, lunch.county, lunch.elder_pays) == (Decimal("1.00"), Decimal("1.00"), Decimal("0.50"))
    price_set(
        actor=filed_world["users"]["minzheng"],
        facility=filed_world["facility"],
        price=Decimal("1.50"),
        valid_from=dt.date(2022, 6, 16),
    )
    settings.BUSINESS_DATE = dt.date(2022, 6, 16)
    lunch = check_in(filed_world, "same_65", day=dt.date(2022, 6, 16)).lunch
    assert lunch.city + lunch.county + lunch.operator_discount + lunch.elder_pays == Decimal("1.50")
    assert lunch.city + lunch.county <= lunch.price and lunch.elder_pays >= 0


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (Decimal("0.00"), "大于 0"),
        (Decimal("-1.00"), "大于 0"),
        (Decimal("99999999.99"), "请核对"),
        (Decimal("8.005"), "两位小数"),
    ],
)
def test_implausible_prices_are_refused(filed_world, price, message):
    with pytest.raises(ServiceError) as error:
        price_set(
            actor=filed_world["users"]["operator"],
            facility=filed_world["facility"],
            price=price,
            valid_from=dt.date(2022, 6, 20),
        )
    assert error.value.field == "price" and message in error.value.message


def test_a_price_change_cannot_be_back_dated(filed_world):
    with pytest.raises(ServiceError) as error:
        price_set(
            actor=filed_world["users"]["operator"],
            facility=filed_world["facility"],
            price=Decimal("9.00"),
            valid_from=dt.date(2022, 6, 1),
        )
    assert error.value.field == "valid_from"


def test_price_entry_is_audited_and_a_higher_standard_meal_needs_a_name(filed_world):
    operator = filed_world["users"]["operator"]
    with pytest.raises(ServiceError) as error:
        price_set(
            actor=operator,
            facility=filed_world["facility"],
            kind="higher",
            price=Decimal("15.00"),
            valid_from=dt.date(2022, 6, 15),
        )
    assert error.value.field == "label"
    entry = price_set(
        actor=operator,
        facility=filed_world["facility"],
        kind="higher",
        label="营养套餐",
        price=Decimal("15.00"),
        valid_from=dt.date(2022, 6, 15),
    )
    assert AuditEntry.objects.filter(object_type="canteens.PriceListEntry", object_id=str(entry.pk)).exists()
    # A10: a higher-standard meal does not change the subsidised lunch price.
    assert lunch_price_on(filed_world["facility"].pk, dt.date(2022, 6, 15)) == Decimal("8.00")


def test_public_and_facility_pages_show_the_price_list(client, filed_world):
    price_set(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        kind="higher",
        label="营养套餐",
        price=Decimal("15.00"),
        valid_from=dt.date(2022, 6, 15),
    )
    html = client.get("/canteens/public/").content.decode()
    assert "价目表" in html and "营养套餐 ¥15.00" in html and "午餐 ¥8.00" in html
    client.force_login(filed_world["users"]["town"])
    html = client.get(f"/canteens/facilities/{filed_world['facility'].pk}/").content.decode()
    assert "营养套餐 ¥15.00" in html and f"/canteens/facilities/{filed_world['facility'].pk}/prices/" in html


def test_price_page_adds_an_entry_and_refuses_bad_input(client, filed_world):
    url = f"/canteens/facilities/{filed_world['facility'].pk}/prices/"
    client.force_login(filed_world["users"]["operator"])
    response = client.post(url, {"kind": "lunch", "price": "abc", "valid_from": "2022-06-20"})
    assert response.status_code == 200 and "价格" in response.content.decode()
    response = client.post(url, {"kind": "lunch", "price": "0", "valid_from": "2022-06-20"})
    assert "大于 0" in response.content.decode()
    response = client.post(url, {"kind": "lunch", "price": "9.50", "valid_from": "2022-06-20"})
    assert response.status_code == 302
    assert lunch_price_on(filed_world["facility"].pk, dt.date(2022, 6, 20)) == Decimal("9.50")
    client.force_login(filed_world["users"]["caizheng"])
    assert client.post(url, {"kind": "lunch", "price": "1.00", "valid_from": "2022-06-21"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_data_migration_opens_each_price_list_with_the_registered_price():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("canteens", "0001_initial")],
        [("canteens", "0003_price_list_from_facility_lunch_price")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    division = apps.get_model("core", "Division").objects.create(
        code="370322101201001", name="乙庄", kind="natural_village", path="370322101201001/"
    )
    operator = apps.get_model("core", "Organisation").objects.create(
        name="运营方", kind="care_organisation", division=division
    )
    common = {
        "kind": "canteen",
        "model": "happiness_home",
        "setting": "rural",
        "operator": operator,
        "operator_kind": "care_org",
        "division": division,
    }
    facility = apps.get_model("canteens", "Facility").objects.create(
        name="甲长者食堂",
        lunch_price=Decimal("7.50"),
        service_start=dt.date(2021, 10, 1),
        filed_on=dt.date(2021, 9, 20),
        **common,
    )
    unpriced = apps.get_model("canteens", "Facility").objects.create(
        name="乙长者食堂", lunch_price=Decimal("0"), **common
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    [entry] = PriceListEntry.objects.filter(facility_id=facility.pk)
    assert (entry.kind, entry.price, entry.valid_from) == ("lunch", Decimal("7.50"), dt.date(2021, 9, 20))
    assert not PriceListEntry.objects.filter(facility_id=unpriced.pk).exists()
