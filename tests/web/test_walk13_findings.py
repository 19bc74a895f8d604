"""What the walk of issue 13's pages found (walk13), one test per fix."""

from __future__ import annotations

import re
import textwrap

import pytest

from countyhall.core.policy import ParameterError, load_parameter_dir, parameters

CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|^[a-z]+$")


def test_every_coded_text_value_and_ratio_party_has_a_chinese_name():
    """/policy/readings/B6/ showed "city_county_3_7 文本" beside "county_only 文本", /policy/parameters/ showed
    {'above_city': 46, …}: a coded value or a ratio's party needs its name in `labels`, and the page shows that."""
    registry = parameters()
    for name, parameter in registry.parameters.items():
        for value in parameter.values:
            codes = (
                list(value.value)
                if parameter.unit == "ratio"
                else ([value.value] if parameter.unit == "text" and CODE.match(str(value.value)) else [])
            )
            for code in codes:
                assert code in parameter.labels, f"{name}: {code} has no Chinese name"
                assert code not in parameter.display(value.value), name
    for reading in registry.readings.values():
        for changes in reading.effects.values():
            for name, value in changes.items():
                parameter = registry.parameters[name]
                if parameter.unit == "text" and CODE.match(str(value)):
                    assert value in parameter.labels, f"{reading.id} → {name}: {value}"


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("heating.biomass_stove.remainder_split", "county_only", "由县财政单独承担"),
        (
            "heating.gas_boiler.split",
            {"above_city": 46, "county": 34, "town": 10, "jinjie": 10},
            "市级及以上 46：县级 34：镇（街道） 10：淄博金捷天然气公司 10",
        ),
        ("heating.season.start", "11-15", "11月15日"),
        ("canteen.lunch_subsidy.city.age_60_79", "1.00", "1.00 元"),
        ("emergency.guidance.upper", ["省应急指挥机构", "市应急指挥机构"], "省应急指挥机构、市应急指挥机构"),
    ],
)
def test_a_value_is_shown_by_name_with_its_unit(name, value, shown):
    assert parameters().parameters[name].display(value) == shown


def test_labels_must_name_every_code_the_file_uses(tmp_path):
    (tmp_path / "demo.yaml").write_text(
        textwrap.dedent("""
        parameters:
          demo.split:
            label: 分担
            unit: ratio
            labels: {city: 市级}
            values:
              - {from: 2021-09-02, value: {city: 5, county: 95},
                 citation: {document: 高政办发〔2021〕2号, clause: 五、（二）3, line: 1273}}
        """),
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match=r"demo.yaml: .*county 没有中文名称"):
        load_parameter_dir(tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/policy/readings/B6/",
        "/policy/readings/B4/",
        "/policy/readings/A12/",
        "/policy/parameters/",
        "/policy/readings/",
        "/policy/parameters/heating.gas_boiler.split/",
    ],
)
def test_the_governed_policy_pages_show_no_codes(client, make_user, path):
    client.force_login(make_user("walk13-admin", "system_admin"))
    html = client.get(path).content.decode()
    visible = html.split('class="tech-info"')[0]
    for code in (
        "city_county_3_7",
        "county_only",
        "whole_subsidy",
        "seventy_percent_part",
        "above_city",
        "unspecified_by_policy",
        "service_start_on_or_before_1_january",
        "'county'",
        " 文本",
    ):
        assert code not in visible, (path, code)


IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)+|[a-z]+\(|\.yaml|YYYY")


def test_shown_texts_of_parameters_and_readings_carry_no_identifiers():
    """/policy/parameters/ showed "calendar.yaml … calendar.acceptance_working_days" in a description and B10's
    reading "floor(面积/150)": the texts the pages show are written for the county's staff."""
    registry = parameters()
    found = [
        (key, match)
        for key, texts in [
            *((n, [p.description, p.unentered, p.label]) for n, p in registry.parameters.items()),
            *((r.id, [r.question, r.text, r.alternative]) for r in registry.readings.values()),
        ]
        for text in texts
        for match in IDENTIFIER.findall(text)
    ]
    assert not found, found


def test_impact_previews_and_change_messages_write_dates_in_chinese():
    """The heating preview's note said 方案印发日（2021-08-28）, the stage-limit preview listed 申报日期 2021-09-01 and
    due dates the ISO way, a refused start date said 起始日期应在 2021-08-28 至 …: pages write 2021年8月28日."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "countyhall"
    files = [*root.glob("*/policy.py"), root / "core" / "services" / "policy.py"]
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".isoformat()" in line
    ]
    assert not found, found


@pytest.mark.django_db
def test_a_start_date_outside_the_policy_is_refused_in_chinese(make_user):
    import datetime as dt

    from countyhall.core.errors import ServiceError
    from countyhall.core.services.policy import policy_change_propose

    admin = make_user("walk13-proposer", "system_admin")
    with pytest.raises(ServiceError) as error:
        policy_change_propose(
            actor=admin,
            kind="reading",
            key="B6",
            value="alternative",
            valid_from=dt.date(2019, 1, 1),
            reason="走查所见的变更",
        )
    assert error.value.field == "valid_from"
    assert "2019年1月1日" in error.value.message and "2019-01-01" not in error.value.message


def test_heating_pages_name_a_household_by_its_ledger_number_not_a_hash():
    """/heating/ledger/ (住建局) listed 编号 #4, the household page 改造户：孟庆山 #4 and the previews （改造户 #4）: the
    number is the ledger's (台账编号 4), written as the county writes it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "countyhall" / "heating"
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in [*root.rglob("*.html"), root / "policy.py", root / "services.py"]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ("#{{" in line or "（#{" in line or "改造户 #{household.pk}）" in line)
        and "object_repr" not in line
        and "tech-info" not in line
    ]
    assert not found, found


@pytest.mark.django_db
def test_rule_descriptions_on_the_calculator_name_no_reading_codes():
    """/calc/?rule=heating.biomass_stove said 其余按解读 B6 分担: a reading is named by what it decides."""
    from countyhall.core.rules import rule_catalogue

    reading_ids = set(parameters().readings)
    found = [
        (entry["name"], token)
        for entry in rule_catalogue(public_only=False)
        for token in re.findall(
            r"(?<![A-Za-z0-9])[A-E]\d+[a-z]?(?![A-Za-z0-9])", str(entry.get("description", ""))
        )
        if token in reading_ids
    ]
    assert not found, found
