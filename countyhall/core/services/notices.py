"""Writes around in-app notices and the outbox."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from countyhall.core.models import NoticeRead, OutboxMessage
from countyhall.core.services.audit import audit_record


def notice_mark_read(*, user, message: OutboxMessage) -> bool:
    """The user opened the message. Returns True the first time.

    Not audited: reading one's own notice is neither a change of record nor a read of someone else's personal
    data, and an audit row per opened message would drown the trail the auditor reads."""
    _, created = NoticeRead.objects.get_or_create(user=user, message=message)
    return created


def notice_mark_all_read(*, user, messages) -> int:
    already = set(
        NoticeRead.objects.filter(user=user, message__in=messages).values_list("message_id", flat=True)
    )
    fresh = [
        NoticeRead(user=user, message_id=pk)
        for pk in messages.values_list("pk", flat=True)
        if pk not in already
    ]
    NoticeRead.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


RETRYABLE = (OutboxMessage.Status.FAILED, OutboxMessage.Status.NO_SENDER)


@transaction.atomic
def outbox_retry(*, actor, message_ids: list[int]) -> int:
    """Put failed (or never-sent) SMS and e-mail back in the queue, attempts reset: the next
    `countyhall outbox send` tries them again. Administrators only; audited per message."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("只有系统管理员可以重新发送通知。")
    messages = list(
        OutboxMessage.objects.select_for_update()
        .filter(pk__in=message_ids, status__in=RETRYABLE)
        .exclude(channel=OutboxMessage.Channel.IN_APP)
    )
    for message in messages:
        # Only the delivery state: the phone number or address and the body stay out of the audit trail.
        before = {"status": message.status, "attempts": message.attempts, "error": message.error}
        message.status, message.attempts, message.error = OutboxMessage.Status.PENDING, 0, ""
        message.save(update_fields=["status", "attempts", "error"])
        audit_record(
            actor=actor,
            action="update",
            instance=message,
            before=before,
            after={"status": message.status, "attempts": 0, "error": ""},
            note="重新发送通知",
        )
    return len(messages)
