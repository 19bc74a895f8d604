"""Back-dating: the counter records only inside 补录期限 and never into an approved period; 民政 books the rest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.canteens.models import CanteenSetting, LateEntry, Lunch, SettlementAdjustment
from countyhall.canteens.services.late_entries import (
    backdate_window_set,
    late_entry_decide,
    late_entry_request,
)
from countyhall.canteens.services.lunches import LateEntryNeeded, backdate_days, lunch_check_in
from countyhall.canteens.services.settlements import settlement_approve, settlement_compute
from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, PolicyChange
from countyhall.core.services.policy import governed_refresh, policy_change_approve
from tests.canteens.conftest import enter_backdate_window

pytestmark = pytest.mark.django_db
TODAY = dt.date(2022, 6, 15)  # the pinned business date of the test settings


def check_in(world, elder_key, day, user="operator"):
    return lunch_check_in(
        actor=world["users"][user],
        facility=world["facility"],
        identifier=world["elders"][elder_key].person.id_number,
        meal_date=day,
    )


@pytest.fixture
def window3(filed_world):
    enter_backdate_window(3)
    return filed_world


@pytest.fixture
def admins(make_user):
    return make_user("gov-a", "system_admin"), make_user("gov-b", "system_admin")


def approved_may(world):
    users = world["users"]
    check_in(world, "same_80", dt.date(2022, 5, 5))
    settlement = settlement_compute(actor=users["minzheng"], facility=world["facility"], year=2022, month=5)
    return settlement_approve(actor=users["minzheng"], settlement=settlement)


def test_default_window_is_a_platform_setting_of_three_days(filed_world):
    PolicyChange.objects.filter(key="canteen.backdate_days").delete()
    governed_refresh(force=True)
    assert backdate_days() == 3
    assert check_in(filed_world, "same_65", TODAY - dt.timedelta(days=3)).accepted
    with pytest.raises(LateEntryNeeded) as error:
        check_in(filed_world, "other_70", TODAY - dt.timedelta(days=4))
    assert error.value.field == "meal_date" and "补录期限（3 天）" in error.value.message


def test_window_is_proposed_by_one_administrator_and_approved_by_another(
    filed_world, admins, django_capture_on_commit_callbacks
):
    first, second = admins
    enter_backdate_window(3)
    with pytest.raises(AccessDenied):
        backdate_window_set(actor=filed_world["users"]["minzheng"], days=30)  # 民政 no longer sets it alone
    with pytest.raises(ServiceError) as error:
        backdate_window_set(actor=first, days=9999)
    assert error.value.field == "days"
    with pytest.raises(ServiceError) as error:
        backdate_window_set(
            actor=first, days=7, reason="春节期间网络中断", valid_from=TODAY - dt.timedelta(days=1)
        )
    assert (
        error.value.field == "valid_from"
        and f"{TODAY.year}年{TODAY.month}月{TODAY.day}日" in error.value.message
    )  # no retroactive start
    change = backdate_window_set(
        actor=first, days=7, reason="春节期间网络中断", valid_from=TODAY + dt.timedelta(days=1)
    )
    assert (
        change.state == PolicyChange.State.PROPOSED and backdate_days() == 3
    )  # not in force before approval
    with pytest.raises(AccessDenied):
        policy_change_approve(actor=first, change=change)  # four eyes: not the proposer
    with django_capture_on_commit_callbacks(execute=True):
        change = policy_change_approve(actor=second, change=change)
    # The impact was stored with the decision: the window on the start date, before and after.
    assert change.impact[0]["rows"][0] == ["补录期限", "3 天", "7 天"]
    assert backdate_days(TODAY) == 3 and backdate_days(TODAY + dt.timedelta(days=1)) == 7
    assert AuditEntry.objects.filter(object_type="core.PolicyChange", note__contains="补录期限").count() == 2


def test_stored_settings_are_migrated_as_approved_changes(filed_world):
    """Migration canteens 0011: a window set before four eyes is kept, recorded as approved by the system."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("countyhall.canteens.migrations.0011_backdate_window_governed")
    PolicyChange.objects.filter(key="canteen.backdate_days").delete()
    CanteenSetting.objects.create(
        key=CanteenSetting.Key.BACKDATE_DAYS,
        value=10,
        reason="旧设置",
        set_by=filed_world["users"]["minzheng"],
        set_by_label="minzheng",
    )
    migration.forward(apps, None)
    change = PolicyChange.objects.get(key="canteen.backdate_days")
    assert change.state == "approved" and change.value == 10 and "四眼审核之前" in change.decision_note
    assert change.proposed_by == filed_world["users"]["minzheng"] and change.decided_by.username.startswith(
        "system"
    )
    governed_refresh(force=True)
    assert backdate_days() == 10


