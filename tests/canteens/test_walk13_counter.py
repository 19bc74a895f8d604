"""What the walk of issue 13's pages found at the counter (walk13): the day's list and the lunch list showed only the
subsidised lunch's 老人自付 (0.00 for a rural 特困 elder) while the elder paid the higher-standard meal's ¥6.00 beside
it (A10, 五、（一）2, L1249)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.services.elders import tekun_status_add
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.prices import price_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def tekun_with_higher_meal(filed_world):
    world = filed_world
    price_set(
        actor=world["users"]["operator"],
        facility=world["facility"],
        price=Decimal("6.00"),
        valid_from=dt.date(2021, 9, 2),
        kind="higher",
        label="高标准套餐",
    )
    tekun_status_add(
        actor=world["users"]["town"],
        elder=world["elders"]["other_70"],
        source="青民救〔2021〕12号",
        valid_from=dt.date(2021, 1, 1),
        support="dispersed",
    )
    lunch_check_in(
        actor=world["users"]["operator"],
        facility=world["facility"],
        identifier=world["elders"]["other_70"].person.id_number,
        meal_date=dt.date(2022, 6, 15),
        extra_label="高标准套餐",
    )
    return world


def test_the_days_list_at_the_counter_shows_what_the_elder_pays_with_the_separate_charge(
    tekun_with_higher_meal, client
):
    world = tekun_with_higher_meal
    client.force_login(world["users"]["operator"])
    html = client.get(f"/canteens/facilities/{world['facility'].pk}/counter/").content.decode()
    today = html.split('id="today-lunches"')[1]
    assert "¥6.00" in today and "含另行收费 ¥6.00（高标准套餐）" in today


def test_the_lunch_list_and_its_export_carry_the_separate_charge(tekun_with_higher_meal, client):
    world = tekun_with_higher_meal
    client.force_login(world["users"]["minzheng"])
    html = client.get("/canteens/lunches/").content.decode()
    assert "另行收费（自付）" in html and "6.00（高标准套餐）" in html
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get("/canteens/lunches/?export=xlsx")
    sheet = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    header = [c.value for c in sheet[1]]
    assert "另行收费（老人自付，不享受补贴）" in header and "另行收费餐品" in header
    row = [c.value for c in sheet[2]]
    assert row[header.index("另行收费餐品")] == "高标准套餐"
