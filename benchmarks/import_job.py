"""The 50,000-elder import as a background job (issue 11): builds the file, submits it as the county's 民政
user, runs the job and prints the seconds and the progress samples a polling page would have seen.

    python -m benchmarks.import_job                      # PostgreSQL ($BENCH_IMPORT_PG_URL), in-process
    python -m benchmarks.import_job --db sqlite          # a SQLite file under var/bench/
    python -m benchmarks.import_job --worker             # through a real `countyhall worker` process
    python -m benchmarks.import_job --rows 5000 --profile  # cProfile of the service alone (no job), top 30

Each run starts from a fresh database holding the demo (its divisions and users; ~30 s, not timed). The file
has distinct valid GB 11643 numbers of people born 1935–1962 across the demo's villages, a card number on each
row, a phone on most and a 特困 status on one in ten. Results: var/bench/import_job.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/wt_imp_bench"
SETTINGS = "benchmarks.import_settings"
DEMO_DATE = "2022-06-15"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "一二三四五六七八九十明华英兰芳秀玉珍桂凤建国军民德福寿"


def _check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def _xlsx(sheet_rows: list[list], *, sheet_title: str) -> bytes:
    """A workbook as Excel itself writes one: every text in the shared-strings table (cells refer to it by
    index), dates as serial numbers with a date style, the sheet's dimension. openpyxl writes inline strings
    instead, which no file a clerk saves from Excel or WPS has; the reader must be measured on the real kind."""
    import datetime as dt
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}
    epoch = dt.date(1899, 12, 30)
    width = max(len(row) for row in sheet_rows)
    body = []
    for number, row in enumerate(sheet_rows, start=1):
        cells = []
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{chr(65 + column)}{number}"
            if isinstance(value, dt.date):
                cells.append(f'<c r="{ref}" s="1"><v>{(value - epoch).days}</v></c>')
            else:
                index = strings.setdefault(str(value), len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        body.append(f'<row r="{number}" spans="1:{width}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{main}" '
        f'xmlns:r="{rel}"><dimension ref="A1:{chr(64 + width)}{len(sheet_rows)}"/><sheetViews><sheetView '
        f'tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="14.25"/>'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlforma'
            'ts-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            '.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxm'
            'lformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentTyp'
            'e="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/'
            'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedSt'
            'rings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{main}" '
            f'xmlns:r="{rel}"><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            f'<sheet name="{sheet_title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{main}"><fonts count="1">'
            '<font><sz val="11"/><name val="等线"/></font></fonts><fills count="1"><fill><patternFill '
            'patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf '
            'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" '
            'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="常规" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{main}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def build_file(
    rows: int, division_codes: list[str], *, card_prefix: str = "B", region: str = "370322"
) -> bytes:
    """The template's columns (elder_import_template), `rows` distinct elders, written as Excel writes a file
    (`_xlsx`: shared strings, dates as numbers with a date style, the sheet's dimension)."""
    import datetime as dt

    from countyhall.canteens.services.elders import IMPORT_COLUMNS

    table = [[label for _, label, _ in IMPORT_COLUMNS]]
    start = dt.date(1935, 1, 1)
    for i in range(rows):
        born = start + dt.timedelta(days=i % 10_000)  # 1935-01-01 … 1962-05-19
        serial = i // 10_000 * 100 + 1 + i % 97  # distinct per (date, serial) pair
        first17 = f"{region}{born:%Y%m%d}{serial:03d}"
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 3) % len(GIVEN)]
        tekun = i % 10 == 0
        table.append(
            [
                first17 + _check_digit(first17),
                name,
                "是" if i % 20 else "否",
                division_codes[i % len(division_codes)],
                f"第{i % 300 + 1}号",
                f"13{i % 10}{i:08d}" if i % 4 else "",
                f"{card_prefix}{i:06d}",
                "高民救认字〔2022〕1号" if tekun else "",
                dt.date(2022, 1, 1) if tekun else None,
                # The template's 供养方式 column (required for a 特困 row since it decides the rural free lunch).
                ("集中" if i % 30 == 0 else "分散") if tekun else "",
            ]
        )
    return _xlsx(table, sheet_title="助餐老人")


def _env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DJANGO_DEBUG": "0",
        "COUNTYHALL_BUSINESS_DATE": DEMO_DATE,
        "PYTHONPATH": str(ROOT),
    }


