"""Issue 13, permits: the obligations of 高政办发〔2021〕3号 and 35号 the audit found missing, and the readings an
administrator governs (C3 working or calendar days, C3b which projects merge two stages, C11 "每月25日前")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation
from countyhall.core.policy import parameters, parameters_override
from countyhall.core.policy.governed import readings_answered
from countyhall.core.rules import calc
from countyhall.permits import rules
from countyhall.permits.models import Case, ElderlyCareStep
from countyhall.permits.selectors import progress_report_deadline
from countyhall.permits.services import (
    assessment_record,
    case_clock,
    case_decide,
    elderly_care_step_record,
    handover_deadline,
    permit_stage_submit,
    progress_report_submit,
    project_register,
    project_stages,
    review_give,
)
from tests.permits.conftest import configure_stage

pytestmark = pytest.mark.django_db
D = dt.date
FOUR = ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"]
MERGED = ["立项用地规划许可", "工程建设许可和施工许可", "竣工验收"]


# ---------------------------------------------------------------- C3: working days or calendar days


# 3号 二、（四）, L1720 (reading C3): the limits count working days on the official calendar; the alternative counts
# calendar days. 45 working days after 2021-09-29 (National Day week and its make-up days) vs 45 calendar days.
@pytest.mark.parametrize(
    ("answer", "due", "basis"),
    [
        ("adopted", "2021-12-07", "working_days"),
        ("alternative", "2021-11-13", "calendar_days"),
    ],
)
def test_c3_due_date_under_each_answer(answer, due, basis):
    with readings_answered({"C3": answer}):
        out = calc(
            "permit.due_date", {"category": "social_civil", "accepted_on": "2021-09-29", "suspensions": []}
        )
    assert out["due"] == due and out["day_basis"] == basis
    assert out["reading_answers"]["C3"] == answer


def test_c3_case_clock_counts_calendar_days_under_the_alternative(world):
    case = permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2021, 9, 29),
    )
    assert case_clock(case, on=D(2021, 10, 8)).due == D(
        2021, 10, 19
    )  # 10 working days (9 Oct is a make-up day)
    with readings_answered({"C3": "alternative"}):
        clock = case_clock(case, on=D(2021, 10, 8))
    assert clock.due == D(2021, 10, 9) and clock.used == 9  # 10 calendar days


# ---------------------------------------------------------------- C3b: which projects merge two stages


# 3号 二、（四）, L1728–1736: "对于带方案出让土地的工业建筑工程项目，可将工程建设许可和施工许可合并为一个阶段".
@pytest.mark.parametrize(
    ("category", "industrial", "elected", "answer", "merged"),
    [
        ("land_with_scheme", True, True, "adopted", True),
        ("land_with_scheme", False, False, "adopted", True),  # adopted: the whole category merges
        ("land_with_scheme", True, True, "alternative", True),  # an industrial project that elects it (可)
        ("land_with_scheme", True, False, "alternative", False),  # "可": it may choose four stages
        ("land_with_scheme", False, True, "alternative", False),  # not industrial: the text does not merge it
        ("social_industrial", True, True, "adopted", False),  # not on land sold with a scheme
        ("social_industrial", True, True, "alternative", False),
    ],
)
def test_c3b_merges_stages(category, industrial, elected, answer, merged):
    assert (
        rules.merges_stages(category=category, industrial=industrial, elected=elected, answer=answer)
        is merged
    )
    with readings_answered({"C3b": answer}):
        out = calc(
            "permit.stages", {"category": category, "industrial": industrial, "merge_elected": elected}
        )
    assert [s["name"] for s in out["stages"]] == (MERGED if merged else FOUR)
    if category == "land_with_scheme":
        assert out["reading_answers"]["C3b"] == answer


def _scheme_project(world, code: str, *, industrial: bool, elected: bool = True):
    applicant = Organisation.objects.get(name="示例置业公司")
    return project_register(
        actor=world["users"]["approval"],
        code=code,
        name="带方案出让项目",
        category="land_with_scheme",
        land_supply="transfer_with_scheme",
        site=world["project"].site,
        applicant=applicant,
        industrial=industrial,
        merge_elected=elected,
    )


def test_c3b_a_civil_project_on_land_sold_with_a_scheme_keeps_four_stages_under_the_alternative(world):
    civil = _scheme_project(world, "2021-370322-70-03-000101", industrial=False)
    plant = _scheme_project(world, "2021-370322-26-03-000102", industrial=True)
    assert project_stages(civil) == MERGED and project_stages(plant) == MERGED
    # The four-stage plan is configured (its limits approved by a second administrator before the block: the
    # block computes under a snapshot of the policy taken as it opens) and applied for like any other category's.
    for stage, days in (("立项用地规划许可", 5), ("工程建设许可", 10)):
        configure_stage(
            actor=world["admin"],
            category="land_with_scheme",
            stage=stage,
            working_days=days,
            lead=world["orgs"]["resources"],
            participants=[],
            basis="流程图",
        )
    with readings_answered({"C3b": "alternative"}):
        assert project_stages(civil) == FOUR and project_stages(plant) == MERGED
        case = permit_stage_submit(
            actor=world["users"]["approval"],
            project=civil,
            stage="立项用地规划许可",
            accepted_on=D(2021, 9, 1),
        )
        case_decide(
            actor=world["users"]["resources"],
            case=_all_approve(world, case, D(2021, 9, 2)),
            approve=True,
            on=D(2021, 9, 2),
        )
        assessment_record(
            actor=world["users"]["approval"],
            project=civil,
            kind="地震安全性评价",
            completed_on=D(2021, 9, 2),
            reference="示例",
        )
        permit_stage_submit(
            actor=world["users"]["approval"], project=civil, stage="工程建设许可", accepted_on=D(2021, 9, 3)
        )
    # Once applied for, the cases fix the stages whatever the reading says later.
    assert project_stages(civil) == FOUR


def _all_approve(world, case: Case, on: dt.date) -> Case:
    for review in case.reviews.select_related("department"):
        user = next(u for u in world["users"].values() if u.organisation_id == review.department_id)
        review_give(actor=user, case=case, opinion="approve", on=on)
    return case


# ---------------------------------------------------------------- C5: the energy review of a government project


# 3号 二、（一）4, L1585–1589: "对政府投资项目，建设单位取得节能审查机关出具的节能审查意见后，方可报送项目可行性研究报告".
@pytest.mark.parametrize(
    ("category", "needs_energy_review"),
    [
        ("gov_investment", True),
        ("gov_renovation", True),
        ("social_civil", False),
        ("social_industrial", False),
    ],
)
def test_government_projects_need_the_energy_review_before_project_approval(
    world, category, needs_energy_review
):
    for cat in {category, "social_civil"}:
        if cat != "social_civil":
            configure_stage(
                actor=world["admin"],
                category=cat,
                stage="立项用地规划许可",
                working_days=5,
                lead=world["orgs"]["resources"],
                participants=[],
                basis="流程图",
            )
    applicant = Organisation.objects.get(name="示例置业公司")
    project = project_register(
        actor=world["users"]["approval"],
        code="2021-370322-70-01-000201",
        name="项目",
        category=category,
        site=world["project"].site,
        applicant=applicant,
    )
    if needs_energy_review:
        with pytest.raises(ServiceError) as error:
            permit_stage_submit(
                actor=world["users"]["approval"],
                project=project,
                stage="立项用地规划许可",
                accepted_on=D(2021, 9, 1),
            )
        assert error.value.field == "assessments" and "节能评价" in error.value.message
        assessment_record(
            actor=world["users"]["approval"],
            project=project,
            kind="节能评价",
            completed_on=D(2021, 8, 30),
            reference="高发改能审〔2021〕1号",
        )
    case = permit_stage_submit(
        actor=world["users"]["approval"], project=project, stage="立项用地规划许可", accepted_on=D(2021, 9, 1)
    )
    assert case.status == Case.Status.IN_REVIEW


# ---------------------------------------------------------------- 35号 一、（一）1–2: 民政 and the town


@pytest.fixture
def residential(world, county_tree):
    town = Organisation.objects.create(
        name="田镇街道办事处", kind="town_office", division=county_tree["tianzhen"]
    )
    civil = Organisation.objects.create(
        name="高青县民政局", kind="department", division=county_tree["county"]
    )
    project = world["project"]
    project.households, project.elderly_room_m2 = 200, Decimal("40.00")
    project.save()
    users = world["users"]
    first = permit_stage_submit(
        actor=users["approval"], project=project, stage="立项用地规划许可", accepted_on=D(2021, 9, 1)
    )
    case_decide(
        actor=users["resources"],
        case=_all_approve(world, first, D(2021, 9, 2)),
        approve=True,
        on=D(2021, 9, 2),
    )
    assessment_record(
        actor=users["approval"],
        project=project,
        kind="地震安全性评价",
        completed_on=D(2021, 9, 2),
        reference="示例",
    )
    second = permit_stage_submit(
        actor=users["approval"], project=project, stage="工程建设许可", accepted_on=D(2021, 9, 3)
    )
    _all_approve(world, second, D(2021, 9, 6))
    return {"project": project, "case": second, "town": town, "civil": civil}


# 一、（一）1, L4549–4553: "在审查城镇居住区建设项目设计方案前，应当书面征求县民政部门、所在镇办意见".
@pytest.mark.parametrize(
    ("recorded", "allowed"),
    [
        ([], False),
        (["civil_affairs"], False),
        (["town"], False),
        (["civil_affairs", "town"], True),
    ],
)
def test_scheme_review_waits_for_the_written_consultation_of_civil_affairs_and_the_town(
    world, residential, recorded, allowed
):
    project, case = residential["project"], residential["case"]
    for party in recorded:
        elderly_care_step_record(
            actor=world["users"]["approval"],
            project=project,
            kind="scheme_consultation",
            party=party,
            sent_on=D(2021, 9, 3),
            reference="高自然资函〔2021〕8号",
        )
    if not allowed:
        with pytest.raises(ServiceError) as error:
            case_decide(actor=world["users"]["approval"], case=case, approve=True, on=D(2021, 9, 7))
        assert error.value.field == "elderly_care_steps" and "书面征求意见" in error.value.message
        return
    assert (
        case_decide(actor=world["users"]["approval"], case=case, approve=True, on=D(2021, 9, 7)).status
        == "approved"
    )
    steps = {s.party: s.organisation for s in ElderlyCareStep.objects.filter(project=project)}
    assert steps == {
        "civil_affairs": residential["civil"],
        "town": residential["town"],
    }  # found from the register


def test_a_consultation_dated_after_the_decision_does_not_count_and_refusal_is_not_blocked(
    world, residential
):
    project, case = residential["project"], residential["case"]
    for party in ("civil_affairs", "town"):
        elderly_care_step_record(
            actor=world["users"]["approval"],
            project=project,
            kind="scheme_consultation",
            party=party,
            sent_on=D(2021, 9, 10),
            reference="函",
        )
    with pytest.raises(ServiceError):
        case_decide(actor=world["users"]["approval"], case=case, approve=True, on=D(2021, 9, 7))
    assert (
        case_decide(
            actor=world["users"]["approval"],
            case=case,
            approve=False,
            reasons="不符合规划条件",
            on=D(2021, 9, 7),
        ).status
        == "refused"
    )


# 一、（一）2, L4595–4599: "邀请县民政部门、所在镇办参与竣工验收"; the merged stage (no design-scheme review) and a
# non-residential project need neither step.
@pytest.mark.parametrize(
    ("stage", "households", "due"),
    [
        ("工程建设许可", 200, {("scheme_consultation", "civil_affairs"), ("scheme_consultation", "town")}),
        ("竣工验收", 200, {("acceptance_invitation", "civil_affairs"), ("acceptance_invitation", "town")}),
        ("施工许可", 200, set()),
        ("工程建设许可和施工许可", 200, set()),
        ("工程建设许可", None, set()),
    ],
)
def test_which_stage_needs_which_step(world, stage, households, due):
    from countyhall.permits.services import elderly_care_steps_due

    project = world["project"]
    project.households = households
    assert set(elderly_care_steps_due(project, stage=stage, on=D(2021, 9, 1))) == due


def test_recording_a_step_is_audited_and_checked(world, residential):
    project = residential["project"]
    with pytest.raises(ServiceError):
        elderly_care_step_record(
            actor=world["users"]["approval"],
            project=project,
            kind="scheme_consultation",
            party="town",
            sent_on=D(2021, 9, 3),
            reference=" ",
        )
    with pytest.raises(ServiceError):
        elderly_care_step_record(
            actor=world["users"]["approval"],
            project=project,
            kind="acceptance_invitation",
            party="town",
            sent_on=D(2021, 9, 3),
            reference="通知",
            answered_on=D(2021, 9, 1),
        )
    step = elderly_care_step_record(
        actor=world["users"]["approval"],
        project=project,
        kind="acceptance_invitation",
        party="town",
        sent_on=D(2021, 9, 3),
        reference="通知",
    )
    elderly_care_step_record(
        actor=world["users"]["approval"],
        project=project,
        kind="acceptance_invitation",
        party="town",
        sent_on=D(2021, 9, 3),
        reference="通知",
        answered_on=D(2021, 9, 8),
        opinion="已参加验收",
    )
    step.refresh_from_db()
    assert step.opinion == "已参加验收" and ElderlyCareStep.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="permits.ElderlyCareStep").count() == 2


def test_the_project_page_shows_the_steps_and_what_is_missing(client, world, residential):
    elderly_care_step_record(
        actor=world["users"]["approval"],
        project=residential["project"],
        kind="scheme_consultation",
        party="civil_affairs",
        sent_on=D(2021, 9, 3),
        reference="高自然资函〔2021〕8号",
    )
    client.force_login(world["users"]["approval"])
    page = client.get(f"/permits/p/{residential['project'].pk}/").content.decode()
    assert "书面征求意见与验收邀请" in page and "高自然资函〔2021〕8号" in page and "尚未记录" in page
    assert "县民政部门" in page and "所在镇办" in page and "邀请参与竣工验收" in page


# ---------------------------------------------------------------- C11: "每月25日前"


# 3号 六、（三）, L2298 (reading C11): before the 25th (the 24th is the last day), or the 25th still in time.
@pytest.mark.parametrize(
    ("answer", "last_day", "submitted", "late"),
    [
        ("adopted", 24, D(2022, 5, 24), False),
        ("adopted", 24, D(2022, 5, 25), True),
        ("alternative", 25, D(2022, 5, 25), False),
        ("alternative", 25, D(2022, 5, 26), True),
    ],
)
def test_c11_report_deadline_under_each_answer(world, answer, last_day, submitted, late):
    with readings_answered({"C11": answer}):
        deadline, value = progress_report_deadline(year=2022, month=5)
        assert deadline == D(2022, 5, last_day) and value.answer == answer
        report = progress_report_submit(
            actor=world["users"]["resources"],
            lead=world["orgs"]["resources"],
            year=2022,
            month=5,
            on=submitted,
        )
    assert report.late is late
    # The reading, and the version of the report day it read (the parameter's first day in force).
    assert report.summary["policy_basis"] == {
        "readings": {"C11": answer},
        "changes": [],
        "parameters": {"permit.progress_report.last_day": value.valid_from.isoformat()},
    }


# ---------------------------------------------------------------- policy out of code


# 35号 一、（一）3, L4614: the rooms are handed to 民政 within 3 months of the completion filing.
@pytest.mark.parametrize(
    ("filed", "months", "due"),
    [
        (D(2022, 2, 28), None, D(2022, 5, 28)),
        (D(2021, 11, 30), None, D(2022, 2, 28)),
        (D(2022, 2, 28), 6, D(2022, 8, 28)),
    ],
)
def test_handover_deadline_reads_its_months_from_the_parameter_file(filed, months, due):
    if months is None:
        assert handover_deadline(filed) == due
    else:
        with parameters_override({"permit.elderly_rooms.handover_months": months}):
            assert handover_deadline(filed) == due


def test_stage_sets_and_assessment_lists_are_parameters_with_citations():
    registry = parameters()
    on = D(2022, 1, 1)
    expected = {
        "permit.stages.fees_checked": ("二、（一）2", ["施工许可", "工程建设许可和施工许可"]),
        "permit.stages.elderly_room_checked": (
            "一、（一）",
            ["工程建设许可", "工程建设许可和施工许可", "竣工验收"],
        ),
        "permit.stages.scheme_consultation": ("一、（一）1", ["工程建设许可"]),
        "permit.stages.acceptance_invitation": ("一、（一）2", ["竣工验收"]),
        "permit.assessments.before_feasibility_study_gov": ("二、（一）4", ["节能评价"]),
        "permit.assessments.before_design": ("二、（一）4", ["地震安全性评价"]),
    }
    for name, (clause, value) in expected.items():
        found = registry.at(name, on)
        assert found.value == value and found.citation.clause == clause, name
    # The stage names of the parameter files are the ones the rules know.
    for name in (
        "permit.stages.fees_checked",
        "permit.stages.elderly_room_checked",
        "permit.stages.scheme_consultation",
        "permit.stages.acceptance_invitation",
    ):
        assert set(registry.at(name, on).value) <= set(rules.possible_stages("land_with_scheme"))


def test_every_permit_reading_has_a_question_and_an_alternative_applied():
    registry = parameters()
    for reading_id in ("C3", "C3b", "C11"):
        reading = registry.reading(reading_id)
        assert (
            reading.question.endswith("？") and reading.alternative and reading.source_file == "permit.yaml"
        )
    assert registry.reading("C11").effects["alternative"] == {"permit.progress_report.last_day": 25}


# ---------------------------------------------------------------- the impact preview of a change


@pytest.fixture
def governors():
    return None


def _propose(governors, key: str, valid_from: dt.date):
    # The change as proposed (not saved: the preview reads only its key, answer and date).
    from countyhall.core.models import PolicyChange

    return PolicyChange(kind="reading", key=key, value="alternative", valid_from=valid_from, reason="调整")


def test_impact_of_c3_lists_the_open_cases_whose_deadline_moves(world, governors):
    from countyhall.core.services.policy import policy_change_impact

    case = permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2021, 9, 29),
    )
    table = next(
        t
        for t in policy_change_impact(change=_propose(governors, "C3", D(2021, 9, 1)))
        if "到期日" in t["title"]
    )
    assert table["rows"] == [
        [
            f"{case.project.code} {case.project.name}",
            "立项用地规划许可",
            "县自然资源局",
            "2021年9月29日",
            "2021年10月19日",
            "2021年10月9日",
        ]
    ]
    later = next(
        t
        for t in policy_change_impact(change=_propose_again(governors, "C3", D(2021, 10, 1)))
        if "到期日" in t["title"]
    )
    assert later["rows"] == []  # accepted before the change's date: unchanged


def _propose_again(governors, key, valid_from):
    return _propose(governors, key, valid_from)


def test_impact_of_c3b_lists_the_projects_whose_stages_change(world, governors):
    from countyhall.core.services.policy import policy_change_impact

    civil = _scheme_project(world, "2021-370322-70-03-000301", industrial=False)
    _scheme_project(world, "2021-370322-26-03-000302", industrial=True)
    table = next(
        t
        for t in policy_change_impact(change=_propose(governors, "C3b", D(2021, 9, 1)))
        if "审批阶段" in t["title"]
    )
    assert table["rows"] == [
        [f"{civil.code} {civil.name}", "示例置业公司", "否", " → ".join(MERGED), " → ".join(FOUR)]
    ]


def test_impact_of_c11_lists_the_report_deadlines(world, governors):
    from countyhall.core.services.policy import policy_change_impact

    progress_report_submit(
        actor=world["users"]["resources"],
        lead=world["orgs"]["resources"],
        year=2022,
        month=5,
        on=D(2022, 5, 20),
    )
    table = next(
        t
        for t in policy_change_impact(change=_propose(governors, "C11", D(2022, 5, 1)))
        if "报送期限" in t["title"]
    )
    assert table["rows"][0] == ["2022年5月", "2022年5月24日", "2022年5月25日", "县行政审批服务局"]
    assert [row[0] for row in table["rows"]] == ["2022年5月", "2022年6月", "2022年7月"]


@pytest.mark.parametrize(
    ("sent", "answered", "field"),
    [
        (D(2022, 6, 16), None, "sent_on"),  # the pinned business date is 2022-06-15
        (D(2022, 6, 1), D(2022, 6, 20), "answered_on"),
    ],
)
def test_a_consultation_cannot_be_dated_after_today(world, residential, sent, answered, field):
    """Attack: the window recorded a written consultation sent, or answered by 民政, on a day still to come."""
    with pytest.raises(ServiceError) as error:
        elderly_care_step_record(
            actor=world["users"]["approval"],
            project=residential["project"],
            kind="scheme_consultation",
            party="civil_affairs",
            sent_on=sent,
            answered_on=answered,
            reference="高自然资函〔2021〕8号",
        )
    assert error.value.field == field and "今天" in error.value.message
    assert not ElderlyCareStep.objects.filter(project=residential["project"], party="civil_affairs").exists()


def test_a_consultation_an_approval_relied_on_cannot_be_rewritten(world, residential):
    """Walk finding: after the design-scheme stage was approved, its consultation could be re-dated or re-referenced
    (update_or_create) — the evidence of the approval changed under it. Before the decision it can be corrected."""
    project, case = residential["project"], residential["case"]
    record = dict(
        actor=world["users"]["approval"], project=project, kind="scheme_consultation", sent_on=D(2021, 9, 3)
    )
    for party in ("civil_affairs", "town"):
        elderly_care_step_record(**record, party=party, reference="高自然资函〔2021〕7号")
    elderly_care_step_record(
        **record, party="town", reference="高自然资函〔2021〕8号"
    )  # corrected before the decision
    case_decide(actor=world["users"]["approval"], case=case, approve=True, on=D(2021, 9, 7))
    with pytest.raises(ServiceError) as error:
        elderly_care_step_record(**record, party="town", reference="改过的文号")
    assert error.value.field == "kind" and "不能再修改" in error.value.message
    assert ElderlyCareStep.objects.get(project=project, party="town").reference == "高自然资函〔2021〕8号"
