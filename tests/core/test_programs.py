"""Programs register themselves; core imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from countyhall.core.access import Permission
from countyhall.core.programs import registered_programs

CORE = Path(__file__).resolve().parents[2] / "countyhall" / "core"
PROGRAMS = ("canteens", "heating", "permits", "emergency", "gazette")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_core_imports_no_program():
    offenders = [
        f"{path.relative_to(CORE)}: {name}"
        for path in CORE.rglob("*.py")
        for name in _imports(path)
        if any(name == f"countyhall.{p}" or name.startswith(f"countyhall.{p}.") for p in PROGRAMS)
    ]
    assert offenders == []


def test_every_program_is_registered_with_menu_and_permission_table():
    programs = {p.label: p for p in registered_programs()}
    assert set(programs) >= set(PROGRAMS)
    for label in ("canteens", "heating", "permits", "emergency"):
        program = programs[label]
        assert program.menu and program.home_text
        assert all(isinstance(p, Permission) for p in program.permissions())


def test_program_cli_subcommands_come_from_the_registry():
    from countyhall.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["permits", "sweep", "--on", "2022-06-15"])
    assert args.func.__module__ == "countyhall.permits.cli"
    args = parser.parse_args(["emergency", "seed"])
    assert args.func.__module__ == "countyhall.emergency.cli"


@pytest.mark.django_db
def test_permission_tables_page_for_auditor_and_admin_only(client, make_user):
    client.force_login(make_user("acc-auditor", "auditor"))
    assert client.get("/access/").status_code == 200
    client.force_login(make_user("acc-town", "town_officer"))
    assert client.get("/access/").status_code == 403
