"""How the approval system's clock-based pages scale: a county's year of cases, then the department desk, the
monthly progress report (C11), the time statistics and the daily sweep, timed on SQLite.

    python -m benchmarks.permit_clocks                  # 1,000 projects, four stages each, five departments
    python -m benchmarks.permit_clocks --projects 200   # a quick run

Rows are bulk-inserted (the services' validation is not what is measured); the clocks are computed by the
same selectors and services the pages use. Result: one JSON line, also written to var/bench/permits.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "permits.sqlite3"
    database.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "countyhall.config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from countyhall.core.models import Division, Organisation
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.permits.models import Case, Project, Review, StageLimit
    from countyhall.permits.rules import STAGES
    from countyhall.permits.selectors import department_desk, monthly_progress, time_used_statistics
    from countyhall.permits.services import clock_sweep

    for year in (2021, 2022, 2023):
        calendar_seed_year(year=year, actor="bench")
    county = Division.objects.create(code="370322000000", name="高青县", kind="county", path="370322000000/")
    departments = [
        Organisation.objects.create(name=f"部门{i}", kind="department", division=county) for i in range(5)
    ]
    firms = [
        Organisation.objects.create(name=f"企业{i}", kind="enterprise", division=county) for i in range(50)
    ]
    for order, stage in enumerate(STAGES):
        limit = StageLimit.objects.create(
            category="social_civil",
            stage=stage,
            working_days=(10, 15, 10, 10)[order],
            lead=departments[order],
            basis="bench",
        )
        limit.participants.set(departments)
    rng = random.Random(7)
    projects = Project.objects.bulk_create(
        Project(
            code=f"B-{i:06d}",
            name=f"项目{i}",
            category="social_civil",
            site=county,
            applicant=rng.choice(firms),
        )
        for i in range(args.projects)
    )
    cases, open_cases = [], 0
    for project in projects:
        accepted = dt.date(2022, 1, 4) + dt.timedelta(days=rng.randrange(0, 330))
        for order, stage in enumerate(STAGES):
            finished = order < 3 or rng.random() < 0.5
            decided = accepted + dt.timedelta(days=rng.randrange(5, 30))
            cases.append(
                Case(
                    project=project,
                    stage=stage,
                    stage_order=order,
                    lead=departments[order],
                    applied_on=accepted,
                    accepted_on=accepted,
                    working_days=(10, 15, 10, 10)[order],
                    status="approved" if finished else "in_review",
                    decided_on=decided if finished else None,
                )
            )
            open_cases += not finished
            if not finished:
                break
            accepted = decided + dt.timedelta(days=rng.randrange(1, 20))
    Case.objects.bulk_create(cases, batch_size=2000)
    Review.objects.bulk_create(
        (
            Review(
                case=case,
                department=d,
                opinion="approve" if case.decided_on else "pending",
                decided_on=case.decided_on,
            )
            for case in Case.objects.all()
            for d in departments
        ),
        batch_size=5000,
    )
    on = dt.date(2022, 12, 20)
    timings = {}
    calls = (
        ("desk_busiest_department", lambda: department_desk(organisation=departments[0], on=on)),
        ("monthly_progress_lead", lambda: monthly_progress(lead=departments[1], year=2022, month=12, on=on)),
        ("time_used_statistics", lambda: time_used_statistics()),
        ("clock_sweep", lambda: clock_sweep(actor="bench", on=on)),
    )
    for name, call in calls:
        started = time.perf_counter()
        call()
        timings[name] = round(time.perf_counter() - started, 3)
    # Memory separately: tracing slows Python down several times, so it is not on while timing.
    tracemalloc.start()
    calls[0][1]()
    calls[2][1]()
    peak = tracemalloc.get_traced_memory()[1]
    result = {
        "projects": args.projects,
        "cases": Case.objects.count(),
        "open_cases": open_cases,
        "reviews": Review.objects.count(),
        "seconds": timings,
        "peak_python_mb_desk_and_statistics": round(peak / 2**20, 1),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "python": sys.version.split()[0],
        "database": "sqlite",
    }
    (OUT / "permits.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
