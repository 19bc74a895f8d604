"""`countyhall emergency …`: registered by EmergencyConfig.program."""

from __future__ import annotations

from countyhall.cli import _actor, _print_json


def cmd_emergency_seed(args) -> int:
    from countyhall.emergency.services import command_structure_load

    _print_json({"created": command_structure_load(actor=_actor())})
    return 0


def register(sub) -> None:
    emergency = sub.add_parser("emergency", help="power-plant accidents (34号)")
    emergency_sub = emergency.add_subparsers(dest="action", metavar="ACTION", required=True)
    eseed = emergency_sub.add_parser(
        "seed",
        help="load the command structure, working groups and duty offices printed in the plan (idempotent)",
    )
    eseed.set_defaults(func=cmd_emergency_seed)
