"""`countyhall egov …`: registered by EgovConfig.program."""

from __future__ import annotations

from countyhall.cli import _actor, _fail, _print_json


def cmd_egov_sweep(args) -> int:
    import datetime as dt

    from countyhall.core.workdays import CalendarYearUnknown
    from countyhall.egov.services import acceptance_clock_sweep

    try:
        on = dt.date.fromisoformat(args.on) if args.on else None
    except ValueError:
        return _fail("--on", "日期格式应为 YYYY-MM-DD。")
    try:
        created = acceptance_clock_sweep(actor=_actor(), on=on)
    except CalendarYearUnknown as exc:
        return _fail("calendar", str(exc))
    _print_json({"created": created})
    return 0


def register(sub) -> None:
    egov = sub.add_parser("egov", help="e-government projects")
    egov_sub = egov.add_subparsers(dest="action", metavar="ACTION", required=True)
    sweep = egov_sub.add_parser(
        "sweep", help="remind 大数据局 before the final acceptance deadline and escalate overdue ones (daily)"
    )
    sweep.add_argument("--on", help="business date (YYYY-MM-DD), default today")
    sweep.set_defaults(func=cmd_egov_sweep)
