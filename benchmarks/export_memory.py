"""Peak memory of the large Excel exports at two row counts (issue 11: exports streamed, memory flat).

    BENCH_PG_URL=postgres://… python -m benchmarks.export_memory            # every export, both row counts
    BENCH_PG_URL=postgres://… python -m benchmarks.export_memory --tracemalloc

Each export runs in a fresh process (the benchmark database of benchmarks.pages, its environment): a small
export of the same page first (imports, templates, the first connection), then the measured one, its streamed
content read to the end as a client would. Reported: the process's peak resident memory (ru_maxrss) above what it
held after the small export, and with --tracemalloc the peak of Python's own allocations (slower: tracing
costs several times the export's CPU). Flat memory means the peak does not grow with the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from benchmarks.pages import BENCH_DATE, DEFAULT_URL, ROOT, _env

# (demo user, name, path template, small range end, the two measured range ends)
EXPORTS = [
    (
        "minzheng",
        "lunches xlsx (county)",
        "/canteens/lunches/?export=xlsx&date_from=2022-01-01&date_to={}",
        "2022-01-01",
        ("2022-01-31", "2022-12-31"),
    ),
    (
        "auditor",
        "audit log xlsx",
        "/audit/?format=xlsx&date_from=2022-01-01&date_to={}",
        "2022-01-01",
        ("2022-01-31", "2022-12-31"),
    ),
]


def _rows(name: str, end: str) -> int:
    import datetime as dt

    from countyhall.canteens.models import Lunch
    from countyhall.core.selectors.audit import _local_midnight

    if name.startswith("lunches"):
        return Lunch.objects.filter(meal_date__range=("2022-01-01", end)).count()
    from countyhall.core.models import AuditEntry

    day = dt.date.fromisoformat(end) + dt.timedelta(days=1)
    return AuditEntry.objects.filter(
        at__gte=_local_midnight(dt.date(2022, 1, 1)), at__lt=_local_midnight(day)
    ).count()


def measure_one(user: str, path: str, warm_path: str, *, trace: bool) -> dict:
    import django

    django.setup()
    import gc
    import tracemalloc

    from benchmarks.pages import _client, _consume

    client = _client(user)
    _consume(client.get(warm_path))
    gc.collect()
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(path)
    size = _consume(response)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    return {
        "status": response.status_code,
        "streamed": response.streaming,
        "bytes": size,
        "seconds": round(seconds, 1),
        "rss_peak_above_start_mb": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_kb) / 1024, 1
        ),
        "python_peak_mb": round(peak / 2**20, 1) if peak is not None else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python's peak allocations")
    parser.add_argument("--only", default="", help="only the exports whose name contains this text")
    parser.add_argument("--one", nargs=3, metavar=("USER", "PATH", "WARM_PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_PG_URL", DEFAULT_URL)
    os.environ.update(_env(url, debug=False, date=BENCH_DATE))
    if args.one:
        print(json.dumps(measure_one(*args.one, trace=args.tracemalloc)))
        return 0
    import django

    django.setup()
    results = []
    for user, name, template, small, ends in EXPORTS:
        if args.only and args.only not in name:
            continue
        for end in ends:
            command = [
                sys.executable,
                "-m",
                "benchmarks.export_memory",
                "--one",
                user,
                template.format(end),
                template.format(small),
            ] + (["--tracemalloc"] if args.tracemalloc else [])
            done = subprocess.run(
                command, env=os.environ, cwd=ROOT, check=True, capture_output=True, text=True
            )
            entry = {
                "name": name,
                "rows": _rows(name, end),
                **json.loads(done.stdout.strip().splitlines()[-1]),
            }
            results.append(entry)
            print(json.dumps(entry, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
