from __future__ import annotations

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.permissions import can_edit_divisions
from countyhall.core.web import is_ascii_int

from .audit import audit_record, model_snapshot

ALLOWED_PARENT_KINDS = {
    Division.Kind.COUNTY: set(),
    Division.Kind.TOWN: {Division.Kind.COUNTY},
    Division.Kind.STREET: {Division.Kind.COUNTY},
    Division.Kind.DEVELOPMENT_ZONE: {Division.Kind.COUNTY},
    Division.Kind.VILLAGE: {Division.Kind.TOWN, Division.Kind.STREET, Division.Kind.DEVELOPMENT_ZONE},
    Division.Kind.COMMUNITY: {Division.Kind.TOWN, Division.Kind.STREET, Division.Kind.DEVELOPMENT_ZONE},
    Division.Kind.NATURAL_VILLAGE: {Division.Kind.VILLAGE},
}


@transaction.atomic
def division_upsert(*, actor, code: str, name: str, kind: str, parent: Division | None) -> Division:
    """Create or rename a division, checking that it sits under the right kind of parent."""
    actor = as_actor(actor)
    # System actors (demo loader, initial set-up) build the tree; of the users only administrators.
    require(actor.is_system or can_edit_divisions(actor), "只有系统管理员可以维护行政区划。")
    if kind not in Division.Kind.values:
        raise ServiceError("kind", f"未知的区划类型：{kind}。")
    allowed = ALLOWED_PARENT_KINDS[kind]
    if allowed and (parent is None or parent.kind not in allowed):
        raise ServiceError(
            "parent",
            f"{Division.Kind(kind).label}的上级必须是：{'、'.join(Division.Kind(k).label for k in allowed)}。",
        )
    if not allowed and parent is not None:
        raise ServiceError("parent", "县级区划没有上级。")
    if not is_ascii_int(code):
        raise ServiceError("code", "区划代码只能由数字组成。")
    existing = Division.objects.filter(code=code).first()
    before = model_snapshot(existing) if existing else None
    division = existing or Division(code=code)
    division.name, division.kind, division.parent = name, kind, parent
    division.path = division.compute_path()
    if before is not None and before == {**model_snapshot(division)}:
        return division
    division.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
        instance=division,
        before=before,
        after=model_snapshot(division),
    )
    return division


@transaction.atomic
def organisation_upsert(
    *, actor, name: str, kind: str, division: Division, short_name: str = ""
) -> Organisation:
    actor = as_actor(actor)
    require(actor.is_system or can_edit_divisions(actor), "只有系统管理员可以维护机构。")
    if kind not in Organisation.Kind.values:
        raise ServiceError("kind", f"未知的机构类型：{kind}。")
    existing = Organisation.objects.filter(name=name).first()
    before = model_snapshot(existing) if existing else None
    organisation = existing or Organisation(name=name)
    organisation.kind, organisation.division, organisation.short_name = kind, division, short_name
    if before is not None and before == model_snapshot(organisation):
        return organisation
    organisation.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
        instance=organisation,
        before=before,
        after=model_snapshot(organisation),
    )
    return organisation
