"""Lunch check-in at the counter or a terminal, and corrections. A lunch is never deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from countyhall.canteens.access import can_record_lunches, can_terminal_check_in, can_void_lunch, is_terminal
from countyhall.canteens.models import (
    Elder,
    Facility,
    Lunch,
    Settlement,
    SettlementAdjustment,
    TekunStatus,
)
from countyhall.canteens.rules import FacilityTerms, lunch_terms
from countyhall.canteens.services.checks import elder_day_lock, lunch_recorded, lunch_voided
from countyhall.canteens.services.prices import lunch_price_on
from countyhall.core.access import require
from countyhall.core.actors import actor_user, as_actor
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.db import insert_row
from countyhall.core.errors import ServiceError
from countyhall.core.identity import IdNumberError, mask_id_number, parse_id_number
from countyhall.core.models import AuditEntry
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import audit_entry_build


@dataclass
class CheckIn:
    lunch: Lunch
    replayed: bool  # True when the idempotency key had been seen: nothing new was recorded

    @property
    def accepted(self) -> bool:
        return self.lunch.status == Lunch.Status.ACCEPTED


ELDER_LOOKUP_COLUMNS = """
    e.id, e.person_id, e.gaoqing_hukou, e.card_number, e.died_on, e.moved_away_on, e.registered_at, e.updated_at,
    p.birth_date AS lookup_birth_date, p.division_id AS lookup_residence_id, p.id_number AS lookup_id_number,
    (SELECT t.support FROM canteens_tekunstatus t WHERE t.elder_id = e.id AND t.valid_from <= %s
     AND (t.valid_to IS NULL OR t.valid_to >= %s) ORDER BY t.valid_from DESC LIMIT 1) AS tekun_support_on_date"""

# The check-in path is the platform's hottest: one indexed lookup per identifier kind, no ORM
# query building (which cost ten times the query itself), 特困 status answered in the same trip.
ELDER_LOOKUP_SQL = f"""
    SELECT 0 AS lookup_rank, {ELDER_LOOKUP_COLUMNS}
    FROM canteens_elder e JOIN core_person p ON p.id = e.person_id WHERE p.id_number = %s
    UNION ALL
    SELECT 1 AS lookup_rank, {ELDER_LOOKUP_COLUMNS}
    FROM canteens_elder e JOIN core_person p ON p.id = e.person_id WHERE e.card_number = %s
    ORDER BY lookup_rank"""


def _as_date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def elder_find_by_identifier(identifier: str, *, on: dt.date | None = None) -> Elder | None:
    """The counter finds an elder by the full ID number or the meal card, wherever the elder lives.

    The elder comes back with `birth_date`, `residence_id`, `tekun_on_date` and `tekun_support` (分散/集中供养,
    on `on`, default the business date) answered in the same query. An ID number wins over a card number.
    """
    value = (identifier or "").strip().upper()
    if not value:
        return None
    on = on or business_date()
    found = next(iter(Elder.objects.raw(ELDER_LOOKUP_SQL, [on, on, value, on, on, identifier.strip()])), None)
    if found is None:
        return None
    # Raw annotations are not converted by model fields: SQLite hands back text and integers.
    found.birth_date = _as_date(found.lookup_birth_date)
    found.residence_id = found.lookup_residence_id
    found.tekun_support = found.tekun_support_on_date
    found.tekun_on_date = found.tekun_support is not None
    return found


def _facility_terms(facility: Facility, elder: Elder) -> FacilityTerms:
    return FacilityTerms(
        type=facility.kind,
        setting=facility.setting,
        operator=facility.operator_kind,
        # A8: the canteen's own natural village (场所提供村).
        same_village=elder.residence_id == facility.division_id,
    )


def _refusal_for(facility: Facility, elder: Elder | None, meal_date: dt.date) -> tuple[str, str] | None:
    if elder is None:
        return "unknown", "查无此人：该身份证号或就餐卡号未登记为助餐老人。"
    if facility.revoked_on and facility.revoked_on <= meal_date:
        return (
            "facility_revoked",
            f"本机构已于 {chinese_date(facility.revoked_on)} 被取消运营资质，不能登记助餐。",
        )
    # A lunch entered late for a day before a revocation still counts: the facility was qualified then.
    if (
        facility.status not in (Facility.Status.FILED, Facility.Status.REVOKED)
        or facility.filed_on is None
        or facility.filed_on > meal_date
    ):
        return "facility_not_filed", "本机构尚未备案为高青县长者助餐服务机构，不能登记助餐。"
    if elder.died_on and elder.died_on <= meal_date:
        return "deceased", f"该老人已于 {chinese_date(elder.died_on)} 死亡，不能登记助餐。"
    if elder.moved_away_on and elder.moved_away_on <= meal_date:
        return "moved_away", f"该老人已于 {chinese_date(elder.moved_away_on)} 迁出，不能登记助餐。"
    return None


def _save_with_audit(actor, lunch: Lunch, note: str) -> None:
    """Store a new lunch and its audit row in one transaction, through the lean insert (core.db), with the fraud
    checks' figures it changes (services/checks.py: the elder's day locked first, the facility's day last)."""
    with transaction.atomic():
        elder_day_lock(lunch.elder_id)
        insert_row(lunch)
        insert_row(
            audit_entry_build(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                instance=lunch,
                after={
                    "status": lunch.status,
                    "facility": lunch.facility_id,
                    "elder": lunch.elder_id,
                    "meal_date": lunch.meal_date,
                    "reason_code": lunch.reason_code,
                    "city": lunch.city,
                    "county": lunch.county,
                    "elder_pays": lunch.elder_pays,
                },
                note=note,
            )
        )
        lunch_recorded(lunch)


