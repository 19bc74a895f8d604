"""Load the check-in API on the benchmark database: gunicorn serving, wrk as the concurrent clients.

Measures sustained lunches per second and the latency percentiles, then checks the database: no
(elder, day) with two subsidised lunches, every idempotency key once, and at least as many
accepted rows as the 201 answers the clients received (nothing answered was lost).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhall.config.settings.local")
ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DURATION = os.environ.get("BENCH_DURATION", "30s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
BATCH = int(os.environ.get("BENCH_BATCH", "0"))


def main() -> int:
    import django

    django.setup()
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from countyhall.canteens.models import Elder, Facility, Lunch
    from countyhall.core.models import RoleGrant, User

    if not shutil.which("wrk"):
        raise SystemExit("wrk is required (apt-get install wrk)")
    user, _ = User.objects.get_or_create(username="bench-terminal")
    RoleGrant.objects.get_or_create(user=user, role="civil_affairs")
    token, _ = Token.objects.get_or_create(user=user)
    # The load dates lunches across 2023 while the business date is its last day: open the back-dating
    # window (canteen.backdate_days, an administered figure under four eyes) far enough, as two administrators
    # would for a catch-up of paper records; the benchmark writes the approved change directly.
    from django.utils import timezone

    from countyhall.core.models import PolicyChange

    PolicyChange.objects.get_or_create(
        kind="parameter",
        key="canteen.backdate_days",
        value=366,
        valid_from=dt.date(2023, 1, 1),
        state=PolicyChange.State.APPROVED,
        defaults={
            "reason": "基准测试：按历史日期登记",
            "proposed_by": user,
            "proposed_at": timezone.now(),
            "decided_by": user,
            "decided_at": timezone.now(),
        },
    )
    facilities = list(Facility.objects.order_by("pk").values_list("pk", flat=True))
    elders = list(Elder.objects.order_by("pk").values_list("card_number", flat=True)[:20000])
    rows_file = Path(tempfile.mkstemp(suffix=".csv")[1])
    # The generator assigns elder k to facility k mod F; keep that pairing so check-ins look real.
    rows_file.write_text(
        "".join(f"{facilities[i % len(facilities)]},{card}\n" for i, card in enumerate(elders))
    )
    env = {
        **os.environ,
        "COUNTYHALL_BUSINESS_DATE": "2023-12-31",
        "DJANGO_DEBUG": "0",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "countyhall.config.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/calc", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        run_id = str(int(time.time()))
        # Each run starts on days no earlier run used, so its check-ins are new lunches.
        used_days = (
            Lunch.objects.filter(idempotency_key__startswith="bench-").dates("meal_date", "day").count()
        )
        wrk_env = {
            **env,
            "BENCH_ROWS": str(rows_file),
            "BENCH_TOKEN": token.key,
            "BENCH_RUN": run_id,
            "BENCH_DAY_OFFSET": str(used_days),
            "BENCH_BATCH": str(BATCH),
        }
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{CONNECTIONS}",
                f"-d{DURATION}",
                "--latency",
                "--timeout",
                "5s",
                "-s",
                str(ROOT / "benchmarks" / "checkin.lua"),
                f"http://127.0.0.1:{PORT}",
            ],
            env=wrk_env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        rows_file.unlink(missing_ok=True)
    lua = json.loads(next(line for line in output.splitlines() if line.startswith("LUA "))[4:])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    connection.close()
    bench = Lunch.objects.filter(idempotency_key__startswith=f"bench-{run_id}-")
    rows = bench.count()
    accepted = bench.filter(status="accepted").count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT elder_id, meal_date FROM canteens_lunch WHERE status = 'accepted' "
            "GROUP BY elder_id, meal_date HAVING COUNT(*) > 1) doubled"
        )
        doubled = cursor.fetchone()[0]
    new_201 = (
        lua["batch_new_accepted"]
        if BATCH
        else lua["status_201"] - min(lua["replayed_responses"], lua["status_201"])
    )
    result = {
        "mode": f"batches of {BATCH}" if BATCH else "one lunch per request",
        "requests_per_second": rps,
        "lunches_per_second": round(rps * BATCH, 1) if BATCH else rps,
        "p50_ms": lua["p50_ms"],
        "p99_ms": lua["p99_ms"],
        "max_ms": lua["max_ms"],
        "duration": DURATION,
        "connections": CONNECTIONS,
        "gunicorn_workers": WORKERS,
        "requests": lua,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
        "rows_written": rows,
        "accepted_rows": accepted,
        "doubled_lunches": doubled,
        "lost_answered_lunches": max(new_201 - accepted, 0),
        "rows_not_more_than_keys_sent": rows <= lua["generated"] - lua["replays_sent"],
    }
    print(json.dumps(result))
    return 0 if doubled == 0 and result["lost_answered_lunches"] == 0 and lua["status_other"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
