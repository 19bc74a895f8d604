"""The reporting clocks run on the business clock: a demo pinned to 2022-06-15 (COUNTYHALL_BUSINESS_DATE) reports,
counts down and lists to-dos on that day, not on the real one (every role saw "已超时 … 期限 2026-…" minutes after
the demo started, and notices mixed 2022 and 2026)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from countyhall.core.clock import business_now
from countyhall.emergency import selectors
from countyhall.emergency.services import incident_report
from countyhall.emergency.todos import todos_for

pytestmark = pytest.mark.django_db
PINNED = dt.date(2022, 6, 15)


def _report_now(plant):
    now = business_now()
    return incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=now - dt.timedelta(minutes=2),
        place="锅炉房",
    )


def test_a_pinned_date_gives_consistent_report_clocks(plant, settings):
    settings.BUSINESS_DATE = PINNED
    incident = _report_now(plant)
    assert (
        timezone.localtime(incident.reported_at).date() == PINNED
    )  # the default 接报时间 is the business now
    assert all(
        timezone.localtime(d.due_at).date() in (PINNED, PINNED + dt.timedelta(days=1))
        for d in incident.deadlines.all()
    )
    board = selectors.incident_board(incident)
    assert board["now"].startswith("2022-06-15")
    first = min(board["deadlines"], key=lambda d: d["due"])
    assert first["state"] == "open" and 0 < first["seconds_left"] < 3600
    titles = " ".join(t.label for t in todos_for(plant["users"]["hq"]))
    assert "超时" not in titles


def test_without_a_pinned_date_the_real_clock(plant, settings):
    settings.BUSINESS_DATE = None
    incident = _report_now(plant)
    assert abs((incident.reported_at - timezone.now()).total_seconds()) < 60
    assert (
        abs(
            dt.datetime.fromisoformat(selectors.incident_board(incident)["now"]).timestamp()
            - timezone.now().timestamp()
        )
        < 60
    )
