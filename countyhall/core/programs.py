"""Programs register themselves; core iterates over them and imports none.

Each program's `AppConfig` sets `program = Program(...)` (or a method `program()` returning one). Core reads:
the menu entries a user sees, the home-page text per role, the to-do items on the home page, the
command-line subcommands, the demo loader and the permission table. Adding a program touches only its
own folder and INSTALLED_APPS.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    roles: frozenset[str] = frozenset()  # empty: every signed-in user
    anonymous: bool = False  # shown to visitors who are not signed in (public pages)
    signed_in: bool = True  # shown to signed-in users (holding one of `roles`, when given)

    def shown_to(self, user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return self.anonymous
        return self.signed_in and (not self.roles or bool(user.role_codes & self.roles))


@dataclass(frozen=True)
class Todo:
    """One thing waiting for the user, shown on the home page."""

    label: str  # what waits, in Chinese: "待受理的申请", "待审核的结算"
    url: str  # the page where the user acts on it (a filtered list)
    count: int = 1
    urgent: bool = False  # overdue, or a statutory clock about to run out
    deadline: dt.date | dt.datetime | None = (
        None  # the earliest deadline among the items, shown and sorted on
    )
    menu: str = ""  # url_name of the program's MenuEntry whose count this adds to (the badge beside the menu)

    def sort_key(self) -> tuple:
        """Most urgent first: urgent ones, then by deadline (none last), then by label."""
        deadline = self.deadline
        if isinstance(deadline, dt.datetime):
            deadline = deadline.date()
        return (not self.urgent, deadline is None, deadline or dt.date.max, self.label)


@dataclass(frozen=True)
class Program:
    label: str  # the app label
    title: str  # Chinese name shown to users
    menu: tuple[MenuEntry, ...] = ()
    home_text: dict[str, str] = field(default_factory=dict)  # role → what this program offers that role
    # Dotted paths, imported on use so that registration costs nothing at start-up.
    access: str = ""  # module with PERMISSIONS (a list of core.access.Permission)
    demo: str = ""  # module with load(actor=...) -> list[str]
    cli: str = ""  # module with register(subparsers) adding the program's subcommands
    todos: str = ""  # "module:function", function(user) -> list[Todo]
    home_sections: str = ""  # "module:function", function(request) -> list[dict(title, template, context)]
    # The public "我能享受哪些补贴" page: "module:function", function(request) -> list[dict(title, template, context)]
    public_sections: str = ""
    # The gazette answers what a citation says: "module:function", function(document, clause, line) ->
    # {"title": document title, "words": the clause's own words} or None (core's citation_link shows them).
    citation_text: str = ""
    # The gazette's register asks what a document's end or amendment reaches (issue 15): "module:function",
    # function(number=文号, from_date=date) -> list of dict(label, count, url, change, key): the program's records
    # (claims, settlements, open cases) of the periods from that day that rest on the document.
    cited_open_items: str = ""
    # Governed policy (core.services.policy): "module:function", function(kind=, key=) -> list[PolicyLock] (up to
    # which date an approved settlement or claim used the reading or figure), and function(change=, proposal=) ->
    # list of impact tables (the program's open periods under today's policy and under the proposal).
    policy_locks: str = ""
    policy_impact: str = ""
    # The parameter files (countyhall/parameters/*.yaml) that hold this program's figures and readings; the
    # governance pages group each reading and figure under the program that declares its file.
    parameter_files: tuple[str, ...] = ()
    policy_title: str = ""  # the program's name on those pages, when shorter than `title`

    @property
    def policy_name(self) -> str:
        return self.policy_title or self.title

    # function(change=, on_approval=) raising ServiceError when the program's own rule between figures breaks
    # (permits: the stages' limits within the category's total, C3), at proposal and at approval; and
    # function(actor=, change=) run in the approval's transaction: the program brings its open records up to the
    # approved figure (permits: open cases applied for from the change's date), audited.
    policy_check: str = ""
    policy_apply: str = ""

    def policy_locks_for(self, *, kind: str, key: str) -> list:
        return list(_function(self.policy_locks)(kind=kind, key=key)) if self.policy_locks else []

    def policy_impact_for(self, *, change, proposal) -> list[dict]:
        return (
            list(_function(self.policy_impact)(change=change, proposal=proposal))
            if self.policy_impact
            else []
        )

    def policy_check_for(self, *, change, on_approval: bool) -> None:
        if self.policy_check:
            _function(self.policy_check)(change=change, on_approval=on_approval)

    def policy_apply_for(self, *, actor, change) -> None:
        if self.policy_apply:
            _function(self.policy_apply)(actor=actor, change=change)

    def cited_open_items_for(self, *, number: str, from_date: dt.date) -> list[dict]:
        if not self.cited_open_items:
            return []
        return list(_function(self.cited_open_items)(number=number, from_date=from_date))

    def permissions(self) -> list:
        return list(importlib.import_module(self.access).PERMISSIONS) if self.access else []

    def demo_load(self, *, actor) -> list[str]:
        return list(importlib.import_module(self.demo).load(actor=actor)) if self.demo else []

    def register_cli(self, subparsers) -> None:
        if self.cli:
            importlib.import_module(self.cli).register(subparsers)

    def todos_for(self, user) -> list[Todo]:
        return list(_function(self.todos)(user)) if self.todos else []

    def sections_for(self, request) -> list[dict]:
        return list(_function(self.home_sections)(request)) if self.home_sections else []

    def public_sections_for(self, request) -> list[dict]:
        return list(_function(self.public_sections)(request)) if self.public_sections else []


def program_of_parameter_file(source_file: str) -> str:
    """The name (policy_name) of the registered program that declares `source_file`, or ""."""
    for program in registered_programs():
        if source_file in program.parameter_files:
            return program.policy_name
    return ""


def citation_text(document: str, clause: str, line: int) -> dict | None:
    """What the registered program that knows the gazette says of a citation (None if none does)."""
    for program in registered_programs():
        if program.citation_text:
            return _function(program.citation_text)(document, clause, line)
    return None


def _function(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def registered_programs() -> Iterator[Program]:
    """Every installed program, in INSTALLED_APPS order."""
    yield from _programs()


@functools.cache
def _programs() -> tuple[Program, ...]:
    # Built once: the menu asks on every page, and the registrations cannot change after start-up.
    found = []
    for config in apps.get_app_configs():
        program = getattr(config, "program", None)
        if callable(program):
            program = program()
        if isinstance(program, Program):
            found.append(program)
    return tuple(found)
