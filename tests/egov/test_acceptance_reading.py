"""Reading D65 (SPEC 6.5: how the 20 working days of the final acceptance are counted) on the stored clock: the due
date follows the answer in force on the day the clock started (the day the materials were complete), kept when the
clock stops and restarts after a change of the answer. The alternative counts the completion day as day 1 when it
is a working day, so its due date is one working day earlier."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.clocks import StatutoryClock
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.egov import selectors
from countyhall.egov import services as s
from tests.egov.test_construction import _checklist, _preliminary, _started

pytestmark = pytest.mark.django_db
D = dt.date
CHANGE_FROM = D(2022, 6, 1)


@pytest.fixture
def d65_alternative_from_june(make_user):
    """D65 answered the other way from 1 June 2022, proposed and approved by two administrators."""
    from countyhall.core.services.policy import governed_refresh, policy_change_approve, policy_change_propose

    proposer, approver = make_user("d65-admin-1", "system_admin"), make_user("d65-admin-2", "system_admin")
    change = policy_change_propose(
        actor=proposer,
        kind="reading",
        key="D65",
        value="alternative",
        valid_from=CHANGE_FROM,
        reason="上级主管部门答复：收齐材料当日计入",
    )
    policy_change_approve(actor=approver, change=change, note="已核对")
    governed_refresh(force=True)
    yield
    governed_refresh(force=True)


def _due(started, stops=()):
    calendar = DatabaseCalendar()
    clock = StatutoryClock(started=started, limit=20, stops=tuple(stops))
    return clock.state(on=started, is_workday=calendar.is_workday).due


def test_a_clock_started_under_the_alternative_counts_the_completion_day(
    egov_users, planned, settings, d65_alternative_from_june
):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    items = _checklist(egov_users)
    _preliminary(app, egov_users, settings, on=D(2022, 6, 1))
    settings.BUSINESS_DATE = D(2022, 6, 6)  # a Monday, a working day
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items)
    assert acceptance.policy_basis["readings"]["D65"] == "alternative"
    # the completion day is day 1: 19 more working days after it, one working day before the adopted answer's
    assert acceptance.due_on == DatabaseCalendar().add_working_days(D(2022, 6, 6), 19)
    assert acceptance.due_on == s.acceptance_due_terms(materials_complete_on=D(2022, 6, 6)).data["due_on"]
    assert selectors.acceptance_clock_state(acceptance, on=D(2022, 6, 6)).used == 1
    # stopped for incomplete materials and complete again on Friday 10 June: that day counts too
    settings.BUSINESS_DATE = D(2022, 6, 8)
    acceptance = s.final_acceptance_incomplete(
        actor=egov_users["bigdata"], acceptance=acceptance, missing=[items[0]], reason="申请报告缺少签章"
    )
    settings.BUSINESS_DATE = D(2022, 6, 10)
    acceptance = s.final_acceptance_materials(
        actor=egov_users["bigdata"], acceptance=acceptance, received=items
    )
    assert acceptance.due_on == _due(D(2022, 6, 5), [(D(2022, 6, 8), D(2022, 6, 9))])
    # the history still names the days as recorded, and says the completion day counts
    history = selectors.acceptance_clock_history(acceptance)
    assert history[0].on == D(2022, 6, 6) and "当日计入" in history[0].text
    assert any(e.kind == "resumed" and e.on == D(2022, 6, 10) and "当日计入" in e.text for e in history)


def test_a_clock_started_before_the_change_keeps_the_adopted_answer_after_a_restart(
    egov_users, planned, settings, d65_alternative_from_june
):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    items = _checklist(egov_users)
    _preliminary(app, egov_users, settings, trial=D(2022, 2, 15), on=D(2022, 5, 20))
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items)
    assert acceptance.policy_basis["readings"]["D65"] == "adopted"
    assert acceptance.due_on == _due(D(2022, 5, 20))
    settings.BUSINESS_DATE = D(2022, 6, 2)
    acceptance = s.final_acceptance_incomplete(
        actor=egov_users["bigdata"], acceptance=acceptance, missing=[items[0]], reason="申请报告缺少签章"
    )
    settings.BUSINESS_DATE = D(2022, 6, 6)  # complete again after the change: the clock keeps its own answer
    acceptance = s.final_acceptance_materials(
        actor=egov_users["bigdata"], acceptance=acceptance, received=items
    )
    assert acceptance.policy_basis["readings"]["D65"] == "adopted"
    assert acceptance.due_on == _due(D(2022, 5, 20), [(D(2022, 6, 2), D(2022, 6, 6))])
