"""Demo data for clean heating: two village plans, a few households with devices and a season's use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from countyhall.core.demo import demo_id_number
from countyhall.core.models import Division, User
from countyhall.heating.models import Claim, Household
from countyhall.heating.services import (
    acceptance_record,
    claim_return,
    claims_build,
    device_record,
    entitlements_compute,
    fuel_purchase_record,
    household_correct,
    household_register,
    inspection_record,
    meter_reading_correct,
    meter_reading_record,
    public_institution_set,
    season_use_record,
    village_plan_set,
)

HOUSEHOLDS = [
    # name, 15-digit stem, natural village, method, device price, season use
    ("高振东（示例）", "370322196203150", "370322101201001", "gas", "4200.00", Decimal("1350")),
    ("李春华（示例）", "370322195811200", "370322101201001", "gas", "3600.00", Decimal("980.5")),
    ("马秀芝（示例）", "370322197001050", "370322101201001", "biomass", "2900.00", Decimal("1.8")),
    ("孟庆山（示例）", "370322196607070", "370322101202001", "biomass", "4500.00", Decimal("2.4")),
]


@transaction.atomic
def load(*, actor: str) -> list[str]:
    if Household.objects.exists():
        return ["清洁取暖演示数据已存在，未重复加载。"]
    hekou = Division.objects.get(code="370322101201001")
    liulin = Division.objects.get(code="370322101202001")
    # 三、（一）（二）: the gas village has no demolition planned and passed the gas expert review; the biomass village
    # is due for demolition in 2025 (within 3–5 years).
    plan = village_plan_set(
        actor=actor,
        division=hekou,
        method="gas",
        planned_households=3,
        construction_done_on=dt.date(2021, 9, 27),
        commissioning_done_on=dt.date(2021, 10, 19),
        gas_review_passed_on=dt.date(2021, 8, 31),
        gas_review_note="县燃气专家组评审通过（示例）",
    )
    village_plan_set(
        actor=actor,
        division=liulin,
        method="biomass",
        planned_households=2,
        construction_done_on=dt.date(2021, 10, 5),
        demolition_year=2025,
        biomass_basis="demolition",
    )
    for serial, (name, stem, code, method, price, use) in enumerate(HOUSEHOLDS, start=51):
        household = household_register(
            actor=actor,
            division=Division.objects.get(code=code),
            id_number=demo_id_number(stem, serial),
            name=name,
            address=f"{name[:1]}家（示例）",
            method=method,
            members=3,
        )
        device_record(
            actor=actor,
            household=household,
            kind="gas_boiler" if method == "gas" else "biomass_stove",
            model_name="示例型号-24",
            supplier="示例供货商",
            price=Decimal(price),
            tendered_price=Decimal("3800.00"),
            invoice_no=f"FP2021{serial:04d}",
            installed_on=dt.date(2021, 9, 20),
            commissioned_on=dt.date(2021, 10, 15),
        )
        if serial == 51:
            # Meter readings (the season's use is the last minus the first) and a corrected mistyped reading.
            for on, value in (
                (dt.date(2021, 11, 15), "1200"),
                (dt.date(2022, 1, 15), "1900"),
                (dt.date(2022, 3, 15), "2650"),
            ):
                meter_reading_record(
                    actor=actor,
                    household=household,
                    season="2021-2022",
                    read_on=on,
                    reading_m3=Decimal(value),
                )
            meter_reading_correct(
                actor=actor,
                reading=household.meter_readings.get(read_on=dt.date(2022, 3, 15)),
                reading_m3=Decimal("2550"),
                reason="抄表员将 2550 误记为 2650（示例）",
            )
        elif serial == 53:
            for on, tonnes in ((dt.date(2021, 11, 20), "1.0"), (dt.date(2022, 1, 10), "0.8")):
                fuel_purchase_record(
                    actor=actor,
                    household=household,
                    season="2021-2022",
                    bought_on=on,
                    tonnes=Decimal(tonnes),
                    invoice_no=f"RL2021{on:%m%d}",
                )
        else:
            season_use_record(
                actor=actor,
                household=household,
                season="2021-2022",
                **({"gas_m3": use} if method == "gas" else {"fuel_tonnes": use}),
            )
        if serial == 52:
            household_correct(
                actor=actor, household=household, reason="户籍核对后家庭人口为 4 人（示例）", members=4
            )
    # A household registered at an address already in the ledger, without its device yet: the town's check finds
    # it, and 住建局's to-dos list the missing device.
    household_register(
        actor=actor,
        division=hekou,
        id_number=demo_id_number("370322196405080", 55),
        name="高振西（示例）",
        address="高家（示例）",
        method="gas",
        members=2,
    )
    public_institution_set(
        actor=actor,
        name="青城镇河口村卫生室（示例）",
        division=hekou,
        heated_area_m2=Decimal("320"),
        accepted_on=dt.date(2021, 11, 10),
    )
    for stage, on in (
        ("town_initial", dt.date(2021, 10, 25)),
        ("county_application", dt.date(2021, 10, 27)),
        ("third_party", dt.date(2021, 11, 10)),
    ):
        acceptance_record(
            actor=actor, plan=plan, stage=stage, passed=True, decided_on=on, findings="符合验收规范（示例）"
        )
    # B11: 青城镇 finished the inspection of the equipment installed since 2017 (the other towns have not).
    inspection_record(
        actor=actor,
        town=hekou.parent.parent,
        done_on=dt.date(2021, 9, 26),
        households_checked=86,
        findings="检查2017—2020年改造户燃气壁挂炉与管线，更换老化软管12处（示例）",
    )
    for period in ("2021", "2021-2022"):
        entitlements_compute(actor=actor, period=period)
        claims_build(actor=actor, period=period)
    notes = [
        "清洁取暖：2 个村改造计划、5 户台账（含抄表、燃料购买与更正记录），2021 年设备补贴与 2021-2022 采暖季补贴"
        "已核算并提交财政局。"
    ]
    finance = User.objects.filter(username="caizheng").first()
    household_claim = Claim.objects.filter(period="2021-2022", payee="household", status="draft").first()
    if finance is not None and household_claim is not None:
        # 财政局 sends one claim back, so 住建局 sees the notice and the urgent to-do in the demo.
        claim_return(
            actor=finance, claim=household_claim, reason="请附各户 2021-2022 采暖季抄表单与燃料票据（示例）"
        )
        notes.append("清洁取暖：财政局退回 2021-2022 采暖季改造户补贴申领 1 项（示例）。")
    return notes
