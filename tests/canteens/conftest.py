from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import valid_id


@pytest.fixture
def canteen_world(db, county_tree, make_user):
    """A county with a rural canteen run by a care organisation, its staff, menu and a few elders."""
    from countyhall.canteens.services import elders as elder_services
    from countyhall.canteens.services import facilities as facility_services
    from countyhall.core.models import Organisation

    operator_org = Organisation.objects.create(
        name="乙村照护服务有限公司", kind="care_organisation", division=county_tree["village_b"]
    )
    users = {
        "operator": make_user("op", "canteen_operator", "village_b"),
        "town": make_user("town", "town_officer", "qingcheng"),
        "minzheng": make_user("minzheng", "civil_affairs"),
        "shichang": make_user("shichang", "market_regulation"),
        "caizheng": make_user("caizheng", "finance"),
    }
    users["operator"].organisation = operator_org
    users["operator"].save()
    # These tests date lunches weeks before the pinned business date (2022-06-15); the window tests set their own.
    enter_backdate_window(366)
    facility = facility_services.facility_register(
        actor=users["town"],
        operator=operator_org,
        division=county_tree["natural_b"],
        name="青城镇乙村长者食堂",
        kind="canteen",
        model="happiness_home",
        setting="rural",
        operator_kind="care_org",
        area_m2=Decimal("180"),
        seats=30,
        food_licence_no="JY13703220000001",
        food_licence_expiry=dt.date(2030, 1, 1),
        lunch_price=Decimal("8.00"),
        service_start=dt.date(2021, 9, 2),
    )
    facility_services.facility_staff_add(
        actor=users["town"],
        facility=facility,
        name="厨师甲",
        health_certificate_no="JK001",
        health_certificate_expiry=dt.date(2030, 1, 1),
    )
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    facility_services.menu_publish(
        actor=users["operator"],
        facility=facility,
        week_start=monday,
        items={"mon": "米饭 炒青菜 红烧肉", "tue": "馒头 炖豆腐"},
    )
    elders = {
        "same_80": elder_services.elder_register(
            actor=users["town"],
            id_number=valid_id("37032219400101001"),
            name="赵一",
            division=county_tree["natural_b"],
            gaoqing_hukou=True,
            card_number="C001",
        ),
        "same_65": elder_services.elder_register(
            actor=users["town"],
            id_number=valid_id("37032219560101002"),
            name="钱二",
            division=county_tree["natural_b"],
            gaoqing_hukou=True,
        ),
        "other_70": elder_services.elder_register(
            actor=users["town"],
            id_number=valid_id("37032219510101003"),
            name="孙三",
            division=county_tree["village_b"],
            gaoqing_hukou=True,
        ),
        "young": elder_services.elder_register(
            actor=users["town"],
            id_number=valid_id("37032219700101004"),
            name="李四",
            division=county_tree["natural_b"],
            gaoqing_hukou=True,
        ),
        "outsider": elder_services.elder_register(
            actor=users["town"],
            id_number=valid_id("37032219400101005"),
            name="周五",
            division=county_tree["natural_b"],
            gaoqing_hukou=False,
        ),
    }
    return {
        "facility": facility,
        "users": users,
        "elders": elders,
        "operator_org": operator_org,
        **county_tree,
    }


@pytest.fixture
def filed_world(canteen_world):
    from countyhall.canteens.services import facilities as facility_services

    users = canteen_world["users"]
    facility = canteen_world["facility"]
    facility_services.facility_submit(actor=users["operator"], facility=facility)
    facility_services.facility_town_review(actor=users["town"], facility=facility, approve=True)
    facility_services.facility_county_evaluate(actor=users["minzheng"], facility=facility, approve=True)
    facility = facility_services.facility_county_evaluate(
        actor=users["shichang"], facility=facility, approve=True
    )
    facility.filed_on = dt.date(2021, 9, 1)
    facility.save()
    canteen_world["facility"] = facility
    return canteen_world


def enter_backdate_window(days: int, *, valid_from: dt.date = dt.date(2000, 1, 1)):
    """TEST FIXTURE: 补录期限 as an approved change of canteen.backdate_days, written directly (the four-eyes walk
    itself is tested in test_late_entries.py), and loaded into the process's governed snapshot."""
    from django.utils import timezone

    from countyhall.core.models import PolicyChange, User
    from countyhall.core.services.policy import governed_refresh

    user = User.objects.filter(username="policy-fixture").first() or User.objects.create_user(
        username="policy-fixture", password=None, is_active=False
    )
    change = PolicyChange.objects.create(
        kind="parameter",
        key="canteen.backdate_days",
        value=days,
        valid_from=valid_from,
        reason="测试：按历史日期登记",
        state="approved",
        proposed_by=user,
        proposed_at=timezone.now(),
        decided_by=user,
        decided_at=timezone.now(),
    )
    governed_refresh(force=True)
    return change
