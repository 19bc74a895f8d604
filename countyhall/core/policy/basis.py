"""What a stored computed figure keeps of its computation (issue 13: "every stored computed figure keeps the readings
and parameter versions it used").

A rule's result (core.rules.registry.RuleResult) knows the readings it applied with their answers, the approved policy
changes behind its figures and the version — the first day of the value used — of every parameter it read. A service
that stores a figure keeps that as the model's `policy_basis` JSON:

    {"readings": {reading id: answer}, "changes": [PolicyChange ids], "parameters": {parameter name: "YYYY-MM-DD"}}

A figure summed from others (a settlement from its lunches, a claim from its entitlements) keeps the union, with every
answer and version its parts used. Each model with a stored figure declares it in `POLICY_FIGURES` (a FigureBasis):
which fields a rule computed and where their basis is kept (`basis`: its own JSON field; `via`: a relation whose row
keeps it), and which figure-like fields a person entered. tests/policy/test_figure_basis.py walks every model and fails
on a money or deadline field nobody declared, so a new figure cannot forget its basis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .citations import ADOPTED


@dataclass(frozen=True)
class FigureBasis:
    computed: tuple[
        str, ...
    ] = ()  # fields a rule computed (money, dates, deadlines, levels, limits taken on)
    basis: str = ""  # the JSONField on this model keeping their policy basis
    via: str = ""  # or: the relation (attribute name) whose row keeps it (an adjustment's lunch)
    entered: tuple[
        str, ...
    ] = ()  # figure-like fields a person enters (a price, a score): no rule behind them
    note: str = ""  # in English, for docs/architecture.md: what the basis covers


def basis_of(result) -> dict:
    """The policy basis of a RuleResult (or its as_json() dict)."""
    if isinstance(result, dict):
        readings = result.get("reading_answers", {})
        changes = result.get("policy_changes", [])
        versions = result.get("parameter_versions", {})
    else:
        readings = {r: result.answers.get(r, ADOPTED) for r in set(result.readings)}
        changes, versions = result.changes, result.versions
    return {
        "readings": dict(sorted(readings.items())),
        "changes": sorted(set(changes)),
        "parameters": dict(sorted(versions.items())),
    }


def merged_parameters(bases: Iterable[dict]) -> dict[str, list[str]]:
    """The parameter versions of several stored bases: each parameter with every version its parts used (one unless
    a value changed inside the period)."""
    found: dict[str, set[str]] = {}
    for basis in bases:
        for name, versions in ((basis or {}).get("parameters") or {}).items():
            found.setdefault(name, set()).update([versions] if isinstance(versions, str) else versions)
    return {name: sorted(versions) for name, versions in sorted(found.items())}


def parameter_rows(basis: dict | None) -> list[dict] | None:
    """The parameter versions of a stored basis for "why this amount": label, the day each version starts (Chinese
    date) and the key (for 技术信息); None when the figure was stored before versions were kept."""
    from . import parameters

    if not basis or "parameters" not in basis:
        return None
    registry = parameters()
    rows = []
    for name, versions in sorted((basis.get("parameters") or {}).items()):
        parameter = registry.parameters.get(name)
        days = [versions] if isinstance(versions, str) else list(versions)
        rows.append(
            {
                "name": name,
                "label": parameter.label if parameter else name,
                "since": [_chinese(day) for day in days],
                "administered": bool(parameter and parameter.administered),
            }
        )
    return rows


def _chinese(day: str) -> str:
    try:
        value = dt.date.fromisoformat(day)
    except (TypeError, ValueError):
        return str(day)
    return f"{value.year}年{value.month}月{value.day}日"
