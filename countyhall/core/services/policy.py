"""Governed policy: an administrator proposes that a reading be answered the other way, or that an administered
figure take a new value, from a date and with a reason; a second administrator approves it (four eyes). Only
approved changes are in force (core.policy.governed). Values already used by an approved settlement or claim never
change: a program says up to which date its approved periods reach (Program.policy_locks), and a change must start
after that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.dateformat import format as date_format

from countyhall.core.access import require
from countyhall.core.actors import actor_user, as_actor
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.db import policy_lock
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, PolicyChange, User
from countyhall.core.policy import ANSWER_LABELS, ANSWERS, governed, parameters
from countyhall.core.policy.governed import GovernedEntry, GovernedPolicy
from countyhall.core.policy.parameters import INTEGER_UNITS, ParameterError, _typed_value, check_format
from countyhall.core.programs import registered_programs
from countyhall.core.roles import Capability

from .audit import audit_record, json_safe, model_snapshot


def governed_refresh(*, force: bool = False) -> GovernedPolicy:
    """Load the approved changes into this process's snapshot when the database holds others than it has.

    One aggregate query when nothing changed (approved rows are never edited afterwards: their count and highest
    id tell whether the snapshot is current). Called by the middleware per request, before each job and by the
    CLI; a database without the table yet (before `migrate`) leaves the YAML defaults in force."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure here must not break the caller's transaction
                return _refresh(force=force)
        return _refresh(force=force)
    except DatabaseError:
        return governed.process_snapshot()
    except RuntimeError as exc:
        # pytest-django's guard in a test without the database (the API schema is loaded at collection time):
        # nothing to refresh from. Anything else is a real error.
        if not str(exc).startswith("Database access not allowed"):
            raise
        return governed.process_snapshot()


def _refresh(*, force: bool) -> GovernedPolicy:
    approved = PolicyChange.objects.filter(state=PolicyChange.State.APPROVED)
    stats = approved.aggregate(n=Count("id"), last=Max("id"))
    generation = (stats["n"], stats["last"])
    snapshot = governed.process_snapshot()
    if not force and snapshot.generation == generation:
        return snapshot
    if not stats["n"]:
        # Nothing approved yet (most requests of a new installation): the YAML defaults, no second query.
        snapshot = GovernedPolicy(generation=generation)
        governed.install(snapshot)
        return snapshot
    rows = [
        (
            kind,
            key,
            GovernedEntry(
                valid_from=valid_from, value=_stored_value(kind, key, value), change_id=pk, reason=reason[:80]
            ),
        )
        for pk, kind, key, value, valid_from, reason in approved.values_list(
            "pk", "kind", "key", "value", "valid_from", "reason"
        )
    ]
    snapshot = GovernedPolicy.build(rows, generation=generation)
    governed.install(snapshot)
    return snapshot


def _stored_value(kind: str, key: str, value: Any) -> Any:
    """A parameter value as the rules read it (Decimal money, not the JSON string it is stored as)."""
    if kind == PolicyChange.Kind.READING:
        return value
    registry = parameters()
    if key not in registry.parameters:
        return value
    return _typed_value(_Path(), key, registry.parameters[key].unit, value)


class _Path:
    """_typed_value names the file in its messages; a stored change has none."""

    name = "管理员录入"


def can_govern_policy(user) -> bool:
    return bool(getattr(user, "is_active", False)) and user.can(Capability.POLICY_GOVERN)


def _require_governor(actor) -> User:
    actor = as_actor(actor)
    user = actor_user(actor)
    # Four eyes need two people: no system actor proposes or approves a change of policy.
    require(
        user is not None and can_govern_policy(user), "只有系统管理员可以提出或审核政策解读与录入数值的变更。"
    )
    return user


@dataclass(frozen=True)
class PolicyLock:
    """An approved settlement or claim used the key up to `through`: a change must start after it."""

    through: dt.date
    what: str  # in Chinese: "2022年度长者食堂结算已审核"


def policy_locks(*, kind: str, key: str) -> list[PolicyLock]:
    found: list[PolicyLock] = []
    for program in registered_programs():
        found += program.policy_locks_for(kind=kind, key=key)
    return sorted(found, key=lambda lock: lock.through, reverse=True)


