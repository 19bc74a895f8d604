"""Notifications through an outbox with pluggable senders.

`notify()` writes the message (in the caller's transaction, so a rolled-back decision sends nothing);
`outbox_dispatch()` hands pending SMS and e-mail to the sender configured for the channel in
``COUNTYHALL_NOTIFICATION_SENDERS`` (dotted paths). Without a sender the message is marked
"no_sender" and stays visible as what would have been sent — county networks are often offline, and a
silent drop would be worse than a visible record.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from countyhall.core.models import Organisation, OutboxMessage


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Deliver the message or raise; the outbox records the error and may retry."""


class EmailSender:
    """Through Django's e-mail backend (EMAIL_HOST … in the settings)."""

    def send(self, message: OutboxMessage) -> None:
        send_mail(
            message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.address], fail_silently=False
        )


class HttpSmsSender:
    """POSTs {"mobile", "content"} as JSON to the county SMS gateway at COUNTYHALL_SMS_URL."""

    def send(self, message: OutboxMessage) -> None:
        url = settings.COUNTYHALL_SMS_URL
        if not url:
            raise RuntimeError("未配置短信网关地址（COUNTYHALL_SMS_URL）。")
        body = json.dumps(
            {"mobile": message.address, "content": f"【{message.subject}】{message.body}"}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured gateway
            if response.status >= 300:
                raise RuntimeError(f"短信网关返回 {response.status}")


def notify(
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    address: str = "",
    organisation: Organisation | None = None,
    source=None,
    user=None,
) -> OutboxMessage:
    """Write one message. `organisation` addresses an in-app message to all its staff; `user` to one person
    (then the organisation, if given, is kept for the outbox list, but only that user sees it)."""
    if channel not in OutboxMessage.Channel.values:
        raise ValueError(f"unknown channel {channel}")
    in_app = channel == OutboxMessage.Channel.IN_APP
    return OutboxMessage.objects.create(
        channel=channel,
        recipient=recipient,
        address=address,
        subject=subject[:200],
        body=body,
        organisation=organisation,
        user=user,
        source_type=source._meta.label if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        status=OutboxMessage.Status.SENT if in_app else OutboxMessage.Status.PENDING,
        sent_at=timezone.now() if in_app else None,
    )


def sender_for(channel: str) -> Sender | None:
    path = settings.COUNTYHALL_NOTIFICATION_SENDERS.get(channel)
    return import_string(path)() if path else None


def outbox_dispatch(*, limit: int = 200) -> dict[str, int]:
    """Send what is pending; each message is its own transaction so one failure does not hold the rest."""
    counts = {"sent": 0, "failed": 0, "no_sender": 0}
    pending = list(
        OutboxMessage.objects.filter(
            status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED], attempts__lt=5
        )
        .exclude(channel=OutboxMessage.Channel.IN_APP)
        .order_by("created_at")[:limit]
    )
    for message in pending:
        sender = sender_for(message.channel)
        with transaction.atomic():
            message.attempts += 1
            if sender is None:
                message.status = OutboxMessage.Status.NO_SENDER
            elif not message.address:
                message.status, message.error = OutboxMessage.Status.FAILED, "接收方没有号码或地址。"
            else:
                try:
                    sender.send(message)
                except Exception as exc:  # noqa: BLE001 - any delivery error is recorded, not raised
                    message.status, message.error = OutboxMessage.Status.FAILED, str(exc)[:300]
                else:
                    message.status, message.sent_at, message.error = (
                        OutboxMessage.Status.SENT,
                        timezone.now(),
                        "",
                    )
            message.save()
        counts[{"sent": "sent", "failed": "failed", "no_sender": "no_sender"}[message.status]] += 1
    return counts
