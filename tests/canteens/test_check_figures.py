"""The fraud checks read daily figures kept as lunches are recorded (services/checks.py); their findings are exactly
those computed from the lunches alone (selectors.fraud_findings(figures=False)), whatever was recorded, refused,
voided, back-dated or entered in one minute, for every scope — and concurrent check-ins keep the figures right."""

from __future__ import annotations

import datetime as dt
import random
from unittest import mock

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from countyhall.canteens.models import ElderDayFlag, Facility, Lunch, LunchDay
from countyhall.canteens.selectors import FINDING_TITLES, fraud_finding_details, fraud_findings, fraud_report
from countyhall.canteens.services.checks import checks_rebuild
from countyhall.canteens.services.facilities import facility_register
from countyhall.canteens.services.lunches import lunch_check_in, lunch_void

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MAY = dt.date(2022, 5, 1)
ELDERS = ("same_80", "same_65", "other_70", "young", "outsider")


def _filed(facility):
    Facility.objects.filter(pk=facility.pk).update(status="filed", filed_on=dt.date(2021, 9, 2), seats=1)
    facility.refresh_from_db()
    return facility


@pytest.fixture
def check_world(filed_world, make_user):
    """Three filed facilities (two in 青城镇, one in 田镇街道), a recorder in each town and the county's 民政."""
    world = filed_world
    users = world["users"]
    world["users"]["town_b"] = make_user("town_b", "town_officer", "qingcheng")
    world["users"]["tianzhen"] = make_user("tianzhen", "town_officer", "tianzhen")
    second = facility_register(
        actor=users["town"],
        operator=world["operator_org"],
        division=world["natural_b"],
        name="青城镇乙村长者助餐服务点",
        kind="service_point",
        model="service_point",
        setting="rural",
        operator_kind="care_org",
        lunch_price=world["facility"].lunch_price,
        meal_supplier="配送中心",
        service_start=dt.date(2021, 9, 2),
    )
    from countyhall.core.services.divisions import division_upsert

    natural_a = division_upsert(
        actor="test", code="370322001201001", name="甲庄", kind="natural_village", parent=world["village_a"]
    )
    third = facility_register(
        actor=world["users"]["tianzhen"],
        operator=world["operator_org"],
        division=natural_a,
        name="田镇街道甲村长者助餐服务点",
        kind="service_point",
        model="service_point",
        setting="rural",
        operator_kind="care_org",
        lunch_price=world["facility"].lunch_price,
        meal_supplier="配送中心",
        service_start=dt.date(2021, 9, 2),
    )
    world["facilities"] = [_filed(world["facility"]), _filed(second), _filed(third)]
    return world


def _as_tuples(findings):
    return [
        (
            f.kind,
            f.title,
            f.detail,
            f.facility.pk if f.facility else None,
            f.lunch_count,
            sorted(f.lunch_filter.items()),
            f.elder_id,
            f.meal_date,
        )
        for f in findings
    ]


def _flags():
    return {(f.elder_id, f.meal_date): (f.several, f.backdated) for f in ElderDayFlag.objects.all()}


def _days():
    return {(d.facility_id, d.meal_date): d.accepted for d in LunchDay.objects.exclude(accepted=0)}


WHEN = ("same_day", "same_day_2", "batch_1", "batch_2")


def _plan(rng, size: int) -> list[tuple]:
    """Steps: a check-in (elder, facility, day of May — mostly the first five, so days fill up and elders meet —,
    when it is recorded: on the meal day at 11:3x or in one of two batch minutes on 5-20, by which clerk), or the
    void of an earlier lunch. A seeded generator (hypothesis draws the seed): diverse plans, where hypothesis' own
    draws of each step kept repeating the simplest one."""
    plan = []
    for _ in range(size):
        if rng.random() < 0.2:
            plan.append(("void", rng.randrange(40)))
        else:
            day = rng.randrange(5) if rng.random() < 0.7 else rng.randrange(14)
            elder = rng.choice(ELDERS)
            if rng.random() < 0.5:  # the elder's own batch: one clerk, one minute (the same-minute pattern)
                when, who = WHEN[2 + ELDERS.index(elder) % 2], 0
            else:
                when, who = rng.choice(WHEN), rng.randrange(2)
            plan.append(("check_in", elder, rng.randrange(3), day, when, who))
    return plan


def _recorded_at(when: str, day: dt.date) -> dt.datetime:
    if when == "same_day":
        return dt.datetime.combine(day, dt.time(11, 30, 10), SHANGHAI)
    if when == "same_day_2":
        return dt.datetime.combine(day, dt.time(11, 31, 40), SHANGHAI)
    return dt.datetime(2022, 5, 20, 9, 0 if when == "batch_1" else 1, 15, tzinfo=SHANGHAI)


