"""The county-scale page benchmark (issue 11): every list page, detail page and export a user opens, timed on
a county-sized PostgreSQL database, signed in as each demo role that uses the page.

    python -m benchmarks.pages                # build bench_pages once (kept for re-runs), time every page
    python -m benchmarks.pages --rebuild      # drop and rebuild the database first
    python -m benchmarks.pages --only canteens --requests 5
    python -m benchmarks.pages --smoke        # a few hundred rows on a throwaway database, each page once (200)

Database: $BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/bench_pages). The data (benchmarks/
county_data.py) is 90,000 elders, about 10 million lunches of 2022, 3,224 heating households, 1,000 permit
projects with 4,000 cases, 1 million audit rows, on top of the demo (its users, roles and organisations).
Requests go through Django's test Client in-process with DEBUG off (the production middleware, CSP and
templates cached), each signed in as the demo user of the role; the figures are server time without the
network. Exports are timed the same way, their streamed content consumed, and their peak Python memory traced
at two row counts in a separate pass (tracing slows Python down). Results: var/bench/pages.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_pages"
GOAL_MS = 300
PDF_GOAL_MS = 1000
# The demo runs on 2022-06-15; the benchmark year is 2022, read in January 2023 (its settlements are done).
DEMO_DATE = "2022-06-15"
BENCH_DATE = "2023-01-10"
TOWN_CODE = "370322101000"  # 青城镇: the smaller size of an export by town


@dataclass
class Page:
    user: str  # demo username (its role is the demo's), "" for anonymous
    kind: str  # list, detail, export, pdf
    name: str
    url: object  # a path, or a callable returning one once Django is set up
    requests: int | None = None  # fewer for the heavy exports
    result: dict = field(default_factory=dict)

    def path(self) -> str:
        return self.url() if callable(self.url) else self.url


def pages() -> list[Page]:
    """Every page of the menus (apps.py) and urls.py files that lists, shows or exports, with the roles of the demo
    that open it. Ids are chosen at run time: the busiest facility, an elder with lunches, a settlement …"""
    from countyhall.canteens.models import Elder, Facility, Settlement
    from countyhall.core.models import Person
    from countyhall.egov.models import AnnualPlan, Application, FinalAcceptance
    from countyhall.emergency.models import Incident
    from countyhall.gazette.models import Document
    from countyhall.permits.models import Project

    def first(queryset):
        return lambda: queryset().values_list("pk", flat=True).first()

    bench_facility = first(lambda: Facility.objects.filter(name__contains="（基准）").order_by("pk"))
    demo_facility = first(lambda: Facility.objects.filter(name="青城镇河口村长者食堂"))
    elder = first(
        lambda: Elder.objects.filter(lunches__isnull=False, person__name__regex=r"^[^户]").order_by("pk")
    )
    town_elder = first(
        lambda: Elder.objects.filter(person__division__path__contains="/370322101000/").order_by("-pk")
    )
    settlement = first(
        lambda: Settlement.objects.filter(month__isnull=True, lunches__gt=0).order_by("-lunches")
    )
    person = first(lambda: Person.objects.filter(elder__isnull=False).order_by("-pk"))
    project = first(lambda: Project.objects.filter(code__contains="-B").order_by("pk"))
    firm_project = first(lambda: Project.objects.filter(applicant__short_name="示例新材料").order_by("pk"))
    incident = first(lambda: Incident.objects.order_by("pk"))
    document = first(lambda: Document.objects.order_by("pk"))
    # e-government (1号): demo-sized (a county has some tens of projects a year, the demo a plan year at every stage)
    egov_project = first(lambda: Application.objects.filter(final_acceptances__isnull=False).order_by("pk"))
    egov_unit_project = first(
        lambda: Application.objects.filter(unit__name="高青县教育和体育局").order_by("pk")
    )
    egov_accepted = first(
        lambda: Application.objects.filter(final_acceptances__status=FinalAcceptance.Status.PASSED).order_by(
            "pk"
        )
    )

    def egov_plan_pdf():
        plan = AnnualPlan.objects.select_related("plan_year").order_by("-plan_year__year", "-version").first()
        return f"/egov/plan/{plan.plan_year.year}/v{plan.version}.pdf"

    def at(template: str, pk_of):
        return lambda: template.format(pk_of())

    p = Page
    return [
        # core and home
        p("", "list", "login page", "/accounts/login/"),
        p("minzheng", "list", "home", "/"),
        p("admin", "list", "people", "/people/"),
        p("minzheng", "list", "people", "/people/"),
        p("qingcheng", "list", "people (town)", "/people/"),
        p("minzheng", "list", "people search by name", "/people/?q=王"),
        p("minzheng", "detail", "person", at("/people/{}/", person)),
        p("auditor", "list", "audit log", "/audit/"),
        p("auditor", "list", "audit log, filtered by type", "/audit/?object_type=core.person"),
        p("auditor", "list", "audit log, page 500", "/audit/?page=500"),
        p("admin", "list", "access tables", "/access/"),
        p("admin", "list", "notices", "/notices/"),
        p("admin", "list", "calendar", "/calendar/"),
        p("admin", "detail", "calendar month", "/calendar/2023/1/"),
        p("admin", "list", "policy parameters", "/policy/parameters/"),
        p("admin", "detail", "policy parameter", "/policy/parameters/canteen.eligibility.min_age/"),
        p("admin", "list", "readings", "/policy/readings/"),
        p("", "list", "gazette", "/gazette/"),
        p("", "detail", "gazette document", at("/gazette/d/{}/", document)),
        p("", "list", "gazette personnel", "/gazette/personnel/"),
        p("", "list", "gazette clause search", "/gazette/?q=长者食堂"),
        p("", "list", "gazette search page", "/gazette/search/?q=长者食堂"),
        p(
            "",
            "detail",
            "gazette document as in force on a day",
            at("/gazette/d/{}/?on=2022-03-01", document),
        ),
        p("admin", "list", "gazette register", "/gazette/register/"),
        p("", "list", "gazette posts", "/gazette/posts/"),
        p("", "export", "gazette register xlsx", "/gazette/export.xlsx", 3),
        p("", "export", "gazette document AKN XML", at("/gazette/d/{}/akn.xml", document), 3),
        p("", "pdf", "gazette document PDF", at("/gazette/d/{}/pdf/", document), 3),
        # e-government projects
        p("dashuju", "list", "egov projects", "/egov/"),
        p("jiaoti", "list", "egov projects (unit)", "/egov/"),
        p("dashuju", "detail", "egov project", at("/egov/a/{}/", egov_project)),
        p("jiaoti", "detail", "egov project (unit)", at("/egov/a/{}/", egov_unit_project)),
        p("dashuju", "list", "egov portfolio", "/egov/portfolio/"),
        p("caizheng", "list", "egov portfolio", "/egov/portfolio/"),
        p(
            "dashuju",
            "detail",
            "egov project gates and performance",
            at("/egov/a/{}/performance/", egov_project),
        ),
        p("dashuju", "list", "egov annual plan", "/egov/plan/"),
        p("dashuju", "list", "egov performance", "/egov/performance/"),
        p("dashuju", "list", "egov ratings", "/egov/ratings/"),
        p("dashuju", "pdf", "egov review report PDF", at("/egov/a/{}/review.pdf", egov_project), 3),
        p("dashuju", "pdf", "egov annual plan PDF", egov_plan_pdf, 3),
        p("dashuju", "pdf", "egov acceptance report PDF", at("/egov/a/{}/acceptance.pdf", egov_accepted), 3),
        # canteens
        p("", "list", "canteens public list", "/canteens/public/"),
        p("minzheng", "list", "canteens dashboard", "/canteens/"),
        p("caizheng", "list", "canteens dashboard", "/canteens/"),
        p("qingcheng", "list", "canteens dashboard", "/canteens/"),
        p("auditor", "list", "canteens dashboard", "/canteens/"),
        p("minzheng", "list", "facilities", "/canteens/facilities/"),
        p("qingcheng", "list", "facilities", "/canteens/facilities/"),
        p("minzheng", "detail", "facility", at("/canteens/facilities/{}/", bench_facility)),
        p("shitang", "detail", "facility (operator)", at("/canteens/facilities/{}/", demo_facility)),
        p("shitang", "detail", "counter", at("/canteens/facilities/{}/counter/", demo_facility)),
        p("minzheng", "detail", "facility prices", at("/canteens/facilities/{}/prices/", bench_facility)),
        p("minzheng", "list", "elders", "/canteens/elders/"),
        p("qingcheng", "list", "elders", "/canteens/elders/"),
        p("minzheng", "list", "elders search", "/canteens/elders/?q=王"),
        p("minzheng", "detail", "elder", at("/canteens/elders/{}/", elder)),
        p("qingcheng", "detail", "elder", at("/canteens/elders/{}/", town_elder)),
        p("minzheng", "list", "lunches", "/canteens/lunches/"),
        # Page 1000 by OFFSET is gone: past 10,000 rows the list pages by position (更早的记录, keyset); a cursor
        # half-way through the year stands for a deep page.
        p(
            "minzheng",
            "list",
            "lunches, older records (keyset, June)",
            "/canteens/lunches/?after=2022-06-30~2147483647",
        ),
        p("qingcheng", "list", "lunches", "/canteens/lunches/"),
        p("shitang", "list", "lunches", "/canteens/lunches/"),
        p(
            "minzheng",
            "list",
            "lunches of a facility and a month",
            at("/canteens/lunches/?facility={}&date_from=2022-06-01&date_to=2022-06-30", bench_facility),
        ),
        p("minzheng", "list", "late entries", "/canteens/late-entries/"),
        p("minzheng", "list", "settlements", "/canteens/settlements/"),
        p("caizheng", "list", "settlements", "/canteens/settlements/"),
        p("minzheng", "detail", "settlement", at("/canteens/settlements/{}/", settlement)),
        p("caizheng", "list", "subsidies", "/canteens/subsidies/"),
        p("minzheng", "list", "fraud checks", "/canteens/fraud/", 1),
        p("minzheng", "export", "facilities xlsx", "/canteens/facilities/?format=xlsx", 3),
        # ?export=xlsx: the list has no ?format= (until 2026-12-03 this line timed the HTML page instead).
        p("minzheng", "export", "settlements xlsx", "/canteens/settlements/?export=xlsx", 3),
        p(
            "minzheng",
            "export",
            "lunches xlsx, one facility-month",
            at(
                "/canteens/lunches/?export=xlsx&facility={}&date_from=2022-06-01&date_to=2022-06-30",
                bench_facility,
            ),
            3,
        ),
        p("minzheng", "pdf", "settlement PDF", at("/canteens/settlements/{}/?format=pdf", settlement), 5),
        # The year's 结算明细 of the busiest facility: a row per lunch (about 40,000 at county scale).
        p(
            "minzheng",
            "export",
            "settlement detail xlsx",
            at("/canteens/settlements/{}/?format=xlsx", settlement),
            1,
        ),
        # heating
        p("zhujian", "list", "heating dashboard", "/heating/"),
        p("qingcheng", "list", "heating dashboard", "/heating/"),
        p("caizheng", "list", "heating dashboard", "/heating/"),
        p("zhujian", "list", "heating ledger", "/heating/ledger/"),
        p("qingcheng", "list", "heating ledger", "/heating/ledger/"),
        p("auditor", "list", "heating ledger", "/heating/ledger/"),
        p("zhujian", "list", "heating money", "/heating/money/"),
        p("caizheng", "list", "heating money", "/heating/money/"),
        p("zhujian", "list", "heating setup", "/heating/setup/"),
        p("zhujian", "export", "heating ledger xlsx", "/heating/ledger/?format=xlsx", 3),
        # permits
        p("shenpi", "list", "projects", "/permits/"),
        p("zhujian", "list", "projects", "/permits/"),
        p("qiye", "list", "projects (firm)", "/permits/"),
        p("auditor", "list", "projects", "/permits/"),
        p("shenpi", "detail", "project", at("/permits/p/{}/", project)),
        p("qiye", "detail", "project (firm)", at("/permits/p/{}/", firm_project)),
        p("zhujian", "list", "desk", "/permits/desk/"),
        p("ziran", "list", "desk", "/permits/desk/"),
        p("renfang", "list", "desk", "/permits/desk/"),
        p("shenpi", "list", "stage limits", "/permits/limits/"),
        p("shenpi", "list", "credit", "/permits/credit/"),
        p("shenpi", "list", "reports", "/permits/reports/"),
        p("ziran", "list", "reports (lead)", "/permits/reports/"),
        p("shenpi", "export", "project ledger xlsx", "/permits/?format=xlsx", 3),
        # emergency
        p("yingji", "list", "incidents", "/emergency/"),
        p("dianchang", "list", "incidents (enterprise)", "/emergency/"),
        p("qingcheng", "list", "incidents (town)", "/emergency/"),
        p("yingji", "detail", "incident", at("/emergency/i/{}/", incident)),
        p("yingji", "detail", "incident clock", at("/emergency/i/{}/clock.json", incident)),
        p("yingji", "list", "registers", "/emergency/registers/"),
        p("yingji", "list", "warnings", "/emergency/warnings/"),
        p("yingji", "list", "drills", "/emergency/drills/"),
        p("yingji", "list", "outbox", "/emergency/outbox/"),
        p("yingji", "export", "incidents xlsx", "/emergency/?format=xlsx", 3),
        p("yingji", "pdf", "incident report PDF", at("/emergency/i/{}/report.pdf", incident), 3),
        p(
            "auditor",
            "export",
            "audit log xlsx, one day",
            "/audit/?format=xlsx&date_from=2022-03-01&date_to=2022-03-01",
            3,
        ),
    ]


# Exports whose peak memory is traced at two row counts: flat memory means the rows are streamed.
MEMORY_EXPORTS = [
    (
        "auditor",
        "audit log xlsx",
        "/audit/?format=xlsx&date_from=2022-03-01&date_to={}",
        ("2022-03-01", "2022-03-05"),
    ),
    (
        "minzheng",
        "lunches xlsx of a facility",
        "/canteens/lunches/?export=xlsx&facility={facility}&date_from=2022-01-01&date_to={}",
        ("2022-01-08", "2022-02-28"),
    ),
    # Past COUNTYHALL_JOB_EXPORT_ROWS households a background job (followed: run in-process, its file downloaded).
    (
        "zhujian",
        "heating ledger xlsx",
        "/heating/ledger/?format=xlsx{}",
        ("&division={town}", ""),
    ),
    ("minzheng", "elders xlsx", "/canteens/elders/?export=xlsx{}", ("&division={town}", "")),
    # A month and the year of the busiest facility's settlements: past COUNTYHALL_JOB_EXPORT_ROWS lunches a job.
    ("minzheng", "settlement detail xlsx", "/canteens/settlements/{}/?format=xlsx", ("MONTH", "YEAR")),
]


# --- the database -----------------------------------------------------------------------------------------------


def _server_and_name(url: str) -> tuple[str, str]:
    base, name = url.rsplit("/", 1)
    return base + "/postgres", name


def _env(url: str, *, debug: bool, date: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.local",
        "DJANGO_DEBUG": "1" if debug else "0",
        "COUNTYHALL_BUSINESS_DATE": date,
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }


def _populated(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            row = connection.execute("SELECT count(*) FROM permits_project WHERE code LIKE '%-B%'").fetchone()
            audit = connection.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'core_auditentry'"
            ).fetchone()
            return bool(row and row[0]) and bool(audit and audit[0] > 0)
    except psycopg.Error:
        return False


def ensure_database(url: str, *, rebuild: bool, scale: float) -> dict | None:
    """Create and fill the benchmark database unless it already holds the data. Returns the generator's report."""
    import psycopg

    server, name = _server_and_name(url)
    if not rebuild and _populated(url):
        print(f"{name}: data present, generation skipped (--rebuild to redo)", flush=True)
        _migrate_and_analyse(url)
        return None
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    # The demo's loader (users, roles, organisations, towns, the programs' demo rows) needs DEBUG: it prints
    # passwords. It runs on its own business date; the county-scale rows follow.
    subprocess.run(
        [sys.executable, "-m", "countyhall.cli", "demo"],
        env=_env(url, debug=True, date=DEMO_DATE),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    demo_seconds = time.perf_counter() - started
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.county_data", "--scale", str(scale)],
        env=_env(url, debug=True, date=BENCH_DATE),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["seconds"]["demo"] = round(demo_seconds, 1)
    report["seconds"]["total"] = round(time.perf_counter() - started, 1)
    print(f"{name}: generated {json.dumps(report, ensure_ascii=False)}", flush=True)
    _migrate_and_analyse(url)
    return report


def _migrate_and_analyse(url: str) -> None:
    """The kept database brought to this checkout's migrations, then ANALYZEd: a fresh or copied database has no
    planner statistics until autovacuum gets to it, and without them the heating money page was planned as a 2.5 s
    nested loop (docs/benchmarks.md)."""
    import psycopg

    subprocess.run(
        [sys.executable, "-m", "countyhall.cli", "manage", "migrate", "--verbosity", "0"],
        env=_env(url, debug=True, date=BENCH_DATE),
        cwd=ROOT,
        check=True,
    )
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


# --- timing -------------------------------------------------------------------------------------------------------


def _consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _job_of(response) -> int | None:
    """The job an export answered with (a 302 to its job page: the large ledgers are built by the worker)."""
    if response.status_code != 302:
        return None
    from django.urls import Resolver404, resolve

    try:
        match = resolve(response["Location"].split("?")[0])
    except Resolver404:
        return None
    return match.kwargs["pk"] if match.url_name == "job" and match.namespace == "core" else None


def _get(client, path: str):
    """GET `path`; an export that answers with a background job is followed to its file: the job run to completion
    in-process by core.jobs.execute_job (the runner the tests use), then its file downloaded. Returns (response,
    job id or None); the time of this call is request → file ready (the worker's start-up and its polling delay
    are not in it)."""
    response = client.get(path)
    job = _job_of(response)
    if job is not None:
        from countyhall.core.jobs import execute_job

        execute_job(job)
        response = client.get(f"/jobs/{job}/download")
    return response, job


def _client(username: str):
    from django.test import Client

    from countyhall.core.models import User

    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def time_page(page: Page, client, requests: int) -> dict:
    from django.db import connection

    path = page.path()
    response, job = _get(client, path)  # warm-up: templates, the first connection
    size = _consume(response)
    if response.status_code != 200:
        return {
            "path": path,
            "status": response.status_code,
            "error": response.content[:300].decode(errors="replace"),
        }
    queries = []
    sql_seconds = []

    # SQL time is measured too: on the shared 2 cores the wall clock is inflated by other processes' CPU, the
    # database's share of a request much less so.
    def count(execute, sql, params, many, context):
        queries.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds.append(time.perf_counter() - started)

    # Counted with an execute wrapper: the test client's request_started signal resets Django's query log.
    with connection.execute_wrapper(count):
        _consume(_get(client, path)[0])
    times, cpu = [], []
    collections = {0: 0, 1: 0, 2: 0}

    # The collections during the timed requests: the slow one in ten was a full (generation 2) collection.
    def collected(phase, info):
        if phase == "stop":
            collections[info["generation"]] += 1

    gc.callbacks.append(collected)
    try:
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            _consume(_get(client, path)[0])
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    finally:
        gc.callbacks.remove(collected)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    goal = PDF_GOAL_MS if page.kind == "pdf" else GOAL_MS
    return {
        "path": path,
        "status": 200,
        "bytes": size,
        "queries": len(queries),
        "sql_ms": round(sum(sql_seconds) * 1000, 1),
        "requests": requests,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_max_ms": round(max(cpu), 1),
        "full_gcs": collections[2],
        "young_gcs": collections[0] + collections[1],
        "goal_ms": goal,
        "meets_goal": p95 < goal,
        # Followed background job: the times are request → file ready, the queries the job's too.
        **({"job": True} if job is not None else {}),
    }


def export_memory(client, path: str) -> dict:
    _consume(_get(client, path)[0])  # untraced first: imports and templates are not the export's memory
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    response, job = _get(client, path)
    size = _consume(response)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "path": path,
        "status": response.status_code,
        "bytes": size,
        "peak_python_mb": round(peak / 2**20, 1),
        "seconds_traced": round(time.perf_counter() - started, 2),
        **({"job": True} if job is not None else {}),
    }


