"""The business date and the local clock.

The gazette's canteen opinion was in force 2021-09-02 … 2023-12-31. A demo or a training room
that wants to walk through it sets COUNTYHALL_BUSINESS_DATE (e.g. 2022-06-15); every page then
shows that the date is simulated. Production leaves it unset. Audit timestamps always use the
real clock.

Datetimes are stored in UTC. Templates localise them (USE_TZ), but text composed in Python — a
notice's body, an SMS, an object's name — does not: formatting an aware datetime with strftime or
an f-string prints UTC, so a notice written at 04:06 in 高青 said 20:06. Every datetime that goes
into text goes through `format_local()`.
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


def business_now() -> dt.datetime:
    """Now, as a business timestamp: the business date with the real local time of day (aware, Asia/Shanghai).

    An approval or a note dated in a demo pinned to 2022-06-15 must read 2022-06-15, not the real day
    the trainer ran it. Without a pinned date this is `timezone.now()` (in local time).
    """
    county = timezone.get_default_timezone()
    now = timezone.localtime(timezone=county)
    pinned = getattr(settings, "BUSINESS_DATE", None)
    if pinned is None:
        return now
    # Combine in the local zone (not by replacing the date of a UTC value, which would be off by a day
    # between 00:00 and 08:00 local) and let zoneinfo pick the offset valid on the pinned date.
    return dt.datetime.combine(pinned, now.time().replace(tzinfo=None), tzinfo=county)


def local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the county's zone (settings.TIME_ZONE, Asia/Shanghai) — the default zone, not the
    active one, so a message reads the same whoever's request composed it. A naive one is taken as local."""
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value, timezone.get_default_timezone())


def chinese_date(day: dt.date | None) -> str:
    """A date the way the pages and notices write it: 2022年6月15日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def format_local(value: dt.datetime | None, fmt: str = "") -> str:
    """A datetime as text in local time; the one way a time goes into a notice, a message or a name. Without a
    format: 2022年6月15日 04:06, the Chinese date every page uses (a county official read 2022-06-15 04:06 as an
    internal timestamp)."""
    if value is None:
        return ""
    value = local(value)
    if not fmt:
        return f"{chinese_date(value.date())} {value:%H:%M}"
    # %-m / %-d (no leading zero) are glibc's, not Python's: written out here so the format works on every platform.
    return value.strftime(fmt.replace("%-m", str(value.month)).replace("%-d", str(value.day)))
