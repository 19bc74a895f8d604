"""Parameters and rule inputs against the code (issue 13): every parameter is read by some code, a rule's enum
matches the model choices it mirrors, and a rule reads a parameter and its citation together (through
ParameterTrace), so no result's citations depend on the order of earlier calls."""

from __future__ import annotations

import textwrap

import pytest

from countyhall.core.policy import parameters
from countyhall.gazette import checks

# ---- parameters read by nothing ------------------------------------------------------------------------------

UNREAD_KNOWN: dict[str, str] = {}


def _unread_params():
    for name in sorted({p.name for p in parameters()}):
        marks = [pytest.mark.xfail(strict=True, reason=UNREAD_KNOWN[name])] if name in UNREAD_KNOWN else []
        yield pytest.param(name, id=name, marks=marks)


@pytest.fixture(scope="module")
def unread():
    return set(checks.unread_parameters(parameters()))


@pytest.mark.parametrize("name", list(_unread_params()))
def test_parameter_is_read_by_some_code(name, unread):
    assert name not in unread, f"参数 {name} 没有任何代码读取"


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ('trace.get("heating.gas_use.cap_m3")', {"heating.gas_use.cap_m3"}),
        ('trace.get(f"canteen.subsidy.{band}")', {"canteen.subsidy.age_60_79"}),
        (
            'name = "permit.rooms.m2" + ("_before_2014" if old else "")',
            {"permit.rooms.m2", "permit.rooms.m2_before_2014"},
        ),
        (
            'REPORTS = ["emergency.report.phone_city"]\nminutes = trace.get(f"{p}.minutes")',
            {"emergency.report.phone_city.minutes"},
        ),
        ('x = "heating.other"', set()),
    ],
)
def test_unread_detection(tmp_path, source, read):
    from countyhall.core.policy.parameters import Parameter

    (tmp_path / "heating").mkdir()
    (tmp_path / "heating" / "rules.py").write_text(textwrap.dedent(source), encoding="utf-8")
    names = [
        "heating.gas_use.cap_m3",
        "canteen.subsidy.age_60_79",
        "permit.rooms.m2",
        "permit.rooms.m2_before_2014",
        "emergency.report.phone_city.minutes",
    ]
    registry = [
        Parameter(name=n, label=n, unit="count", description="", values=(), source_file="x.yaml")
        for n in names
    ]

    class Registry(list):
        pass

    assert set(names) - set(checks.unread_parameters(Registry(registry), root=tmp_path)) == read


# ---- rule enums and the model choices they mirror ------------------------------------------------------------


def _mirrors():
    for mirror in checks.rule_enum_mirrors():
        yield pytest.param(mirror, id=f"{mirror.rule}.{mirror.field}")


@pytest.mark.parametrize("mirror", list(_mirrors()))
def test_rule_enum_matches_the_model(mirror):
    assert checks.enum_drift(mirror) == []


def test_rule_enums_found():
    mirrored = {(m.rule, m.field): m.model_field for m in checks.rule_enum_mirrors()}
    assert mirrored[("canteen.lunch", "facility.setting")] == "canteens.Facility.setting"
    assert mirrored[("permit.stages", "category")].startswith("permits.")


MODELS = [
    ("canteens.Facility.setting", {"rural": "农村", "community": "城市社区"}),
    ("emergency.Incident.kind", {"fire": "火灾", "leak": "泄漏"}),
]


@pytest.mark.parametrize(
    ("choices", "model_field", "problems"),
    [
        ({"rural": "农村", "community": "城市社区"}, "canteens.Facility.setting", []),
        (
            {"rural": "rural", "community": "community"},
            "canteens.Facility.setting",
            [],
        ),  # keys as their own labels
        ({"rural": "农村"}, "canteens.Facility.setting", ["没有：community"]),  # the model grew a choice
        (
            {"rural": "农村", "community": "城市社区", "town": "镇"},
            "canteens.Facility.setting",
            ["没有：town"],
        ),
        ({"rural": "乡村", "community": "城市社区"}, "canteens.Facility.setting", ["名称为“乡村”"]),
        ({"a": "甲"}, "", []),  # mirrors no model
    ],
)
def test_enum_drift_table(choices, model_field, problems):
    mirror = checks.enum_mirror("r", "f", choices, MODELS)
    assert mirror.model_field == model_field
    found = checks.enum_drift(mirror)
    assert len(found) == len(problems) and all(p in f for p, f in zip(problems, found, strict=True))


# ---- a value read together with its citation -----------------------------------------------------------------

# where (file::function) → (program, what it reads without its citation)
UNTRACED_KNOWN: dict[str, tuple[str, str]] = {}


@pytest.fixture(scope="module")
def untraced():
    return {r.where: r for r in checks.untraced_reads()}


def test_no_new_untraced_reads(untraced):
    new = {where: r.code for where, r in untraced.items() if where not in UNTRACED_KNOWN}
    assert new == {}, "读取参数值却未记录其依据（请改用 ParameterTrace.get）"


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(w, id=w, marks=pytest.mark.xfail(strict=True, reason=f"{p}: {why}"))
        for w, (p, why) in UNTRACED_KNOWN.items()
    ],
)
def test_known_untraced_read(where, untraced):
    assert where not in untraced


@pytest.mark.parametrize("where", sorted(checks.PRESENTATION_READS))
def test_presentation_reads_are_live_and_explained(where):
    """Each accepted presentation read still reads bare (else the entry is stale) and says why it may."""
    assert len(checks.PRESENTATION_READS[where]) > 40
    assert where in {r.where for r in checks.untraced_reads(accepted={})}
    assert where not in {r.where for r in checks.untraced_reads()}


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("def f(on):\n    return parameters().at('a.b', on).value\n", True),
        ("def f(on):\n    v = parameters().at('a.b', on)\n    return v.value + 1\n", True),
        ("def f(on):\n    v = parameters().at('a.b', on)\n    cite(v.citation)\n    return v.value\n", False),
        (
            "def f(on):\n    v = parameters().at('a.b', on)\n    return v\n",
            False,
        ),  # the caller gets the citation
        ("def f(on):\n    v = parameters().at('a.b', on)\n    rows.append({'total': v})\n", False),
        ("def f(on):\n    t = ParameterTrace(on)\n    return t.get('a.b')\n", False),
        ("def f(on):\n    registry = parameters()\n    return registry.at('a.b', on).value\n", True),
    ],
)
def test_untraced_detection(tmp_path, source, flagged):
    (tmp_path / "permits").mkdir()
    (tmp_path / "permits" / "x.py").write_text(source, encoding="utf-8")
    assert bool(checks.untraced_reads(root=tmp_path)) is flagged
