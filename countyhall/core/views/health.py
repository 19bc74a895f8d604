"""GET /healthz: is this instance fit to serve? For the county's monitoring and for `systemctl` checks.

No login (a probe has no account) and nothing personal in the answer: only each check's state and a short
Chinese message. 200 while every check is "ok" or "warn", 503 as soon as one is "fail".

The calendar rule (decision recorded in README "Going to production"): the statutory clocks count working days
in the table administrators keep, and a date in a year without a CalendarYear row is an error. The current year
must be there. The State Council publishes next year's holidays around November, so from 1 November a missing
next year is a "warn" (still 200: nothing fails yet, but someone must enter it), and from 1 December a "fail"
(503): a 20-working-day clock started in December already runs into January.
"""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from countyhall.core.clock import business_date

OK, WARN, FAIL = "ok", "warn", "fail"


def _check_database() -> dict:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"status": FAIL, "message": f"无法连接数据库：{exc.__class__.__name__}"}
    return {"status": OK, "message": f"数据库可用（{connection.vendor}）"}


def _check_migrations() -> dict:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
        return {
            "status": FAIL,
            "message": f"有 {len(names)} 个数据库迁移未执行，请运行 countyhall manage migrate",
            "pending": names,
        }
    return {"status": OK, "message": "数据库迁移已全部执行"}


def _check_calendar(today: dt.date) -> dict:
    from countyhall.core.models import CalendarYear

    known = set(
        CalendarYear.objects.filter(year__in=[today.year, today.year + 1]).values_list("year", flat=True)
    )
    if today.year not in known:
        return {
            "status": FAIL,
            "message": f"工作日历缺少 {today.year} 年：法定时限无法计算，请导入或录入该年日历",
        }
    if today.year + 1 in known:
        return {"status": OK, "message": f"工作日历已有 {today.year} 年和 {today.year + 1} 年"}
    if today.month == 12:
        return {
            "status": FAIL,
            "message": f"工作日历缺少 {today.year + 1} 年：十二月起的时限会跨入下一年，请立即录入",
        }
    if today.month == 11:
        return {
            "status": WARN,
            "message": f"工作日历尚缺 {today.year + 1} 年：请在 12 月 1 日前录入下一年的节假日安排",
        }
    return {"status": OK, "message": f"工作日历已有 {today.year} 年（下一年的日历 11 月前不要求）"}


def health_report(*, today: dt.date | None = None) -> dict:
    """Every check's state; the overall status is the worst of them."""
    checks = {"database": _check_database()}
    # Without a database the other checks cannot be asked; they are reported as not run rather than raising.
    if checks["database"]["status"] == FAIL:
        checks["migrations"] = {"status": FAIL, "message": "数据库不可用，未检查"}
        checks["calendar"] = {"status": FAIL, "message": "数据库不可用，未检查"}
    else:
        checks["migrations"] = _check_migrations()
        checks["calendar"] = _check_calendar(today or business_date())
    # The background worker (`countyhall worker`, core.jobs) beats every few seconds: ok while one beat
    # recently; warn when none did and nothing waits; fail when jobs are queued with no live worker or a
    # "running" job's worker has gone silent (core.jobs.worker_health).
    if checks["database"]["status"] == FAIL:
        checks["worker"] = {"status": FAIL, "message": "数据库不可用，未检查"}
    else:
        from countyhall.core.jobs import worker_health

        try:
            checks["worker"] = worker_health()
        except DatabaseError as exc:
            checks["worker"] = {"status": WARN, "message": f"无法读取后台进程心跳：{exc.__class__.__name__}"}
    states = {check["status"] for check in checks.values()}
    status = FAIL if FAIL in states else WARN if WARN in states else OK
    return {"status": status, "checks": checks}


@never_cache
@require_GET
def healthz(request):
    report = health_report()
    return JsonResponse(
        report, status=503 if report["status"] == FAIL else 200, json_dumps_params={"ensure_ascii": False}
    )
