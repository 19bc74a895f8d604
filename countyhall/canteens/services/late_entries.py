"""Late entries: lunches the counter may not record itself (outside the back-dating window, or in a month
whose statement 民政 has approved). 民政 approves them into the next open period, or rejects them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from countyhall.canteens.access import can_decide_late_entry, can_request_late_entry, can_set_backdate_window
from countyhall.canteens.models import Facility, LateEntry, SettlementAdjustment
from countyhall.canteens.services.lunches import (
    _record,
    approved_settlement_for,
    elder_find_by_identifier,
    late_entry_reason,
)
from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date, business_now
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record, model_snapshot

BACKDATE_PARAMETER = "canteen.backdate_days"
# Far enough back for any correction of the policy period; a cap keeps a mistyped setting from opening
# the whole history to the counter.
MAX_BACKDATE_DAYS = 366


def backdate_window_set(*, actor, days: int, reason: str = "", valid_from: dt.date | None = None):
    """补录期限（天） is an administered figure under four eyes (decision 0010): setting it proposes a change of
    canteen.backdate_days from `valid_from` (tomorrow by default), which a second administrator approves on
    /policy/changes/ after reading its impact (canteens.policy). Returns the proposed core.models.PolicyChange."""
    from countyhall.core.services.policy import policy_change_propose

    require(
        can_set_backdate_window(as_actor(actor)), "补录期限由系统管理员提出调整，并经另一位系统管理员审核。"
    )
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_BACKDATE_DAYS:
        raise ServiceError("days", f"补录期限应为 0 到 {MAX_BACKDATE_DAYS} 之间的整数天数。")
    if len(reason or "") > 200:
        raise ServiceError("reason", "说明不能超过 200 个字。")
    start = valid_from or business_date() + dt.timedelta(days=1)
    return policy_change_propose(
        actor=actor,
        kind="parameter",
        key=BACKDATE_PARAMETER,
        value=days,
        valid_from=start,
        reason=reason or f"补录期限调整为 {days} 天",
    )


@transaction.atomic
def late_entry_request(
    *, actor, facility: Facility, identifier: str, meal_date: dt.date, reason: str
) -> LateEntry:
    actor = as_actor(actor)
    require(can_request_late_entry(actor, facility), "您无权为该机构提交补录申请。", field="facility")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请写明补录原因（如：当日网络中断，纸质登记表编号）。")
    if len(reason) > 300:
        raise ServiceError("reason", "补录原因不能超过 300 个字。")
    if not isinstance(meal_date, dt.date):
        raise ServiceError("meal_date", "请填写就餐日期。")
    today = business_date()
    if meal_date > today:
        raise ServiceError("meal_date", "就餐日期不能晚于今天。")
    why = late_entry_reason(facility, meal_date, today)
    if why is None:
        raise ServiceError("meal_date", "该日期仍在补录期限内，请直接在登记台登记。")
    elder = elder_find_by_identifier(identifier or "", on=meal_date)
    if elder is None:
        raise ServiceError("identifier", "查无此人：该身份证号或就餐卡号未登记为助餐老人。")
    if LateEntry.objects.filter(
        elder_id=elder.pk, meal_date=meal_date, status=LateEntry.Status.PENDING
    ).exists():
        raise ServiceError("meal_date", "该老人这一天已有待审核的补录申请。")
    entry = LateEntry.objects.create(
        facility=facility,
        elder_id=elder.pk,
        meal_date=meal_date,
        reason=reason,
        why_late=why,
        requested_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=entry,
        after=model_snapshot(entry),
        note=f"提交午餐补录申请：{why}",
    )
    return entry


@transaction.atomic
def late_entry_decide(*, actor, entry: LateEntry, approve: bool, reason: str) -> LateEntry:
    """Approve: the lunch is recorded with the terms of its meal date (price list, age, 特困 then); if its own
    period is approved already, the amounts are booked as an adjustment into the next open statement.
    Reject: nothing is recorded. Either way the decision and its reason are kept."""
    actor = as_actor(actor)
    entry = LateEntry.objects.select_for_update().select_related("facility", "elder__person").get(pk=entry.pk)
    require(can_decide_late_entry(actor, entry), "只有县民政局可以审核补录申请。")
    if entry.status != LateEntry.Status.PENDING:
        raise ServiceError("status", "该补录申请已审核。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请写明审核意见。")
    if len(reason) > 300:
        raise ServiceError("reason", "审核意见不能超过 300 个字。")
    before = model_snapshot(entry)
    if approve:
        checked = _record(
            actor=actor,
            facility=entry.facility,
            identifier=entry.elder.person.id_number,
            meal_date=entry.meal_date,
            idempotency_key=f"late-entry:{entry.pk}",
        )
        if not checked.accepted:
            # The refusal row is rolled back with this transaction: the entry stays pending, the reason shown.
            raise ServiceError("status", f"不能补录：{checked.lunch.reason}")
        lunch = checked.lunch
        settlement = approved_settlement_for(entry.facility_id, entry.meal_date)
        if settlement is not None:
            entry.adjustment = SettlementAdjustment.objects.create(
                facility=entry.facility,
                lunch=lunch,
                original_settlement=settlement,
                city=lunch.city,
                county=lunch.county,
                care_fund=lunch.care_fund,
                operator_discount=lunch.operator_discount,
                elder_paid=lunch.elder_pays,
                unfunded=lunch.unfunded,
                reason=f"补录申请 #{entry.pk}：{reason}",
                created_by=actor,
            )
        entry.lunch = lunch
        entry.status = LateEntry.Status.APPROVED
    else:
        entry.status = LateEntry.Status.REJECTED
    # Dated on the business date like the settlement it goes into; the audit row keeps the real clock.
    entry.decided_by, entry.decided_at, entry.decision_reason = actor, business_now(), reason
    entry.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=entry,
        before=before,
        after=model_snapshot(entry),
        note=("同意补录：" if approve else "不同意补录：") + reason,
    )
    return entry


def late_entries_for_user(user, *, status: str = ""):
    from countyhall.canteens.selectors import facility_list_for_user

    entries = LateEntry.objects.filter(facility__in=facility_list_for_user(user)).select_related(
        "facility", "elder__person", "requested_by", "decided_by", "lunch"
    )
    if status:
        entries = entries.filter(status=status)
    return entries.order_by("-requested_at", "-id")
