"""Check-in terminals: one token per device, stored hashed; a device records lunches at its own facility only."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from countyhall.canteens.access import can_manage_terminals
from countyhall.canteens.models import Facility, TerminalDevice
from countyhall.core.access import require
from countyhall.core.actors import SystemActor, as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record, model_snapshot

# last_used_at is a hint for the operator ("is this device still in use?"), not a log: writing it on every
# check-in would add an UPDATE to the hottest path, so it is refreshed at most once a minute.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class TerminalActor(SystemActor):
    """A terminal device acting through the API: no user, no role, one facility."""

    terminal_id: int | None = None
    facility_id: int | None = None
    is_authenticated = True  # DRF's IsAuthenticated lets the device reach the check-in endpoints


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class IssuedTerminal:
    device: TerminalDevice
    token: str  # shown once; only its hash is stored


def _actor_for(device: TerminalDevice) -> TerminalActor:
    return TerminalActor(label=f"terminal:{device.pk}", terminal_id=device.pk, facility_id=device.facility_id)


def terminal_authenticate(token: str) -> TerminalActor | None:
    """The device holding this token, or None (unknown or revoked)."""
    if not token:
        return None
    device = (
        TerminalDevice.objects.only("id", "facility_id", "last_used_at", "revoked_at")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if device is None or device.revoked_at is not None:
        return None
    now = timezone.now()
    if device.last_used_at is None or now - device.last_used_at > LAST_USED_RESOLUTION:
        TerminalDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    return _actor_for(device)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("name", "请填写终端名称（如：一号窗口平板）。")
    if len(name) > 60:
        raise ServiceError("name", "终端名称不能超过 60 个字。")
    return name


def _issue(actor, facility: Facility, name: str) -> IssuedTerminal:
    token = secrets.token_urlsafe(32)
    device = TerminalDevice.objects.create(
        facility=facility, name=name, token_hash=token_hash(token), token_hint=token[:6], created_by=actor
    )
    return IssuedTerminal(device=device, token=token)


@transaction.atomic
def terminal_issue(*, actor, facility: Facility, name: str) -> IssuedTerminal:
    actor = as_actor(actor)
    require(can_manage_terminals(actor, facility), "您无权管理该机构的登记终端。")
    issued = _issue(actor, facility, _check_name(name))
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=issued.device,
        after=model_snapshot(issued.device, exclude=["token_hash"]),
        note="发放登记终端令牌",
    )
    return issued


def _locked_active(device: TerminalDevice) -> TerminalDevice:
    device = TerminalDevice.objects.select_for_update().select_related("facility").get(pk=device.pk)
    if device.revoked_at is not None:
        raise ServiceError("status", "该终端已停用。")
    return device


@transaction.atomic
def terminal_revoke(*, actor, device: TerminalDevice, reason: str) -> TerminalDevice:
    actor = as_actor(actor)
    require(can_manage_terminals(actor, device.facility), "您无权管理该机构的登记终端。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请写明停用原因。")
    if len(reason) > 200:
        raise ServiceError("reason", "停用原因不能超过 200 个字。")
    device = _locked_active(device)
    before = model_snapshot(device, exclude=["token_hash"])
    device.revoked_at, device.revoked_by, device.revoke_reason = timezone.now(), actor, reason
    device.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=device,
        before=before,
        after=model_snapshot(device, exclude=["token_hash"]),
        note="停用登记终端：" + reason,
    )
    return device


@transaction.atomic
def terminal_rotate(*, actor, device: TerminalDevice) -> IssuedTerminal:
    """A new token for the same device (name kept): the old one stops working at once."""
    actor = as_actor(actor)
    require(can_manage_terminals(actor, device.facility), "您无权管理该机构的登记终端。")
    device = _locked_active(device)
    before = model_snapshot(device, exclude=["token_hash"])
    device.revoked_at, device.revoked_by, device.revoke_reason = timezone.now(), actor, "更换令牌"
    device.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    issued = _issue(actor, device.facility, device.name)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=device,
        before=before,
        after=model_snapshot(device, exclude=["token_hash"]),
        note=f"更换登记终端令牌：新终端 #{issued.device.pk}",
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=issued.device,
        after=model_snapshot(issued.device, exclude=["token_hash"]),
        note=f"更换令牌（替换终端 #{device.pk}）",
    )
    return issued
