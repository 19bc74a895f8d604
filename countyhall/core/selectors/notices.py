"""In-app notifications: what the outbox delivered to the user's organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from countyhall.core.models import OutboxMessage


def notice_list_for_user(user, *, limit: int = 100) -> QuerySet[OutboxMessage]:
    if not user.organisation_id:
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.filter(channel=OutboxMessage.Channel.IN_APP,
                                        organisation_id=user.organisation_id)[:limit]
