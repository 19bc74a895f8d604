"""Issue 13: every stored computed figure keeps the readings and parameter versions it used.

Walks every model of the platform's apps. A money, share, deadline, limit or level field is a figure; each model
holding one declares it in POLICY_FIGURES (core.policy.basis.FigureBasis) as computed by a rule or entered by a
person, and a computed figure names where its basis is kept: its own JSONField (`basis`) or a relation whose row keeps
it (`via`). A new figure nobody declared fails here, so it cannot forget its basis."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import models

from countyhall.core.policy.basis import FigureBasis

PROJECT = "countyhall."
# Field names that are figures whatever their type: deadlines, limits taken on, levels computed from figures.
FIGURE_NAME = re.compile(r"(^|_)(due|deadline|expires|working_days|level|limit)(_|$)")
# Models another session owns (egov, 高政办发〔2021〕1号): their declaration lives here until that owner moves it onto
# the model. PlanYear's deadlines come from egov.cycle_deadlines with citations and policy_basis (readings, changes).
ELSEWHERE = {
    "egov.PlanYear": FigureBasis(
        computed=("application_due", "joint_review_due", "annual_plan_due", "budget_year"),
        basis="policy_basis",
    ),
    # 1号's cycle (merged in session 20): the unit enters its planned investment and upper-level funding; 财政局
    # enters the approved investment when it co-signs (三、（二）); a plan entry carries that entered figure.
    "egov.Application": FigureBasis(
        entered=("planned_investment", "upper_level_funded", "upper_level_reference")
    ),
    "egov.Review": FigureBasis(entered=("approved_investment",)),
    "egov.PlanEntry": FigureBasis(entered=("investment",), note="the co-signed approved investment"),
    # The gazette registry (parser code owned elsewhere): a clause's outline depth, not a figure.
    "gazette.Clause": FigureBasis(entered=("level",)),
}


def _figure_fields(model) -> list[str]:
    names = []
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False) or field.auto_created and not field.concrete:
            continue
        if isinstance(field, models.DecimalField) or FIGURE_NAME.search(field.name) and not field.is_relation:
            names.append(field.name)
    return names


def _models():
    return [m for m in apps.get_models() if m.__module__.startswith(PROJECT)]


def _declared(model) -> FigureBasis | None:
    label = f"{model._meta.app_label}.{model.__name__}"
    return model.__dict__.get("POLICY_FIGURES") or ELSEWHERE.get(label)


@pytest.mark.parametrize("model", _models(), ids=lambda m: f"{m._meta.app_label}.{m.__name__}")
def test_every_figure_is_declared_and_a_computed_one_keeps_its_basis(model):
    figures = _figure_fields(model)
    declared = _declared(model)
    if declared is None:
        assert not figures, f"{model.__name__}: figure fields {figures} are not declared in POLICY_FIGURES"
        return
    field_names = {f.name for f in model._meta.get_fields()}
    named = set(declared.computed) | set(declared.entered)
    assert not set(figures) - named, f"{model.__name__}: undeclared figures {sorted(set(figures) - named)}"
    assert named <= field_names, (
        f"{model.__name__}: declared fields that do not exist {sorted(named - field_names)}"
    )
    assert not set(declared.computed) & set(declared.entered), model.__name__
    if not declared.computed:
        return
    assert bool(declared.basis) != bool(declared.via), (
        f"{model.__name__}: a computed figure names basis or via"
    )
    if declared.basis:
        field = model._meta.get_field(declared.basis)
        assert isinstance(field, models.JSONField), f"{model.__name__}.{declared.basis} is not a JSONField"
    else:
        relation = model._meta.get_field(declared.via)
        target = relation.related_model
        target_declared = _declared(target)
        assert target_declared is not None and target_declared.basis, (
            f"{model.__name__}: its basis is kept via {declared.via}, whose model {target.__name__} keeps none"
        )


def test_the_walk_finds_the_known_figures():
    """The walk is not vacuous: the figures of every program are found and declared computed."""
    computed = {
        f"{m._meta.app_label}.{m.__name__}": set(_declared(m).computed) for m in _models() if _declared(m)
    }
    assert {"amount", "shares"} <= computed["heating.Entitlement"] | {"shares"}
    assert "amount" in computed["heating.Claim"]
    assert "city" in computed["canteens.Lunch"] and "city" in computed["canteens.Settlement"]
    assert "amount" in computed["canteens.OperatingSubsidy"]
    assert "working_days" in computed["permits.Case"]
    assert "due_at" in computed["emergency.ReportDeadline"]
    assert "level" in computed["emergency.CasualtyFigures"]


def test_architecture_lists_every_computed_figure():
    """docs/architecture.md keeps the table of figures → where their basis is kept."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for model in _models():
        declared = _declared(model)
        if declared and declared.computed:
            assert f"{model._meta.app_label}.{model.__name__}" in text, model.__name__
