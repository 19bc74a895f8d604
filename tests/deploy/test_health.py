"""GET /healthz: 200 when healthy, 503 when a check fails; no login; the calendar's November rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection

from countyhall.core.models import CalendarYear
from countyhall.core.views import health


def get(client):
    response = client.get("/healthz")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


@pytest.fixture
def on(monkeypatch):
    def pin(day: dt.date):
        monkeypatch.setattr(health, "business_date", lambda: day)

    return pin


@pytest.fixture(autouse=True)
def worker_beating(request):
    """A worker beat just now (the worker check is tests/core/test_jobs.py's; here it is simply healthy)."""
    if "django_db" not in request.keywords:
        yield
        return
    from django.utils import timezone

    from countyhall.core.jobs import heartbeat_remove, heartbeat_write

    request.getfixturevalue("db")
    heartbeat_write(worker_id="test-health", started_at=timezone.now())
    yield
    heartbeat_remove("test-health")


@pytest.mark.django_db
def test_healthy_without_login(client, on):
    on(dt.date(2021, 6, 15))  # 2021 and 2022 are seeded for the tests
    status, body = get(client)
    assert status == 200 and body["status"] == "ok", body
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["calendar"]["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "ok"


@pytest.mark.django_db
def test_current_year_missing_fails(client, on):
    on(dt.date(2030, 3, 1))
    status, body = get(client)
    assert status == 503 and body["status"] == "fail"
    assert "2030" in body["checks"]["calendar"]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "code", "state"),
    [
        (dt.date(2022, 10, 31), 200, "ok"),  # before November only the current year is required
        (dt.date(2022, 11, 1), 200, "warn"),  # November: a warning, still serving
        (dt.date(2022, 11, 30), 200, "warn"),
        (dt.date(2022, 12, 1), 503, "fail"),  # December: clocks already run into next year
    ],
)
def test_next_year_rule(client, on, day, code, state):
    assert not CalendarYear.objects.filter(year=2023).exists()
    on(day)
    status, body = get(client)
    assert (status, body["checks"]["calendar"]["status"], body["status"]) == (code, state, state), body
    if state != "ok":
        assert "2023" in body["checks"]["calendar"]["message"]


@pytest.mark.django_db
def test_unapplied_migrations_fail(client, on, monkeypatch):
    on(dt.date(2021, 6, 15))
    from django.db.migrations.executor import MigrationExecutor

    def pending(self, targets, clean_start=False):
        # As if the code had a migration the database has not had yet: core's latest one still to apply.
        leaf = next(key for key in self.loader.graph.leaf_nodes() if key[0] == "core")
        return [(self.loader.graph.nodes[leaf], False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", pending)
    status, body = get(client)
    assert status == 503 and body["checks"]["migrations"]["status"] == "fail"
    assert body["checks"]["migrations"]["pending"][0].startswith("core.")


@pytest.mark.django_db
def test_database_unreachable_fails(client, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    body = health.health_report()
    assert body["status"] == "fail" and body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["worker"]["status"] == "fail"
    monkeypatch.undo()
    monkeypatch.setattr(health, "_check_database", lambda: {"status": "fail", "message": "无法连接数据库"})
    status, body = get(client)
    assert status == 503 and body["checks"]["calendar"]["status"] == "fail"


def test_post_is_refused(client):
    assert client.post("/healthz").status_code == 405
