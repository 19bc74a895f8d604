"""Demo data for the approval system on the demo business date (2022-06-15): stage configuration, an industrial
project half-way with one late department, a residential project waiting on 补正, a finished project whose
elderly-care rooms are overdue for hand-over, a blacklisted firm, and last month's progress report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from countyhall.core.models import Division, Organisation, User
from countyhall.core.services.policy import governed_refresh, policy_change_approve, policy_change_propose
from countyhall.permits.models import Project, StageLimit
from countyhall.permits.policy import stage_limit_key
from countyhall.permits.services import (
    assessment_record,
    case_accept,
    case_decide,
    clock_sweep,
    commitment_accept,
    credit_record_add,
    elderly_care_step_record,
    elderly_care_steps_due,
    fees_record,
    permit_stage_apply,
    permit_stage_submit,
    progress_report_submit,
    project_correct,
    project_register,
    residential_record,
    review_give,
    stage_limit_set,
)

D = dt.date
BASIS = "演示配置：审批流程图未刊印，阶段时限由管理员据实录入（示例）"
# stage: (working days, lead, participants, items, materials)
STAGES = {
    "立项用地规划许可": (
        10,
        "县自然资源局",
        ["县发改局", "县行政审批服务局"],
        "项目审批核准（备案）\n选址意见书核发\n建设用地规划许可证核发、国有建设用地使用权划拨批准（合并办理）",
        "项目申请表\n用地红线图\n土地出让合同",
    ),
    "工程建设许可": (
        15,
        "县住建局",
        ["县自然资源局", "县人防办"],
        "设计方案审查\n施工图设计文件审查（含消防、人防设计审查）\n建设工程规划许可证核发",
        "用地红线图\n设计方案\n施工图设计文件",
    ),
    "施工许可": (
        10,
        "县行政审批服务局",
        ["县住建局"],
        "建筑工程施工许可证核发、质量监督、安全监督、消防设计审查（合并办理）",
        "施工合同\n施工图设计文件\n建设规费缴费凭证",
    ),
    "竣工验收": (
        10,
        "县住建局",
        ["县自然资源局", "县人防办"],
        "规划、土地、消防、人防、档案等联合验收\n竣工验收备案",
        "竣工验收报告\n竣工图",
    ),
}


def _files(names):
    return {
        name: ContentFile(f"{name}（演示材料，非真实文件）".encode(), name=f"{name}.txt") for name in names
    }


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _approve(case, on, *, conditions: dict | None = None):
    for review in case.reviews.select_related("department"):
        user = User.objects.filter(organisation=review.department).first()
        opinion = (
            "approve_with_conditions" if conditions and str(review.department) in conditions else "approve"
        )
        review_give(
            actor=user,
            case=case,
            opinion=opinion,
            reasons=(conditions or {}).get(str(review.department), ""),
            on=on,
        )
    lead = User.objects.filter(organisation=case.lead).first()
    return case_decide(actor=lead, case=case, approve=True, on=on)


@transaction.atomic
def load(*, actor: str) -> list[str]:
    if Project.objects.exists():
        return ["工程建设项目审批演示数据已存在，未重复加载。"]
    orgs = {o.short_name or o.name: o for o in Organisation.objects.all()}
    # The stages' description by the program's administrator; their limits are governed figures, proposed by one
    # system administrator and approved by the second (four eyes), in force from the day 3号's limits apply.
    proposer, approver = User.objects.get(username="admin"), User.objects.get(username="admin2")
    for category in ("social_industrial", "social_civil"):
        for stage, (days, lead, participants, items, materials) in STAGES.items():
            stage_limit_set(
                actor=actor,
                category=category,
                stage=stage,
                lead=orgs[lead],
                participants=[orgs[p] for p in participants],
                basis=BASIS,
                items=items,
                materials=materials,
            )
            for figure, value in (
                ("working_days", days),
                ("review_working_days", days - 3 if days > 5 else None),
            ):
                if value is None:
                    continue
                change = policy_change_propose(
                    actor=proposer,
                    kind="parameter",
                    value=value,
                    key=stage_limit_key(category, stage, figure),
                    valid_from=dt.date(2021, 8, 9),
                    reason=f"演示：{BASIS}",
                )
                policy_change_approve(actor=approver, change=change, note="演示：已核对流程图")
    governed_refresh(force=True)  # the cases below are applied for in this same transaction
    site = (
        Division.objects.get(code="370322001001")
        if Division.objects.filter(code="370322001001").exists()
        else Division.objects.filter(kind="town").first()
    )
    window = _user("shenpi")
    industrial_firm, housing_firm = orgs["示例新材料"], orgs["示例置业"]

    # 1. An industrial project: 立项 approved in May, 工程建设许可 in review, 县人防办 late.
    plant = project_register(
        actor=window,
        code="2022-370322-26-03-000123",
        name="年产2万吨新材料项目厂房（示例）",
        category="social_industrial",
        site=site,
        applicant=industrial_firm,
        investment=Decimal("12000.00"),
        legal_representative="王示例",
        project_manager="刘示例",
        contact_phone="0533-0000000",
    )
    first = permit_stage_apply(
        actor=_user("qiye"),
        project=plant,
        stage="立项用地规划许可",
        on=D(2022, 5, 9),
        files=_files(STAGES["立项用地规划许可"][4].splitlines()),
    )
    case_accept(actor=_user("ziran"), case=first, on=D(2022, 5, 10))
    _approve(first, D(2022, 5, 20))
    assessment_record(
        actor=window,
        project=plant,
        kind="地震安全性评价",
        completed_on=D(2022, 5, 19),
        reference="淄震安评〔2022〕12号（示例）",
    )
    second = permit_stage_apply(
        actor=_user("qiye"),
        project=plant,
        stage="工程建设许可",
        on=D(2022, 5, 20),
        files=_files(["设计方案", "施工图设计文件"]),
    )
    case_accept(actor=_user("zhujian"), case=second, on=D(2022, 5, 23))
    review_give(actor=_user("ziran"), case=second, opinion="approve", on=D(2022, 6, 2))
    review_give(
        actor=_user("zhujian"),
        case=second,
        opinion="approve_with_conditions",
        reasons="消防车道宽度按审查意见调整（示例）",
        on=D(2022, 6, 6),
    )

    # 2. A residential project: 350 households, 立项 waiting on the applicant's 补正.
    garden = project_register(
        actor=window,
        code="2022-370322-70-03-000456",
        name="清河花园住宅小区（示例）",
        category="social_civil",
        site=site,
        applicant=housing_firm,
        households=350,
        investment=Decimal("36000.00"),
    )
    residential_record(actor=window, project=garden, households=350, elderly_room_m2=Decimal("72.00"))
    garden_case = permit_stage_submit(
        actor=window,
        project=garden,
        stage="立项用地规划许可",
        accepted_on=D(2022, 6, 8),
        files=_files(STAGES["立项用地规划许可"][4].splitlines()),
    )
    review_give(
        actor=_user("ziran"),
        case=garden_case,
        opinion="request_correction",
        reasons="用地红线图坐标与出让合同不一致，请补正（示例）",
        on=D(2022, 6, 10),
    )

    # 3. A finished residential project: completion filed on 2022-02-28, rooms not yet handed to 民政 (C12).
    old = project_register(
        actor=window,
        code="2021-370322-70-03-000789",
        name="锦绣家园二期（示例）",
        category="social_civil",
        site=site,
        applicant=housing_firm,
        households=120,
    )
    residential_record(actor=window, project=old, households=120, elderly_room_m2=Decimal("24.00"))
    accepted = D(2021, 9, 1)
    for stage, (_, _, _, _, materials) in STAGES.items():
        if stage == "工程建设许可":
            assessment_record(
                actor=window, project=old, kind="地震安全性评价", completed_on=accepted, reference="示例"
            )
        if stage == "施工许可":
            for kind in ("环境影响评价", "文物影响评价", "节能评价", "水土保持方案"):
                assessment_record(
                    actor=window, project=old, kind=kind, completed_on=accepted, reference="示例"
                )
            fees_record(actor=window, project=old, paid_on=accepted, proof="JF2021-0789（示例）")
        on_file = {m.name for m in old.materials.all()}
        case = permit_stage_submit(
            actor=window,
            project=old,
            stage=stage,
            accepted_on=accepted,
            files=_files([m for m in materials.splitlines() if m not in on_file]),
        )
        # 35号 一、（一）1–2: 民政 and the town consulted in writing before the scheme review, invited to acceptance.
        for kind, party in elderly_care_steps_due(old, stage=stage, on=accepted):
            elderly_care_step_record(
                actor=window,
                project=old,
                kind=kind,
                party=party,
                sent_on=accepted,
                reference=f"高审批函〔2021〕{accepted.month}号（示例）",
                answered_on=accepted + dt.timedelta(days=3),
                opinion="同意（示例）",
            )
        case = _approve(case, accepted + dt.timedelta(days=7))
        if stage == "施工许可":
            commitment_accept(
                actor=window,
                case=case,
                item="开工前补交施工现场扬尘治理方案（示例）",
                area="general",
                committed_on=case.decided_on,
                check_due=case.decided_on + dt.timedelta(days=30),
            )
        accepted = case.decided_on + dt.timedelta(days=14 if stage != "施工许可" else 120)
    residential_record(
        actor=window,
        project=old,
        households=120,
        elderly_room_m2=Decimal("24.00"),
        completion_filed_on=D(2022, 2, 28),
    )

    # 4. The firm qiye's own to-dos: a 补正 requested on one project, another application waiting to be accepted.
    lab = project_register(
        actor=window,
        code="2022-370322-26-03-000321",
        name="新材料研发中心（示例）",
        category="social_industrial",
        site=site,
        applicant=industrial_firm,
        investment=Decimal("3000.00"),
        project_manager="孙示例",
        contact_phone="0533-0000001",
    )
    lab_case = permit_stage_apply(
        actor=_user("qiye"),
        project=lab,
        stage="立项用地规划许可",
        on=D(2022, 6, 6),
        files=_files(STAGES["立项用地规划许可"][4].splitlines()),
    )
    case_accept(actor=_user("ziran"), case=lab_case, on=D(2022, 6, 7))
    review_give(
        actor=_user("ziran"),
        case=lab_case,
        opinion="request_correction",
        reasons="用地红线图未加盖测绘单位公章，请补正（示例）",
        on=D(2022, 6, 13),
    )
    store = project_register(
        actor=window,
        code="2022-370322-59-03-000654",
        name="新材料仓储物流项目（示例）",
        category="social_industrial",
        site=site,
        applicant=industrial_firm,
        investment=Decimal("1800.00"),
    )
    permit_stage_apply(
        actor=_user("qiye"),
        project=store,
        stage="立项用地规划许可",
        on=D(2022, 6, 14),
        files=_files(STAGES["立项用地规划许可"][4].splitlines()),
    )
    # A correction kept in the project's history (never an erasure).
    project_correct(
        actor=window, project=plant, reason="按备案证更正总投资（示例）", investment=Decimal("12500.00")
    )

    credit_record_add(
        actor=window,
        practitioner="赵某（示例）",
        reason="unpaid_wages",
        detail="拖欠农民工工资，经人社部门认定（示例）",
        listed_on=D(2022, 3, 1),
    )
    progress_report_submit(
        actor=_user("ziran"), lead=orgs["县自然资源局"], year=2022, month=5, on=D(2022, 5, 24)
    )
    sweep = clock_sweep(actor=actor, on=D(2022, 6, 15))
    configured = StageLimit.objects.count()
    return [
        f"工程建设项目审批：{configured} 个阶段配置、5 个项目（含逾期未出具意见、待补正和待受理事项）、"
        f"时限提醒 {sweep['reminder']} 条、督办 {sweep['escalation']} 条。企业账号 qiye 可查看本企业项目。"
    ]
