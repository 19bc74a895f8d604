"""The menu badges are cached per user and session for a short time (core.todos): a page after the first reads
them from the cache, the user's own write renews them at once, the home page always counts afresh."""

from __future__ import annotations

import pytest

from countyhall.core import todos as todo_module
from countyhall.core.programs import Todo

pytestmark = pytest.mark.django_db

BADGE = 'aria-label="{n} 项待办">{n}</span>'


@pytest.fixture
def counted(monkeypatch):
    """core_todos replaced by a counter of calls whose count the test sets."""
    state = {"calls": 0, "count": 2}

    def fake(user):
        state["calls"] += 1
        return [Todo(label="待审核的结算", url="/gazette/", count=state["count"], menu="gazette:list")]

    monkeypatch.setattr(todo_module, "core_todos", fake)
    return state


def test_badges_are_computed_once_then_read_from_the_cache(client, make_user, counted):
    client.force_login(make_user("cache-user", "civil_affairs"))
    assert BADGE.format(n=2) in client.get("/gazette/").content.decode()
    calls = counted["calls"]
    counted["count"] = 5  # someone else's write: seen within the TTL, not on the very next page
    assert BADGE.format(n=2) in client.get("/gazette/").content.decode()
    assert counted["calls"] == calls


def test_the_home_page_counts_afresh_and_renews_the_badges(client, make_user, counted):
    client.force_login(make_user("cache-home", "civil_affairs"))
    client.get("/gazette/")
    counted["count"] = 5
    home = client.get("/").content.decode()
    assert "5 项" in home and BADGE.format(n=5) in home
    assert BADGE.format(n=5) in client.get("/gazette/").content.decode()


def test_the_users_own_write_renews_the_badges_at_once(client, make_user, counted):
    client.force_login(make_user("cache-writer", "civil_affairs"))
    client.get("/gazette/")
    counted["count"] = 0  # the user did the to-do …
    client.post("/notices/", {})  # … with a write (any POST of the session renews the stamp)
    html = client.get("/gazette/").content.decode()
    assert BADGE.format(n=2) not in html and "项待办" not in html


def test_another_session_of_the_same_user_counts_for_itself(client, make_user, counted):
    from django.test import Client

    user = make_user("cache-two", "civil_affairs")
    client.force_login(user)
    client.get("/gazette/")
    counted["count"] = 7
    other = Client()
    other.force_login(user)
    assert BADGE.format(n=7) in other.get("/gazette/").content.decode()


def test_a_ttl_of_zero_turns_the_cache_off(client, make_user, counted, settings):
    settings.COUNTYHALL_TODO_CACHE_SECONDS = 0
    client.force_login(make_user("cache-off", "civil_affairs"))
    client.get("/gazette/")
    counted["count"] = 4
    assert BADGE.format(n=4) in client.get("/gazette/").content.decode()


def test_a_token_api_write_starts_no_session(client):
    """The terminals' check-ins carry no session: renewing a stamp must not create one per request."""
    from django.contrib.sessions.models import Session

    before = Session.objects.count()
    client.post("/api/v1/canteens/lunches", {}, content_type="application/json")
    assert Session.objects.count() == before