def fresh_database(db: str) -> str:
    """Drop and recreate the benchmark database and load the demo into it; returns its DATABASE_URL."""
    if db == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "import_job.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        url = os.environ.get("BENCH_IMPORT_PG_URL", DEFAULT_PG)
        server, name = url.rsplit("/", 1)
        with psycopg.connect(server + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    # The demo's loader prints passwords and wants DEBUG.
    subprocess.run(
        [sys.executable, "-m", "countyhall.cli", "demo"],
        env={**_env(url), "DJANGO_DEBUG": "1"},
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def _sampler(job_id: int, samples: list, stop: threading.Event, started: float) -> None:
    """What the progress bar's poll reads (core.jobs.job_status), twice a second, from its own connection."""
    from django.db import connection

    from countyhall.core.jobs import job_status
    from countyhall.core.models import Job

    while not stop.is_set():
        try:
            status = job_status(Job.objects.get(pk=job_id))
            point = (
                round(time.perf_counter() - started, 1),
                status["state"],
                status["done"],
                status["total"],
                status["percent"],
            )
            if not samples or samples[-1][1:] != point[1:]:
                samples.append(point)
        except Exception as exc:  # noqa: BLE001 - a busy SQLite read is a missed sample, not a failure
            samples.append(
                (round(time.perf_counter() - started, 1), f"poll failed: {exc.__class__.__name__}")
            )
        stop.wait(0.5)
    connection.close()


def run(args) -> dict:
    url = fresh_database(args.db)
    os.environ.update(_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from countyhall.canteens.jobs import ELDER_IMPORT
    from countyhall.canteens.models import Elder
    from countyhall.core.jobs import execute_job, job_submit
    from countyhall.core.models import AuditEntry, Division, Job, User

    codes = list(
        Division.objects.filter(kind__in=["natural_village", "community"]).values_list("code", flat=True)
    )
    started = time.perf_counter()
    content = build_file(args.rows, codes)
    build_seconds = time.perf_counter() - started
    actor = User.objects.get(username="minzheng")
    audit_before = AuditEntry.objects.count()
    if args.profile:
        import cProfile
        import pstats

        from django.db import transaction

        from countyhall.canteens.services.elders import elder_import

        profiler = cProfile.Profile()
        started = time.perf_counter()
        with transaction.atomic():
            profiler.enable()
            report = elder_import(actor=actor, content=content)
            profiler.disable()
        seconds = time.perf_counter() - started
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)
        return {
            "rows": args.rows,
            "seconds": round(seconds, 2),
            "created": report.created,
            "errors": len(report.errors),
        }
    job = job_submit(
        actor=actor,
        kind=ELDER_IMPORT,
        params={"mode": "all_or_nothing"},
        input_file=content,
        input_name="elders.xlsx",
    )
    samples: list = []
    load_before = os.getloadavg()
    stop = threading.Event()
    started = time.perf_counter()
    cpu_started = time.process_time()
    sampler = threading.Thread(target=_sampler, args=(job.pk, samples, stop, started), daemon=True)
    sampler.start()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if args.worker:
        worker = subprocess.Popen([sys.executable, "-m", "countyhall.cli", "worker"], env=_env(url), cwd=ROOT)
        try:
            while Job.objects.filter(pk=job.pk, state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists():
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    else:
        execute_job(job.pk)
    seconds = time.perf_counter() - started
    # This process's CPU time: the job's Python work when it runs in-process (the database server's is not
    # counted). Less distorted than wall time on a shared machine.
    cpu_seconds = time.process_time() - cpu_started
    # The worker's CPU (user + system) once it has exited: the job's own Python work in the worker process.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    stop.set()
    sampler.join(timeout=5)
    job.refresh_from_db()
    result = {
        "db": args.db,
        "rows": args.rows,
        "runner": "worker" if args.worker else "execute_job",
        "state": job.state,
        "message": job.message,
        "error": job.error,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(worker_cpu if args.worker else cpu_seconds, 1),
        "cpu_of": "the worker process" if args.worker else "this process (the job and the poll)",
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
        "rows_per_second": round(args.rows / seconds),
        "file_seconds": round(build_seconds, 1),
        "file_bytes": len(content),
        "elders": Elder.objects.count(),
        "audit_rows_written": AuditEntry.objects.count() - audit_before,
        "progress_samples": samples,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "note": "2 cores shared with other work",
        },
    }
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--worker", action="store_true", help="run the job in a `countyhall worker` process")
    parser.add_argument("--profile", action="store_true", help="cProfile the service on its own, no job")
    args = parser.parse_args(argv)
    result = run(args)
    samples = result.pop("progress_samples", [])
    print(json.dumps(result, ensure_ascii=False))
    if samples:
        print("progress samples (s, state, done, total, %):")
        for sample in samples:
            print("  ", *sample)
        result["progress_samples"] = samples
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"import_job_{result.get('db', args.db)}_{'worker' if args.worker else 'inline'}.json"
    (OUT / name).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if result.get("state", "done") == "done" else 1


if __name__ == "__main__":
    raise SystemExit(main())