def parse_change_value(*, kind: str, key: str, raw: Any) -> Any:
    """The proposed value checked against its reading's answers or its parameter's unit; a ServiceError names the
    field and the rule."""
    registry = parameters()
    if kind == PolicyChange.Kind.READING:
        if key not in registry.readings:
            raise ServiceError("key", f"未定义的解读：{key}")
        if not registry.readings[key].alternative:
            raise ServiceError("key", "该解读没有另一种理解可供选择。")
        if raw not in ANSWERS:
            raise ServiceError("value", "应选择“平台采用的理解”或“另一种理解”。")
        return raw
    if kind != PolicyChange.Kind.PARAMETER:
        raise ServiceError("kind", "类别应为政策解读或管理员录入的数值。")
    if key not in registry.parameters:
        raise ServiceError("key", f"未定义的政策参数：{key}")
    parameter = registry.parameters[key]
    if not parameter.administered:
        raise ServiceError("key", "该数值由公报印发，只能随新的文件修改参数文件，不能在页面上调整。")
    if isinstance(raw, str):
        raw = raw.strip()
        if parameter.unit in INTEGER_UNITS:
            if not raw.isascii() or not raw.lstrip("-").isdigit():
                raise ServiceError("value", f"应为整数（单位：{parameter.unit_label}）。")
            raw = int(raw)
        elif parameter.unit == "bool":
            raw = {"true": True, "是": True, "false": False, "否": False}.get(raw, raw)
        elif parameter.unit == "text":
            if not raw:
                raise ServiceError("value", "请填写新的取值（不能为空）。")
            if len(raw) > TEXT_VALUE_MAX:
                raise ServiceError("value", f"取值最多 {TEXT_VALUE_MAX} 个字（现为 {len(raw)} 个）。")
    try:
        return check_format(_Path(), key, parameter.format, _typed_value(_Path(), key, parameter.unit, raw))
    except ParameterError as exc:
        raise ServiceError("value", str(exc).split(": ", 2)[-1]) from None


TEXT_VALUE_MAX = 200  # the page's field allows no more (FigureChangeForm.value)
FAR_FUTURE_YEARS = 10  # an open-ended figure: a change more than this many years ahead is a typing slip


def change_date_range(*, kind: str, key: str) -> tuple[dt.date, dt.date]:
    """The dates a change of `key` may start on: not before the values it switches begin (a reading: the values
    that name it and the figures its effects set; a figure: its own values), or before the year of the clause that
    calls for it when there are none; not more than FAR_FUTURE_YEARS ahead of today (a year 9999 is a slip)."""
    registry = parameters()
    if kind == PolicyChange.Kind.READING:
        reading = registry.readings[key]
        names = {name for effect in reading.effects.values() for name in effect}
        values = [
            v for p in registry.parameters.values() for v in p.values if v.reading == key or p.name in names
        ]
        citation = reading.citation
    else:
        parameter = registry.parameters[key]
        values, citation = list(parameter.values), parameter.citation
    today = business_date()
    last = dt.date(today.year + FAR_FUTURE_YEARS, 12, 31)
    if values:
        return min(v.valid_from for v in values), last
    year = citation_year(citation)
    return (dt.date(year, 1, 1) if year else dt.date(today.year - FAR_FUTURE_YEARS, 1, 1)), last


def citation_year(citation) -> int | None:
    """The year in a 文号 such as 高政办字〔2021〕37号."""
    if citation is None:
        return None
    start, end = citation.document.find("〔"), citation.document.find("〕")
    digits = citation.document[start + 1 : end] if 0 <= start < end else ""
    return int(digits) if digits.isascii() and digits.isdigit() else None


def _check_date_range(*, kind: str, key: str, valid_from: dt.date) -> None:
    first, last = change_date_range(kind=kind, key=key)
    if not first <= valid_from <= last:
        raise ServiceError(
            "valid_from",
            f"起始日期应在 {chinese_date(first)} 至 {chinese_date(last)} 之间"
            f"（不早于该项政策施行，不晚于今后{FAR_FUTURE_YEARS}年），实际为 {chinese_date(valid_from)}。",
        )


def _check_programs(change: PolicyChange, *, on_approval: bool) -> None:
    """A program's own rule between figures (permits: the stages within the total), at proposal and approval."""
    for program in registered_programs():
        program.policy_check_for(change=change, on_approval=on_approval)


def _check_not_locked(*, kind: str, key: str, valid_from: dt.date) -> None:
    for lock in policy_locks(kind=kind, key=key):
        if valid_from <= lock.through:
            raise ServiceError(
                "valid_from",
                f"{lock.what}，已使用到 {date_format(lock.through, 'Y年n月j日')} 的取值；变更只能从 "
                f"{date_format(lock.through + dt.timedelta(days=1), 'Y年n月j日')} 起生效（已批准的结算和申领不再改变）。",
            )