class IdempotencyConflict(ServiceError):
    """The key was used before for a different check-in: replaying that answer would hide a mistake (API 409)."""

    def __init__(
        self,
        message: str = "该幂等键已用于内容不同的登记（机构、证件或就餐日期不同），请为新的登记使用新的幂等键。",
    ):
        super().__init__("idempotency_key", message)


class LateEntryNeeded(ServiceError):
    """The meal date is outside the back-dating window or in an approved period: 民政 must book it."""

    def __init__(self, message: str, *, why: str):
        super().__init__("meal_date", message)
        self.why = why


# A platform default, not a gazette figure (the opinion sets no back-dating limit): until 民政 enters
# 补录期限 on the settings page, a counter may record lunches up to this many days back.
# 补录期限 until an administrator has entered one (the platform's default, not a gazette figure): the figure is
# canteen.backdate_days, administered and governed (four eyes, core.services.policy).
DEFAULT_BACKDATE_DAYS = 3


def backdate_days(on: dt.date | None = None) -> int:
    """How many days back a counter may record lunches itself on `on` (today): the approved administered figure."""
    try:
        return ParameterTrace(on or business_date()).get("canteen.backdate_days")
    except NoPolicyInForce:
        return DEFAULT_BACKDATE_DAYS


def approved_settlement_for(facility_id: int, meal_date: dt.date) -> Settlement | None:
    """The month's (or the year's) statement once 民政 has approved it: its lunches can no longer change."""
    # The month's own statement first (PostgreSQL and SQLite sort NULL differently, so say it).
    return (
        Settlement.objects.filter(facility_id=facility_id, year=meal_date.year)
        .filter(Q(month=meal_date.month) | Q(month__isnull=True))
        .exclude(status=Settlement.Status.DRAFT)
        .order_by(F("month").asc(nulls_last=True))
        .first()
    )


def late_entry_reason(facility: Facility, meal_date: dt.date, today: dt.date) -> str | None:
    """Why the counter cannot record this date itself, or None. Cheap for today's lunches: no query."""
    if meal_date == today:
        return None
    days = backdate_days(today)
    if (today - meal_date).days > days:
        return f"就餐日期 {chinese_date(meal_date)} 超出补录期限（{days} 天）"
    # A settlement covers a closed month: only a date in an earlier month can sit in an approved one.
    if (meal_date.year, meal_date.month) != (today.year, today.month):
        settlement = approved_settlement_for(facility.pk, meal_date)
        if settlement is not None:
            return f"{settlement.period_label}结算单已{settlement.get_status_display()}"
    return None


