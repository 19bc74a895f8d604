"""Migrations run backwards and forwards over a database holding the demo data, and the rows survive.

What this covers, honestly: `countyhall demo` fills a temporary SQLite file at today's schema (every program's
demo loader, the calendar, the gazette). Then, one app at a time (emergency, permits, heating, canteens,
gazette, egov, core), the app's newest migration is rolled back — with whatever depends on it — and everything is migrated
forward again. Each table that exists in the rolled-back state must hold the same number of rows before,
during and after: the AddField/AlterField and data migrations (canteens 0003 fills the price list from the
facilities' lunch prices; emergency 0002 the response level) run backwards and forwards over real rows without
losing or duplicating any. Tables the rolled-back migrations create are dropped with their rows (that is what
unapplying a CreateModel means: core 0003 takes the outbox and, through emergency's dependency on it, the
emergency tables) and must come back, empty. That loss is why docs/operations.md says to restore a backup
rather than migrate backwards in production.

It does not load data through historical models at an old state, and it runs on SQLite (the PostgreSQL run
migrates its own test database forward from zero at every session).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs in the subprocess: the row counts (backup.table_row_counts, the same counting the backup manifest
# uses) before, with the newest migration of each app rolled back, and after migrating forward again.
ROLL_BACK_AND_FORWARD = """
import django, json
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from countyhall.core.services.backup import table_row_counts

loader = MigrationLoader(connection)
latest = {}
for app, name in loader.applied_migrations:
    if app in ("core", "gazette", "canteens", "heating", "permits", "emergency", "egov"):
        latest.setdefault(app, []).append(name)
targets = {app: sorted(names)[-2] for app, names in latest.items() if len(names) > 1}
before = table_row_counts()
steps = {}
# One app at a time, forward again in between, core last: rolling core back also unapplies emergency (which
# depends on core 0003) and drops its tables, so emergency 0002 must run backwards over its rows first; egov
# depends on core 0012, so its own step runs before core's too.
order = ["emergency", "permits", "heating", "canteens", "gazette", "egov", "core"]
for app, target in sorted(targets.items(), key=lambda item: order.index(item[0])):
    start = table_row_counts()
    call_command("migrate", app, target, interactive=False, verbosity=0)
    applied = MigrationLoader(connection).applied_migrations
    rolled_back = table_row_counts()
    call_command("migrate", interactive=False, verbosity=0)
    steps[app] = {"target": target, "unapplied": sorted(f"{a}.{n}" for a, n in loader.graph.nodes
                                                        if (a, n) not in applied),
                  "start": start, "rolled_back": rolled_back, "after": table_row_counts()}
print(json.dumps({"before": before, "steps": steps}))
"""


# Tables whose migration fills them again from other tables when it is applied (an index, not data).
REBUILT = {"gazette_searchentry"}


@pytest.mark.skipif(
    (os.environ.get("DATABASE_URL") or "").startswith("postgres"),
    reason="runs the demo into a temporary SQLite file; once per suite is enough",
)
def test_latest_migrations_roll_back_and_forward_over_demo_data(tmp_path):
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COUNTYHALL_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "COUNTYHALL_VAR_DIR": str(tmp_path / "var"),
            "COUNTYHALL_MEDIA_ROOT": str(tmp_path / "media"),
            "COUNTYHALL_BUSINESS_DATE": "2022-06-15",
            "COUNTYHALL_GAZETTE": str(Path(settings.GAZETTE_SEED_PATH)),
            "PYTHONIOENCODING": "utf-8",
        }
    )
    demo = subprocess.run(
        [sys.executable, "-m", "countyhall.cli", "demo"], env=env, capture_output=True, text=True, timeout=300
    )
    assert demo.returncode == 0, demo.stderr
    run = subprocess.run(
        [sys.executable, "-c", ROLL_BACK_AND_FORWARD], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    before, steps = report["before"], report["steps"]

    # There was demo data to carry: people, elders, lunches, projects, incidents, the gazette.
    for table in (
        "core_person",
        "canteens_elder",
        "canteens_lunch",
        "canteens_pricelistentry",
        "permits_project",
        "emergency_incident",
        "gazette_document",
        # egov: the yearly cycle, the plan, construction and acceptance, performance (egov/demo*.py)
        "egov_planyear",
        "egov_application",
        "egov_review",
        "egov_annualplan",
        "egov_planentry",
        "egov_procurement",
        "egov_construction",
        "egov_finalacceptance",
        "egov_performanceevaluation",
        "egov_supplierrating",
    ):
        assert before[table] > 0, table
    # Every app with more than one migration was rolled back (and took its dependants with it).
    assert set(steps) == {
        "core",
        "canteens",
        "heating",
        "permits",
        "emergency",
        "gazette",
        "egov",
    }  # egov also goes back with core 0012 (its dependant)
    assert "emergency.0004_policy_basis_kept" in steps["emergency"]["unapplied"]
    assert "permits.0012_policy_basis_kept" in steps["permits"]["unapplied"]
    assert "canteens.0011_backdate_window_governed" in steps["canteens"]["unapplied"]
    assert (
        "gazette.0007_event_withdrawn" in steps["gazette"]["unapplied"]
    )  # issue 15: corrected register entries kept (0006), a mistaken entry withdrawn with its reason (0007, walk15)
    for app, step in steps.items():
        start, rolled_back, after = step["start"], step["rolled_back"], step["after"]
        assert step["unapplied"], f"{app}: nothing was rolled back"
        # The migration ledger shrinks while rolled back, by design; every other table that exists in the
        # rolled-back state keeps its rows over the way back and forward.
        survived = {name for name in rolled_back if name in start} - {"django_migrations"}
        changed = {
            name: (start[name], rolled_back[name], after[name])
            for name in survived
            if not start[name] == rolled_back[name] == after[name]
        }
        assert changed == {}, f"{app}: row counts changed over the rollback and re-apply: {changed}"
        # Every table is back; only those the unapplied migrations had created come back empty.
        assert set(after) == set(start) == set(before), app
        # A derived index its migration builds again from the rows it indexes (gazette 0003's search index) comes
        # back as it was; any other table comes back empty.
        dropped = set(start) - survived - {"django_migrations"}
        assert all(after[name] == start[name] for name in dropped & REBUILT), app
        assert all(after[name] == 0 for name in dropped - REBUILT), app
        assert after["django_migrations"] == start["django_migrations"], app
    # The steps before core's ran over the demo data itself, not over tables an earlier step had emptied (a table
    # an earlier step's unapplied CreateModel dropped comes back empty: only those may differ).
    emptied: set[str] = set()
    for app in ("emergency", "permits", "heating", "canteens"):
        assert {k: v for k, v in steps[app]["start"].items() if k not in emptied} == {
            k: v for k, v in before.items() if k not in emptied
        }, app
        emptied |= {name for name in steps[app]["start"] if name not in steps[app]["rolled_back"]}
    # Rolling egov back alone (0004: construction and acceptance) keeps the cycle's, the plan's and the
    # performance rows; the construction tables come back empty (checked above with every dropped table).
    assert "egov.0004_construction_acceptance" in steps["egov"]["unapplied"]
    for table in ("egov_application", "egov_annualplan", "egov_performanceevaluation"):
        assert steps["egov"]["rolled_back"][table] == before[table] > 0, table
    assert "egov_finalacceptance" not in steps["egov"]["rolled_back"]
    # Rolling permits back alone keeps the cases and their clocks.
    assert "permits_case" in steps["permits"]["rolled_back"]