@transaction.atomic
def policy_change_propose(
    *, actor, kind: str, key: str, value: Any, valid_from: dt.date, reason: str, basis: str = ""
) -> PolicyChange:
    user = _require_governor(actor)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ServiceError("reason", "请写明变更的理由（至少4个字）。")
    typed = parse_change_value(kind=kind, key=key, raw=value)
    if not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime):
        raise ServiceError("valid_from", "起始日期应为日期（YYYY-MM-DD）。")
    _check_date_range(kind=kind, key=key, valid_from=valid_from)
    _check_not_locked(kind=kind, key=key, valid_from=valid_from)
    if (
        PolicyChange.objects.select_for_update()
        .filter(kind=kind, key=key, state=PolicyChange.State.PROPOSED)
        .exists()
    ):
        raise ServiceError("key", "该项已有一项待审核的变更：请先审核或撤回它。")
    change = PolicyChange(
        kind=kind,
        key=key,
        value=json_safe(typed),
        valid_from=valid_from,
        reason=reason,
        basis=(basis or "").strip()[:200],
        proposed_by=user,
        proposed_at=timezone.now(),
    )
    _check_programs(change, on_approval=False)
    try:
        with transaction.atomic():  # a savepoint: the constraint answers a proposal made at the same moment
            change.save()
    except IntegrityError:
        raise ServiceError("key", "该项已有一项待审核的变更：请先审核或撤回它。") from None
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=change,
        after=model_snapshot(change),
        note=f"提出政策变更：{change_title(change)}",
    )
    _notify_other_governors(change, proposer=user)
    return change


def _notify_other_governors(change: PolicyChange, *, proposer: User) -> None:
    from countyhall.core.models import OutboxMessage
    from countyhall.core.notifications import notify

    for other in User.objects.filter(is_active=True).exclude(pk=proposer.pk):
        if can_govern_policy(other):
            notify(
                channel=OutboxMessage.Channel.IN_APP,
                recipient=str(other),
                user=other,
                subject="待审核的政策变更",
                body=f"{proposer}提出：{change_title(change)}，"
                f"自 {date_format(change.valid_from, 'Y年n月j日')} 起。请核对影响预览后审核。",
                source=change,
            )


def change_title(change: PolicyChange) -> str:
    registry = parameters()
    if change.kind == PolicyChange.Kind.READING:
        reading = registry.readings.get(change.key)
        subject = (reading.question or _shortened(reading.text)) if reading else change.key
        return f"解读“{subject}”改为{ANSWER_LABELS.get(change.value, change.value)}"
    parameter = registry.parameters.get(change.key)
    if parameter is None:
        return f"“{change.key}”取值改为 {change.value}"
    return f"“{parameter.label}”取值改为 {parameter.display(change.value)}"


def _shortened(text: str, limit: int = 36) -> str:
    return text if len(text) <= limit else text[:limit].rstrip("，、（“") + "…"


def second_pair_of_eyes_refusal(user, change: PolicyChange) -> str:
    """Why `user` may not approve or reject `change`, or "" when they may. Four eyes need a second administrator
    of their own standing: not the proposer, not an account the proposer made an administrator (the admin's user
    page can add one) — directly or through an account the proposer made or created in turn (a chain of
    puppets) —, not an account the proposer created or whose password they set on the admin site, not one who
    became an administrator after the proposal. Grants made before granted_by was kept count as independent. The change's page shows its
    buttons from this too."""
    if change.proposed_by_id == user.pk:
        return "变更须由另一位管理员审核（提出人不能批准自己的变更）。"
    if not _independent_of(
        user.pk,
        proposer_id=change.proposed_by_id,
        before=change.proposed_at,
        granter=False,
        seen=frozenset({user.pk}),
    ):
        return (
            "变更须由另一位管理员审核：审核人的管理员角色不能由提出人授予（也不能经由提出人授予或创建的账号转授），"
            "审核人的账号不能由提出人创建或设置密码，角色也不能在变更提出之后才授予。"
        )
    return ""


def _governing_roles() -> list[str]:
    from countyhall.core.roles import ROLE_CAPABILITIES

    return [
        role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.POLICY_GOVERN in capabilities
    ]


def _created_by(user_id: int) -> set[int]:
    """Who added the account on the admin site or set its password there (their LogEntry rows: the addition, and
    the password page's change, logged with the field name "password", matched in either case: SQLite's LIKE
    ignores case, PostgreSQL's does not): either knows the password."""
    from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
    )
    return set(
        entries.filter(
            Q(action_flag=ADDITION) | Q(action_flag=CHANGE, change_message__icontains='"password')
        ).values_list("user_id", flat=True)
    )


