from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

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


def model_snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The concrete field values of `instance` as JSON-safe data (foreign keys by id)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = json_safe(getattr(instance, field.attname))
    return data


from countyhall.core.actors import actor_label, actor_user  # noqa: E402,F401  (re-exported for callers)


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
        object_repr = object_repr or str(instance)
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
    entry = audit_entry_build(actor=actor, action=action, instance=instance, object_type=object_type,
                              object_id=object_id, object_repr=object_repr, before=before, after=after, note=note)
    entry.save()
    return entry
