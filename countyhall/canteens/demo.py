"""Demo data for the canteen system: two filed facilities, elders, a month of lunches, a settlement.

Run by `countyhall demo` after the core demo; everything goes through the services (and so the
audit trail). Needs a business date inside the opinion's validity (make demo pins 2022-06-15).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.test import override_settings

from countyhall.canteens.models import Facility, Lunch
from countyhall.canteens.services import elders as elder_services
from countyhall.canteens.services import facilities as facility_services
from countyhall.canteens.services.late_entries import late_entry_request
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.prices import price_set
from countyhall.canteens.services.settlements import (
    settlement_approve,
    settlement_compute,
    settlement_send_back,
)
from countyhall.core.clock import business_date
from countyhall.core.demo import demo_id_number
from countyhall.core.models import Division, Organisation, Person, User

ELDERS = [
    # name, 15-digit stem, natural village / community code, hukou
    ("孙桂芳（示例）", "370322193905060", "370322101201001", True),
    ("周长林（示例）", "370322194712010", "370322101201001", True),
    ("吴秀兰（示例）", "370322195808180", "370322101202001", True),
    ("郑福海（示例）", "370322195203030", "370322001001", True),
    ("冯玉梅（示例）", "370322194402140", "370322001001", True),
    ("褚建华（示例）", "370322196511110", "370322101201001", True),
    ("卫淑英（示例）", "370322194109090", "370322101201001", False),
]


@transaction.atomic
def load(*, actor: str) -> list[str]:
    if Facility.objects.exists():
        return ["长者食堂演示数据已存在，未重复加载。"]
    today = business_date()
    if not (dt.date(2021, 9, 2) <= today <= dt.date(2023, 12, 31)):
        return [
            f"业务日期 {today} 不在高政办发〔2021〕2号施行期内，未加载长者食堂演示数据"
            "（make demo 设定 COUNTYHALL_BUSINESS_DATE=2022-06-15）。"
        ]
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["qingcheng", "tianzhen", "minzheng", "shichang", "shitang", "caizheng"]
        )
    }
    care_org = Organisation.objects.get(name="河口村长者食堂运营方（示例）")
    restaurant = Organisation.objects.get_or_create(
        name="东风社区餐饮企业（示例）",
        defaults={"kind": "enterprise", "division": Division.objects.get(code="370322001001")},
    )[0]
    rural = facility_services.facility_register(
        actor=users["qingcheng"],
        operator=care_org,
        division=Division.objects.get(code="370322101201001"),
        name="青城镇河口村长者食堂",
        kind="canteen",
        model="happiness_home",
        setting="rural",
        operator_kind="care_org",
        address="河口村幸福院",
        area_m2=Decimal("180"),
        seats=40,
        food_licence_no="JY13703220000123",
        food_licence_expiry=dt.date(2026, 6, 30),
        lunch_price=Decimal("8.00"),
        service_start=dt.date(2021, 9, 6),
    )
    community = facility_services.facility_register(
        actor=users["tianzhen"],
        operator=restaurant,
        division=Division.objects.get(code="370322001001"),
        name="田镇街道办东风社区长者助餐服务点",
        kind="service_point",
        model="service_point",
        setting="community",
        operator_kind="enterprise",
        address="东风社区日间照料中心",
        seats=24,
        meal_supplier="高青县示例集体用餐配送中心",
        lunch_price=Decimal("10.00"),
        service_start=dt.date(2021, 10, 8),
    )
    monday = today - dt.timedelta(days=today.weekday())
    for facility, town_user in ((rural, users["qingcheng"]), (community, users["tianzhen"])):
        facility_services.facility_staff_add(
            actor=town_user,
            facility=facility,
            name="王师傅（示例）",
            health_certificate_no="JK2022-001",
            health_certificate_expiry=dt.date(2023, 3, 1),
        )
        facility_services.menu_publish(
            actor=town_user,
            facility=facility,
            week_start=monday,
            items={
                "mon": "米饭 西红柿炒蛋 白菜豆腐汤",
                "tue": "馒头 土豆炖鸡 小米粥",
                "wed": "水饺 凉拌黄瓜",
                "thu": "米饭 红烧鱼 青菜",
                "fri": "面条 卤蛋",
            },
        )
        facility_services.facility_submit(actor=town_user, facility=facility)
        facility_services.facility_town_review(
            actor=town_user, facility=facility, approve=True, note="选址与设施符合要求"
        )
        facility_services.facility_county_evaluate(actor=users["minzheng"], facility=facility, approve=True)
        facility_services.facility_county_evaluate(
            actor=users["shichang"], facility=facility, approve=True, note="食品安全条件符合要求"
        )
    # Filing took place when service began; the demo compresses it into today.
    Facility.objects.filter(pk=rural.pk).update(filed_on=dt.date(2021, 9, 6))
    Facility.objects.filter(pk=community.pk).update(filed_on=dt.date(2021, 10, 8))
    rural.refresh_from_db()
    community.refresh_from_db()

    elders = []
    for serial, (name, stem, code, hukou) in enumerate(ELDERS, start=31):
        id_number = demo_id_number(stem, serial)
        division = Division.objects.get(code=code)
        existing = Person.objects.filter(id_number=id_number).first()
        elders.append(
            elder_services.elder_register(
                actor=actor,
                id_number=id_number,
                name=existing.name if existing else name,
                division=division,
                gaoqing_hukou=hukou,
                card_number=f"GQ{serial:04d}",
            )
        )
    elder_services.tekun_status_add(
        actor=actor,
        elder=elders[2],
        source="高青县民政局特困人员认定（示例）",
        valid_from=dt.date(2020, 1, 1),
    )
    rng = random.Random(2021)
    start = today.replace(day=1) - dt.timedelta(days=1)
    start = start.replace(day=1)
    day = start
    while day < today:
        if day.weekday() < 5:
            for elder in elders:
                facility = community if elder.person.division.code == "370322001001" else rural
                if rng.random() < 0.8:
                    operator = users["shitang"] if facility == rural else users["tianzhen"]
                    # Each day's lunches are recorded on that day, as a counter would (the back-dating
                    # window applies to the business date).
                    with override_settings(BUSINESS_DATE=day):
                        lunch_check_in(
                            actor=operator, facility=facility, identifier=elder.card_number, meal_date=day
                        )
        day += dt.timedelta(days=1)
    month = start.month
    settlements = {}
    for facility in (rural, community):
        settlement = settlement_compute(
            actor=users["minzheng"], facility=facility, year=start.year, month=month
        )
        settlements[facility.pk] = settlement_approve(
            actor=users["minzheng"], settlement=settlement, note="演示：民政局审核"
        )
    # 财政 sends the rural canteen's statement back: the operator (shitang) sees it in its to-dos and inbox,
    # 民政 sees it on its desk again; the community statement waits for 财政.
    settlement_send_back(
        actor=users["caizheng"],
        settlement=settlements[rural.pk],
        reason="人次与纸质就餐登记表核对不一致，请运营方核对后重新提交（示例）",
    )
    # Corrections, never erased: a phone number corrected with its reason, a death recorded by mistake undone.
    river = [e for e in elders if e.person.division.code == "370322101201001"]
    elder_services.elder_update(
        actor=users["qingcheng"],
        elder=river[0],
        reason="老人更换手机号（示例）",
        name=river[0].person.name,
        division=river[0].person.division,
        gaoqing_hukou=True,
        phone="13905331234",
        card_number=river[0].card_number,
    )
    elder_services.elder_mark_left(
        actor=users["qingcheng"],
        elder=river[1],
        died_on=today - dt.timedelta(days=3),
        reason="村委会电话告知（示例）",
    )
    elder_services.elder_left_undo(
        actor=users["qingcheng"],
        elder=river[1],
        what="death",
        reason="误报：系同村同名老人，本人健在（示例）",
    )
    # A10: a higher-standard meal, priced by the canteen and charged extra; a price change from next month.
    price_set(
        actor=users["shitang"],
        facility=rural,
        kind="higher",
        label="营养套餐（加鱼、加蛋）",
        price=Decimal("15.00"),
        valid_from=dt.date(2021, 9, 6),
        note="另行收费，不享受助餐补贴",
    )
    next_month = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    price_set(
        actor=users["tianzhen"],
        facility=community,
        price=Decimal("10.50"),
        valid_from=next_month,
        note="食材涨价，经社区议定",
    )
    # A lunch of the approved month that the counter missed waits for 民政.
    missed = next(
        (
            (elder, d)
            for d in (start + dt.timedelta(days=n) for n in range(28))
            if d.weekday() < 5
            for elder in elders
            if elder.person.division.code != "370322001001"
            and not Lunch.objects.filter(elder=elder, meal_date=d, status=Lunch.Status.ACCEPTED).exists()
        ),
        None,
    )
    if missed is not None:
        late_entry_request(
            actor=users["shitang"],
            facility=rural,
            identifier=missed[0].card_number,
            meal_date=missed[1],
            reason="当日网络中断，纸质登记表第 12 号（示例）",
        )
    return [f"长者食堂：2 家机构已备案，{len(elders)} 位老人，{start:%Y年%m月}起的午餐与结算单已生成。"]
