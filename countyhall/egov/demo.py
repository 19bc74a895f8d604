"""Demo data of the e-government yearly cycle: the bodies 1号 names (budget units, 县保密局, 县政府, a third-party
review body, 县审计局, the trading centre) with one user each, plan year 2022 with its approved plan (compiled in the
autumn of 2021, so those steps run on their own business dates) and plan year 2023 with applications at every stage
up to the annual plan. Everything goes through the services, so the demo is audited like real data."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.test import override_settings

from countyhall.core.demo import demo_password
from countyhall.core.models import Division, Organisation, RoleGrant, User
from countyhall.core.roles import Role
from countyhall.core.services.divisions import organisation_upsert
from countyhall.egov import demo_performance, services
from countyhall.egov.models import PlanYear

ORGANISATIONS = [
    ("高青县教育和体育局", "县教体局", "department"),
    ("高青县卫生健康局", "县卫健局", "department"),
    ("高青县保密局", "县保密局", "department"),
    ("淄博市公共资源交易中心高青分中心", "县公共资源交易中心", "department"),
    ("山东示例信息工程评审中心（示例）", "示例评审中心", "other"),
]
USERS = [
    ("jiaoti", "教体局信息化专员（示例）", "高青县教育和体育局", Role.BUDGET_UNIT),
    ("weijian", "卫健局信息化专员（示例）", "高青县卫生健康局", Role.BUDGET_UNIT),
    ("baomi", "保密局工作人员", "高青县保密局", Role.SECRECY),
    ("xianzhengfu", "县政府办公室工作人员", "高青县人民政府办公室", Role.COUNTY_GOVERNMENT),
    ("pingshen", "第三方评审机构（示例）", "山东示例信息工程评审中心（示例）", Role.EGOV_REVIEWER),
    ("shenjiju", "审计局工作人员", "高青县审计局", Role.AUDIT_OFFICE),
    ("jiaoyi", "交易中心工作人员", "淄博市公共资源交易中心高青分中心", Role.TRADING_CENTRE),
]
NO = {str(kind): False for kind in range(1, 9)}


def _pdf(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo\n", name=name)


def _users(actor) -> dict[str, User]:
    county = Division.objects.get(kind="county")
    for name, short, kind in ORGANISATIONS:
        organisation_upsert(actor=actor, name=name, short_name=short, kind=kind, division=county)
    users = {}
    for username, display, organisation, role in USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.display_name, user.organisation = display, Organisation.objects.get(name=organisation)
        user.set_password(demo_password(username))
        user.save()
        RoleGrant.objects.get_or_create(user=user, role=role)
        users[username] = user
    for username in ("dashuju", "caizheng", "fagai"):
        users[username] = User.objects.get(username=username)
    return users


def _apply(unit, year, *, name, amount, documents=True, **values):
    fields = {
        "has_engineering": True,
        "funding": "fiscal_full",
        "declaration": dict(NO),
        "migration_status": "completed",
        "supports_sharing_platform": True,
        "provides_info_per_rules": True,
        "sharing_needs_specified": True,
        **values,
    }
    application = services.application_create(
        actor=unit, plan_year=year, name=name, planned_investment=amount, **fields
    )
    if documents:
        for number in (1, 2, 3):
            services.document_upload(
                actor=unit, application=application, attachment=number, file=_pdf(f"附件{number}（示例）.pdf")
            )
    return application


def _review(users, application, *, approved: str, steps: int = 5, report=True, sign=True, **start):
    reviewer = users["pingshen"].organisation
    review = services.review_start(
        actor=users["dashuju"],
        application=application,
        migration_completed_as_required=True,
        reviewer=reviewer,
        **start,
    )
    if not review.admissible:
        return review
    if review.mode == "onsite":
        for step in range(1, steps + 1):
            services.onsite_step_record(
                actor=users["dashuju"],
                review=review,
                step=step,
                # Not before the application (onsite_step_record refuses that): plan year 2023's is the day it came.
                held_on=dt.date(2021, 11, 10)
                if application.plan_year.year == 2022
                else review.application.submitted_on,
                speakers=("申报单位", "评审专家组", "县财政局", "县大数据局", "评审组")[step - 1],
                summary="（示例）意见与讨论",
            )
        if steps < 5:
            return review
    if not report:
        return review
    services.report_upload(
        actor=users["pingshen"],
        review=review,
        file=_pdf("评审报告（示例）.pdf"),
        conclusion="建设方案基本可行，建议支持（示例）",
    )
    if sign:
        services.sign_technical(
            actor=users["dashuju"], review=review, supported=True, opinion="技术方案可行（示例）"
        )
        services.sign_fiscal(
            actor=users["caizheng"],
            review=review,
            supported=True,
            opinion="投资测算合理（示例）",
            approved_investment=approved,
        )
    return review


ACCEPTANCE_MATERIALS = (
    # Entered as an administrator would from the published 附件7 (not printed in the gazette); demo wording.
    "竣工验收申请报告（示例）",
    "初步验收报告（示例）",
    "软件测试报告（示例）",
    "信息安全风险评估报告（示例）",
    "试运行报告及相关数据资料（示例）",
)


def _construction(users, campus, clinic, exams) -> None:
    """The 2022 plan's three projects in the demo's June 2022: the campus platform under construction with a major
    problem and 暂缓拨付 in force; the clinic system accepted preliminarily and its final acceptance clock overdue;
    the exam registration system through the whole course — accepted, settled by the settlement review, paid after
    acceptance and put into use (its acceptance report is the PDF of 三、（四）)."""
    bigdata, finance, trading, government = (
        users["dashuju"],
        users["caizheng"],
        users["jiaoyi"],
        users["xianzhengfu"],
    )
    with override_settings(BUSINESS_DATE=dt.date(2022, 1, 10)):
        items = [services.checklist_item_add(actor=bigdata, name=name).pk for name in ACCEPTANCE_MATERIALS]
        for application, contractor, amount in (
            (campus, "山东示例软件有限公司（示例）", "1120000.00"),
            (clinic, "淄博示例医疗信息有限公司（示例）", "440000.00"),
            (exams, "山东示例软件有限公司（示例）", "370000.00"),
        ):
            unit = application.unit.users.first()
            procurement = services.procurement_submit(
                actor=unit, application=application, file=_pdf("采购文件.pdf")
            )
            services.procurement_review(
                actor=bigdata, procurement=procurement, approved=True, opinion="同意采购（示例）"
            )
            services.procurement_record(
                actor=trading,
                procurement=procurement,
                contractor=contractor,
                contract_amount=amount,
                procured_on=dt.date(2022, 1, 10),
            )
            services.construction_start(
                actor=unit,
                application=application,
                started_on=dt.date(2022, 1, 10),
                planned_acceptance_on=dt.date(2022, 6, 30),
            )
            services.payment_record(
                actor=finance,
                application=application,
                kind="progress",
                amount="200000.00",
                paid_on=dt.date(2022, 1, 10),
            )
        services.cloud_request_submit(
            actor=campus.unit.users.first(),
            application=campus,
            kind="new",
            resources="8核16G云主机2台、500G存储（示例）",
            file=_pdf("附件4.pdf"),
        )
    with override_settings(BUSINESS_DATE=dt.date(2022, 3, 15)):
        inspection = services.inspection_record(
            actor=bigdata,
            application=campus,
            inspected_on=dt.date(2022, 3, 15),
            participants="县财政局、县审计局、技术支撑单位（示例）",
            scope="建设进度、质量和资金使用（示例）",
            findings=[
                {
                    "description": "未经批准改变主要功能模块（示例）",
                    "major": True,
                    "rectify_by": dt.date(2022, 7, 15),
                },
                {"description": "项目文档不全（示例）", "major": False, "rectify_by": dt.date(2022, 4, 15)},
            ],
        )
        major = inspection.findings.get(major=True)
        sanction = services.sanction_propose(
            actor=bigdata, finding=major, kind="暂缓拨付", reason="擅自改变建设内容，整改前暂缓拨付（示例）"
        )
        services.sanction_decide(
            actor=government, sanction=sanction, approved=True, reference="高政字〔2022〕示例号"
        )
    health = clinic.unit.users.first()
    with override_settings(BUSINESS_DATE=dt.date(2022, 5, 5)):
        services.preliminary_acceptance_record(
            actor=health,
            application=clinic,
            new_software=True,
            trial_start_on=dt.date(2022, 2, 1),
            accepted_on=dt.date(2022, 5, 5),
            testing_body="山东示例软件评测中心（示例）",
            test_report=_pdf("测试报告.pdf"),
            security_assessment=_pdf("安全风险评估报告.pdf"),
        )
        services.final_acceptance_apply(actor=health, application=clinic, received=items)
    _accepted_and_settled(users, exams, items)


def _accepted_and_settled(users, exams, items) -> None:
    """A project at the end of 三、（四）: an upgrade of existing software (no three-month trial run), its final
    acceptance passed within the 20 working days, the settlement review recorded and the payment after acceptance
    within it, then put into use."""
    unit, bigdata, finance = exams.unit.users.first(), users["dashuju"], users["caizheng"]
    with override_settings(BUSINESS_DATE=dt.date(2022, 3, 1)):
        services.preliminary_acceptance_record(
            actor=unit,
            application=exams,
            new_software=False,
            trial_start_on=dt.date(2022, 2, 14),
            accepted_on=dt.date(2022, 3, 1),
            testing_body="山东示例软件评测中心（示例）",
            test_report=_pdf("测试报告.pdf"),
            security_assessment=_pdf("安全风险评估报告.pdf"),
        )
    with override_settings(BUSINESS_DATE=dt.date(2022, 3, 7)):
        acceptance = services.final_acceptance_apply(actor=unit, application=exams, received=items)
    with override_settings(BUSINESS_DATE=dt.date(2022, 3, 21)):
        services.final_acceptance_decide(
            actor=bigdata,
            acceptance=acceptance,
            key_params_match_plan=True,
            catalogue_on_sharing_platform=True,
            report_number="高大数验〔2022〕示例号",
        )
    with override_settings(BUSINESS_DATE=dt.date(2022, 4, 20)):
        services.settlement_review_record(
            actor=finance,
            application=exams,
            reviewer="山东示例工程造价咨询有限公司（示例）",
            commissioned_on=dt.date(2022, 3, 25),
            completed_on=dt.date(2022, 4, 20),
            settled_amount="365000.00",
            conclusion="结算审定金额365,000.00元（示例）",
        )
    with override_settings(BUSINESS_DATE=dt.date(2022, 4, 25)):
        services.payment_record(
            actor=finance,
            application=exams,
            kind="post_acceptance",
            amount="165000.00",
            paid_on=dt.date(2022, 4, 25),
        )
        services.project_put_into_use(actor=unit, application=exams, on=dt.date(2022, 4, 25))


def load(*, actor) -> list[str]:
    if PlanYear.objects.exists():
        return ["电子政务项目演示数据已存在，未重复加载。"]
    users = _users(actor)
    edu, health = users["jiaoti"], users["weijian"]
    # Plan year 2022: applied for by 2021-09-30, reviewed in November, the plan approved in December 2021.
    with override_settings(BUSINESS_DATE=dt.date(2021, 9, 20)):
        year22 = services.plan_year_open(actor=users["dashuju"], year=2022)
        campus = _apply(edu, year22, name="智慧校园管理平台（示例）", amount="1200000.00")
        clinic = _apply(
            health, year22, name="基层卫生信息系统升级（示例）", amount="450000.00", has_service=True
        )
        network = _apply(
            health,
            year22,
            name="卫健系统业务专网（示例）",
            amount="300000.00",
            declaration={**NO, "2": True},
            special_circumstance_reasons="需独立专网（示例）",
        )
        exams = _apply(edu, year22, name="教育考试报名系统升级（示例）", amount="380000.00")
        for application in (campus, clinic, network, exams):
            services.application_submit(actor=application.unit.users.first(), application=application)
    with override_settings(BUSINESS_DATE=dt.date(2021, 11, 10)):
        services.application_assess(
            actor=users["dashuju"],
            application=campus,
            technically_complex=False,
            consulting_firm="山东示例工程咨询有限公司（示例）",
            consulting_review_on=dt.date(2021, 8, 2),
            consulting_procured_on=dt.date(2021, 8, 20),
        )
        _review(users, campus, approved="1150000.00")
        _review(users, clinic, approved="450000.00")
        _review(users, exams, approved="370000.00")
        _review(
            users, network, approved="300000.00"
        )  # refused at the gate: kind (2), no special circumstance
    with override_settings(BUSINESS_DATE=dt.date(2021, 12, 28)):
        plan22 = services.plan_compile(actor=users["dashuju"], plan_year=year22)
        services.plan_approve(
            actor=users["xianzhengfu"], plan=plan22, reference="高青县人民政府常务会议纪要（示例）"
        )
    _construction(users, campus, clinic, exams)
    # Plan year 2023, in the demo's June 2022: a late one for 2022, a draft, a submitted, a classified, an on-site
    # review half-way, a report awaiting the signatures and one with its 审核意见.
    year23 = services.plan_year_open(actor=users["dashuju"], year=2023)
    late = _apply(edu, year22, name="教育资源公共服务平台（示例）", amount="200000.00")
    services.application_submit(actor=edu, application=late)  # 2022-06-15 for plan year 2022: refused as late
    _apply(edu, year23, name="校园安全视频联网（示例）", amount="600000.00", documents=False)
    services.application_submit(
        actor=health, application=_apply(health, year23, name="全民健康信息平台（示例）", amount="900000.00")
    )
    services.application_submit(
        actor=edu,
        application=_apply(
            edu, year23, name="考务保密指挥系统（示例）", amount="350000.00", classified=True, documents=False
        ),
    )
    onsite = _apply(
        health, year23, name="互联网医院平台（示例）", amount="1800000.00", major_county_project=True
    )
    services.application_submit(actor=health, application=onsite)
    services.application_assess(
        actor=users["dashuju"],
        application=onsite,
        technically_complex=True,
        reason="多院区数据融合（示例）",
        consulting_firm="山东示例工程咨询有限公司（示例）",
    )
    _review(users, onsite, approved="1700000.00", steps=2)
    signing = _apply(edu, year23, name="教师发展数字档案（示例）", amount="250000.00", has_service=True)
    services.application_submit(actor=edu, application=signing)
    _review(users, signing, approved="250000.00", sign=False)
    done = _apply(health, year23, name="预防接种管理系统（示例）", amount="380000.00")
    services.application_submit(actor=health, application=done)
    _review(users, done, approved="360000.00")
    performance_lines = demo_performance.load(users)
    return [
        f"电子政务项目：{year22}（年度计划已审定，三个项目：一个暂缓拨付，一个竣工验收超期，一个已验收、结算并投入使用）、"
        f"{year23}（各环节的申报）；演示账号 " + "、".join(username for username, *_ in USERS),
        *performance_lines,
    ]
