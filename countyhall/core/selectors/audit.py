from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from countyhall.core.models import AuditEntry
from countyhall.core.roles import Capability


def audit_list_for_user(
    user,
    *,
    action: str = "",
    object_type: str = "",
    actor: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    if not user.can(Capability.AUDIT_VIEW):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.select_related("actor")
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries.order_by("-at", "-id")
