"""POLICIES.md section C rules: total limits by category, due dates on the working-day calendar, C12 rooms."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from countyhall.core.rules import RuleInputError, calc

D = dt.date


@pytest.mark.parametrize(
    ("category", "days", "stages"),
    [
        ("social_industrial", 45, 4),
        ("social_civil", 45, 4),
        ("land_with_scheme", 35, 3),
        ("gov_investment", 70, 4),
        ("gov_renovation", 45, 4),
    ],
)
def test_time_limit(category, days, stages):
    out = calc("permit.time_limit", {"category": category})
    assert out["working_days"] == days and len(out["stages"]) == stages and out["readings"] == ["C3"]
    assert any(c["clause"] == "附件" for c in out["citations"])


def reference_due(start: D, days: int, suspensions=()) -> D:
    """Independent count on the chinese-calendar package itself."""
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day) and not any(a <= day <= b for a, b in suspensions):
            counted += 1
    return day


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "accepted", "suspensions"),
    [
        ("social_civil", D(2021, 9, 29), []),  # across National Day and its make-up Saturday
        ("gov_investment", D(2021, 9, 1), []),
        ("land_with_scheme", D(2021, 9, 29), [(D(2021, 10, 8), D(2021, 10, 12))]),
        (
            "social_industrial",
            D(2021, 10, 8),
            [(D(2021, 10, 9), D(2021, 10, 9)), (D(2021, 11, 1), D(2021, 11, 5))],
        ),
    ],
)
def test_due_date_matches_an_independent_count(category, accepted, suspensions):
    out = calc(
        "permit.due_date",
        {
            "category": category,
            "accepted_on": accepted.isoformat(),
            "suspensions": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in suspensions],
        },
    )
    days = {"social_civil": 45, "gov_investment": 70, "land_with_scheme": 35, "social_industrial": 45}[
        category
    ]
    assert out["due"] == reference_due(accepted, days, suspensions).isoformat()
    assert out["suspended_working_days"] == sum(
        1
        for a, b in suspensions
        for n in range((b - a).days + 1)
        if chinese_calendar.is_workday(a + dt.timedelta(n))
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "accepted", "suspensions", "due", "suspended"),
    [
        ("social_civil", D(2021, 9, 29), [], D(2021, 12, 7), 0),  # National Day 2021 and the make-up 9 Oct
        ("social_industrial", D(2022, 1, 20), [], D(2022, 3, 29), 0),  # Spring Festival 2022
        # 补正 from the make-up Saturday 29 Jan into the holiday and out to 8 Feb: only 4 working days stop.
        ("land_with_scheme", D(2022, 1, 20), [(D(2022, 1, 29), D(2022, 2, 8))], D(2022, 3, 21), 4),
        (
            "gov_renovation",
            D(2021, 9, 30),
            [(D(2021, 10, 1), D(2021, 10, 7))],
            D(2021, 12, 8),
            0,
        ),  # a stop in the holiday only
    ],
)
def test_due_dates_across_national_day_and_spring_festival(category, accepted, suspensions, due, suspended):
    out = calc(
        "permit.due_date",
        {
            "category": category,
            "accepted_on": accepted.isoformat(),
            "suspensions": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in suspensions],
        },
    )
    assert (out["due"], out["suspended_working_days"]) == (due.isoformat(), suspended)


@pytest.mark.django_db
def test_due_date_errors():
    with pytest.raises(RuleInputError) as error:
        calc(
            "permit.due_date",
            {
                "category": "social_civil",
                "accepted_on": "2021-09-29",
                "suspensions": [{"from": "2021-10-12", "to": "2021-10-08"}],
            },
        )
    assert error.value.field == "suspensions.0.to"
    with pytest.raises(RuleInputError) as error:
        calc("permit.due_date", {"category": "social_civil", "accepted_on": "2022-12-01"})
    assert (
        error.value.field == "calendar" and "2023" in error.value.message
    )  # the test calendar holds 2020–2022


@pytest.mark.parametrize(
    ("households", "before_2014", "m2"),
    [(350, False, "70.00"), (350, True, "52.50"), (0, False, "0.00"), (101, False, "20.20")],
)
def test_elderly_rooms(households, before_2014, m2):
    out = calc(
        "permit.elderly_rooms", {"households": households, "area_completed_before_2014_06": before_2014}
    )
    assert out["required_m2"] == m2


# 3号 二、（一）4 (L1576–1589): seismic before design, environment/heritage/energy/soil-and-water before works; for a
# government-invested project the energy review before its feasibility study (in 立项用地规划许可, L1585–1589).
# 二、（六） (L1824): inside a regionally assessed zone those are covered.
@pytest.mark.parametrize(
    ("stage", "category", "zone", "required", "covered"),
    [
        ("立项用地规划许可", "social_industrial", False, [], []),
        ("立项用地规划许可", "gov_investment", False, ["节能评价"], []),  # L1587
        ("立项用地规划许可", "gov_renovation", False, ["节能评价"], []),  # L1587
        ("立项用地规划许可", "gov_investment", True, [], ["节能评价"]),  # L1824
        ("工程建设许可", "social_civil", False, ["地震安全性评价"], []),  # L1578
        ("工程建设许可", "gov_investment", False, ["地震安全性评价"], []),
        (
            "施工许可",
            "social_civil",
            False,
            ["环境影响评价", "文物影响评价", "节能评价", "水土保持方案"],
            [],
        ),  # L1580
        ("施工许可", "social_civil", True, [], ["文物影响评价", "水土保持方案", "环境影响评价", "节能评价"]),
        (
            "工程建设许可和施工许可",
            "land_with_scheme",
            False,
            ["地震安全性评价", "环境影响评价", "文物影响评价", "节能评价", "水土保持方案"],
            [],
        ),
    ],
)
def test_assessments_before_each_stage(stage, category, zone, required, covered):
    out = calc("permit.assessments", {"stage": stage, "category": category, "in_assessed_zone": zone})
    assert out["required"] == required and sorted(out["covered_by_regional_assessment"]) == sorted(covered)
    lines = {c["line"] for c in out["citations"]}
    assert (1587 in lines) == (stage == "立项用地规划许可" and category.startswith("gov_"))


def test_assessments_need_the_category():
    with pytest.raises(RuleInputError):
        calc("permit.assessments", {"stage": "施工许可", "in_assessed_zone": False})


@pytest.mark.parametrize(
    ("category", "names", "second_items"),
    [
        (
            "social_industrial",
            ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"],
            [
                "设计方案审查",
                "施工图设计文件审查（含消防设计审查、人防设计审查等）",
                "建设工程规划许可证核发",
            ],
        ),
        # 拿地即开工: one merged stage, and no design-scheme review (二、（四）).
        (
            "land_with_scheme",
            ["立项用地规划许可", "工程建设许可和施工许可", "竣工验收"],
            [
                "施工图设计文件审查（含消防设计审查、人防设计审查等）",
                "建设工程规划许可证核发",
                "施工许可证核发",
            ],
        ),
    ],
)
def test_stages_with_their_items_leads_and_merged_items(category, names, second_items):
    out = calc("permit.stages", {"category": category})
    assert [s["name"] for s in out["stages"]] == names
    assert out["stages"][1]["items"] == second_items
    assert out["stages"][0]["leads"] == ["县发展和改革局", "县行政审批服务局", "县自然资源局"]
    merged = {m["label"]: m["items"] for m in out["merged_items"]}
    assert [
        "建设工程质量监督手续",
        "建设工程安全监督手续",
        "建筑工程施工许可证核发",
        "消防设计审查",
    ] in merged.values()
    assert {c["clause"] for c in out["citations"]} >= {"二、（三）", "二、（一）2"}
