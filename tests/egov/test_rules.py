"""The twelve egov.* rules of 高政办发〔2021〕1号 (SPEC-egov-1hao.md section 9), table-driven through the calc interface.

Each case lists only the decisive output keys (the SPEC's convention); every result must also carry citations and
the readings it applied.
"""

from __future__ import annotations

import pytest

from countyhall.core.policy.governed import readings_answered
from countyhall.core.rules import RuleInputError, calc

pytestmark = pytest.mark.django_db

DOC = "高政办发〔2021〕1号"

ADMISSIBLE = {
    "migration_completed_as_required": True,
    "violates_sharing_rules": False,
    "supports_sharing_platform": True,
    "provides_info_per_rules": True,
    "sharing_needs_specified": True,
    "legal_exception": False,
    "restricted_kind": None,
    "special_circumstance": False,
}
ALL_GATES_FAIL = {
    "migration_completed_as_required": False,
    "violates_sharing_rules": True,
    "supports_sharing_platform": False,
    "provides_info_per_rules": False,
    "sharing_needs_specified": False,
}
FUNDS_OK = {
    "in_annual_plan": True,
    "self_built": False,
    "procurement_file_reviewed": True,
    "accepted": True,
    "settlement_review_done": True,
    "suspended": False,
    "terminated": False,
    "unapproved_major_change_overrun": False,
}
TRIAL = {"new_software": True, "exemption_recorded": False}

