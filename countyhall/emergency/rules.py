"""Rules of 高政办字〔2021〕34号 (power-generation enterprise accidents): response level (E1), reporting
deadlines (E2). Pure: dated parameters in, result and citations out."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from countyhall.core.policy import Citation, parameters
from countyhall.core.rules.fields import DateTimeField
from countyhall.core.rules.registry import RuleResult, StrictInput, rule
from countyhall.core.rules.trace import ParameterTrace

DOCUMENT = "高政办字〔2021〕34号"
LEVELS = ["I", "II", "III", "IV"]
LEVEL_LABELS = {"I": "特别重大（I级）", "II": "重大（II级）", "III": "较大（III级）", "IV": "一般（IV级）"}
# "以上" includes the number and "以下" excludes it (9.3): the thresholds are inclusive lower bounds.
BOUNDARIES = Citation(DOCUMENT, "9.3", 4487)
SOCIAL_IMPACT = Citation(DOCUMENT, "4.1", 3945)


def plan_start() -> dt.date:
    """The day 34号 took effect, as the parameter file has it (the calculator's default date)."""
    return parameters().get("emergency.level_i.min_deaths").values[0].valid_from


def level_rank(level: str) -> int:
    """I is the highest level: rank 4 … IV: rank 1, so a rise in level is a rise in rank."""
    return 4 - LEVELS.index(level)


def response_level_terms(
    *, deaths: int, missing: int, injured: int, especially_major_impact: bool, on: dt.date
) -> RuleResult:
    """E1: the level from deaths (with missing persons as possible deaths, reading E1) or from the injured
    and poisoned; the higher of the two decides; an especially major social impact is level I."""
    trace = ParameterTrace(on)
    counted_deaths = deaths + (missing if trace.get("emergency.count_missing_as_deaths") else 0)
    by_deaths = by_injured = "IV"
    for level, key in (("III", "level_iii"), ("II", "level_ii"), ("I", "level_i")):
        if counted_deaths >= trace.get(f"emergency.{key}.min_deaths"):
            by_deaths = level
        if injured >= trace.get(f"emergency.{key}.min_injured"):
            by_injured = level
    level = by_deaths if level_rank(by_deaths) >= level_rank(by_injured) else by_injured
    reasons = []
    if especially_major_impact:
        level = "I"
        trace.citations.append(SOCIAL_IMPACT)
        reasons.append("社会影响特别重大")
    trace.citations.append(BOUNDARIES)
    if level in ("I", "II"):
        led_by, guidance = trace.get("emergency.led_by.upper"), list(trace.get("emergency.guidance.upper"))
    elif level == "III":
        led_by, guidance = trace.get("emergency.led_by.level_iii"), []
    else:
        led_by, guidance = trace.get("emergency.led_by.level_iv"), []
    return trace.result(
        {
            "level": level,
            "label": LEVEL_LABELS[level],
            "led_by": led_by,
            "guidance": guidance,
            "counted_deaths": counted_deaths,
            "level_by_deaths": by_deaths,
            "level_by_injured": by_injured,
            "reasons": reasons,
        }
    )


REPORTS = [
    # kind, label, parameter, recipients parameter
    (
        "phone_county",
        "电话报告（县级）",
        "emergency.report.phone_county",
        "emergency.report.phone_county.recipients",
    ),
    (
        "phone_city",
        "电话报告（市级）",
        "emergency.report.phone_city",
        "emergency.report.phone_city.recipients",
    ),
    # The written reports' recipients are reading E2 ("逐级上报", 3.3): the county's, or the county's and the city's.
    (
        "written_initial",
        "书面报告初步核实概况",
        "emergency.report.written_initial",
        "emergency.report.written_initial.recipients",
    ),
    (
        "written_accident",
        "事故书面报告",
        "emergency.report.written_accident",
        "emergency.report.written_accident.recipients",
    ),
]


def report_deadlines_terms(*, occurred_at: dt.datetime) -> RuleResult:
    """E2: each report's deadline counts in minutes from the moment of the accident (calendar time: an
    accident at 23:55 is due at the county by 00:05 the next day)."""
    trace = ParameterTrace(occurred_at.date())
    deadlines = []
    for kind, label, parameter, recipients in REPORTS:
        # Read the figure and its citation together: the citation never depends on the order of later calls.
        value = parameters().at(f"{parameter}.minutes", occurred_at.date())
        minutes = trace.get(f"{parameter}.minutes")
        deadlines.append(
            {
                "kind": kind,
                "label": label,
                "minutes": minutes,
                "due": occurred_at + dt.timedelta(minutes=minutes),
                "recipients": list(trace.get(recipients)),
                "citation": value.citation.as_dict(),
            }
        )
    return trace.result({"occurred_at": occurred_at, "deadlines": deadlines})


def verification_deadline_terms(*, requested_at: dt.datetime, mode: str) -> RuleResult:
    """E2: a verification request (核报) is answered by phone within 15 minutes, in writing within 40."""
    trace = ParameterTrace(requested_at.date())
    minutes = trace.get(f"emergency.verification.{mode}.minutes")
    return trace.result(
        {"mode": mode, "minutes": minutes, "due": requested_at + dt.timedelta(minutes=minutes)}
    )


def warning_colour_terms(*, level: str, on: dt.date) -> RuleResult:
    trace = ParameterTrace(on)
    colours = trace.get("emergency.warning.colours")
    return trace.result({"level": level, "colour": colours[LEVELS.index(level)]})


class ResponseLevelInput(StrictInput):
    deaths = serializers.IntegerField(min_value=0, help_text="死亡人数")
    missing = serializers.IntegerField(min_value=0, default=0, help_text="失踪（下落不明）人数")
    injured = serializers.IntegerField(min_value=0, default=0, help_text="中毒、重伤人数")
    especially_major_impact = serializers.BooleanField(default=False, help_text="社会影响特别重大")
    on = serializers.DateField(required=False, help_text="适用日期，缺省为预案施行之日")


@rule(
    name="emergency.response_level",
    title="发电企业生产安全事故响应等级",
    input=ResponseLevelInput,
    example={"deaths": 3, "missing": 0, "injured": 5, "especially_major_impact": False},
    description="按死亡（失踪人员按可能死亡计入，见政策解读）或中毒、重伤人数确定I—IV级响应，取两者较高者；社会影响特别重大的为I级。",
)
def response_level_rule(
    *, deaths: int, missing: int, injured: int, especially_major_impact: bool, on: dt.date | None = None
) -> RuleResult:
    return response_level_terms(
        deaths=deaths,
        missing=missing,
        injured=injured,
        especially_major_impact=especially_major_impact,
        on=on or plan_start(),
    )


class ReportDeadlinesInput(StrictInput):
    occurred_at = DateTimeField(help_text="事故发生时间（含时区，如 2021-08-01T10:00:00+08:00）")


@rule(
    name="emergency.report_deadlines",
    title="事故信息报告时限",
    input=ReportDeadlinesInput,
    example={"occurred_at": "2021-08-01T10:00:00+08:00"},
    description="事发后10分钟内电话报县级、30分钟内电话报市级、50分钟内书面报告初步核实情况、24小时内事故书面报告。",
)
def report_deadlines_rule(*, occurred_at: dt.datetime) -> RuleResult:
    return report_deadlines_terms(occurred_at=occurred_at)
