"""Governed policy: the answers to readings and the administered figures an administrator has changed.

The YAML files (parameters/*.yaml) say what the gazette prints and which answer the platform adopts by default.
An approved change (core.models.PolicyChange, proposed by one administrator and approved by a second) says, from a
date, "read B6 the other way" or "this administered figure is now X". This module holds those changes as a pure,
in-memory snapshot that `ParameterRegistry.at()` and `ParameterRegistry.answer()` consult, so rules stay pure
functions of (input, date): no database query inside a rule.

The snapshot is loaded from the database by `core.services.policy.governed_refresh()` at the start of each request
(a middleware), each job and each CLI command — one small query that returns at once when nothing changed — and
replaced immediately in the process that approves a change. `governed_as()` installs another snapshot for the code
inside a block: the impact preview (today's figures beside the proposal's) and the calculator's side-by-side
alternatives use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .citations import ADOPTED


@dataclass(frozen=True)
class GovernedEntry:
    """One approved change: from `valid_from` on, the reading's answer or the parameter's value is `value`."""

    valid_from: dt.date
    value: Any
    change_id: int | None = None  # the PolicyChange row (None: a preview or a test)
    reason: str = ""


def _sorted(entries) -> tuple[GovernedEntry, ...]:
    return tuple(sorted(entries, key=lambda e: (e.valid_from, e.change_id or 0)))


@dataclass(frozen=True)
class GovernedPolicy:
    readings: Mapping[str, tuple[GovernedEntry, ...]] = field(default_factory=lambda: MappingProxyType({}))
    parameters: Mapping[str, tuple[GovernedEntry, ...]] = field(default_factory=lambda: MappingProxyType({}))
    generation: tuple = ()  # what the database said when this was loaded (core.services.policy)

    @staticmethod
    def _latest(entries: tuple[GovernedEntry, ...], on: dt.date) -> GovernedEntry | None:
        found = None
        for entry in entries:
            if entry.valid_from <= on:
                found = entry
            else:
                break
        return found

    def reading_entry(self, reading_id: str, on: dt.date) -> GovernedEntry | None:
        return self._latest(self.readings.get(reading_id, ()), on)

    def answer(self, reading_id: str, on: dt.date) -> str:
        entry = self.reading_entry(reading_id, on)
        return entry.value if entry else ADOPTED

    def parameter_entry(self, name: str, on: dt.date) -> GovernedEntry | None:
        return self._latest(self.parameters.get(name, ()), on)

    def with_entry(
        self, kind: str, key: str, entry: GovernedEntry, *, replace: bool = False
    ) -> GovernedPolicy:
        """This snapshot plus one more change (a proposal being previewed); `replace`: the only one for `key`."""
        target = dict(self.readings if kind == "reading" else self.parameters)
        target[key] = (entry,) if replace else _sorted((*target.get(key, ()), entry))
        if kind == "reading":
            return GovernedPolicy(
                readings=MappingProxyType(target), parameters=self.parameters, generation=self.generation
            )
        return GovernedPolicy(
            readings=self.readings, parameters=MappingProxyType(target), generation=self.generation
        )

    @classmethod
    def build(cls, rows, *, generation: tuple = ()) -> GovernedPolicy:
        """From (kind, key, GovernedEntry) rows, e.g. the approved PolicyChange rows."""
        readings: dict[str, list] = {}
        params: dict[str, list] = {}
        for kind, key, entry in rows:
            (readings if kind == "reading" else params).setdefault(key, []).append(entry)
        return cls(
            readings=MappingProxyType({k: _sorted(v) for k, v in readings.items()}),
            parameters=MappingProxyType({k: _sorted(v) for k, v in params.items()}),
            generation=generation,
        )


EMPTY = GovernedPolicy()
_process_snapshot: GovernedPolicy = EMPTY
_block_snapshot: contextvars.ContextVar[GovernedPolicy | None] = contextvars.ContextVar(
    "governed_policy", default=None
)


def current() -> GovernedPolicy:
    """The snapshot in force for the running code: a block's (governed_as) or the process's."""
    block = _block_snapshot.get()
    return block if block is not None else _process_snapshot


def process_snapshot() -> GovernedPolicy:
    return _process_snapshot


def install(snapshot: GovernedPolicy) -> None:
    """Replace the process's snapshot (core.services.policy.governed_refresh does, after reading the database)."""
    global _process_snapshot
    _process_snapshot = snapshot


def reset() -> None:
    """Back to the YAML defaults (tests: the database is rolled back after each test, the snapshot must be too)."""
    install(EMPTY)


@contextlib.contextmanager
def governed_as(snapshot: GovernedPolicy) -> Iterator[GovernedPolicy]:
    token = _block_snapshot.set(snapshot)
    try:
        yield snapshot
    finally:
        _block_snapshot.reset(token)


@contextlib.contextmanager
def readings_answered(answers: Mapping[str, str], *, on: dt.date = dt.date.min) -> Iterator[GovernedPolicy]:
    """Compute inside the block as if each reading in `answers` were answered so from `on` (default: always) —
    the calculator's "under each alternative, side by side"."""
    snapshot = current()
    for reading_id, answer in answers.items():
        snapshot = snapshot.with_entry(
            "reading", reading_id, GovernedEntry(valid_from=on, value=answer), replace=True
        )
    with governed_as(snapshot) as installed:
        yield installed