CASES = [
    # --- 4.4 review mode: "100万元以下" written, "100万元（含）以上" on-site
    (
        "egov.review_mode",
        {"total_investment": "999999.99"},
        {"onsite_required": False, "written_allowed": True, "default_mode": "written"},
    ),
    (
        "egov.review_mode",
        {"total_investment": "1000000.00"},
        {"onsite_required": True, "written_allowed": False, "default_mode": "onsite"},
    ),
    (
        "egov.review_mode",
        {"total_investment": "1000000.01"},
        {"onsite_required": True, "default_mode": "onsite"},
    ),
    ("egov.review_mode", {"total_investment": "0"}, {"onsite_required": False}),
    ("egov.review_mode", {"total_investment": 1000000}, {"onsite_required": True}),  # an integer is exact
    # --- 3.4 consulting firm: planned investment 100万元（含）以上 or technically complex
    (
        "egov.consulting_firm_required",
        {"planned_investment": "999999.99", "technically_complex": False},
        {"required": False, "because": []},
    ),
    (
        "egov.consulting_firm_required",
        {"planned_investment": "1000000.00", "technically_complex": False},
        {"required": True, "because": ["investment_threshold"]},
    ),
    (
        "egov.consulting_firm_required",
        {"planned_investment": "1000000.01", "technically_complex": False},
        {"required": True, "because": ["investment_threshold"]},
    ),
    (
        "egov.consulting_firm_required",
        {"planned_investment": "999999.99", "technically_complex": True},
        {"required": True, "because": ["technically_complex"]},
    ),
    (
        "egov.consulting_firm_required",
        {"planned_investment": "1000000.00", "technically_complex": True},
        {"required": True, "because": ["investment_threshold", "technically_complex"]},
    ),
    # --- 5.3 supervision: 200万元（含）以上, the engineering component only
    (
        "egov.supervision_required",
        {"total_investment": "1999999.99", "component": "engineering"},
        {"required": False, "in_principle": False, "file_before_start": False},
    ),
    (
        "egov.supervision_required",
        {"total_investment": "2000000.00", "component": "engineering"},
        {"required": True, "in_principle": True, "file_before_start": True},
    ),
    (
        "egov.supervision_required",
        {"total_investment": "2000000.01", "component": "engineering"},
        {"required": True},
    ),
    (
        "egov.supervision_required",
        {"total_investment": "5000000.00", "component": "service"},
        {"required": False, "file_before_start": False},
    ),
    # --- 3.1, 4.1, 4.7, 4.8 the yearly cycle
    (
        "egov.cycle_deadlines",
        {"plan_year": 2022},
        {
            "application_due": "2021-09-30",
            "joint_review_due": "2021-11-30",
            "annual_plan_due": "2021-12-31",
            "budget_year": 2022,
        },
    ),
    (
        "egov.cycle_deadlines",
        {"plan_year": 2024},  # 2023-09-30 is a Saturday in the National Day break: not moved
        {
            "application_due": "2023-09-30",
            "joint_review_due": "2023-11-30",
            "annual_plan_due": "2023-12-31",
            "budget_year": 2024,
        },
    ),
    # --- 3.1, 3.2 timeliness: 09-30 is in time, 10-01 late, unless county-decided
    (
        "egov.application_timely",
        {"plan_year": 2022, "submitted_on": "2021-09-30", "county_decided": False},
        {"timely": True, "due_on": "2021-09-30", "exempt": False},
    ),
    (
        "egov.application_timely",
        {"plan_year": 2022, "submitted_on": "2021-10-01", "county_decided": False},
        {"timely": False, "due_on": "2021-09-30", "exempt": False},
    ),
    (
        "egov.application_timely",
        {"plan_year": 2022, "submitted_on": "2021-10-01", "county_decided": True},
        {"timely": True, "exempt": True},
    ),
    (
        "egov.application_timely",
        {"plan_year": 2023, "submitted_on": "2021-10-01"},  # early for 2023: in time
        {"timely": True, "due_on": "2022-09-30"},
    ),
    # --- 3.9, 4.3 admissibility: every reason in its order; the statutory exception; the special circumstance
    ("egov.review_admissible", ADMISSIBLE, {"admissible": True, "reasons": []}),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, **ALL_GATES_FAIL, "restricted_kind": 3},
        {
            "admissible": False,
            "reasons": [
                "migration_incomplete",
                "violates_sharing_rules",
                "no_sharing_platform_support",
                "no_information_supplied",
                "sharing_needs_unspecified",
                "restricted_kind",
            ],
        },
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "migration_completed_as_required": False},
        {"admissible": False, "reasons": ["migration_incomplete"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "violates_sharing_rules": True},
        {"reasons": ["violates_sharing_rules"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "supports_sharing_platform": False},
        {"reasons": ["no_sharing_platform_support"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "provides_info_per_rules": False},
        {"reasons": ["no_information_supplied"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "sharing_needs_specified": False},
        {"reasons": ["sharing_needs_unspecified"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, **ALL_GATES_FAIL, "legal_exception": True},
        {"admissible": True, "reasons": []},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, **ALL_GATES_FAIL, "legal_exception": True, "restricted_kind": 5},
        {"admissible": False, "reasons": ["restricted_kind"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "restricted_kind": 1},
        {"admissible": False, "reasons": ["restricted_kind"]},
    ),
    (
        "egov.review_admissible",
        {**ADMISSIBLE, "restricted_kind": 8, "special_circumstance": True},
        {"admissible": True, "reasons": []},
    ),
    # --- 6.5 acceptance: the 20th working day after the day the materials were complete. Expected dates worked by
    # hand from the State Council holiday notices (国办发明电〔2020〕27号 for 2021, 〔2021〕11号 for 2022):
    # National Day 2021 off 10-01…10-07, make-up work Sun 09-26 and Sat 10-09; New Year 2022 off 01-01…01-03;
    # Spring Festival 2022 off 01-31…02-06, make-up work Sat 01-29 and Sun 01-30.
    # 2021-09-29 → 09-30 (1), 10-08 (2), Sat 10-09 (3), 10-11…15 (4–8), 18…22 (9–13), 25…29 (14–18), 11-01 (19),
    # 11-02 (20).
    (
        "egov.acceptance_due",
        {"materials_complete_on": "2021-09-29"},
        {"due_on": "2021-11-02", "on_time": None},
    ),
    (
        "egov.acceptance_due",
        {"materials_complete_on": "2021-09-29", "report_issued_on": "2021-11-02"},
        {"due_on": "2021-11-02", "on_time": True},
    ),
    (
        "egov.acceptance_due",
        {"materials_complete_on": "2021-09-29", "report_issued_on": "2021-11-03"},
        {"on_time": False},
    ),
    # complete on a holiday, 2021-10-02: 10-08 (1), Sat 10-09 (2), 10-11…15 (3–7), 18…22 (8–12), 25…29 (13–17),
    # 11-01…03 (18–20).
    ("egov.acceptance_due", {"materials_complete_on": "2021-10-02"}, {"due_on": "2021-11-03"}),
    # 2021-12-20 across New Year: 12-21…24 (1–4), 12-27…31 (5–9), 01-04…07 (10–13), 01-10…14 (14–18), 01-17 (19),
    # 01-18 (20).
    ("egov.acceptance_due", {"materials_complete_on": "2021-12-20"}, {"due_on": "2022-01-18"}),
    # 2022-01-20 across Spring Festival: 01-21 (1), 01-24…28 (2–6), Sat 01-29 (7), Sun 01-30 (8), 02-07…11 (9–13),
    # 02-14…18 (14–18), 02-21 (19), 02-22 (20).
    ("egov.acceptance_due", {"materials_complete_on": "2022-01-20"}, {"due_on": "2022-02-22"}),
    # --- 6.3 trial run: same day three months on, or that month's last day
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-08-15", "preliminary_acceptance_on": "2021-11-15", **TRIAL},
        {"applies": True, "earliest_on": "2021-11-15", "satisfied": True},
    ),
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-08-15", "preliminary_acceptance_on": "2021-11-14", **TRIAL},
        {"applies": True, "earliest_on": "2021-11-15", "satisfied": False},
    ),
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-11-30", "preliminary_acceptance_on": "2022-02-28", **TRIAL},
        {"earliest_on": "2022-02-28", "satisfied": True},
    ),
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-11-30", "preliminary_acceptance_on": "2022-02-27", **TRIAL},
        {"earliest_on": "2022-02-28", "satisfied": False},
    ),
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2023-11-30", "preliminary_acceptance_on": "2024-02-29", **TRIAL},
        {"earliest_on": "2024-02-29", "satisfied": True},
    ),  # leap year
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-08-31", "preliminary_acceptance_on": "2021-11-30", **TRIAL},
        {"earliest_on": "2021-11-30", "satisfied": True},
    ),
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-12-31", "preliminary_acceptance_on": "2022-03-31", **TRIAL},
        {"earliest_on": "2022-03-31", "satisfied": True},
    ),  # across the year
    (
        "egov.trial_run_satisfied",
        {
            "trial_start_on": "2021-11-30",
            "preliminary_acceptance_on": "2021-12-01",
            "new_software": False,
            "exemption_recorded": False,
        },
        {"applies": False, "earliest_on": None, "satisfied": True},
    ),
    (
        "egov.trial_run_satisfied",
        {
            "trial_start_on": "2021-11-30",
            "preliminary_acceptance_on": "2021-12-01",
            "new_software": True,
            "exemption_recorded": True,
        },
        {"applies": False, "earliest_on": None, "satisfied": True},
    ),
    # --- 6.4, 6.6, 6.8 acceptance passes
    (
        "egov.acceptance_passes",
        {"preliminary_done": True, "key_params_match_plan": True, "catalogue_on_sharing_platform": True},
        {"passes": True, "may_be_used": True, "reasons": []},
    ),
    (
        "egov.acceptance_passes",
        {"preliminary_done": False, "key_params_match_plan": False, "catalogue_on_sharing_platform": False},
        {
            "passes": False,
            "may_be_used": False,
            "reasons": ["preliminary_not_done", "key_parameters_differ", "catalogue_not_on_platform"],
        },
    ),
    (
        "egov.acceptance_passes",
        {"preliminary_done": True, "key_params_match_plan": False, "catalogue_on_sharing_platform": True},
        {"passes": False, "may_be_used": False, "reasons": ["key_parameters_differ"]},
    ),
    (
        "egov.acceptance_passes",
        {"preliminary_done": True, "key_params_match_plan": True, "catalogue_on_sharing_platform": False},
        {"passes": False, "reasons": ["catalogue_not_on_platform"]},
    ),
    # --- 4.9, 5.1, 5.2c, 5.6, 6.10 money: every reason code and its order
    (
        "egov.funding_allowed",
        {"payment_kind": "budget_allocation", **FUNDS_OK},
        {"allowed": True, "reasons": []},
    ),
    (
        "egov.funding_allowed",
        {
            "payment_kind": "post_acceptance",
            **FUNDS_OK,
            "in_annual_plan": False,
            "self_built": True,
            "suspended": True,
            "terminated": True,
            "procurement_file_reviewed": False,
            "accepted": False,
            "settlement_review_done": False,
            "unapproved_major_change_overrun": True,
        },
        {
            "allowed": False,
            "reasons": [
                "not_in_annual_plan",
                "self_built",
                "payments_suspended",
                "terminated",
                "procurement_not_reviewed",
                "not_accepted",
                "settlement_review_missing",
            ],
        },
    ),
    (
        "egov.funding_allowed",
        {
            "payment_kind": "additional_investment",
            **FUNDS_OK,
            "in_annual_plan": False,
            "unapproved_major_change_overrun": True,
        },
        {"allowed": False, "reasons": ["not_in_annual_plan", "unapproved_major_change_overrun"]},
    ),
    ("egov.funding_allowed", {"payment_kind": "additional_investment", **FUNDS_OK}, {"allowed": True}),
    (
        "egov.funding_allowed",
        {"payment_kind": "budget_allocation", **FUNDS_OK, "self_built": True},
        {"allowed": False, "reasons": ["self_built"]},
    ),
    (
        "egov.funding_allowed",
        {"payment_kind": "progress", **FUNDS_OK, "accepted": False, "settlement_review_done": False},
        {"allowed": True, "reasons": []},
    ),
    (
        "egov.funding_allowed",
        {"payment_kind": "progress", **FUNDS_OK, "procurement_file_reviewed": False},
        {"allowed": False, "reasons": ["procurement_not_reviewed"]},
    ),
    (
        "egov.funding_allowed",
        {"payment_kind": "progress", **FUNDS_OK, "suspended": True},
        {"allowed": False, "reasons": ["payments_suspended"]},
    ),
    ("egov.funding_allowed", {"payment_kind": "post_acceptance", **FUNDS_OK}, {"allowed": True}),
    (
        "egov.funding_allowed",
        {"payment_kind": "post_acceptance", **FUNDS_OK, "settlement_review_done": False},
        {"allowed": False, "reasons": ["settlement_review_missing"]},
    ),
    (
        "egov.funding_allowed",
        {"payment_kind": "post_acceptance", **FUNDS_OK, "accepted": False},
        {"allowed": False, "reasons": ["not_accepted"]},
    ),
    (
        "egov.funding_allowed",
        {"payment_kind": "budget_allocation", **FUNDS_OK, "terminated": True},
        {"allowed": False, "reasons": ["terminated"]},
    ),
    # --- 5.6 sanctions: a 重大问题 and the county government's approval, each of the four
    *[
        (
            "egov.sanction_allowed",
            {"sanction": s, "major_problem": m, "county_gov_approved": a},
            {"allowed": m and a},
        )
        for s in ("通报批评", "暂缓拨付", "暂停", "终止")
        for m in (True, False)
        for a in (True, False)
    ],
    # --- 6.9, 7.5 the next-year flag
    (
        "egov.next_year_flag",
        {
            "acceptance_overdue": False,
            "acceptance_failed": False,
            "poor_performance_after_rectification": False,
        },
        {"flag": None, "reasons": []},
    ),
    (
        "egov.next_year_flag",
        {"acceptance_overdue": True, "acceptance_failed": True, "poor_performance_after_rectification": True},
        {
            "flag": "reduce_or_refuse",
            "reasons": ["acceptance_overdue", "acceptance_failed", "poor_performance"],
        },
    ),
    (
        "egov.next_year_flag",
        {
            "acceptance_overdue": False,
            "acceptance_failed": True,
            "poor_performance_after_rectification": False,
        },
        {"flag": "reduce_or_refuse", "reasons": ["acceptance_failed"]},
    ),
    (
        "egov.next_year_flag",
        {
            "acceptance_overdue": False,
            "acceptance_failed": False,
            "poor_performance_after_rectification": True,
        },
        {"flag": "reduce_or_refuse", "reasons": ["poor_performance"]},
    ),
]


