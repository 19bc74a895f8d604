from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.models import Lunch
from countyhall.canteens.services.elders import elder_mark_left, tekun_status_add
from countyhall.canteens.services.facilities import facility_revoke
from countyhall.canteens.services.lunches import lunch_check_in, lunch_void
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 6, 1)


def check_in(world, elder_key, *, day=DAY, key=None, user="operator", identifier=None):
    elder = world["elders"].get(elder_key)
    return lunch_check_in(
        actor=world["users"][user],
        facility=world["facility"],
        identifier=identifier or elder.person.id_number,
        meal_date=day,
        idempotency_key=key,
    )


def test_accepted_lunch_freezes_amounts_and_citations(filed_world):
    result = check_in(filed_world, "same_80")
    lunch = result.lunch
    assert result.accepted and not result.replayed
    assert (lunch.city, lunch.county, lunch.operator_discount, lunch.elder_pays) == (
        Decimal("2.00"),
        Decimal("1.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    assert lunch.free and lunch.age == 82
    assert {"A8", "A13"} <= set(lunch.readings)
    assert {"document": "高政办发〔2021〕2号", "clause": "五、（一）1", "line": 1215} in lunch.citations
    assert AuditEntry.objects.filter(object_type="canteens.Lunch", object_id=str(lunch.pk)).exists()


def test_by_card_number(filed_world):
    assert check_in(filed_world, "same_80", identifier="C001").accepted


@pytest.mark.parametrize(
    ("elder_key", "pays", "discount"),
    [("same_65", "5.00", "1.00"), ("other_70", "6.00", "0.00")],
)
def test_village_of_residence_decides_the_discount(filed_world, elder_key, pays, discount):
    lunch = check_in(filed_world, elder_key).lunch
    assert (lunch.elder_pays, lunch.operator_discount) == (Decimal(pays), Decimal(discount))


def test_rural_tekun_is_free_from_care_funds(filed_world):
    elder = filed_world["elders"]["other_70"]
    tekun_status_add(
        actor=filed_world["users"]["town"],
        elder=elder,
        source="青民救〔2021〕12号",
        valid_from=dt.date(2021, 1, 1),
    )
    lunch = check_in(filed_world, "other_70").lunch
    assert lunch.tekun and lunch.free and lunch.care_fund == Decimal("4.00") and lunch.city == Decimal("0")


def test_second_subsidised_lunch_the_same_day_is_refused_and_kept(filed_world):
    first = check_in(filed_world, "same_65", key="k1")
    second = check_in(filed_world, "same_65", key="k2")
    assert first.accepted and not second.accepted
    assert second.lunch.reason_code == "already_had_lunch" and "青城镇乙村长者食堂" in second.lunch.reason
    assert Lunch.objects.filter(elder=filed_world["elders"]["same_65"]).count() == 2
    assert check_in(filed_world, "same_65", day=DAY + dt.timedelta(days=1)).accepted


def test_retry_with_the_same_key_records_nothing(filed_world):
    first = check_in(filed_world, "same_65", key="terminal-7:0001")
    again = check_in(filed_world, "same_65", key="terminal-7:0001")
    assert again.replayed and again.lunch.pk == first.lunch.pk
    assert Lunch.objects.count() == 1


@pytest.mark.parametrize(
    ("elder_key", "code"),
    [("young", "under_age"), ("outsider", "no_hukou")],
)
def test_ineligible_people_are_refused_with_the_reason(filed_world, elder_key, code):
    lunch = check_in(filed_world, elder_key).lunch
    assert lunch.status == "refused" and lunch.reason_code == code and lunch.elder_pays == Decimal("8.00")


def test_unknown_person(filed_world):
    lunch = lunch_check_in(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        identifier="11010519491231002X",
        meal_date=DAY,
    ).lunch
    assert lunch.reason_code == "unknown" and lunch.elder is None
    assert lunch.presented_identifier == "110105********002X"


@pytest.mark.parametrize("typo", ["110105194912310029", "37032219400101001", "3703221940010100111"])
def test_a_mistyped_id_number_is_a_message_and_stores_nothing(filed_world, typo):
    """GB 11643: a wrong check digit or length is told to the clerk before anything is recorded."""
    from countyhall.canteens.models import Lunch
    from countyhall.core.errors import ServiceError

    before = Lunch.objects.count()
    with pytest.raises(ServiceError) as caught:
        lunch_check_in(
            actor=filed_world["users"]["operator"],
            facility=filed_world["facility"],
            identifier=typo,
            meal_date=DAY,
        )
    assert caught.value.field == "identifier" and "未作任何登记" in caught.value.message
    assert Lunch.objects.count() == before


def test_dead_or_moved_elders_are_refused(filed_world):
    elder = filed_world["elders"]["same_65"]
    elder_mark_left(actor=filed_world["users"]["town"], elder=elder, died_on=DAY)
    assert check_in(filed_world, "same_65").lunch.reason_code == "deceased"
    assert check_in(filed_world, "same_65", day=DAY - dt.timedelta(days=1)).accepted
    elder_mark_left(
        actor=filed_world["users"]["town"], elder=filed_world["elders"]["other_70"], moved_away_on=DAY
    )
    assert check_in(filed_world, "other_70").lunch.reason_code == "moved_away"


def test_facility_not_filed_or_revoked(canteen_world, filed_world):
    facility = filed_world["facility"]
    facility_revoke(actor=filed_world["users"]["minzheng"], facility=facility, reason="测试取消", on=DAY)
    filed_world["facility"].refresh_from_db()
    assert check_in(filed_world, "same_65").lunch.reason_code == "facility_revoked"
    assert check_in(filed_world, "same_65", day=DAY - dt.timedelta(days=1)).accepted


def test_draft_facility_refuses(canteen_world):
    assert check_in(canteen_world, "same_65").lunch.reason_code == "facility_not_filed"


def test_outside_the_policy_window(filed_world):
    lunch = check_in(filed_world, "same_65", day=dt.date(2021, 9, 1)).lunch
    assert lunch.reason_code == "not_in_force"


def test_future_dates_and_strangers_are_rejected(filed_world, make_user):
    with pytest.raises(ServiceError) as error:
        check_in(filed_world, "same_65", day=dt.date(2022, 6, 16))
    assert error.value.field == "meal_date"
    stranger = make_user("other-op", "canteen_operator", "village_b")
    with pytest.raises(ServiceError) as error:
        lunch_check_in(actor=stranger, facility=filed_world["facility"], identifier="C001", meal_date=DAY)
    assert error.value.field == "facility"


def test_void_keeps_the_row_and_frees_the_day(filed_world):
    lunch = check_in(filed_world, "same_65").lunch
    with pytest.raises(ServiceError):
        lunch_void(actor=filed_world["users"]["operator"], lunch=lunch, reason=" ")
    lunch_void(actor=filed_world["users"]["operator"], lunch=lunch, reason="误刷卡")
    lunch.refresh_from_db()
    assert lunch.status == "voided" and lunch.void_reason == "误刷卡" and lunch.daily_subsidy_key is None
    assert check_in(filed_world, "same_65").accepted


def test_same_key_with_a_different_body_is_a_conflict_not_a_replay(filed_world):
    from countyhall.canteens.services.lunches import IdempotencyConflict

    first = check_in(filed_world, "same_65", key="terminal-7:0002")
    for changed in ({"elder_key": "other_70"}, {"elder_key": "same_65", "day": DAY - dt.timedelta(days=1)}):
        with pytest.raises(IdempotencyConflict) as error:
            check_in(filed_world, key="terminal-7:0002", **changed)
        assert error.value.field == "idempotency_key" and "内容不同" in error.value.message
    assert Lunch.objects.get().pk == first.lunch.pk
    assert check_in(filed_world, "same_65", key="terminal-7:0002").replayed


def test_api_answers_409_for_a_reused_key_and_the_batch_per_item(client, filed_world):
    client.force_login(filed_world["users"]["operator"])
    facility = filed_world["facility"].pk
    body = {"facility": facility, "identifier": "C001", "meal_date": "2022-06-01", "idempotency_key": "k-9"}
    assert client.post("/api/v1/canteens/lunches", body, content_type="application/json").status_code == 201
    response = client.post(
        "/api/v1/canteens/lunches", {**body, "meal_date": "2022-06-02"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "idempotency_key"
    assert response.json()["error"]["message"].startswith("该幂等键已用于内容不同的登记")
    response = client.post(
        "/api/v1/canteens/lunches/batch",
        {
            "facility": facility,
            "lunches": [
                {"identifier": "C001", "meal_date": "2022-06-01", "idempotency_key": "k-9"},
                {
                    "identifier": filed_world["elders"]["same_65"].person.id_number,
                    "meal_date": "2022-06-01",
                    "idempotency_key": "k-9",
                },
            ],
        },
        content_type="application/json",
    )
    first, second = response.json()["results"]
    assert first["status"] == "accepted" and first["replayed"] is True
    assert (
        second["status"] == "error"
        and second["code"] == 409
        and second["error"]["field"] == "idempotency_key"
    )
    assert Lunch.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"facility": "abc", "identifier": "C001"}, "facility", "机构编号"),
        ({"facility": "1.5", "identifier": "C001"}, "facility", "机构编号"),
        ({"facility": 99999999999, "identifier": "C001"}, "facility", "机构编号"),
        ({"facility": 1, "identifier": "C001", "meal_date": "2022-13-01"}, "meal_date", "就餐日期"),
    ],
)
def test_check_in_api_bad_input_is_400_naming_the_field(client, filed_world, body, field, message):
    client.force_login(filed_world["users"]["operator"])
    response = client.post("/api/v1/canteens/lunches", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert message in response.json()["error"]["message"]
    response = client.post(
        "/api/v1/canteens/lunches/batch",
        {
            "facility": body["facility"],
            "lunches": [{"identifier": "C001", "meal_date": body.get("meal_date", "2022-06-01")}],
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and message in str(response.json()["error"])


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "http://evil.example"])
def test_void_never_redirects_off_site(client, filed_world, target):
    lunch = check_in(filed_world, "same_65").lunch
    client.force_login(filed_world["users"]["operator"])
    # First the confirmation page (nothing voided yet, and its way back is not the crafted address) …
    asked = client.post(f"/canteens/lunches/{lunch.pk}/void/", {"reason": "误刷卡", "next": target})
    assert asked.status_code == 200 and "确认作废" in asked.content.decode()
    assert f'href="{target}"' not in asked.content.decode()
    lunch.refresh_from_db()
    assert lunch.status == "accepted"
    # … then the confirmed act.
    response = client.post(
        f"/canteens/lunches/{lunch.pk}/void/", {"reason": "误刷卡", "next": target, "confirmed": "1"}
    )
    assert response.status_code == 302 and response["Location"] == "/canteens/lunches/"
    lunch.refresh_from_db()
    assert lunch.status == "voided"
    # A page of this site is still followed (the counter sends its own address).
    lunch = check_in(filed_world, "same_65").lunch
    url = f"/canteens/facilities/{filed_world['facility'].pk}/counter/"
    response = client.post(
        f"/canteens/lunches/{lunch.pk}/void/", {"reason": "误刷卡", "next": url, "confirmed": "1"}
    )
    assert response["Location"] == url


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("facility=abc", "机构"),
        ("facility=99999", "机构"),
        ("date_from=2022-02-30", "起始日期"),
        ("date_to=yesterday", "截止日期"),
        ("status=eaten", "状态"),
        ("page=-1", "页码"),
        ("page=x", "页码"),
    ],
)
def test_lunch_list_bad_filters_are_400_naming_the_field(client, filed_world, query, label):
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get(f"/canteens/lunches/?{query}")
    assert response.status_code == 400 and label in response.content.decode()


def test_lunch_list_and_export_log_the_personal_read(client, filed_world):
    check_in(filed_world, "same_65")
    client.force_login(filed_world["users"]["minzheng"])
    facility = filed_world["facility"].pk
    assert client.get(f"/canteens/lunches/?facility={facility}&status=accepted").status_code == 200
    read = AuditEntry.objects.get(action="read", object_type="canteens.Lunch", note__contains="列表")
    assert read.after["count"] == 1 and read.after["filters"]["facility"] == str(facility)
    assert client.get("/canteens/lunches/?export=xlsx").status_code == 200
    export = AuditEntry.objects.get(action="read", object_type="canteens.Lunch", note__contains="导出")
    assert export.after["count"] == 1


def test_lunches_recorded_before_digests_replay_by_what_they_stored(filed_world):
    from countyhall.canteens.services.lunches import IdempotencyConflict

    first = check_in(filed_world, "same_65", key="old-terminal:1")
    Lunch.objects.filter(pk=first.lunch.pk).update(request_digest="")
    assert check_in(filed_world, "same_65", key="old-terminal:1").replayed
    with pytest.raises(IdempotencyConflict):
        check_in(filed_world, "other_70", key="old-terminal:1")
