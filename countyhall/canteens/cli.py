"""`countyhall canteens …`: registered by CanteensConfig.program."""

from __future__ import annotations

from countyhall.cli import _print_json


def cmd_canteens_checks_rebuild(args) -> int:
    from countyhall.canteens.services.checks import checks_rebuild

    _print_json(checks_rebuild())
    return 0


def register(sub) -> None:
    canteens = sub.add_parser("canteens", help="长者食堂 (canteens)")
    canteens_sub = canteens.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = canteens_sub.add_parser(
        "checks-rebuild",
        help="recompute the fraud checks' daily figures from the lunches (after lunches were "
        "written outside the services, e.g. by a bulk load; idempotent)",
    )
    rebuild.set_defaults(func=cmd_canteens_checks_rebuild)