def _id(case):
    name, payload, _ = case
    return f"{name}:{','.join(f'{k}={v}' for k, v in payload.items())}"[:120]


@pytest.mark.parametrize(("name", "payload", "expect"), CASES, ids=[_id(c) for c in CASES])
def test_rule_table(name, payload, expect):
    result = calc(name, payload)
    assert {key: result[key] for key in expect} == expect
    assert result["citations"] and all(c["document"] == DOC for c in result["citations"])
    assert all(r.startswith("D") for r in result["readings"])


ERRORS = [
    ("egov.review_mode", {"total_investment": 1000000.0}, "total_investment", "浮点数"),
    ("egov.review_mode", {"total_investment": 999999.99}, "total_investment", "浮点数"),
    (
        "egov.consulting_firm_required",
        {"planned_investment": 1e6, "technically_complex": False},
        "planned_investment",
        "浮点数",
    ),
    (
        "egov.supervision_required",
        {"total_investment": 2000000.5, "component": "engineering"},
        "total_investment",
        "浮点数",
    ),
    ("egov.review_mode", {"total_investment": "1000000.001"}, "total_investment", "2"),
    ("egov.review_mode", {"total_investment": "-1"}, "total_investment", ""),
    ("egov.supervision_required", {"total_investment": "1", "component": "mixed"}, "component", ""),
    ("egov.cycle_deadlines", {"plan_year": 2021}, "plan_year", "2022"),
    ("egov.cycle_deadlines", {"plan_year": 2000}, "plan_year", "2022"),
    ("egov.application_timely", {"plan_year": 2021, "submitted_on": "2020-09-30"}, "plan_year", "2022"),
    (
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-11-30", "preliminary_acceptance_on": "2021-11-29", **TRIAL},
        "preliminary_acceptance_on",
        "早于",
    ),
    ("egov.acceptance_due", {"materials_complete_on": "2021-07-19"}, "materials_complete_on", "尚未施行"),
    (
        "egov.acceptance_due",
        {"materials_complete_on": "2021-09-29", "report_issued_on": "2021-09-28"},
        "report_issued_on",
        "早于",
    ),
    ("egov.acceptance_due", {"materials_complete_on": "2030-03-01"}, "calendar", ""),
    ("egov.review_admissible", {**ADMISSIBLE, "restricted_kind": 9}, "restricted_kind", ""),
    (
        "egov.sanction_allowed",
        {"sanction": "罚款", "major_problem": True, "county_gov_approved": True},
        "sanction",
        "",
    ),
]


