"""Reminders and escalations of statutory clocks: one notice per clock, kind and recipient (decision 0012)."""

from __future__ import annotations

import datetime as dt

from countyhall.core.models import Organisation
from countyhall.core.notifications import notify


def clock_notice_send(
    model, *, key: dict, kind: str, organisation: Organisation, due: dt.date, message: str, on: dt.date
) -> bool:
    """Keep a notice of `model` (a program's table on `core.models.clocks.ClockNoticeRecord`) for the clock named
    by `key` (its case, review…) and send it in-app to `organisation`'s staff; False when that clock already told
    that organisation this `kind` — the daily sweep run twice adds nothing.

    Runs in the caller's transaction (the sweep's): a rolled-back sweep keeps no notice and sends no message. Not
    audited per notice: the sweep records one audit row with its counts."""
    notice, new = model.objects.get_or_create(
        **key,
        kind=kind,
        organisation=organisation,
        defaults={"due": due, "message": message, "created_on": on},
    )
    if new:
        notify(
            channel="in_app",
            recipient=str(organisation),
            organisation=organisation,
            subject=model.Kind(kind).label,
            body=message,
            source=notice,
        )
    return new
