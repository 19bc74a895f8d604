"""Issue 13: the per-stage limits are governed administered figures — proposed by one system administrator,
approved by a second, from a start date, audited; decided cases lock them; open cases take the approved figure;
the stages stay within the category's total (C3) at proposal and at approval."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, PolicyChange, RoleGrant, User
from countyhall.core.services.policy import governed_refresh, policy_change_approve
from countyhall.permits.models import Case, StageLimit
from countyhall.permits.services import case_decide, permit_stage_submit, review_give, stage_limit_set

pytestmark = pytest.mark.django_db
D = dt.date
STAGE = "立项用地规划许可"


@pytest.fixture
def second(world):
    user = User.objects.create_user(username="admin-b", password="pw-for-tests-1", display_name="复核管理员")
    RoleGrant.objects.create(user=user, role="system_admin")
    return user


def _propose(world, days: int, on: dt.date, stage: str = STAGE) -> PolicyChange:
    limit = StageLimit.objects.get(category="social_civil", stage=stage)
    stage_limit_set(
        actor=world["admin"],
        category="social_civil",
        stage=stage,
        working_days=days,
        lead=limit.lead,
        participants=list(limit.participants.all()),
        basis=limit.basis,
        valid_from=on,
        reason="县行政审批服务局流程图修订",
    )
    return PolicyChange.objects.filter(state="proposed").latest("pk")


def _approve(second, change):
    change = policy_change_approve(actor=second, change=change)
    governed_refresh(force=True)
    return change


def test_a_stage_limit_changes_from_its_date_only_when_a_second_administrator_approves(world, second):
    limit = StageLimit.objects.get(category="social_civil", stage=STAGE)
    change = _propose(world, 12, D(2021, 10, 1))
    assert limit.figures_on(D(2021, 10, 1)) == (10, None)  # a proposal is not in force
    with pytest.raises(AccessDenied):
        policy_change_approve(actor=world["admin"], change=change)  # the proposer cannot approve
    _approve(second, change)
    assert limit.figures_on(D(2021, 9, 30)) == (10, None) and limit.figures_on(D(2021, 10, 1)) == (12, None)
    case = permit_stage_submit(
        actor=world["users"]["approval"], project=world["project"], stage=STAGE, accepted_on=D(2021, 10, 8)
    )
    assert case.working_days == 12  # the figure in force on the application day
    assert AuditEntry.objects.filter(
        object_type="core.PolicyChange", note__startswith="批准政策变更"
    ).exists()


def test_an_open_case_takes_the_approved_figure_and_its_due_date_moves(world, second):
    case = permit_stage_submit(
        actor=world["users"]["approval"], project=world["project"], stage=STAGE, accepted_on=D(2021, 9, 29)
    )
    change = _propose(world, 12, D(2021, 9, 29))
    change = _approve(second, change)
    moved = change.impact[0]["rows"]
    assert (
        len(moved) == 1
        and moved[0][3] == "10 / 10"
        and moved[0][4] == "12 / 12"
        and moved[0][5] < moved[0][6]
    )
    case.refresh_from_db()
    assert case.working_days == 12
    assert AuditEntry.objects.filter(
        object_type="permits.Case", object_id=str(case.pk), note__contains=f"编号 {change.pk}"
    ).exists()


def test_a_decided_case_locks_its_figure(world, second):
    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"], project=world["project"], stage=STAGE, accepted_on=D(2021, 9, 29)
    )
    for review in case.reviews.select_related("department"):
        user = next(u for u in users.values() if u.organisation_id == review.department_id)
        review_give(actor=user, case=case, opinion="approve", on=D(2021, 9, 30))
    case_decide(actor=users["resources"], case=case, approve=True, on=D(2021, 9, 30))
    with pytest.raises(ServiceError) as caught:
        _propose(world, 12, D(2021, 9, 29))
    assert caught.value.field == "valid_from" and "2021年9月30日" in caught.value.message
    _propose(world, 12, D(2021, 9, 30))  # from the day after the decided case's application
    assert Case.objects.get(pk=case.pk).working_days == 10


def test_the_stages_stay_within_the_total_at_proposal_and_at_approval(world, second):
    with pytest.raises(ServiceError) as caught:
        _propose(world, 31, D(2021, 10, 1))  # 31 + 15 > 45
    assert caught.value.field == "working_days" and "45" in caught.value.message
    first = _propose(world, 25, D(2021, 10, 1))  # 25 + 15 = 40
    other = _propose(world, 30, D(2021, 10, 1), stage="工程建设许可")  # 10 + 30 = 40
    _approve(second, first)
    with pytest.raises(ServiceError) as caught:
        _approve(second, other)  # 25 + 30 > 45 once the first is approved
    assert "审核时" in caught.value.message and "55" in caught.value.message


def test_the_limits_page_shows_the_figures_in_force_and_says_who_changes_them(client, world):
    client.force_login(world["admin"])
    html = client.get("/permits/limits/").content.decode()
    assert "管理员录入的数值" in html and "另一位审核后生效" in html
    figure = client.get("/policy/parameters/permit.stage_limit.social_civil.land_use_planning.working_days/")
    assert figure.status_code == 200 and "10" in figure.content.decode()


@pytest.mark.parametrize(("figure", "value"), [("working_days", "0"), ("review_working_days", "0")])
def test_a_limit_proposed_on_the_figure_page_keeps_the_services_bounds(client, world, figure, value):
    """Attack: the figure's own page (/policy/changes/new/…) reached the policy service past stage_limit_set's
    "at least 1 working day": a stage of 0 working days (every case overdue on its first day) or a departments'
    review limit of 0 was proposed and could be approved."""
    from countyhall.core.services.policy import policy_change_propose

    key = f"permit.stage_limit.social_civil.land_use_planning.{figure}"
    client.force_login(world["admin"])
    response = client.post(
        f"/policy/changes/new/parameter/{key}/",
        {"change-value": value, "change-valid_from": "2022-07-01", "change-reason": "流程图修订后录入"},
    )
    assert response.status_code == 302 and response["Location"] == f"/policy/parameters/{key}/"
    assert not PolicyChange.objects.filter(key=key, state="proposed").exists()
    assert "至少为 1 个工作日" in client.get(response["Location"]).content.decode()
    with pytest.raises(ServiceError) as caught:
        policy_change_propose(
            actor=world["admin"],
            kind="parameter",
            key=key,
            value=0,
            valid_from=D(2022, 7, 1),
            reason="流程图修订后录入",
        )
    assert caught.value.field == "value"


@pytest.mark.parametrize("value", ["1000000000000", "46"])
def test_a_review_limit_without_its_stage_limit_stays_within_the_total(world, value):
    """Attack (attack13): with the stage's own limit not entered, a departments' review limit of 10^12 working days
    was proposed and approved (the review-within-stage check needs the stage's figure); afterwards no stage limit
    could be entered below it. C3 (二、（四）): it stays within the category's total."""
    from countyhall.core.services.policy import policy_change_propose

    key = "permit.stage_limit.social_industrial.works_permit.review_working_days"
    with pytest.raises(ServiceError) as caught:
        policy_change_propose(
            actor=world["admin"],
            kind="parameter",
            key=key,
            value=value,
            valid_from=D(2022, 7, 1),
            reason="流程图修订后录入",
        )
    assert caught.value.field == "value" and "总时限" in caught.value.message
    assert not PolicyChange.objects.filter(key=key).exists()
    assert (
        policy_change_propose(
            actor=world["admin"],
            kind="parameter",
            key=key,
            value="5",
            valid_from=D(2022, 7, 1),
            reason="流程图修订后录入",
        ).value
        == 5
    )
