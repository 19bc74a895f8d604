"""The gazette's governed-policy hooks (apps.py): reading P2 (how a period of months from a personnel decision ends)
dates every probation and secondment end the register keeps. The impact preview lists the open memberships whose
end moves under the proposal; an approved change rebuilds the memberships, audited."""

from __future__ import annotations

from django.db import transaction

from countyhall.core.clock import chinese_date

from .register import PERIOD_END_READING, period_end


def _ends(membership, answer: str) -> list[tuple[str, object, object]]:
    decision = membership.opened_by
    rows = []
    for what, months, stored in (
        ("试用期满", decision.probation_months, membership.probation_end),
        ("挂职期满", decision.term_months, membership.term_end),
    ):
        if months and membership.start is not None:
            rows.append((what, stored, period_end(membership.start, months, answer=answer)))
    return rows


def _open_memberships(change):
    from .models import PostMembership

    return (
        PostMembership.objects.filter(end__isnull=True, opened_by__isnull=False, start__gte=change.valid_from)
        .select_related("opened_by__document")
        .order_by("start", "person")
    )


def policy_impact(*, change, proposal) -> list[dict]:
    if change.kind != "reading" or change.key != PERIOD_END_READING:
        return []
    rows = []
    for membership in _open_memberships(change):
        answer = proposal.answer(PERIOD_END_READING, membership.start)
        for what, now, then in _ends(membership, answer):
            if now != then:
                rows.append(
                    [
                        f"{membership.person} {membership.post}",
                        membership.opened_by.document.number,
                        what,
                        chinese_date(now),
                        chinese_date(then),
                    ]
                )
    return [
        {
            "title": "在任人员的试用期、挂职期满日（期间如何计算的解读）",
            "columns": ["人员与职务", "任免文件", "期限", "现行期满日", "变更后期满日"],
            "rows": rows,
            "note": "批准后按变更后的理解重算期满日，待办事项随之更新；已免职的任职不受影响。"
            if rows
            else "变更生效日起没有在任人员的期满日会变化。",
        }
    ]


@transaction.atomic  # called inside the approval's transaction; atomic of its own wherever else it is called
def policy_apply(*, actor, change) -> None:
    """An approved change of P2: the memberships rebuilt under the approved answer, audited with the ends that move."""
    if change.kind != "reading" or change.key != PERIOD_END_READING:
        return
    from countyhall.core.models import AuditEntry
    from countyhall.core.policy.governed import governed_as
    from countyhall.core.services.audit import audit_record
    from countyhall.core.services.policy import proposal_snapshot

    from .models import PostMembership
    from .services import memberships_rebuild

    before = sorted(
        (m.person, m.post, str(m.probation_end), str(m.term_end))
        for m in PostMembership.objects.filter(end__isnull=True)
    )
    with governed_as(proposal_snapshot(change)):
        memberships_rebuild()
    after = sorted(
        (m.person, m.post, str(m.probation_end), str(m.term_end))
        for m in PostMembership.objects.filter(end__isnull=True)
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="gazette.memberships",
        object_id=PERIOD_END_READING,
        object_repr="任职的试用期、挂职期满日",
        before={"open": [list(row) for row in before]},
        after={"open": [list(row) for row in after]},
        note="按期间计算解读的变更重算试用期、挂职期满日",
    )