def test_never_into_an_approved_period_even_inside_the_window(filed_world):
    approved_may(filed_world)
    with pytest.raises(LateEntryNeeded) as error:
        check_in(filed_world, "same_65", dt.date(2022, 5, 31))
    assert "2022年5月结算单已待财政局审核" in error.value.message
    assert not Lunch.objects.filter(meal_date=dt.date(2022, 5, 31)).exists()


def test_approved_late_entry_lands_as_an_adjustment_in_the_next_period(filed_world):
    users = filed_world["users"]
    may = approved_may(filed_world)
    entry = late_entry_request(
        actor=users["operator"],
        facility=filed_world["facility"],
        identifier=filed_world["elders"]["same_65"].person.id_number,
        meal_date=dt.date(2022, 5, 20),
        reason="网络中断，纸质登记表第 3 号",
    )
    assert entry.status == "pending" and "结算单" in entry.why_late
    with pytest.raises(ServiceError) as error:
        late_entry_decide(actor=users["minzheng"], entry=entry, approve=True, reason=" ")
    assert error.value.field == "reason"
    with pytest.raises(AccessDenied):
        late_entry_decide(actor=users["town"], entry=entry, approve=True, reason="同意")
    entry = late_entry_decide(actor=users["minzheng"], entry=entry, approve=True, reason="核对纸质登记表属实")
    lunch = entry.lunch
    assert (
        entry.status == "approved" and lunch.status == "accepted" and lunch.meal_date == dt.date(2022, 5, 20)
    )
    assert (lunch.city, lunch.county, lunch.price) == (Decimal("1.00"), Decimal("1.00"), Decimal("8.00"))
    adjustment = SettlementAdjustment.objects.get(lunch=lunch)
    assert adjustment.original_settlement == may and adjustment.settlement is None
    assert (adjustment.city, adjustment.county) == (Decimal("1.00"), Decimal("1.00"))
    may.refresh_from_db()
    assert may.lunches == 1  # the approved statement is not rewritten
    with pytest.raises(ServiceError):
        late_entry_decide(actor=users["minzheng"], entry=entry, approve=False, reason="再审")


