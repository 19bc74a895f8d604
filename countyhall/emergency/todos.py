"""The accident module's part of the home page: the reports owed on the accident clock, verifications, levels
that rose past the response decided, warnings to update, drills due (E8), incidents in a town's area.

Each item is one or two COUNT/MIN queries, scoped like the pages (emergency.selectors): the headquarters sees
every incident, an enterprise its own, a town office the enterprises in its area."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone

from countyhall.core.clock import business_date, business_now
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.programs import Todo
from countyhall.core.roles import Role
from countyhall.emergency import access, selectors
from countyhall.emergency.models import Incident, ReportDeadline, Warning

MENU = "emergency:incidents"
# A report due within this many minutes is shown as urgent (the shortest E2 clock is 10 minutes).
URGENT_WITHIN = dt.timedelta(minutes=30)
# Drills: an enterprise short of the year's drills sees a to-do all year; urgent from this month.
DRILL_URGENT_MONTH = 11


def _item(label, url, count, *, deadline=None, urgent=False) -> list[Todo]:
    return (
        [Todo(label=label, url=url, count=count, deadline=deadline, urgent=urgent, menu=MENU)]
        if count
        else []
    )


def _open_reports(incidents, label: str, now) -> list[Todo]:
    open_ = ReportDeadline.objects.filter(incident__in=incidents, done_at__isnull=True).exclude(
        incident__status=Incident.Status.ENDED
    )
    found = open_.aggregate(n=Count("pk"), first=Min("due_at"))
    if not found["n"]:
        return []
    first = found["first"]
    when = timezone.localtime(first)
    state = "已超时" if first < now else "最早"
    url = reverse("emergency:incidents") + "?reports=open"
    return _item(
        f"{label}（{state} {when:%m月%d日 %H:%M} 到期）",
        url,
        found["n"],
        deadline=first,
        urgent=first - now <= URGENT_WITHIN,
    )


def todos_for(user) -> list[Todo]:
    if not user.role_codes & access.USERS:
        return []
    now = business_now()
    incidents = selectors.incident_list_for_user(user)
    items: list[Todo] = []
    if access.is_hq(user):
        reports = ReportDeadline.objects.filter(done_at__isnull=True).exclude(
            incident__status=Incident.Status.ENDED
        )
        for label, query in (
            ("事故报告时限未办结", ~Q(kind__startswith="verify_")),
            ("核报待反馈", Q(kind__startswith="verify_")),
        ):
            found = reports.filter(query).aggregate(n=Count("pk"), first=Min("due_at"))
            if found["n"]:
                first = found["first"]
                state = "已超时" if first < now else "最早"
                items += _item(
                    f"{label}（{state} {timezone.localtime(first):%m月%d日 %H:%M} 到期）",
                    reverse("emergency:incidents") + "?reports=open",
                    found["n"],
                    deadline=first,
                    urgent=first - now <= URGENT_WITHIN,
                )
        risen = incidents.filter(status=Incident.Status.RESPONDING).exclude(response_level=F("level")).count()
        items += _item(
            "响应等级已升高、待决定按新等级响应",
            reverse("emergency:incidents") + "?status=responding",
            risen,
            urgent=True,
        )
        waiting = incidents.filter(status=Incident.Status.REPORTED).count()
        items += _item(
            "已接报、尚未启动响应的事故",
            reverse("emergency:incidents") + "?status=reported",
            waiting,
            urgent=True,
        )
        expired = Warning.objects.exclude(msg_type=Warning.MsgType.CANCEL).filter(
            successors__isnull=True, expires_at__lt=now
        )
        items += _item("已过失效时间、待更新或解除的预警", reverse("emergency:warnings"), expired.count())
        return items
    items += _open_reports(incidents, "本单位应办的事故报告", now)
    if Role.TOWN_OFFICER in user.role_codes:
        live = incidents.exclude(status=Incident.Status.ENDED).count()
        items += _item(
            "本辖区进行中的发电企业事故", reverse("emergency:incidents") + "?status=responding", live
        )
    if Role.POWER_ENTERPRISE in user.role_codes:
        items += _drills_due(user)
    return items


def _drills_due(user) -> list[Todo]:
    today = business_date()
    try:
        per_year = parameters().at("emergency.drills.per_year", today)
    except NoPolicyInForce:
        return []
    required, cited = per_year.value, per_year.citation
    own = selectors.enterprise_list_for_user(user).annotate(
        held=Count("drills", filter=Q(drills__held_on__year=today.year))
    )
    short = sum(max(required - e.held, 0) for e in own)
    return _item(
        f"本年度应急演练尚差 {short} 次（每年不少于 {required} 次，{cited.document} {cited.clause}）",
        reverse("emergency:drills"),
        short,
        deadline=dt.date(today.year, 12, 31),
        urgent=today.month >= DRILL_URGENT_MONTH,
    )
