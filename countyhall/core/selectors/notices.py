"""In-app notifications: what the outbox delivered to the user, or to the user's organisation, and whether the
user has opened it."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from countyhall.core.models import NoticeRead, OutboxMessage


def notices_for(user) -> QuerySet[OutboxMessage]:
    """Every in-app message to `user` or to the user's organisation, annotated `is_read` for this user."""
    if not getattr(user, "is_authenticated", False):
        return OutboxMessage.objects.none()
    addressed = Q(user_id=user.pk)
    if user.organisation_id:
        # A message to an organisation with no single recipient reaches all its staff.
        addressed |= Q(organisation_id=user.organisation_id, user__isnull=True)
    return OutboxMessage.objects.filter(addressed, channel=OutboxMessage.Channel.IN_APP).annotate(
        is_read=Exists(NoticeRead.objects.filter(user_id=user.pk, message_id=OuterRef("pk")))
    )


def notice_unread_count(user) -> int:
    """The count in the header of every page: one COUNT query."""
    return notices_for(user).filter(is_read=False).count()


def notice_list_for_user(user, *, limit: int = 100) -> QuerySet[OutboxMessage]:
    """The newest messages first (the emergency board's notices panel)."""
    return notices_for(user).order_by("-created_at", "-pk")[:limit]


def notice_get_for_user(user, pk: int) -> OutboxMessage | None:
    return notices_for(user).filter(pk=pk).first()