def test_late_entry_outside_the_window_in_an_open_month_books_the_lunch(window3):
    users = window3["users"]
    entry = late_entry_request(
        actor=users["operator"],
        facility=window3["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 6, 1),
        reason="终端故障",
    )
    entry = late_entry_decide(actor=users["minzheng"], entry=entry, approve=True, reason="属实")
    assert entry.lunch.meal_date == dt.date(2022, 6, 1) and entry.adjustment is None


def test_rejection_records_nothing_and_keeps_the_history(window3):
    users = window3["users"]
    entry = late_entry_request(
        actor=users["operator"],
        facility=window3["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 6, 1),
        reason="终端故障",
    )
    entry = late_entry_decide(actor=users["minzheng"], entry=entry, approve=False, reason="无纸质登记佐证")
    assert entry.status == "rejected" and entry.lunch is None and not Lunch.objects.exists()
    assert entry.decided_by == users["minzheng"] and entry.decision_reason == "无纸质登记佐证"


def test_a_refused_lunch_cannot_be_approved(window3):
    users = window3["users"]
    entry = late_entry_request(
        actor=users["operator"],
        facility=window3["facility"],
        identifier=window3["elders"]["young"].person.id_number,
        meal_date=dt.date(2022, 6, 1),
        reason="终端故障",
    )
    with pytest.raises(ServiceError) as error:
        late_entry_decide(actor=users["minzheng"], entry=entry, approve=True, reason="属实")
    assert "未满60周岁" in error.value.message
    entry.refresh_from_db()
    assert entry.status == "pending" and not Lunch.objects.exists()


def test_request_is_refused_inside_the_window_and_for_strangers(window3, make_user):
    users = window3["users"]
    with pytest.raises(ServiceError) as error:
        late_entry_request(
            actor=users["operator"],
            facility=window3["facility"],
            identifier="C001",
            meal_date=TODAY,
            reason="x",
        )
    assert error.value.field == "meal_date"
    with pytest.raises(AccessDenied):
        late_entry_request(
            actor=make_user("op2", "canteen_operator", "village_a"),
            facility=window3["facility"],
            identifier="C001",
            meal_date=dt.date(2022, 6, 1),
            reason="x",
        )
    with pytest.raises(ServiceError) as error:
        late_entry_request(
            actor=users["operator"],
            facility=window3["facility"],
            identifier="C001",
            meal_date=dt.date(2022, 6, 1),
            reason="x" * 301,
        )
    assert error.value.field == "reason"


def test_counter_offers_a_late_entry_for_an_old_date(client, window3):
    client.force_login(window3["users"]["operator"])
    url = f"/canteens/facilities/{window3['facility'].pk}/counter/"
    html = client.post(url, {"identifier": "C001", "meal_date": "2022-06-01"}).content.decode()
    assert "超出补录期限（3 天）" in html and 'id="late-entry"' in html
    response = client.post(
        f"/canteens/facilities/{window3['facility'].pk}/late-entries/new/",
        {"identifier": "C001", "meal_date": "2022-06-01", "reason": "网络中断"},
    )
    assert response.status_code == 302 and LateEntry.objects.filter(status="pending").count() == 1
    response = client.post(
        f"/canteens/facilities/{window3['facility'].pk}/late-entries/new/",
        {"identifier": "C001", "meal_date": "abc", "reason": "网络中断"},
    )
    assert response.status_code == 302 and LateEntry.objects.count() == 1


def test_minzheng_desk_lists_decides_and_logs_the_read(client, window3):
    users = window3["users"]
    entry = late_entry_request(
        actor=users["operator"],
        facility=window3["facility"],
        identifier="C001",
        meal_date=dt.date(2022, 6, 1),
        reason="终端故障",
    )
    client.force_login(users["minzheng"])
    html = client.get("/canteens/late-entries/?status=pending").content.decode()
    # Named with village and town (issue 12): 民政 may read names unmasked; an operator reads them masked.
    assert "终端故障" in html and "赵一（" in html and "青城镇" in html
    client.force_login(users["operator"])
    masked = client.get("/canteens/late-entries/?status=pending").content.decode()
    assert "赵*" in masked and "赵一" not in masked
    client.force_login(users["minzheng"])
    read = AuditEntry.objects.filter(action="read", object_type="canteens.LateEntry").earliest("id")
    assert (
        read.actor == users["minzheng"]
        and read.after["count"] == 1
        and read.after["filters"]["status"] == "pending"
    )
    response = client.post(
        f"/canteens/late-entries/{entry.pk}/decide/", {"decision": "approve", "reason": "属实"}
    )  # no confirmation
    entry.refresh_from_db()
    assert entry.status == "pending"
    client.post(
        f"/canteens/late-entries/{entry.pk}/decide/",
        {"decision": "approve", "reason": "属实", "confirm": "on"},
    )
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.lunch is not None
    response = client.post("/canteens/late-entries/backdate-window/", {"days": "5"})
    assert response.status_code == 403 and backdate_days() == 3  # a governed figure: 民政 cannot set it alone


def test_the_window_page_proposes_a_change_for_a_second_administrator(client, window3, admins):
    first, second = admins
    client.force_login(first)
    html = client.get("/canteens/late-entries/").content.decode()
    assert "提出调整补录期限" in html and "/policy/parameters/canteen.backdate_days/" in html
    response = client.post(
        "/canteens/late-entries/backdate-window/",
        {"days": "5", "valid_from": "2022-07-01", "reason": "春节期间网络中断"},
    )
    change = PolicyChange.objects.get(key="canteen.backdate_days", state="proposed")
    assert response.status_code == 302 and response["Location"] == f"/policy/changes/{change.pk}/"
    assert change.value == 5 and change.valid_from == dt.date(2022, 7, 1) and backdate_days() == 3
    page = client.get(response["Location"]).content.decode()
    assert "补录期限" in page and "待审核的补录申请" in page  # the impact preview before approval
    client.force_login(second)
    figure = client.get("/policy/parameters/canteen.backdate_days/").content.decode()
    assert "待审核" in figure and "3" in figure


@pytest.mark.parametrize(
    ("query", "label"),
    [("status=bogus", "状态"), ("page=abc", "页码"), ("page=0", "页码"), ("facility=x", "机构")],
)
def test_desk_filters_are_validated(client, filed_world, query, label):
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get(f"/canteens/late-entries/?{query}")
    assert response.status_code == 400 and label in response.content.decode()


def test_yearly_statement_counts_an_approved_late_lunch_once(filed_world):
    """The late lunch reaches the next monthly statement as an adjustment; the yearly statement, which sums the
    year's lunches themselves, must not add that adjustment a second time."""
    users = filed_world["users"]
    check_in(filed_world, "same_80", dt.date(2022, 4, 5))
    april = settlement_compute(actor=users["minzheng"], facility=filed_world["facility"], year=2022, month=4)
    settlement_approve(actor=users["minzheng"], settlement=april)
    entry = late_entry_request(
        actor=users["operator"],
        facility=filed_world["facility"],
        identifier=filed_world["elders"]["same_65"].person.id_number,
        meal_date=dt.date(2022, 4, 20),
        reason="纸质登记表第 8 号",
    )
    late_entry_decide(actor=users["minzheng"], entry=entry, approve=True, reason="属实")
    may = settlement_compute(actor=users["minzheng"], facility=filed_world["facility"], year=2022, month=5)
    assert may.adjustments_total == Decimal("2.00")  # 1.00 city + 1.00 county for the 66-year-old
    year = settlement_compute(actor=users["minzheng"], facility=filed_world["facility"], year=2022)
    assert year.lunches == 2
    assert (year.city, year.county) == (Decimal("3.00"), Decimal("2.00"))


@pytest.mark.parametrize("days", [367, 100000, 10**12])
def test_the_window_proposed_on_the_figure_page_keeps_the_services_bounds(client, window3, admins, days):
    """Attack: the figure's own page (/policy/changes/new/…) went straight to the policy service, past
    backdate_window_set's 0–366: a window of 10^12 days was proposed, and its impact preview (the earliest
    day the counter records itself) failed with a 500 on the change's page and at approval."""
    first, _second = admins
    client.force_login(first)
    response = client.post(
        "/policy/changes/new/parameter/canteen.backdate_days/",
        {
            "change-value": str(days),
            "change-valid_from": "2022-07-01",
            "change-reason": "网络中断较多，放宽补录期限",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/policy/parameters/canteen.backdate_days/"
    assert not PolicyChange.objects.filter(key="canteen.backdate_days", state="proposed").exists()
    page = client.get(response["Location"]).content.decode()
    assert "补录期限" in page and "366" in page