def request_digest(facility_id: int, identifier: str, meal_date: dt.date) -> str:
    """What an idempotency key stands for: the same key may replay only the same facility, person and day."""
    body = f"{facility_id}|{(identifier or '').strip().upper()}|{meal_date.isoformat()}"
    return hashlib.sha256(body.encode()).hexdigest()


def _same_request(stored: Lunch, attempt: Lunch) -> bool:
    if stored.request_digest:
        return stored.facility_id == attempt.facility_id and stored.request_digest == attempt.request_digest
    # A lunch recorded before digests were kept: compare what it stored (the masked identifier).
    return (
        stored.facility_id == attempt.facility_id
        and stored.meal_date == attempt.meal_date
        and stored.presented_identifier == attempt.presented_identifier
    )


def _replay(attempt: Lunch) -> CheckIn:
    """The answer to a retried key: the stored lunch, if the retry asks for the same check-in."""
    lunch = Lunch.objects.select_related("elder", "facility").get(idempotency_key=attempt.idempotency_key)
    if not _same_request(lunch, attempt):
        raise IdempotencyConflict()
    return CheckIn(lunch=lunch, replayed=True)


def _allowed_to_record(actor, facility: Facility) -> bool:
    if is_terminal(actor):
        return can_terminal_check_in(actor, facility)
    if actor.is_system:
        return False
    return can_record_lunches(actor, facility)


# What a clerk typing a 身份证号 produces: 15 or more digits, perhaps ending in X. A card number (GQ0031, C001)
# never looks like this, so only such input is held to GB 11643 before anything is recorded.
ID_LIKE = re.compile(r"\d{15,}X?|\d{14,}X")


def identifier_problem(identifier: str) -> str | None:
    """A typo in a 身份证号 is a message to the clerk, not a stored refusal: the check digit (GB 11643) and the
    length are checked first. A card number of the same shape that is really issued still passes."""
    value = (identifier or "").strip().upper()
    if not value:
        return "请输入身份证号或就餐卡号。"
    if not ID_LIKE.fullmatch(value):
        return None
    try:
        parse_id_number(value)
    except IdNumberError as exc:
        if Elder.objects.filter(card_number=identifier.strip()).exists():
            return None
        return f"{exc}请核对后重新输入；本次未作任何登记。"
    return None


def lunch_check_in(
    *,
    actor,
    facility: Facility,
    identifier: str,
    meal_date: dt.date | None = None,
    idempotency_key: str | None = None,
    extra_label: str = "",
) -> CheckIn:
    """Record one lunch. A refusal is recorded too, with its reason; a retried request (same key) records nothing.

    The price is the facility's lunch price in force on the meal date (its price list), never the caller's;
    `extra_label` names a higher-standard or personalised meal of that price list (A10), charged separately.
    A date outside the back-dating window or in an approved period raises LateEntryNeeded.
    """
    actor = as_actor(actor)
    idempotency_key = (idempotency_key or "").strip() or None
    if idempotency_key and len(idempotency_key) > 80:
        raise ServiceError("idempotency_key", "幂等键不能超过 80 个字符。")
    # A retried key is caught by its unique constraint when the row is written (see below), which
    # spares every first attempt a lookup.
    require(_allowed_to_record(actor, facility), "您无权为该机构登记午餐。", field="facility")
    problem = identifier_problem(identifier)
    if problem:
        raise ServiceError("identifier", problem)
    today = business_date()
    meal_date = meal_date or today
    if meal_date > today:
        raise ServiceError("meal_date", "就餐日期不能晚于今天。")
    why = late_entry_reason(facility, meal_date, today)
    if why is not None:
        raise LateEntryNeeded(
            f"{why}，不能在登记台直接登记；请提交补录申请，由县民政局审核后计入下一结算期。", why=why
        )
    extra = _extra_item(facility, extra_label, meal_date)
    return _record(
        actor=actor,
        facility=facility,
        identifier=identifier,
        meal_date=meal_date,
        idempotency_key=idempotency_key,
        extra=extra,
    )


