"""POLICIES.md section E: every level boundary (E1, with the 9.3 reading of 以上/以下) and the E2 clock."""

from __future__ import annotations

import pytest

from countyhall.core.policy import parameters_override
from countyhall.core.rules import RuleInputError, calc


@pytest.mark.parametrize(
    ("deaths", "missing", "injured", "impact", "level"),
    [
        (0, 0, 0, False, "IV"),
        (2, 0, 0, False, "IV"),
        (3, 0, 0, False, "III"),
        (9, 0, 0, False, "III"),
        (10, 0, 0, False, "II"),
        (29, 0, 0, False, "II"),
        (30, 0, 0, False, "I"),
        (0, 0, 9, False, "IV"),
        (0, 0, 10, False, "III"),
        (0, 0, 49, False, "III"),
        (0, 0, 50, False, "II"),
        (0, 0, 99, False, "II"),
        (0, 0, 100, False, "I"),
        (2, 1, 0, False, "III"),  # missing persons count as possible deaths (reading E1)
        (0, 10, 0, False, "II"),
        (27, 3, 0, False, "I"),
        (2, 0, 50, False, "II"),  # the higher criterion decides
        (12, 0, 10, False, "II"),
        (0, 0, 0, True, "I"),  # especially major social impact
        (3, 0, 0, True, "I"),
    ],
)
def test_response_level_boundaries(deaths, missing, injured, impact, level):
    out = calc(
        "emergency.response_level",
        {"deaths": deaths, "missing": missing, "injured": injured, "especially_major_impact": impact},
    )
    assert out["level"] == level
    assert any(c["clause"] == "9.3" for c in out["citations"])


def test_led_by_and_guidance_per_level():
    upper = calc("emergency.response_level", {"deaths": 10})
    assert upper["guidance"] == ["省应急指挥机构", "市应急指挥机构"] and "指挥部" in upper["led_by"]
    assert calc("emergency.response_level", {"deaths": 3})["guidance"] == []
    assert calc("emergency.response_level", {"deaths": 1})["led_by"] == "事故发生地镇（办）、经济开发区"
    assert "E1" in calc("emergency.response_level", {"deaths": 1, "missing": 2})["readings"]


def test_the_alternative_reading_leaves_missing_persons_out():
    with parameters_override({"emergency.count_missing_as_deaths": False}):
        out = calc("emergency.response_level", {"deaths": 2, "missing": 5})
    assert out["level"] == "IV" and out["counted_deaths"] == 2


def test_report_deadlines():
    out = calc("emergency.report_deadlines", {"occurred_at": "2021-08-01T10:00:00+08:00"})
    due = {d["kind"]: d["due"] for d in out["deadlines"]}
    assert due == {
        "phone_county": "2021-08-01T10:10:00+08:00",
        "phone_city": "2021-08-01T10:30:00+08:00",
        "written_initial": "2021-08-01T10:50:00+08:00",
        "written_accident": "2021-08-02T10:00:00+08:00",
    }
    county = next(d for d in out["deadlines"] if d["kind"] == "phone_county")
    assert county["recipients"] == ["县委值班室", "县委办公室信息调研科", "县政府值班室", "县应急局"]


def test_report_deadlines_across_midnight():
    out = calc("emergency.report_deadlines", {"occurred_at": "2021-12-31T23:55:00+08:00"})
    due = {d["kind"]: d["due"] for d in out["deadlines"]}
    assert due["phone_county"] == "2022-01-01T00:05:00+08:00"
    assert due["written_initial"] == "2022-01-01T00:45:00+08:00"
    assert due["written_accident"] == "2022-01-01T23:55:00+08:00"
    utc = calc("emergency.report_deadlines", {"occurred_at": "2021-08-01T15:58:00Z"})  # 23:58 in Beijing
    assert utc["deadlines"][0]["due"] == "2021-08-02T00:08:00+08:00"


def test_bad_input_names_the_field():
    with pytest.raises(RuleInputError) as error:
        calc("emergency.response_level", {"deaths": -1})
    assert error.value.field == "deaths"
    with pytest.raises(RuleInputError) as error:
        calc("emergency.report_deadlines", {"occurred_at": "昨天"})
    assert error.value.field == "occurred_at"


def test_command_structure_lines_point_at_the_printed_text(gazette_text):
    """Each post and working group in data/command.yaml cites the seed line where the plan prints it."""
    import yaml

    from countyhall.emergency.services import COMMAND_DATA

    lines = gazette_text.splitlines()
    data = yaml.safe_load(COMMAND_DATA.read_text(encoding="utf-8"))
    for item in data["groups"]:
        assert item["name"] in lines[item["line"] - 1], item
    for item in data["posts"]:
        nearby = "".join(lines[item["line"] - 2 : item["line"] + 1])
        key = item["title"][:3] if item["kind"] == "member" else item["title"].split("（")[0][:3]
        assert key in nearby or item["kind"] != "member", item
