"""Peak memory of the Excel exports at two row counts (issue 11: exports streamed, memory flat).

    BENCH_PG_URL=postgres://… python -m benchmarks.export_memory              # every export, both sizes
    BENCH_PG_URL=postgres://… python -m benchmarks.export_memory --only 午餐   # the exports whose name has this
    BENCH_PG_URL=postgres://… python -m benchmarks.export_memory --rss        # also the process's peak RSS

Each export runs in a fresh process on the database of benchmarks.pages (its environment, DEBUG off): the small
size first, untraced (imports, templates, the first connection), then the measured request, its streamed content
read to the end as a client would. An export that answers with a background job (302 to its job page) is followed:
the job is run to completion in-process by `core.jobs.execute_job` (the runner the tests use) and its file
downloaded; the time is request → file ready. Reported: the peak of Python's own allocations (tracemalloc; it
slows Python down several times, so its "seconds" are not the export's time), the data rows the workbook holds
(counted in the file), and with --rss the process's peak resident memory above its state after the warm-up.
Flat memory means the peak does not grow with the rows. Results: var/bench/export-memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from benchmarks.pages import BENCH_DATE, DEFAULT_URL, OUT, ROOT, _env


def _first(model: str, **filters):
    def pk():
        from django.apps import apps

        found = apps.get_model(model).objects.filter(**filters).order_by("pk").values_list("pk", flat=True)
        return found.first()

    return pk


def _busiest_settlement(month: bool):
    def pk():
        from countyhall.canteens.models import Settlement

        return (
            Settlement.objects.filter(month__isnull=not month, lunches__gt=0)
            .order_by("-lunches", "pk")
            .values_list("pk", flat=True)
            .first()
        )

    return pk


def _town():
    from countyhall.core.models import Division

    return Division.objects.filter(code="370322101000").values_list("pk", flat=True).first()


# (demo user, name, path of the small size, path of the large size); "{town}", "{settlement}" … are filled in at
# run time. Sizes are chosen so that the large one holds about ten times the small one's rows on the benchmark
# databases of benchmarks.pages (a date range, a town against the county, a month against the year).
EXPORTS = [
    (
        "minzheng",
        "午餐登记 lunches xlsx (Table, joined tuples)",
        "/canteens/lunches/?export=xlsx&date_from=2022-01-01&date_to=2022-01-04",
        "/canteens/lunches/?export=xlsx&date_from=2022-01-01&date_to=2022-02-03",
    ),
    (
        "minzheng",
        "助餐老人 elders xlsx (Table, model rows)",
        "/canteens/elders/?export=xlsx&division={town}",
        "/canteens/elders/?export=xlsx",
    ),
    (
        "minzheng",
        "结算明细 settlement detail xlsx",
        "/canteens/settlements/{settlement_month}/?format=xlsx",
        "/canteens/settlements/{settlement_year}/?format=xlsx",
    ),
    (
        "minzheng",
        "助餐结算单 settlements xlsx (Table)",
        "/canteens/settlements/?export=xlsx&month=1",
        "/canteens/settlements/?export=xlsx",
    ),
    (
        "minzheng",
        "长者助餐服务机构 facilities xlsx (Table)",
        "/canteens/facilities/?format=xlsx&division={town}",
        "/canteens/facilities/?format=xlsx",
    ),
    (
        "auditor",
        "审计日志 audit log xlsx (tuples)",
        "/audit/?format=xlsx&date_from=2022-01-01&date_to=2022-01-01",
        "/audit/?format=xlsx&date_from=2022-01-01&date_to=2022-01-10",
    ),
    (
        "zhujian",
        "清洁取暖台账 heating ledger xlsx (import layout; a job past COUNTYHALL_JOB_EXPORT_ROWS)",
        "/heating/ledger/?format=xlsx&division={town}",
        "/heating/ledger/?format=xlsx",
    ),
    (
        "zhujian",
        "清洁取暖台账 heating ledger xlsx (Table)",
        "/heating/ledger/?export=xlsx&division={town}",
        "/heating/ledger/?export=xlsx",
    ),
    (
        "shenpi",
        "工程建设项目台账 project ledger xlsx (import layout; a job past COUNTYHALL_JOB_EXPORT_ROWS)",
        "/permits/?format=xlsx&category=social_industrial",
        "/permits/?format=xlsx",
    ),
    (
        "shenpi",
        "工程建设项目 projects xlsx (Table)",
        "/permits/?export=xlsx&category=social_industrial",
        "/permits/?export=xlsx",
    ),
]


def _filled(path: str) -> str:
    values = {}
    if "{town}" in path:
        values["town"] = _town()
    if "{settlement_month}" in path:
        values["settlement_month"] = _busiest_settlement(month=True)()
    if "{settlement_year}" in path:
        values["settlement_year"] = _busiest_settlement(month=False)()
    return path.format(**values)


def _data_rows(content: bytes) -> int | None:
    from countyhall.core.excel import sheet_row_count

    try:
        return sheet_row_count(content)
    except Exception:  # noqa: BLE001 - not a workbook (an error page): reported as no rows
        return None


def _fetch(client, path: str) -> tuple[object, object, int | None]:
    """The export's final response (a job followed to its file: benchmarks.pages._get), its content in a temporary
    file, the job. The content goes to disk block by block as a client would take it: held in memory it would be
    counted in the export's peak (twice the file's size with a join)."""
    import tempfile

    from benchmarks.pages import _get

    response, job_id = _get(client, path)
    content = tempfile.TemporaryFile()
    for block in response.streaming_content if response.streaming else [response.content]:
        content.write(block)
    content.seek(0)
    return response, content, job_id


def measure_one(user: str, path: str, warm_path: str, *, rss: bool) -> dict:
    import django

    django.setup()
    import gc
    import tracemalloc

    from benchmarks.pages import _client

    client = _client(user)
    path, warm_path = _filled(path), _filled(warm_path)
    _fetch(client, warm_path)
    gc.collect()
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    response, content, job_id = _fetch(client, path)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with content:
        data = content.read()
    rows = _data_rows(data) if response.status_code == 200 else None
    return {
        "path": path,
        "status": response.status_code,
        "response": type(response).__name__,
        "streamed": response.streaming,
        "job": job_id,
        "rows": rows,
        "bytes": len(data),
        "seconds_traced": round(seconds, 1),
        "python_peak_mb": round(peak / 2**20, 2),
        **(
            {
                "rss_peak_above_start_mb": round(
                    (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_kb) / 1024, 1
                )
            }
            if rss
            else {}
        ),
    }


def markdown(results: list[dict]) -> str:
    lines = ["| export | rows | peak Python memory | response |", "|---|---|---|---|"]
    for r in results:
        how = r["response"] + (f", job {r['job']} followed" if r.get("job") else "")
        rows = f"{r['rows']:,}" if r.get("rows") is not None else f"answered {r['status']}"
        lines.append(f"| {r['name']} | {rows} | {r['python_peak_mb']} MB | {how} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rss", action="store_true", help="also report the process's peak resident memory")
    parser.add_argument("--only", default="", help="only the exports whose name contains this text")
    parser.add_argument("--markdown", metavar="JSON", help="print the docs table of a saved run and stop")
    parser.add_argument("--one", nargs=3, metavar=("USER", "PATH", "WARM_PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(open(args.markdown, encoding="utf-8").read())["exports"]))
        return 0
    url = os.environ.get("BENCH_PG_URL", DEFAULT_URL)
    os.environ.update(_env(url, debug=False, date=BENCH_DATE))
    if args.one:
        print(json.dumps(measure_one(*args.one, rss=args.rss), ensure_ascii=False))
        return 0
    results = []
    for user, name, small, large in EXPORTS:
        if args.only and args.only not in name:
            continue
        for path in (small, large):
            command = [sys.executable, "-m", "benchmarks.export_memory", "--one", user, path, small]
            done = subprocess.run(
                command + (["--rss"] if args.rss else []),
                env=os.environ,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            entry = {"name": name, "user": user, **json.loads(done.stdout.strip().splitlines()[-1])}
            results.append(entry)
            print(json.dumps(entry, ensure_ascii=False), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / ("export-memory.json" if not args.only else "export-memory-partial.json")
    report = {
        "database": url.rsplit("/", 1)[1],
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": os.getloadavg(),
        "exports": results,
    }
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
