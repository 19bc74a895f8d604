"""Demo data for the accident module: the printed command structure, two enterprises with hazards and drills,
a warning, a finished incident with its evaluation, and an incident reported minutes before the demo starts
so its countdowns are live."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from countyhall.core.clock import business_now
from countyhall.core.models import Division, Organisation, User
from countyhall.emergency.models import PowerEnterprise, WorkingGroup
from countyhall.emergency.services import (
    command_structure_load,
    deadline_done,
    drill_record,
    duty_office_set,
    emergency_end,
    enterprise_register,
    evaluation_record,
    expert_add,
    group_activate,
    hazard_add,
    incident_content_update,
    incident_figures_update,
    incident_report,
    response_start,
    warning_issue,
)

OFFICES = [
    ("县委值班室", "county", "0533-6000001（示例）", "13800000001"),
    ("县委办公室信息调研科", "county", "0533-6000002（示例）", ""),
    ("县政府值班室", "county", "0533-6000003（示例）", "13800000003"),
    ("县应急局", "county", "0533-6000004（示例）", "13800000004"),
    ("市政府总值班室", "city", "0533-2000001（示例）", ""),
    ("市应急局", "city", "0533-2000002（示例）", ""),
]


@transaction.atomic
def load(*, actor: str) -> list[str]:
    if PowerEnterprise.objects.exists():
        return ["发电企业事故应急演示数据已存在，未重复加载。"]
    command_structure_load(actor=actor)
    for name, tier, phone, mobile in OFFICES:
        duty_office_set(actor=actor, name=name, tier=tier, phone=phone, mobile=mobile)
    for name, speciality in (
        ("孙工（示例）", "锅炉与压力容器"),
        ("钱工（示例）", "电气与继电保护"),
        ("吴工（示例）", "危险化学品（液氨）"),
    ):
        expert_add(actor=actor, name=name, speciality=speciality, employer="示例电力设计院")
    thermal_org = Organisation.objects.get(short_name="示例热电")
    biomass_org = Organisation.objects.get(short_name="示例生物质发电")
    town = Division.objects.filter(kind__in=["town", "street"]).order_by("code").first()
    other_town = Division.objects.filter(kind__in=["town", "street"]).order_by("-code").first()
    thermal = enterprise_register(
        actor=actor,
        organisation=thermal_org,
        division=town,
        address="示例路1号",
        capacity_mw=Decimal("700"),
        principal="周某（示例）",
        duty_phone="0533-6100000",
    )
    biomass = enterprise_register(
        actor=actor,
        organisation=biomass_org,
        division=other_town,
        capacity_mw=Decimal("30"),
        principal="郑某（示例）",
    )
    hazard_add(
        actor=actor, enterprise=thermal, name="液氨储罐区", grade="三级", measures="泄漏检测与喷淋系统"
    )
    hazard_add(actor=actor, enterprise=thermal, name="氢气站", grade="四级")
    hazard_add(actor=actor, enterprise=biomass, name="生物质燃料堆场", measures="分区堆放、温度巡检")
    drill_record(
        actor=actor,
        enterprise=thermal,
        held_on=dt.date(2022, 3, 18),
        scenario="液氨泄漏应急演练",
        participants=60,
    )
    drill_record(
        actor=actor,
        enterprise=thermal,
        held_on=dt.date(2022, 6, 1),
        scenario="全厂停电应急演练",
        participants=45,
    )
    drill_record(
        actor=actor,
        enterprise=biomass,
        held_on=dt.date(2022, 4, 22),
        scenario="燃料堆场火灾演练",
        participants=20,
    )
    hq = User.objects.get(username="fagai")
    warning_issue(
        actor=hq,
        level="III",
        event="发电企业生产安全事故预警",
        enterprise=thermal,
        headline="高温大负荷运行，加强设备巡检（示例）",
        description="预计未来三天最高气温38℃，机组高负荷运行，请加强锅炉、电气设备巡检。",
        area="高青县",
        instruction="落实24小时值班，发现异常立即报告。",
    )

    # A finished incident from last month, with its evaluation.
    bj = timezone.get_current_timezone()
    past = dt.datetime(2022, 5, 12, 14, 20, tzinfo=bj)
    firm = User.objects.get(username="dianchang")
    old = incident_report(
        actor=firm,
        enterprise=thermal,
        kind="fire",
        occurred_at=past,
        place="输煤皮带栈桥（示例）",
        injured=2,
        direct_loss_yuan=Decimal("86000"),
        unit_overview="2×350MW热电联产机组（示例）",
        scene="栈桥局部起火",
        course="皮带跑偏摩擦起火",
        measures="停运皮带，启动消防水",
        reported_at=past + dt.timedelta(minutes=5),
    )
    for minutes, deadline in zip((8, 25, 45, 600), old.deadlines.order_by("due_at"), strict=True):
        deadline_done(
            actor=firm,
            deadline=deadline,
            reported_to="、".join(deadline.recipients),
            done_at=past + dt.timedelta(minutes=minutes),
        )
    response_start(
        actor=hq, incident=old, decided_by="分管副县长（示例）", at=past + dt.timedelta(minutes=30)
    )
    group_activate(
        actor=hq,
        incident=old,
        group=WorkingGroup.objects.get(name="抢险救援组"),
        at=past + dt.timedelta(minutes=35),
    )
    emergency_end(actor=hq, incident=old, commander="分管副县长（示例）", at=past + dt.timedelta(hours=3))
    evaluation_record(
        actor=hq,
        incident=old,
        evaluation_cause="皮带跑偏摩擦起火（示例）",
        evaluation_losses="直接损失8.6万元",
        evaluation_handling="IV级事故，县级提级指导处置",
        evaluation_lessons="皮带跑偏保护失效未及时发现",
        evaluation_suggestions="加装跑偏和温度在线监测",
    )

    # A live incident, reported minutes ago: the countdowns on its page are running.
    now = business_now().replace(second=0, microsecond=0)  # the pinned demo day, as the board counts
    live = incident_report(
        actor=firm,
        enterprise=thermal,
        kind="leak",
        occurred_at=now - dt.timedelta(minutes=6),
        place="液氨储罐区（示例）",
        injured=3,
        reported_at=now - dt.timedelta(minutes=2),
    )
    incident_content_update(
        actor=firm,
        incident=live,
        unit_overview="2×350MW热电联产机组（示例）",
        scene="储罐区阀门法兰泄漏",
        course="巡检发现氨味，确认法兰泄漏",
        measures="关闭上游阀门，喷淋稀释",
    )
    incident_figures_update(actor=firm, incident=live, deaths=0, missing=1, injured=11, at=now)  # IV → III
    return [
        "发电企业事故应急：指挥体系与8个工作组、6个值班室、2家发电企业、1条预警、1起已结束事故和1起进行中事故"
        "（报告倒计时进行中）。企业账号 dianchang；县发改局（指挥部办公室）账号 fagai。"
    ]
