"""Every call of audit_record() sits lexically inside its write's transaction.

audit_record refuses to run outside a transaction at run time, but pytest wraps each test in one, so a
service that forgot `@transaction.atomic` passes its tests and fails (or, worse, half-writes) in production.
This test reads the source instead: each function that calls audit_record( must be decorated with
@transaction.atomic or hold the call inside a `with transaction.atomic():` block.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "countyhall"


def _is_atomic(node: ast.AST) -> bool:
    """transaction.atomic, atomic, transaction.atomic(...), atomic(using=...)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr == "atomic"
    return isinstance(node, ast.Name) and node.id == "atomic"


def _calls_audit_record(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "audit_record") or (
        isinstance(func, ast.Attribute) and func.attr == "audit_record"
    )


class _Finder(ast.NodeVisitor):
    """Collects the functions with an audit_record() call outside any atomic block of that function."""

    def __init__(self, path: str):
        self.path = path
        self.stack: list[tuple[ast.AST, bool]] = []  # (function, decorated atomic)
        self.atomic_depth: list[int] = []  # per function: how many `with atomic()` blocks we are in
        self.violations: set[str] = set()

    def _visit_function(self, node):
        decorated = any(_is_atomic(d) for d in node.decorator_list)
        self.stack.append((node, decorated))
        self.atomic_depth.append(0)
        self.generic_visit(node)
        self.atomic_depth.pop()
        self.stack.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_With(self, node):
        atomic = any(_is_atomic(item.context_expr) for item in node.items)
        if atomic and self.atomic_depth:
            self.atomic_depth[-1] += 1
        self.generic_visit(node)
        if atomic and self.atomic_depth:
            self.atomic_depth[-1] -= 1

    def visit_Call(self, node):
        if _calls_audit_record(node):
            if not self.stack:
                self.violations.add(f"{self.path}:<module>")
            else:
                function, decorated = self.stack[-1]
                if not decorated and self.atomic_depth[-1] == 0:
                    self.violations.add(f"{self.path}:{function.name}")
        self.generic_visit(node)


def audit_record_violations(root: Path = PACKAGE) -> list[str]:
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(root.parent).as_posix()
        finder = _Finder(relative)
        finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=relative))
        found |= finder.violations
    return sorted(found)


def test_the_checker_finds_a_missing_transaction(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "services.py").write_text(
        "from django.db import transaction\n"
        "from countyhall.core.services.audit import audit_record\n"
        "@transaction.atomic\n"
        "def good(): audit_record(actor='x', action='create')\n"
        "def also_good():\n"
        "    with transaction.atomic(using='default'):\n"
        "        audit_record(actor='x', action='create')\n"
        "def bad():\n"
        "    audit_record(actor='x', action='create')\n"
        "def bad_after_block():\n"
        "    with transaction.atomic():\n"
        "        pass\n"
        "    audit_record(actor='x', action='create')\n"
        "@transaction.atomic\n"
        "def outer():\n"
        "    def inner(): audit_record(actor='x', action='create')\n"
        "    return inner\n",
        encoding="utf-8",
    )
    assert audit_record_violations(tmp_path / "pkg") == [
        "pkg/services.py:bad",
        "pkg/services.py:bad_after_block",
        "pkg/services.py:inner",
    ]


CORE_VIOLATIONS = [v for v in audit_record_violations() if v.startswith("countyhall/core/")]
OTHER_VIOLATIONS = [v for v in audit_record_violations() if not v.startswith("countyhall/core/")]


def test_core_calls_audit_record_only_inside_a_transaction():
    assert CORE_VIOLATIONS == []


def test_every_audit_record_call_is_inside_a_transaction():
    assert audit_record_violations() == []
