"""Concurrent check-ins never record a doubled lunch (A13) nor a doubled retry (idempotency key).

Run on PostgreSQL, where writers really run in parallel. SQLite serialises every writer, so
the race these tests provoke cannot happen there.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from countyhall.canteens.models import Lunch
from countyhall.canteens.services.lunches import lunch_check_in
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised in the PostgreSQL run")


def test_parallel_counters_record_one_subsidised_lunch(postgres_only, filed_world):
    world = filed_world
    elder = world["elders"]["same_65"]
    day = dt.date(2022, 6, 2)

    def check_in(index):
        return lunch_check_in(
            actor=world["users"]["operator"],
            facility=world["facility"],
            identifier=elder.person.id_number,
            meal_date=day,
            idempotency_key=f"counter-{index}",
        )

    results = run_concurrently(8, check_in)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Lunch.objects.filter(elder=elder, meal_date=day, status="accepted").count() == 1
    assert (
        Lunch.objects.filter(
            elder=elder, meal_date=day, status="refused", reason_code="already_had_lunch"
        ).count()
        == 7
    )


def test_parallel_retries_of_one_request_record_it_once(postgres_only, filed_world):
    world = filed_world
    elder = world["elders"]["other_70"]

    def retry(_index):
        return lunch_check_in(
            actor=world["users"]["operator"],
            facility=world["facility"],
            identifier=elder.person.id_number,
            meal_date=dt.date(2022, 6, 3),
            idempotency_key="terminal-3:000042",
        )

    results = run_concurrently(8, retry)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Lunch.objects.filter(idempotency_key="terminal-3:000042").count() == 1
    assert len({r.lunch.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1


def test_parallel_requests_reusing_a_key_with_different_bodies(postgres_only, filed_world):
    """One body wins the key; every other body gets the conflict, none is replayed as if it were the winner."""
    from countyhall.canteens.services.lunches import IdempotencyConflict

    world = filed_world
    elders = [world["elders"][k] for k in ("same_65", "other_70", "same_80", "young")]

    def check_in(index):
        return lunch_check_in(
            actor=world["users"]["operator"],
            facility=world["facility"],
            identifier=elders[index % 4].person.id_number,
            meal_date=dt.date(2022, 6, 6),
            idempotency_key="terminal-5:000777",
        )

    results = run_concurrently(8, check_in)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, IdempotencyConflict)]
    assert not unexpected, unexpected
    [stored] = Lunch.objects.filter(idempotency_key="terminal-5:000777")
    winners = [i for i, r in enumerate(results) if not isinstance(r, Exception)]
    assert {elders[i % 4].pk for i in winners} == {stored.elder_id}
    assert all(
        isinstance(results[i], IdempotencyConflict) for i in range(8) if elders[i % 4].pk != stored.elder_id
    )