def _extra_item(facility: Facility, label: str, meal_date: dt.date) -> tuple[str, Decimal] | None:
    """The higher-standard meal named `label` in the facility's price list on the meal date, or a ServiceError."""
    label = (label or "").strip()
    if not label:
        return None
    from countyhall.canteens.models import PriceListEntry

    entry = (
        PriceListEntry.objects.filter(
            facility=facility, kind=PriceListEntry.Kind.HIGHER, label=label, valid_from__lte=meal_date
        )
        .order_by("-valid_from")
        .first()
    )
    if entry is None:
        raise ServiceError("extra_label", f"价目表中没有 {chinese_date(meal_date)} 有效的“{label}”，请核对。")
    return entry.label, entry.price


def policy_basis(result) -> dict:
    """What a stored figure keeps of its computation: each reading with the answer applied, and the approved
    policy changes behind it (core.models.PolicyChange)."""
    from countyhall.core.policy.basis import basis_of

    # readings with their answers, the approved changes and the version of every parameter read (issue 13)
    return basis_of(result)


def _record(
    *,
    actor,
    facility: Facility,
    identifier: str,
    meal_date: dt.date,
    idempotency_key: str | None,
    extra: tuple[str, Decimal] | None = None,
) -> CheckIn:
    digest = request_digest(facility.pk, identifier, meal_date)
    elder = elder_find_by_identifier(identifier, on=meal_date)
    terminal_id = getattr(actor, "terminal_id", None)
    price = lunch_price_on(facility.pk, meal_date)
    lunch = Lunch(
        facility=facility,
        elder=elder,
        meal_date=meal_date,
        recorded_by=actor_user(actor),
        terminal_id=terminal_id,
        idempotency_key=idempotency_key,
        request_digest=digest,
        price=price if price is not None else Decimal("0.00"),
        presented_identifier=mask_id_number(identifier.strip().upper()) if identifier else "",
    )
    refusal = _refusal_for(facility, elder, meal_date)
    if refusal is None:
        tekun = elder.tekun_on_date
        result = lunch_terms(
            birth_date=elder.birth_date,
            meal_date=meal_date,
            gaoqing_hukou=elder.gaoqing_hukou,
            tekun=tekun,
            tekun_support=elder.tekun_support or TekunStatus.Support.DISPERSED,
            facility=_facility_terms(facility, elder),
            price=lunch.price,
            extra_price=extra[1] if extra else None,
        )
        data = result.data
        lunch.age = data["age"]
        lunch.tekun = tekun
        lunch.citations = [c.as_dict() for c in sorted(set(result.citations))]
        lunch.readings = sorted(set(result.readings))
        lunch.policy_basis = policy_basis(result)
        if not data["eligible"]:
            refusal = (data["reason_code"], data["reason"])
        elif price is None:
            refusal = (
                "no_price",
                f"本机构价目表中没有 {chinese_date(meal_date)} 有效的午餐价格，不能登记；"
                "请运营方先在价目表中录入午餐价格。",
            )
        else:
            lunch.free = data["free"]
            # The subsidised lunch as served (a rural 分散特困 elder's is the meal standard) and what is charged
            # on top of it (A10): the budget columns add up to `price`.
            lunch.price = data["base_price"]
            lunch.extra_charge = data["extra_charge"]
            lunch.extra_label = extra[0] if extra and data["extra_charge"] else ""
            lunch.city, lunch.county = data["subsidy"]["city"], data["subsidy"]["county"]
            lunch.operator_discount, lunch.care_fund = data["operator_discount"], data["care_fund"]
            lunch.elder_pays, lunch.unfunded = data["elder_pays"], data["unfunded"]
            try:
                one_a_day = parameters().at("canteen.one_subsidised_lunch_per_day", meal_date)
            except NoPolicyInForce:
                one_a_day = None
            if one_a_day is not None:
                # A13 is recorded whichever answer is in force: the lunch says why it was (not) limited.
                lunch.citations.append(one_a_day.citation.as_dict())
                lunch.readings = sorted(set(lunch.readings) | {one_a_day.reading})
                lunch.policy_basis["readings"][one_a_day.reading] = one_a_day.answer or "adopted"
                lunch.policy_basis["parameters"]["canteen.one_subsidised_lunch_per_day"] = (
                    one_a_day.valid_from.isoformat()
                )
                if one_a_day.change_id is not None:
                    lunch.policy_basis["changes"] = sorted(
                        {*lunch.policy_basis["changes"], one_a_day.change_id}
                    )
            if one_a_day is not None and one_a_day.value:
                lunch.daily_subsidy_key = f"{elder.pk}:{meal_date.isoformat()}"
    if refusal is not None:
        return _record_refusal(actor, lunch, *refusal)
    try:
        lunch.status = Lunch.Status.ACCEPTED
        _save_with_audit(actor, lunch, "午餐登记")
        return CheckIn(lunch=lunch, replayed=False)
    except IntegrityError:
        # Either a concurrent retry with the same key, or A13: a subsidised lunch already today.
        if idempotency_key and Lunch.objects.filter(idempotency_key=idempotency_key).exists():
            return _replay(lunch)
        lunch.pk = None
        earlier = (
            Lunch.objects.select_related("facility").filter(daily_subsidy_key=lunch.daily_subsidy_key).first()
        )
        where = earlier.facility.name if earlier else "其他长者食堂"
        lunch.daily_subsidy_key = None
        lunch.city = lunch.county = lunch.operator_discount = lunch.care_fund = lunch.unfunded = Decimal("0")
        lunch.price = price
        lunch.elder_pays = lunch.price
        lunch.free = False
        return _record_refusal(
            actor,
            lunch,
            "already_had_lunch",
            f"该老人 {chinese_date(lunch.meal_date)} 已在“{where}”享受过一次午餐补贴（每人每日一次）。",
        )