@pytest.mark.parametrize(
    ("name", "payload", "field", "fragment"), ERRORS, ids=[f"{e[0]}:{e[2]}" for e in ERRORS]
)
def test_bad_input_is_refused_naming_the_field(name, payload, field, fragment):
    with pytest.raises(RuleInputError) as caught:
        calc(name, payload)
    fields = [f for f, _ in caught.value.errors]
    assert field in fields
    assert fragment in dict(caught.value.errors)[field]


def test_every_result_names_its_clause_and_readings():
    result = calc("egov.review_mode", {"total_investment": "1000000.00"})
    assert {"document": DOC, "clause": "三、（二）1", "line": 616} in result["citations"]
    assert result["reading_answers"] == {"D34b": "adopted", "D44": "adopted"}
    result = calc("egov.acceptance_due", {"materials_complete_on": "2021-09-29"})
    assert {"document": DOC, "clause": "三、（四）2", "line": 819} in result["citations"]
    assert result["readings"] == ["D65"]
    result = calc(
        "egov.application_timely", {"plan_year": 2022, "submitted_on": "2021-10-01", "county_decided": True}
    )
    assert {"document": DOC, "clause": "三、（一）", "line": 445} in result["citations"]


# --- the other answer of each reading applied in code ---------------------------------------------------------

