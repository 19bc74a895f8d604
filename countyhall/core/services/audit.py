from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from countyhall.core.actors import actor_label, actor_user
from countyhall.core.models import AuditEntry


def json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def history_text(value) -> str:
    """A field's value as a correction history shows it (old → new): 是/否, ISO dates, "" for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def model_snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The concrete field values of `instance` as JSON-safe data (foreign keys by id).

    A model that holds personal data declares `AUDIT_MASKED_FIELDS = {"name": mask_name, ...}`: the audit
    log keeps only the masked form, so the auditor (who sees names masked) never reads them in full.
    """
    masked = getattr(type(instance), "AUDIT_MASKED_FIELDS", {})
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(instance, field.attname)
        if field.name in masked and value:
            value = masked[field.name](str(value))
        data[field.attname] = json_safe(value)
    return data


def audit_repr(instance: models.Model) -> str:
    """How an object is named in the audit log: its masked `audit_repr()` when it holds personal data."""
    method = getattr(instance, "audit_repr", None)
    return str(method() if callable(method) else instance)


def audit_entry_build(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """The audit row for a write, not yet stored (audit_record stores it; hot paths use core.db.insert_row)."""
    if instance is not None:
        object_type = object_type or instance._meta.label
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or audit_repr(instance)
    user = actor_user(actor)
    return AuditEntry(
        actor=user,
        actor_label=actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=json_safe(before) if before is not None else None,
        after=json_safe(after) if after is not None else None,
        note=note[:500],
    )


def audit_record(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Append one audit row. Must run inside the caller's transaction so the row and the write stand or fall together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the write's transaction.atomic() block")
    entry = audit_entry_build(
        actor=actor,
        action=action,
        instance=instance,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=before,
        after=after,
        note=note,
    )
    entry.save()
    return entry


def audit_record_many(entries: list[AuditEntry], *, batch_size: int = 1000) -> list[AuditEntry]:
    """Append many audit rows built with audit_entry_build (a bulk import: one INSERT per batch instead of one
    per row). The same rule as audit_record: inside the writes' transaction, so they stand or fall together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many must be called inside the write's transaction.atomic() block")
    if any(entry.pk is not None for entry in entries):
        raise ValueError("audit_record_many appends new rows only")
    return AuditEntry.objects.bulk_create(entries, batch_size=batch_size)


def audit_personal_read(
    *,
    actor,
    what: str,
    object_type: str,
    count: int,
    filters: dict | None = None,
    object_id: str = "",
    masked: bool = True,
) -> AuditEntry:
    """One audit row for one staff read of personal data: a list, a search, an export, a PDF, an API page.

    `what` says which page or export ("人员列表", "清洁取暖台账导出"); `filters` the query or filter used;
    `count` how many persons were shown. Runs in its own (nested) transaction, so a read view needs none.
    """
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=AuditEntry.Action.READ,
            object_type=object_type,
            object_id=object_id,
            object_repr=f"{what}（{count} 人）",
            after={
                "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")},
                "count": count,
            },
            note=what + ("（脱敏）" if masked else "（未脱敏）"),
        )
