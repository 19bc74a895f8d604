"""The canteen benchmark: generate a county-sized year, settle it set-based and per lunch, and load
the check-in API, on PostgreSQL and SQLite. Results go to var/bench/canteen-<size>.json.

    python -m benchmarks.run_canteen                 # 90,000 elders, 250 facilities, 10 million lunches
    python -m benchmarks.run_canteen --lunches 200000 --elders 9000 --facilities 25   # a quick run

PostgreSQL: $BENCH_PG_URL (a server URL; the database countyhall_bench is dropped and recreated),
default postgres://postgres@127.0.0.1:5432/postgres. SQLite: var/bench/canteen.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
OUT = ROOT / "var" / "bench"


def run(args: list[str], env: dict, *, check: bool = True) -> str:
    started = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    print(f"  {' '.join(a for a in args[2:4])} … {time.perf_counter() - started:.1f}s", flush=True)
    return result.stdout


def last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(text)


def fresh_postgres(server_url: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS countyhall_bench")
        connection.execute("CREATE DATABASE countyhall_bench")
    return server_url.rsplit("/", 1)[0] + "/countyhall_bench"


def bench_database(label: str, url: str, sizes: dict, *, load_test: bool) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.local",
        "DJANGO_DEBUG": "0",
    }
    print(f"{label}: {url}", flush=True)
    run([PY, "-m", "countyhall.cli", "manage", "migrate", "--verbosity", "0"], env)
    generated = last_json(
        run(
            [
                PY,
                "-m",
                "benchmarks.canteen_data",
                "--elders",
                str(sizes["elders"]),
                "--facilities",
                str(sizes["facilities"]),
                "--lunches",
                str(sizes["lunches"]),
            ],
            env,
        )
    )
    set_based = last_json(run([PY, "-m", "benchmarks.canteen_settle", "--mode", "set"], env))
    reference = last_json(
        run([PY, "-m", "benchmarks.canteen_settle", "--mode", "reference"], env, check=False)
    )
    result = {
        "database": label,
        "generated": generated,
        "set_based": set_based,
        "reference": reference,
        "speedup": round(reference["seconds"] / set_based["seconds"], 1) if set_based["seconds"] else None,
        "totals_match_to_the_fen": not reference["differences_from_set_based"]
        and not reference["lunches_whose_stored_amounts_differ_from_the_rule"],
    }
    if load_test:
        result.update(load_tests(env))
    return result


# One lunch per request with 16 clients; and terminals sending queued check-ins 8 at a time with
# 2 clients and 2 workers (on 2 cores, more processes only add scheduling delay to the tail).
LOAD_PROFILES = {
    "check_in_single": {"BENCH_CONNECTIONS": "16", "BENCH_WORKERS": "4", "BENCH_BATCH": "0"},
    "check_in_batch": {"BENCH_CONNECTIONS": "2", "BENCH_WORKERS": "2", "BENCH_BATCH": "8"},
}


def load_tests(env: dict) -> dict:
    return {
        name: last_json(run([PY, "-m", "benchmarks.checkin_load"], {**env, **profile}))
        for name, profile in LOAD_PROFILES.items()
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--elders", type=int, default=90000)
    parser.add_argument("--facilities", type=int, default=250)
    parser.add_argument("--lunches", type=int, default=10_000_000)
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--no-load-test", action="store_true")
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="run only the check-in load tests on the existing PostgreSQL benchmark database",
    )
    args = parser.parse_args(argv)
    sizes = {"elders": args.elders, "facilities": args.facilities, "lunches": args.lunches}
    OUT.mkdir(parents=True, exist_ok=True)
    if args.load_only:
        server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        env = {
            **os.environ,
            "DATABASE_URL": server.rsplit("/", 1)[0] + "/countyhall_bench",
            "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.local",
            "DJANGO_DEBUG": "0",
        }
        target = OUT / f"canteen-{args.lunches}.json"
        results = (
            json.loads(target.read_text()) if target.exists() else {"runs": [{"database": "PostgreSQL"}]}
        )
        results["runs"][0].update(load_tests(env))
        results["runs"][0].pop("check_in", None)
        target.write_text(json.dumps(results, ensure_ascii=False, indent=2))
        print(json.dumps(results["runs"][0], ensure_ascii=False, indent=2))
        return 0
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "sizes": sizes,
        "runs": [],
    }
    if args.only in (None, "postgresql"):
        url = fresh_postgres(os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
        results["runs"].append(bench_database("PostgreSQL", url, sizes, load_test=not args.no_load_test))
    if args.only in (None, "sqlite"):
        path = OUT / "canteen.sqlite3"
        path.unlink(missing_ok=True)
        results["runs"].append(bench_database("SQLite", f"sqlite:///{path}", sizes, load_test=False))
    target = OUT / f"canteen-{args.lunches}.json"
    target.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written to {target}")
    return 0 if all(r["totals_match_to_the_fen"] for r in results["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