def _record_refusal(actor, lunch: Lunch, code: str, reason: str) -> CheckIn:
    lunch.status = Lunch.Status.REFUSED
    lunch.reason_code, lunch.reason = code, reason
    lunch.daily_subsidy_key = None
    lunch.extra_charge, lunch.extra_label = Decimal("0"), ""
    lunch.city = lunch.county = lunch.operator_discount = lunch.care_fund = lunch.unfunded = Decimal("0")
    lunch.elder_pays = lunch.price
    try:
        _save_with_audit(actor, lunch, "午餐登记被拒绝：" + reason)
    except IntegrityError:
        if lunch.idempotency_key and Lunch.objects.filter(idempotency_key=lunch.idempotency_key).exists():
            return _replay(lunch)
        raise
    return CheckIn(lunch=lunch, replayed=False)


@transaction.atomic
def lunch_void(*, actor, lunch: Lunch, reason: str) -> Lunch:
    """Correct a wrongly recorded lunch: it stays, marked void; a settled one is reversed in a later period."""
    from countyhall.core.services.audit import audit_record, model_snapshot

    if not reason.strip():
        raise ServiceError("reason", "请写明作废原因。")
    lunch = (
        Lunch.objects.select_for_update(of=("self",))
        .select_related("settlement", "facility")
        .get(pk=lunch.pk)
    )
    if lunch.status != Lunch.Status.ACCEPTED:
        raise ServiceError("status", "只有已登记的午餐可以作废。")
    require(can_void_lunch(actor, lunch), "您无权更正该机构的午餐登记。")
    before = model_snapshot(lunch)
    settlement = lunch.settlement
    if settlement is not None and settlement.status == Settlement.Status.CIVIL_AFFAIRS_APPROVED:
        raise ServiceError(
            "settlement", f"该午餐所在的{settlement.period_label}结算单正在财政审核，审定后再以调整方式更正。"
        )
    if settlement is not None and settlement.locked:
        SettlementAdjustment.objects.create(
            facility=lunch.facility,
            lunch=lunch,
            original_settlement=settlement,
            city=-lunch.city,
            county=-lunch.county,
            care_fund=-lunch.care_fund,
            operator_discount=-lunch.operator_discount,
            elder_paid=-lunch.elder_pays,
            unfunded=-lunch.unfunded,
            reason=reason,
            created_by=actor,
        )
    elif settlement is not None:
        lunch.settlement = None
    lunch.status = Lunch.Status.VOIDED
    lunch.daily_subsidy_key = None
    lunch.voided_at, lunch.voided_by, lunch.void_reason = timezone.now(), actor, reason
    lunch.save()
    if settlement is not None and settlement.status == Settlement.Status.DRAFT:
        from .settlements import settlement_recount

        settlement_recount(settlement)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=lunch,
        before=before,
        after=model_snapshot(lunch),
        note="作废：" + reason,
    )
    lunch_voided(lunch)
    return lunch