ALTERNATIVES = [
    # D31: a deadline on a non-working day moves back — 2023-09-30 (Sat, National Day break) → Fri 2023-09-29 needs
    # the 2023 calendar; 2021's dates are all working days and stay.
    (
        "D31",
        "egov.cycle_deadlines",
        {"plan_year": 2022},
        {"application_due": "2021-09-30", "joint_review_due": "2021-11-30", "annual_plan_due": "2021-12-31"},
    ),
    ("D47", "egov.cycle_deadlines", {"plan_year": 2022}, {"budget_year": 2023}),
    # D65: the completion day (a working day) counts as day 1 → one working day earlier.
    ("D65", "egov.acceptance_due", {"materials_complete_on": "2021-09-29"}, {"due_on": "2021-11-01"}),
    ("D65", "egov.acceptance_due", {"materials_complete_on": "2021-10-02"}, {"due_on": "2021-11-03"}),
    ("D65", "egov.acceptance_due", {"materials_complete_on": "2022-01-20"}, {"due_on": "2022-02-21"}),
    # D63: the three months must be complete before the acceptance day.
    (
        "D63",
        "egov.trial_run_satisfied",
        {"trial_start_on": "2021-11-30", "preliminary_acceptance_on": "2022-02-28", **TRIAL},
        {"earliest_on": "2022-03-01", "satisfied": False},
    ),
    (
        "D53b",
        "egov.supervision_required",
        {"total_investment": "2000000.00", "component": "engineering"},
        {"required": True, "in_principle": False},
    ),
    (
        "D43b",
        "egov.review_admissible",
        {**ADMISSIBLE, "restricted_kind": 4, "special_circumstance": True},
        {"admissible": False, "reasons": ["restricted_kind"]},
    ),
    (
        "D43b",
        "egov.review_admissible",
        {**ADMISSIBLE, "restricted_kind": 4, "legal_exception": True},
        {"admissible": True},
    ),
    (
        "D610",
        "egov.funding_allowed",
        {"payment_kind": "progress", **FUNDS_OK, "accepted": False, "settlement_review_done": False},
        {"allowed": False, "reasons": ["not_accepted", "settlement_review_missing"]},
    ),
]


@pytest.mark.parametrize(
    ("reading", "name", "payload", "expect"),
    ALTERNATIVES,
    ids=[f"{a[0]}:{a[1]}:{i}" for i, a in enumerate(ALTERNATIVES)],
)
def test_the_other_answer_of_a_reading(reading, name, payload, expect):
    with readings_answered({reading: "alternative"}):
        result = calc(name, payload)
    assert {key: result[key] for key in expect} == expect
    assert result["reading_answers"][reading] == "alternative"
