"""`countyhall permits …`: registered by PermitsConfig.program."""

from __future__ import annotations

from countyhall.cli import _actor, _fail, _print_json


def cmd_permits_sweep(args) -> int:
    import datetime as dt

    from countyhall.core.workdays import CalendarYearUnknown
    from countyhall.permits.services import clock_sweep

    try:
        on = dt.date.fromisoformat(args.on) if args.on else None
    except ValueError:
        return _fail("--on", "日期格式应为 YYYY-MM-DD。")
    try:
        created = clock_sweep(actor=_actor(), on=on)
    except CalendarYearUnknown as exc:
        return _fail("calendar", str(exc))
    _print_json({"created": created})
    return 0


def register(sub) -> None:
    permits = sub.add_parser("permits", help="construction-project approval")
    permits_sub = permits.add_subparsers(dest="action", metavar="ACTION", required=True)
    sweep = permits_sub.add_parser(
        "sweep",
        help="remind departments before deadlines and escalate overdue clocks (run daily; idempotent)",
    )
    sweep.add_argument("--on", help="business date (YYYY-MM-DD), default today")
    sweep.set_defaults(func=cmd_permits_sweep)