def _run(world, plan) -> None:
    users, elders, facilities = world["users"], world["elders"], world["facilities"]
    recorders = {
        0: (users["town"], users["town"], users["tianzhen"]),
        1: (users["town_b"], users["town_b"], users["tianzhen"]),
    }
    for step in plan:
        if step[0] == "check_in":
            _, elder, place, offset, when, who = step
            day = MAY + dt.timedelta(days=offset)
            with mock.patch("django.utils.timezone.now", return_value=_recorded_at(when, day)):
                lunch_check_in(
                    actor=recorders[who][place],
                    facility=facilities[place],
                    identifier=elders[elder].person.id_number,
                    meal_date=day,
                )
        else:
            accepted = list(Lunch.objects.filter(status=Lunch.Status.ACCEPTED).order_by("id"))
            if accepted:
                lunch_void(
                    actor=users["minzheng"], lunch=accepted[step[1] % len(accepted)], reason="测试作废"
                )


def _assert_report_pages_equal(user, options, direct, *, page_size):
    """The report page's way (selectors.FraudReport): counts per kind without building a finding, and the findings
    built a page at a time, per kind and all together, equal to every finding built at once."""
    report = fraud_report(user, **options)
    assert report.counts == {kind: sum(1 for row in direct if row[0] == kind) for kind in FINDING_TITLES}
    assert len(report) == len(direct)
    for kind in ("", *FINDING_TITLES):
        shown = report.findings(kind)
        expected = [row for row in direct if not kind or row[0] == kind]
        assert len(shown) == len(expected)
        paged = []
        for start in range(0, len(shown), page_size):
            page = shown[start : start + page_size]
            fraud_finding_details(user, page)
            paged.extend(page)
        assert _as_tuples(paged) == expected


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32), size=st.integers(5, 40), minimum=st.sampled_from([2, 2, 3, 5]))
def test_checks_from_the_figures_equal_the_checks_from_the_lunches(check_world, seed, size, minimum):
    world = check_world
    rng = random.Random(seed)
    with transaction.atomic():
        _run(world, _plan(rng, size))
        date_from = MAY + dt.timedelta(days=rng.randrange(6))
        date_to = date_from + dt.timedelta(days=rng.randrange(14))
        kept_days, kept_flags = _days(), _flags()
        for user in (
            world["users"]["minzheng"],
            world["users"]["town"],
            world["users"]["tianzhen"],
            world["users"]["operator"],
        ):
            options = {
                "date_from": date_from,
                "date_to": date_to,
                "seat_factor": 1,
                "history_factor": 1,
                "min_same_minute_lunches": minimum,
            }
            direct = _as_tuples(fraud_findings(user, figures=False, **options))
            for kind in sorted({row[0] for row in direct}):
                event(f"found {kind}")  # --hypothesis-show-statistics: how often each kind is exercised

            assert _as_tuples(fraud_findings(user, **options)) == direct
            _assert_report_pages_equal(user, options, direct, page_size=rng.choice([1, 2, 3, 50]))
        # The kept figures against the same figures recomputed from the lunches: the days exactly; the flags kept
        # are a superset (a void does not clear a flag), never missing one.
        checks_rebuild()
        assert _days() == kept_days
        rebuilt = _flags()
        for key, (several, backdated) in rebuilt.items():
            kept = kept_flags.get(key, (False, False))
            assert (kept[0] or not several) and (kept[1] or not backdated), key
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_report_finds_each_kind_from_the_figures(check_world):
    """The patterns the checks look for, recorded through the services, found by the report's (figures) path."""
    world = check_world
    users, elders, (first, second, _third) = world["users"], world["elders"], world["facilities"]
    day = dt.date(2022, 5, 10)
    # Two facilities on one day (the second check-in refused: one subsidised lunch a day).
    for place in (first, second):
        lunch_check_in(
            actor=users["town"], facility=place, identifier=elders["other_70"].person.id_number, meal_date=day
        )
    # Five lunches of one elder entered in one minute by one clerk.
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2022, 5, 20, 9, 0, 5, tzinfo=SHANGHAI)
    ):
        for i in range(5):
            lunch_check_in(
                actor=users["town"],
                facility=first,
                identifier=elders["same_80"].person.id_number,
                meal_date=day + dt.timedelta(days=i + 1),
            )
    # Above the seats (1 × 1): three accepted lunches on one day (of four check-ins), one of them voided.
    for key in ("same_65", "other_70", "same_80", "outsider"):
        lunch_check_in(
            actor=users["town"],
            facility=first,
            identifier=elders[key].person.id_number,
            meal_date=dt.date(2022, 5, 3),
        )
    counted = LunchDay.objects.get(facility=first, meal_date=dt.date(2022, 5, 3)).accepted
    lunch_void(
        actor=users["minzheng"],
        lunch=Lunch.objects.filter(meal_date=dt.date(2022, 5, 3), status="accepted").first(),
        reason="重复",
    )
    assert LunchDay.objects.get(facility=first, meal_date=dt.date(2022, 5, 3)).accepted == counted - 1
    # Above the facility's own level: one lunch a day at the third facility for ten days, then two.
    third = world["facilities"][2]
    for i in range(11):
        lunch_check_in(
            actor=users["tianzhen"],
            facility=third,
            identifier=elders["same_65"].person.id_number,
            meal_date=dt.date(2022, 5, 12) + dt.timedelta(days=i),
        )
    lunch_check_in(
        actor=users["tianzhen"],
        facility=third,
        identifier=elders["other_70"].person.id_number,
        meal_date=dt.date(2022, 5, 22),
    )
    options = {
        "date_from": dt.date(2022, 5, 1),
        "date_to": dt.date(2022, 5, 31),
        "seat_factor": 1,
        "history_factor": 1,
    }
    findings = fraud_findings(users["minzheng"], **options)
    kinds = {f.kind for f in findings}
    assert {"two_facilities", "same_minute", "above_seats", "above_history"} <= kinds
    assert _as_tuples(findings) == _as_tuples(fraud_findings(users["minzheng"], figures=False, **options))


