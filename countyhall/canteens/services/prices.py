"""A facility's dated price list (lunch price for the A6 subsidy; higher-standard meals of A10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction

from countyhall.canteens.access import can_set_prices
from countyhall.canteens.models import Facility, PriceListEntry
from countyhall.core.access import require
from countyhall.core.actors import actor_label, actor_user, as_actor
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record, model_snapshot

CENT = Decimal("0.01")
# A data-entry guard, not a policy figure: no lunch in the county costs this much, so such a figure is a
# typing error (the gazette sets no price; the operator does, A9/A10).
PRICE_TYPO_LIMIT = Decimal("999.99")

PRICE_SQL = (
    "SELECT price FROM canteens_pricelistentry WHERE facility_id = %s AND kind = 'lunch' "
    "AND valid_from <= %s ORDER BY valid_from DESC LIMIT 1"
)


def lunch_price_on(facility_id: int, on: dt.date) -> Decimal | None:
    """The lunch price in force at a facility on a day, or None: one indexed lookup (price_in_force)."""
    with connection.cursor() as cursor:
        cursor.execute(PRICE_SQL, [facility_id, on])
        row = cursor.fetchone()
    if row is None:
        return None
    # SQLite hands back a number, PostgreSQL a Decimal: both through str, never through float arithmetic.
    return Decimal(str(row[0])).quantize(CENT)


def price_list_in_force(facility: Facility, on: dt.date, *, entries=None) -> list[PriceListEntry]:
    """What the facility charges on a day: its lunch price and each higher-standard meal, latest first.
    `entries`: the facility's price entries when the caller read them already (the public list reads every
    facility's in one query), else facility.prices.all()."""
    seen: set[tuple[str, str]] = set()
    current = []
    # Filtered and ordered in Python: the public list reads every facility's prices at once (a query per facility
    # before: 250 on the county's public page).
    entries = sorted(
        (e for e in (facility.prices.all() if entries is None else entries) if e.valid_from <= on),
        key=lambda e: (e.kind, e.label, -e.valid_from.toordinal()),
    )
    for entry in entries:
        if (entry.kind, entry.label) not in seen:
            seen.add((entry.kind, entry.label))
            current.append(entry)
    return sorted(current, key=lambda e: (e.kind != PriceListEntry.Kind.LUNCH, e.label))


@transaction.atomic
def price_set(
    *,
    actor,
    facility: Facility,
    price: Decimal,
    valid_from: dt.date,
    kind: str = PriceListEntry.Kind.LUNCH,
    label: str = "",
    note: str = "",
) -> PriceListEntry:
    """Add a price from a day on. The first lunch price may start any day; a later change not before today,
    so a price is never rewritten under lunches already recorded."""
    actor = as_actor(actor)
    require(can_set_prices(actor, facility), "您无权录入该机构的价目表。")
    if kind not in PriceListEntry.Kind.values:
        raise ServiceError("kind", "价目类别应为午餐或高标准餐。")
    label = (label or "").strip()
    if kind == PriceListEntry.Kind.HIGHER and not label:
        raise ServiceError("label", "请填写高标准或个性化餐的名称。")
    if kind == PriceListEntry.Kind.LUNCH:
        label = ""
    if len(label) > 60:
        raise ServiceError("label", "餐品名称不能超过 60 个字。")
    if len(note or "") > 200:
        raise ServiceError("note", "说明不能超过 200 个字。")
    if not isinstance(price, Decimal):
        raise ServiceError("price", "价格应为以元为单位的金额（如 8.00）。")
    if price != price.quantize(CENT):
        raise ServiceError("price", "价格最多保留两位小数（分）。")
    if price <= 0:
        raise ServiceError("price", "价格应大于 0 元。")
    if price > PRICE_TYPO_LIMIT:
        raise ServiceError("price", f"价格超过 {PRICE_TYPO_LIMIT} 元，请核对。")
    if not isinstance(valid_from, dt.date):
        raise ServiceError("valid_from", "请填写执行日期。")
    earlier = facility.prices.filter(kind=kind, label=label)
    if earlier.exists() and valid_from < business_date():
        raise ServiceError("valid_from", "调整价格的执行日期不能早于今天（已登记的午餐按当时的价格计算）。")
    if earlier.filter(valid_from=valid_from).exists():
        raise ServiceError("valid_from", f"该餐品 {chinese_date(valid_from)} 已有价格，请另选执行日期。")
    entry = PriceListEntry.objects.create(
        facility=facility,
        kind=kind,
        label=label,
        price=price.quantize(CENT),
        valid_from=valid_from,
        note=note or "",
        created_by=actor_user(actor),
        created_by_label=actor_label(actor),
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=entry,
        after=model_snapshot(entry),
        note=f"价目表：{entry}",
    )
    return entry


@transaction.atomic
def price_list_open(*, actor, facility: Facility) -> PriceListEntry | None:
    """At registration (inside facility_register's transaction, which checked the actor): the registered
    lunch price becomes the first price-list entry, from the service start (or today)."""
    if facility.lunch_price is None or facility.lunch_price <= 0 or facility.prices.exists():
        return None
    entry = PriceListEntry.objects.create(
        facility=facility,
        kind=PriceListEntry.Kind.LUNCH,
        price=facility.lunch_price,
        valid_from=facility.service_start or business_date(),
        note="机构登记时的午餐价格",
        created_by=actor_user(actor),
        created_by_label=actor_label(actor),
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=entry,
        after=model_snapshot(entry),
        note=f"价目表：{entry}",
    )
    return entry
