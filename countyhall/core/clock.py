"""The business date: today, unless a demo or training environment pins it.

The gazette's canteen opinion was in force 2021-09-02 … 2023-12-31. A demo or a training room
that wants to walk through it sets COUNTYHALL_BUSINESS_DATE (e.g. 2022-06-15); every page then
shows that the date is simulated. Production leaves it unset. Audit timestamps always use the
real clock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def business_date() -> dt.date:
    pinned = getattr(settings, "BUSINESS_DATE", None)
    return pinned or timezone.localdate()


def business_date_is_simulated() -> bool:
    return getattr(settings, "BUSINESS_DATE", None) is not None
