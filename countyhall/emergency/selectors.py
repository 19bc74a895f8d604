"""Who sees which incident, the live reporting board, drill compliance (E8) and a user's notices.

Scope in one place: the county headquarters (县发展改革局, 县应急局), auditors and administrators see every
incident; an enterprise sees only its own; a town office sees the enterprises in its area."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from countyhall.core.clock import business_now
from countyhall.core.policy import parameters
from countyhall.core.roles import Role

# Who counts as headquarters is defined once, in emergency.access; re-exported for the pages.
from countyhall.emergency.access import HQ, SEE_ALL, is_hq  # noqa: F401
from countyhall.emergency.models import Incident, PowerEnterprise, ReportDeadline


def enterprise_list_for_user(user) -> QuerySet[PowerEnterprise]:
    enterprises = PowerEnterprise.objects.select_related("organisation", "division__parent__parent__parent")
    if user.role_codes & SEE_ALL:
        return enterprises
    if Role.POWER_ENTERPRISE in user.role_codes and user.organisation_id:
        return enterprises.filter(organisation_id=user.organisation_id)
    scope = user.scope_division
    if Role.TOWN_OFFICER in user.role_codes and scope is not None:
        return enterprises.filter(division__path__startswith=scope.path)
    return enterprises.none()


def incident_list_for_user(user) -> QuerySet[Incident]:
    return Incident.objects.filter(enterprise__in=enterprise_list_for_user(user)).select_related(
        "enterprise__organisation", "reported_by"
    )


def deadline_state(deadline: ReportDeadline, *, now: dt.datetime) -> dict:
    """One line of the board: seconds left (negative when missed), and whether done on time or late."""
    if deadline.done_at:
        state = "late" if deadline.late else "done"
    else:
        state = "missed" if now > deadline.due_at else "open"
    return {
        "id": deadline.pk,
        "kind": deadline.kind,
        "label": deadline.get_kind_display(),
        "due": timezone.localtime(deadline.due_at).isoformat(),
        "state": state,
        "seconds_left": int((deadline.due_at - now).total_seconds()),
        "done_at": timezone.localtime(deadline.done_at).isoformat() if deadline.done_at else None,
        "reported_to": deadline.reported_to,
        "recipients": deadline.recipients,
        "requested_by": deadline.requested_by,
    }


def incident_board(incident: Incident, *, now: dt.datetime | None = None) -> dict:
    now = now or business_now()  # the countdowns run on the same clock as the deadlines (pinned in a demo)
    figures = incident.figures.order_by("-version").first()
    return {
        "incident": incident.pk,
        "status": incident.status,
        "level": incident.level,
        "now": now.isoformat(),
        "figures": {
            "version": figures.version,
            "deaths": figures.deaths,
            "missing": figures.missing,
            "injured": figures.injured,
        }
        if figures
        else None,
        "deadlines": [deadline_state(d, now=now) for d in incident.deadlines.order_by("due_at", "pk")],
    }


def drill_compliance(*, year: int) -> dict:
    """E8: every enterprise with fewer than the required drills in `year`."""
    required = parameters().at("emergency.drills.per_year", dt.date(year, 12, 31))
    rows = (
        PowerEnterprise.objects.select_related("organisation")
        .annotate(held=Count("drills", filter=Q(drills__held_on__year=year)))
        .order_by("organisation__name")
    )
    return {
        "year": year,
        "required": required.value,
        "citation": required.citation,
        "rows": [{"enterprise": e, "held": e.held, "short": max(required.value - e.held, 0)} for e in rows],
        "below": [e for e in rows if e.held < required.value],
    }
