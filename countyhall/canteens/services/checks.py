"""The fraud checks' figures (selectors.fraud_findings), kept as lunches are recorded (issue 11).

Grouping the county's lunches on every look at the 核查 report took 2.5 s of SQL for 90 days (2.9 million lunches,
docs/benchmarks.md). The two figures the checks group by are kept instead, in the transaction of every write
that changes them — the check-in and the approved late entry (both `lunches._record`) and the void:

- LunchDay: a facility's accepted lunches of a day (单日就餐人次 against seats and the facility's own history);
- ElderDayFlag: the elder-days the per-elder checks must look at (several live lunches on the day; an accepted
  lunch recorded on another day than its meal date). The checks then group only the flagged elders' lunches.

`checks_rebuild` recomputes both from the lunches (migration 0009, `countyhall canteens checks-rebuild` after
rows were written outside the services, e.g. the benchmark's generator). tests/canteens/test_check_figures.py
compares the checks read from these figures with the checks computed from the lunches alone.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

# One statement each, prepared as the check-in's own (the hottest write path: no ORM query building).
_ELDER_LOCK_SQL = "SELECT 1 FROM canteens_elder WHERE id = %s FOR NO KEY UPDATE"

# The elder-day is flagged when it now holds two live lunches (this one and an earlier one), or when this accepted
# lunch is back-dated; a flag once set stays set. LIMIT 2: the count only has to reach two.
_FLAG_SQL = """
    INSERT INTO canteens_elderdayflag (elder_id, meal_date, several, backdated)
    SELECT %s, %s, live.n >= 2, %s
    FROM (SELECT count(*) AS n FROM (SELECT 1 FROM canteens_lunch WHERE elder_id = %s AND meal_date = %s
                                     AND status <> %s LIMIT 2) AS day_lunches) AS live
    WHERE live.n >= 2 OR %s
    ON CONFLICT (elder_id, meal_date) DO UPDATE
    SET several = canteens_elderdayflag.several OR excluded.several,
        backdated = canteens_elderdayflag.backdated OR excluded.backdated"""

# Last statement of the transaction: concurrent check-ins at one facility wait here for each other's commit only.
_DAY_ADD_SQL = """
    INSERT INTO canteens_lunchday (facility_id, meal_date, accepted) VALUES (%s, %s, 1)
    ON CONFLICT (facility_id, meal_date) DO UPDATE SET accepted = canteens_lunchday.accepted + 1"""


def recorded_on(recorded_at) -> object:
    """The day (Asia/Shanghai, settings.TIME_ZONE) a lunch was recorded on."""
    return timezone.localtime(recorded_at).date()


def elder_day_lock(elder_id: int | None) -> None:
    """Serialise the writes of one elder's lunches, so a lunch recorded at the same moment at another counter is
    seen by the next one's flag (READ COMMITTED: the following statement reads what the holder committed). Taken
    before the lunch is inserted. SQLite has one writer at a time: there, nothing to lock (and a read before the
    first write would make a concurrent writer's commit fail this transaction)."""
    if elder_id is None or not connection.features.has_select_for_update:
        return
    with connection.cursor() as cursor:
        cursor.execute(_ELDER_LOCK_SQL, [elder_id])


def lunch_recorded(lunch) -> None:
    """A new lunch (accepted or refused), in its own transaction after its INSERT: flag its elder-day when needed,
    then count it in its facility's day if accepted."""
    from countyhall.canteens.models import Lunch

    accepted = lunch.status == Lunch.Status.ACCEPTED
    with connection.cursor() as cursor:
        if lunch.elder_id is not None:
            backdated = accepted and recorded_on(lunch.recorded_at) != lunch.meal_date
            cursor.execute(
                _FLAG_SQL,
                [
                    lunch.elder_id,
                    lunch.meal_date,
                    backdated,
                    lunch.elder_id,
                    lunch.meal_date,
                    Lunch.Status.VOIDED,
                    backdated,
                ],
            )
        if accepted:
            cursor.execute(_DAY_ADD_SQL, [lunch.facility_id, lunch.meal_date])


def lunch_voided(lunch) -> None:
    """An accepted lunch voided, in the void's transaction: one fewer in its facility's day. The elder-day's flag
    stays (see ElderDayFlag)."""
    from countyhall.canteens.models import LunchDay

    LunchDay.objects.filter(facility_id=lunch.facility_id, meal_date=lunch.meal_date).update(
        accepted=F("accepted") - 1
    )


BATCH = 5000


def checks_rebuild(*, lunch_model=None, day_model=None, flag_model=None) -> dict:
    """Recompute LunchDay and ElderDayFlag from the lunches (one transaction; idempotent). The models may be a
    migration's historical ones. Returns the rows written."""
    if lunch_model is None:
        from countyhall.canteens.models import ElderDayFlag, Lunch, LunchDay

        lunch_model, day_model, flag_model = Lunch, LunchDay, ElderDayFlag
    accepted, voided = "accepted", "voided"
    with transaction.atomic():
        day_model.objects.all().delete()
        flag_model.objects.all().delete()
        days = (
            lunch_model.objects.filter(status=accepted)
            .values("facility_id", "meal_date")
            .order_by()
            .annotate(n=Count("id"))
        )
        written_days = _write(
            day_model,
            (
                day_model(facility_id=row["facility_id"], meal_date=row["meal_date"], accepted=row["n"])
                for row in days.iterator(chunk_size=BATCH)
            ),
        )
        live = lunch_model.objects.exclude(status=voided).exclude(elder__isnull=True)
        several = {
            (row["elder_id"], row["meal_date"])
            for row in live.values("elder_id", "meal_date")
            .order_by()
            .annotate(n=Count("id"))
            .filter(n__gte=2)
            .iterator(chunk_size=BATCH)
        }
        zone = timezone.get_current_timezone()
        backdated = {
            (row["elder_id"], row["meal_date"])
            for row in live.filter(status=accepted)
            .annotate(on=TruncDate("recorded_at", tzinfo=zone))
            .filter(~Q(on=F("meal_date")))
            .values("elder_id", "meal_date")
            .distinct()
            .order_by()
            .iterator(chunk_size=BATCH)
        }
        written_flags = _write(
            flag_model,
            (
                flag_model(
                    elder_id=elder,
                    meal_date=day,
                    several=(elder, day) in several,
                    backdated=(elder, day) in backdated,
                )
                for elder, day in sorted(several | backdated)
            ),
        )
    return {"lunch_days": written_days, "elder_day_flags": written_flags}


def _write(model, rows) -> int:
    batch, written = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        written += len(batch)
    return written