def _independent_of(user_id: int, *, proposer_id: int, before, granter: bool, seen: frozenset) -> bool:
    """Whether `user_id` held, at `before`, a governing role that does not trace back to the proposer: granted by
    nobody recorded (before granted_by was kept), or by someone themselves independent of the proposer. A granter
    who held no governing role then (the installation's superuser) is independent unless the proposer created the
    account."""
    from countyhall.core.models import RoleGrant

    if user_id == proposer_id or proposer_id in _created_by(user_id):
        return False
    grants = [
        (by, at)
        for by, at in RoleGrant.objects.filter(user_id=user_id, role__in=_governing_roles()).values_list(
            "granted_by_id", "granted_at"
        )
        if at is None or at <= before
    ]
    if not grants:
        return granter
    for by, at in grants:
        if by is None:
            return True
        if by in seen:
            continue
        if _independent_of(by, proposer_id=proposer_id, before=at, granter=True, seen=seen | {by}):
            return True
    return False


def _require_second_pair_of_eyes(user: User, change: PolicyChange) -> None:
    refusal = second_pair_of_eyes_refusal(user, change)
    require(not refusal, refusal)


def _require_proposed(change: PolicyChange) -> PolicyChange:
    locked = PolicyChange.objects.select_for_update().get(pk=change.pk)
    if locked.state != PolicyChange.State.PROPOSED:
        raise ServiceError("state", f"该变更{locked.get_state_display()}，不能再审核。")
    return locked


@transaction.atomic
def policy_change_approve(*, actor, change: PolicyChange, note: str = "") -> PolicyChange:
    user = _require_governor(actor)
    policy_lock()  # before the lock checks: a settlement or claim approved meanwhile waits for this commit
    change = _require_proposed(change)
    _require_second_pair_of_eyes(user, change)
    _check_not_locked(kind=change.kind, key=change.key, valid_from=change.valid_from)
    _check_programs(change, on_approval=True)
    before = model_snapshot(change)
    change.impact = policy_change_impact(change=change)
    change.state = PolicyChange.State.APPROVED
    change.decided_by, change.decided_at, change.decision_note = user, timezone.now(), (note or "").strip()
    change.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=change,
        before=before,
        after=model_snapshot(change),
        note=f"批准政策变更：{change_title(change)}",
    )
    for program in registered_programs():
        program.policy_apply_for(actor=actor, change=change)
    transaction.on_commit(lambda: governed_refresh(force=True))
    return change


@transaction.atomic
def policy_change_reject(*, actor, change: PolicyChange, note: str) -> PolicyChange:
    user = _require_governor(actor)
    change = _require_proposed(change)
    require(change.proposed_by_id != user.pk, "提出人可以撤回自己的变更，但不能审核它。")
    _require_second_pair_of_eyes(user, change)
    if len((note or "").strip()) < 4:
        raise ServiceError("note", "不批准时请写明理由（至少4个字）。")
    before = model_snapshot(change)
    change.state = PolicyChange.State.REJECTED
    change.decided_by, change.decided_at, change.decision_note = user, timezone.now(), note.strip()
    change.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=change,
        before=before,
        after=model_snapshot(change),
        note=f"不予批准政策变更：{change_title(change)}",
    )
    return change


@transaction.atomic
def policy_change_withdraw(*, actor, change: PolicyChange) -> PolicyChange:
    user = _require_governor(actor)
    change = _require_proposed(change)
    require(change.proposed_by_id == user.pk, "只有提出人可以撤回变更。")
    before = model_snapshot(change)
    change.state = PolicyChange.State.WITHDRAWN
    change.decided_by, change.decided_at = user, timezone.now()
    change.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=change,
        before=before,
        after=model_snapshot(change),
        note=f"撤回政策变更：{change_title(change)}",
    )
    return change


def proposal_snapshot(change: PolicyChange) -> GovernedPolicy:
    """The governed policy as it would be with `change` approved."""
    typed = _stored_value(change.kind, change.key, change.value)
    return governed.current().with_entry(
        change.kind, change.key, GovernedEntry(valid_from=change.valid_from, value=typed)
    )


def policy_change_impact(*, change: PolicyChange) -> list[dict]:
    """What the change moves: each program that uses the key recomputes its open periods under today's policy and
    under the proposal. A list of tables {title, columns, rows, note}; rows' figures are strings (money as yuan)."""
    proposal = proposal_snapshot(change)  # once: every program previews against the same snapshot
    tables: list[dict] = []
    for program in registered_programs():
        tables += program.policy_impact_for(change=change, proposal=proposal)
    return tables
