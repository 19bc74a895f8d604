"""In-app notices of the 助餐服务系统: who is told when a settlement moves (issue 12, 通知到人).

Each notice goes to an organisation's inbox through core.notifications.notify, in the caller's transaction
(a rolled-back approval tells nobody). The county departments are found as the organisations of the people
holding the role, so a test county and the demo county both work without a configured list.
"""

from __future__ import annotations

from countyhall.core.clock import format_local
from countyhall.core.models import Organisation
from countyhall.core.notifications import notify
from countyhall.core.roles import Role


def role_organisations(role: str) -> list[Organisation]:
    return list(Organisation.objects.filter(users__role_grants__role=role, users__is_active=True).distinct())


def _send(organisation: Organisation, subject: str, body: str, source) -> None:
    notify(
        channel="in_app",
        recipient=str(organisation),
        organisation=organisation,
        subject=subject,
        body=body,
        source=source,
    )


def tell_operator(settlement, subject: str, body: str) -> None:
    _send(settlement.facility.operator, subject, body, settlement)


def tell_role(role: str, subject: str, body: str, source) -> None:
    for organisation in role_organisations(role):
        _send(organisation, subject, body, source)


def settlement_sent_back(settlement, *, by: str, reason: str, when) -> None:
    tell_operator(
        settlement,
        f"结算单已退回：{settlement.facility.name} {settlement.period_label}",
        f"{by}于 {format_local(when)} 退回{settlement.facility.name}{settlement.period_label}结算单"
        f"（编号 {settlement.statement_number}），原因：{reason}。请更正午餐登记后重新提交。",
    )
    if by.startswith("财政"):
        # 财政's send-back returns the statement to 民政's desk as well: it is a draft again.
        tell_role(
            Role.CIVIL_AFFAIRS,
            f"财政局退回结算单：{settlement.facility.name} {settlement.period_label}",
            f"财政局于 {format_local(when)} 退回{settlement.facility.name}{settlement.period_label}结算单，"
            f"原因：{reason}。结算单已回到待民政局审核。",
            settlement,
        )


def settlement_resubmitted(settlement, *, note: str, when) -> None:
    tell_role(
        Role.CIVIL_AFFAIRS,
        f"结算单已重新提交：{settlement.facility.name} {settlement.period_label}",
        f"{settlement.facility.name}于 {format_local(when)} 重新提交{settlement.period_label}结算单"
        f"（编号 {settlement.statement_number}）{('：' + note) if note else ''}，请重新计算并审核。",
        settlement,
    )


def settlement_approved(settlement, *, when) -> None:
    label = f"{settlement.facility.name} {settlement.period_label}"
    if settlement.locked:
        tell_operator(
            settlement,
            f"结算单已审定：{label}",
            f"财政局于 {format_local(when)} 审定{label}结算单（编号 {settlement.statement_number}），"
            f"市县补贴合计 ¥{settlement.subsidy_total}，结算单已锁定。",
        )
    else:
        tell_operator(
            settlement,
            f"结算单已通过民政局审核：{label}",
            f"县民政局于 {format_local(when)} 审核通过{label}结算单（编号 {settlement.statement_number}），"
            "待财政局审定。",
        )
        tell_role(
            Role.FINANCE,
            f"待审定的结算单：{label}",
            f"县民政局于 {format_local(when)} 审核通过{label}结算单（编号 {settlement.statement_number}），"
            f"市县补贴合计 ¥{settlement.subsidy_total}，请财政局审定。",
            settlement,
        )