@pytest.mark.django_db
def test_rebuild_command_recomputes_the_figures(check_world, monkeypatch, capsys):
    """Rows written past the services (a bulk load) are counted once `countyhall canteens checks-rebuild` runs."""
    from tests.core.test_calc import run_cli

    world = check_world
    facility, elder = world["facility"], world["elders"]["same_65"]
    Lunch.objects.bulk_create(
        Lunch(facility=facility, elder=elder, meal_date=MAY + dt.timedelta(days=i), status="accepted")
        for i in range(3)
    )
    assert not LunchDay.objects.exists()
    code, out = run_cli(monkeypatch, capsys, ["canteens", "checks-rebuild"])
    assert code == 0
    assert out == {"lunch_days": 3, "elder_day_flags": 3}  # recorded now, eaten in 2022: back-dated
    assert _days() == {(facility.pk, MAY + dt.timedelta(days=i)): 1 for i in range(3)}


# --- concurrency: writers really in parallel (PostgreSQL) ---------------------------------------------------------


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised in the PostgreSQL run")


@pytest.mark.django_db(transaction=True)
def test_parallel_check_ins_at_one_facility_count_every_lunch(check_world):
    from tests.canteens.test_concurrency import run_concurrently

    _postgres()
    world = check_world
    day = dt.date(2022, 6, 2)
    people = [world["elders"][k] for k in ("same_80", "same_65", "other_70", "outsider")]

    def check_in(index):
        return lunch_check_in(
            actor=world["users"]["operator"],
            facility=world["facility"],
            identifier=people[index % 4].person.id_number,
            meal_date=day,
            idempotency_key=f"parallel-{index}",
        )

    results = run_concurrently(8, check_in)
    assert not [r for r in results if isinstance(r, Exception)], results
    accepted = Lunch.objects.filter(facility=world["facility"], meal_date=day, status="accepted").count()
    assert accepted >= 1
    assert LunchDay.objects.get(facility=world["facility"], meal_date=day).accepted == accepted


@pytest.mark.django_db(transaction=True)
def test_parallel_check_ins_of_one_elder_at_two_facilities_flag_the_day(check_world):
    """Two counters at the same moment: whichever commits second sees the first (the elder's day is locked), so
    the day is flagged and "two facilities on one day" is found from the figures."""
    from tests.canteens.test_concurrency import run_concurrently

    _postgres()
    world = check_world
    day = dt.date(2022, 6, 3)
    elder = world["elders"]["other_70"]
    places = world["facilities"][:2]

    def check_in(index):
        return lunch_check_in(
            actor=world["users"]["town"],
            facility=places[index % 2],
            identifier=elder.person.id_number,
            meal_date=day,
        )

    for _ in range(3):
        results = run_concurrently(2, check_in)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert ElderDayFlag.objects.get(elder=elder, meal_date=day).several
        found = [
            f
            for f in fraud_findings(world["users"]["minzheng"], date_from=day, date_to=day)
            if f.kind == "two_facilities"
        ]
        assert len(found) == 1