def run_timings(
    *, requests: int, only: str, smoke: bool, start: int = 0, gc_mode: str = "production"
) -> dict:
    import django

    django.setup()
    gc_applied = None
    if gc_mode == "production":
        # What each gunicorn worker does once it has loaded the application (deploy/gunicorn.conf.py).
        from countyhall.config.gc_tuning import freeze_after_startup

        gc_applied = freeze_after_startup()
        print(f"gc: frozen {gc_applied['frozen']} objects, thresholds {gc_applied['threshold']}", flush=True)
    import logging

    from django.db import connection

    # WeasyPrint's font notices would bury the table.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)

    from countyhall.canteens.models import Elder, Facility, Lunch, Settlement
    from countyhall.core.models import AuditEntry, Division
    from countyhall.heating.models import Household

    results, clients = [], {}
    for index, page in enumerate(pages()):
        if index < start:
            continue
        if (
            only
            and only not in page.name
            and only != page.user
            and (callable(page.url) or only not in page.url)
        ):
            continue
        client = clients.get(page.user) or clients.setdefault(page.user, _client(page.user))
        count = 1 if smoke else (page.requests or requests)
        page.result = {
            "user": page.user or "(anonymous)",
            "kind": page.kind,
            "name": page.name,
            **time_page(page, client, count),
        }
        results.append(page.result)
        r = page.result
        print(
            f"{r['status']} {r.get('p50_ms', '-'):>8} {r.get('p95_ms', '-'):>8} q={r.get('queries', '-'):<4} "
            f"sql={r.get('sql_ms', '-'):>7} cpu={r.get('cpu_p50_ms', '-'):>6} gc2={r.get('full_gcs', '-')} "
            f"{r['user']:<10} {page.name}",
            flush=True,
        )
    memory = []
    if not smoke and (not only or only == "memory"):  # --only memory: this pass alone
        facility = (
            Facility.objects.filter(name__contains="（基准）")
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        town = Division.objects.get(code=TOWN_CODE)
        for user, name, template, ends in MEMORY_EXPORTS:
            client = clients.get(user) or clients.setdefault(user, _client(user))
            for end in ends:
                settlement = None
                if end in ("MONTH", "YEAR"):
                    settlement = (
                        Settlement.objects.filter(month__isnull=end == "YEAR", lunches__gt=0)
                        .order_by("-lunches")
                        .first()
                    )
                    end = settlement.pk
                path = template.format(end, facility=facility).format(town=town.pk)
                entry = {"user": user, "name": name, **export_memory(client, path)}
                if "heating" in name:
                    entry["rows"] = Household.objects.filter(
                        division__path__startswith=town.path if end else ""
                    ).count()
                elif "elders" in name:
                    entry["rows"] = Elder.objects.filter(
                        person__division__path__startswith=town.path if end else ""
                    ).count()
                elif settlement is not None:
                    entry["rows"] = settlement.lunches
                elif "audit" in name:
                    entry["rows"] = AuditEntry.objects.filter(
                        at__date__gte="2022-03-01", at__date__lte=end
                    ).count()
                else:
                    entry["rows"] = Lunch.objects.filter(
                        facility_id=facility, meal_date__gte="2022-01-01", meal_date__lte=end
                    ).count()
                memory.append(entry)
                print(f"memory {entry['peak_python_mb']} MB for {entry['rows']} rows: {name}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        sizes = {}
        for table in (
            "core_person",
            "canteens_elder",
            "canteens_lunch",
            "heating_household",
            "permits_project",
            "permits_case",
            "permits_review",
            "core_auditentry",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            sizes[table] = cursor.fetchone()[0]
    return {
        "pages": results,
        "export_memory": memory,
        "postgresql": pg_version,
        "rows": sizes,
        "gc": {"mode": gc_mode, **(gc_applied or {"threshold": gc.get_threshold()})},
    }


def markdown(report: dict) -> str:
    """The table for docs/benchmarks.md from a saved run."""
    # Runs saved before the CPU and collection counts were recorded have no such columns.
    cpu = any("cpu_p50_ms" in p for p in report["pages"])
    extra_head, extra_rule = (" CPU p50 / max ms | SQL ms | full GCs |", "---|---|---|") if cpu else ("", "")
    lines = [
        f"| page | role (demo user) | kind | p50 ms | p95 ms | queries |{extra_head} goal |",
        f"|---|---|---|---|---|---|{extra_rule}---|",
    ]
    for p in report["pages"]:
        if p["status"] != 200:
            dashes = " — | — | — |" if cpu else ""
            lines.append(
                f"| {p['name']} | {p['user']} | {p['kind']} | — | — | — |{dashes} answered {p['status']} |"
            )
            continue
        verdict = "met" if p["meets_goal"] else f"**missed** (< {p['goal_ms']} ms)"
        if p.get("job"):
            verdict += "; background job followed: request → file ready"
        extra = (
            f" {p['cpu_p50_ms']:.0f} / {p['cpu_max_ms']:.0f} | {p['sql_ms']:.0f} | {p['full_gcs']} |"
            if cpu
            else ""
        )
        lines.append(
            f"| {p['name']} | {p['user']} | {p['kind']} | {p['p50_ms']:.0f} | {p['p95_ms']:.0f} | "
            f"{p['queries']} |{extra} {verdict} |"
        )
    if report.get("export_memory"):
        lines += ["", "| export | rows | peak Python memory |", "|---|---|---|"]
        for m in report["export_memory"]:
            job = " (background job followed)" if m.get("job") else ""
            lines.append(f"| {m['name']}{job} | {m['rows']:,} | {m['peak_python_mb']} MB |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the benchmark database")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--only", default="", help="time only pages whose name or path contains this text")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few hundred rows on a throwaway database, each page fetched once, asserting 200",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the county size to generate")
    parser.add_argument(
        "--start", type=int, default=0, help="skip the first N pages of the list (resume a run)"
    )
    parser.add_argument(
        "--gc",
        choices=("production", "default"),
        default="production",
        help="production (default): freeze after start-up and raise the young threshold as each gunicorn worker "
        "does (deploy/gunicorn.conf.py); default: Python's collector as it comes",
    )
    parser.add_argument("--markdown", metavar="JSON", help="print the docs table of a saved run and stop")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text(encoding="utf-8"))))
        return 0
    url = os.environ.get("BENCH_PG_URL", DEFAULT_URL)
    if args.smoke:
        url = _server_and_name(url)[0].rsplit("/", 1)[0] + f"/bench_pages_smoke_{os.getpid()}"
    generated = ensure_database(
        url, rebuild=args.rebuild or args.smoke, scale=0.004 if args.smoke else args.scale
    )
    os.environ.update(_env(url, debug=False, date=BENCH_DATE))
    try:
        report = run_timings(
            requests=args.requests, only=args.only, smoke=args.smoke, start=args.start, gc_mode=args.gc
        )
    finally:
        if args.smoke:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(_server_and_name(url)[0], autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
    failed = [p for p in report["pages"] if p["status"] != 200]
    if args.smoke:
        for page in failed:
            print(f"FAILED {page['status']} {page['user']} {page['path']}: {page.get('error', '')[:200]}")
        return 1 if failed else 0
    report.update(
        {
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
            },
            "generated": generated,
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
    )
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.gc == "production" else f"-gc-{args.gc}"
    target = OUT / (
        f"pages{suffix}.json"
        if not (args.only or args.start)
        else f"pages-{args.only or args.start}{suffix}.json"
    )
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    missed = [p for p in report["pages"] if p["status"] == 200 and not p["meets_goal"]]
    print(
        f"{len(report['pages'])} pages, {len(failed)} not 200, {len(missed)} over the goal; written to {target}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
