"""Demo data of operation and performance (1号 三、（五）, 四、): the two administered figures entered by one system
administrator and approved by the second (a 100-point scale; ranked from 2 assessed projects), the O&M of plan year
2022's projects, their evaluations (one poor, rectified and still poor: a next-year recommendation waiting for
县大数据局) and the assessment of the units that built, supervised, advised on and maintain them."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings

from countyhall.core.models import User
from countyhall.core.services.policy import governed_refresh, policy_change_approve, policy_change_propose
from countyhall.egov import performance
from countyhall.egov.models import Application

FIGURES = (
    ("egov.performance.scale_max", 100, "演示：县大数据局印发的绩效评估评分表（示例）满分100分"),
    ("egov.rating.min_projects", 2, "演示：评估考核满2个项目的单位参与排名（示例）"),
)
CONTRACTOR, OTHER_CONTRACTOR = "山东示例软件有限公司（示例）", "淄博示例信息技术有限公司（示例）"
SUPERVISOR, CONSULTANT = "山东示例工程监理有限公司（示例）", "山东示例工程咨询有限公司（示例）"
OPERATOR = "高青示例运维服务有限公司（示例）"


def _figures() -> None:
    proposer, approver = User.objects.get(username="admin"), User.objects.get(username="admin2")
    for key, value, reason in FIGURES:
        change = policy_change_propose(
            actor=proposer,
            kind="parameter",
            key=key,
            value=value,
            valid_from=dt.date(2021, 7, 20),
            reason=reason,
        )
        policy_change_approve(actor=approver, change=change, note="演示：已核对")
    governed_refresh(force=True)


def load(users) -> list[str]:
    _figures()
    bigdata = users["dashuju"]
    campus = Application.objects.get(name="智慧校园管理平台（示例）")
    clinic = Application.objects.get(name="基层卫生信息系统升级（示例）")
    with override_settings(BUSINESS_DATE=dt.date(2022, 3, 10)):
        performance.operation_record(
            actor=bigdata,
            application=campus,
            mode="cloud",
            provider=OPERATOR,
            contract_reference="政务云运维服务采购合同（示例）",
            start_on=dt.date(2022, 3, 1),
        )
        performance.operation_record(
            actor=users["weijian"],
            application=clinic,
            mode="unit",
            provider="高青县卫生健康局",
            start_on=dt.date(2022, 3, 1),
        )
        performance.evaluation_record(
            actor=bigdata,
            application=clinic,
            evaluated_on=dt.date(2022, 3, 10),
            score="52",
            progress="升级进度滞后约两个月（示例）",
            funds="资金按进度使用（示例）",
            operation="乡镇卫生院使用率低（示例）",
            effect="数据未按要求共享（示例）",
            verdict="poor",
            rectification_due=dt.date(2022, 5, 31),
        )
    with override_settings(BUSINESS_DATE=dt.date(2022, 6, 10)):
        performance.evaluation_record(
            actor=bigdata,
            application=campus,
            evaluated_on=dt.date(2022, 6, 1),
            score="88.5",
            progress="按计划推进（示例）",
            funds="资金使用规范（示例）",
            operation="运行平稳（示例）",
            effect="覆盖全县中小学（示例）",
            verdict="adequate",
        )
        performance.evaluation_record(
            actor=bigdata,
            application=clinic,
            round="after_rectification",
            evaluated_on=dt.date(2022, 6, 10),
            score="58",
            progress="仍未完成升级（示例）",
            funds="资金使用基本规范（示例）",
            operation="使用率仍低（示例）",
            effect="整改后仍未达到应有绩效（示例）",
            verdict="poor",
        )
        for application, kind, supplier, score in (
            (campus, "contractor", CONTRACTOR, "90"),
            (clinic, "contractor", CONTRACTOR, "70"),
            (clinic, "contractor", OTHER_CONTRACTOR, "85"),
            (campus, "supervisor", SUPERVISOR, "86"),
            (campus, "consultant", CONSULTANT, "92"),
            (campus, "operator", OPERATOR, "80"),
        ):
            performance.supplier_rate(
                actor=bigdata,
                application=application,
                kind=kind,
                supplier=supplier,
                score=score,
                rated_on=dt.date(2022, 6, 10),
                note="按合同履约（示例）",
            )
    return ["电子政务项目：运行维护、绩效评估（一项整改后仍绩效低下，待县大数据局确认）和参建单位评估考核"]
