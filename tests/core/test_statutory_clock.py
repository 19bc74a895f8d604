"""The core statutory clock serves a second program: 1号's 20-working-day acceptance clock (decision 0012).

高政办发〔2021〕1号 三、（四）2: 县电子政务主管部门 completes the final acceptance "自收齐验收材料并符合验收条件之日起
20个工作日内". The clock is core's StatutoryClock on the platform's calendar (DatabaseCalendar, 调休 included); the
figure it must reach is `egov.acceptance_due`'s, the rule egov publishes. Time waiting on the builder to complete
the materials does not run (SPEC-egov-1hao 6.5): the clock is stopped from the application until the materials are
complete, and again whenever they turn out incomplete. The transitions (suspend, resume, extend once within a
cited limit), the reminders and the history are tested pure below.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from countyhall.core.clocks import (
    ESCALATION,
    REMINDER,
    ClockRefused,
    ExtensionLimit,
    StatutoryClock,
    clock_alert,
)
from countyhall.core.policy import parameters
from countyhall.core.rules.registry import calc
from countyhall.core.selectors.calendar import DatabaseCalendar

D = dt.date
WORKDAY = chinese_calendar.is_workday


def _acceptance_clock(applied_on: dt.date, complete_on: dt.date) -> StatutoryClock:
    """The builder applies on `applied_on`; the materials are complete on `complete_on`. Until then the clock is
    stopped (补正), so it counts from the day after completion, as 6.5 reads."""
    limit = parameters().at("egov.acceptance.working_days", complete_on).value
    clock = StatutoryClock(started=applied_on, limit=limit)
    if complete_on > applied_on:
        clock = clock.suspended(on=applied_on, reason="验收材料不齐（附件7清单）").resumed(on=complete_on)
    return clock


# applied, materials complete, the due date on the official calendar (checked against egov.acceptance_due too)
ACCEPTANCE = [
    # complete on the day of application, the day before National Day 2021: 1–7 Oct do not count, the make-up
    # Saturday 9 Oct does
    (D(2021, 9, 29), D(2021, 9, 29), D(2021, 11, 2)),
    # applied before the holiday, complete only on 29 Sep: the five days waiting on the builder do not run
    (D(2021, 9, 24), D(2021, 9, 29), D(2021, 11, 2)),
    (D(2021, 9, 30), D(2021, 9, 30), D(2021, 11, 3)),
    # complete during the holiday: counting starts with the next working day (8 Oct), same as completion on 7 Oct
    (D(2021, 9, 28), D(2021, 10, 2), D(2021, 11, 3)),
    (D(2021, 9, 28), D(2021, 10, 7), D(2021, 11, 3)),
    # Spring Festival 2022: 29 and 30 Jan are make-up working days, 31 Jan – 6 Feb are holidays
    (D(2022, 1, 20), D(2022, 1, 20), D(2022, 2, 22)),
    (D(2022, 1, 10), D(2022, 1, 28), D(2022, 3, 2)),
    (
        D(2022, 1, 10),
        D(2022, 1, 29),
        D(2022, 3, 3),
    ),  # completion on the make-up Saturday does not count itself
    (D(2022, 1, 10), D(2022, 1, 30), D(2022, 3, 4)),
    (D(2022, 1, 25), D(2022, 2, 6), D(2022, 3, 4)),  # complete on the holiday's last day: from 7 Feb
]


@pytest.mark.django_db
@pytest.mark.parametrize(("applied_on", "complete_on", "due"), ACCEPTANCE)
def test_acceptance_clock_counts_20_working_days_from_complete_materials(applied_on, complete_on, due):
    figure = calc("egov.acceptance_due", {"materials_complete_on": complete_on.isoformat()})["due_on"]
    calendar = DatabaseCalendar()
    state = _acceptance_clock(applied_on, complete_on).state(
        on=complete_on, is_workday=calendar.is_workday, workdays_in_year=calendar.workdays_in_year
    )
    assert (state.due, figure) == (due, due.isoformat())
    assert (state.used, state.remaining, state.running, state.overdue) == (0, 20, True, False)


# Materials found incomplete during the acceptance (补正 asked on `stop`, answered on `resume`): the stopped working
# days, both ends included, move the due date by as many working days.
MIDWAY = [
    # 30 Sep, 8 and 9 Oct (make-up Saturday) and 15 Oct used; 11–14 Oct stopped (4); due 4 working days after 2 Nov
    (D(2021, 9, 29), D(2021, 10, 11), D(2021, 10, 14), D(2021, 10, 15), 4, 4, D(2021, 11, 8)),
    # stopped across Spring Festival: only 27, 28, 29 (make-up), 30 (make-up) Jan and 7, 8 Feb are working days
    (D(2022, 1, 20), D(2022, 1, 27), D(2022, 2, 8), D(2022, 2, 8), 4, 6, D(2022, 3, 2)),
    # a stop entirely inside the National Day holiday stops no working day and moves nothing
    (D(2021, 9, 29), D(2021, 10, 2), D(2021, 10, 6), D(2021, 10, 8), 2, 0, D(2021, 11, 2)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("complete_on", "stop", "resume", "read_on", "used", "stopped", "due"), MIDWAY)
def test_materials_found_incomplete_stop_the_acceptance_clock(
    complete_on, stop, resume, read_on, used, stopped, due
):
    calendar = DatabaseCalendar()
    clock = _acceptance_clock(complete_on, complete_on).suspended(on=stop, reason="测评报告缺页")
    waiting = clock.state(on=read_on, is_workday=calendar.is_workday)
    assert (
        waiting.due is None and not waiting.running
    )  # the builder's turn: no due date until the materials return
    state = clock.resumed(on=resume).state(on=read_on, is_workday=calendar.is_workday)
    assert (state.used, state.stopped_working_days, state.due) == (used, stopped, due)
    figure = D.fromisoformat(
        calc("egov.acceptance_due", {"materials_complete_on": complete_on.isoformat()})["due_on"]
    )
    assert (
        calendar.add_working_days(figure, stopped) == due
    )  # 1号's figure, moved by the stopped working days


@pytest.mark.django_db
def test_the_database_calendar_and_the_official_calendar_agree_on_the_acceptance_clocks():
    calendar = DatabaseCalendar()
    for applied_on, complete_on, due in ACCEPTANCE:
        clock = _acceptance_clock(applied_on, complete_on)
        assert clock.state(on=due, is_workday=calendar.is_workday) == clock.state(on=due, is_workday=WORKDAY)


# ---- the clock's transitions, pure ---------------------------------------------------------------------------

CLOCK = StatutoryClock(started=D(2021, 9, 29), limit=20)
ONCE_TEN = ExtensionLimit(times=1, max_days=10, basis="《中华人民共和国行政许可法》第四十二条")


@pytest.mark.parametrize(
    ("make", "field", "words"),
    [
        (lambda: CLOCK.resumed(on=D(2021, 10, 8)), "status", "未停止计时"),
        (lambda: CLOCK.suspended(on=D(2021, 10, 8)).suspended(on=D(2021, 10, 9)), "status", "已停止计时"),
        (lambda: CLOCK.suspended(on=D(2021, 9, 28)), "on", "不能早于起算日期"),
        (
            lambda: CLOCK.suspended(on=D(2021, 10, 11)).resumed(on=D(2021, 10, 9)),
            "on",
            "不能早于停止计时日期",
        ),
        (
            lambda: (
                CLOCK.suspended(on=D(2021, 10, 8)).resumed(on=D(2021, 10, 12)).suspended(on=D(2021, 10, 11))
            ),
            "on",
            "不能早于上次恢复计时日期",
        ),
        (
            lambda: CLOCK.extended(working_days=0, reason="专家未到", on=D(2021, 10, 8)),
            "working_days",
            "至少为 1 天",
        ),
        (lambda: CLOCK.extended(working_days=5, reason="  ", on=D(2021, 10, 8)), "reason", "写明理由"),
        (
            lambda: CLOCK.extended(working_days=11, reason="专家未到", on=D(2021, 10, 8), limit=ONCE_TEN),
            "working_days",
            "不得超过 10 个工作日（《中华人民共和国行政许可法》第四十二条）",
        ),
        (
            lambda: CLOCK.extended(
                working_days=10, reason="专家未到", on=D(2021, 10, 8), limit=ONCE_TEN
            ).extended(working_days=1, reason="再延", on=D(2021, 10, 9), limit=ONCE_TEN),
            "working_days",
            "只能延长 1 次",
        ),
        (
            lambda: StatutoryClock(started=D(2021, 9, 29), limit=20, finished=D(2021, 10, 20)).suspended(
                on=D(2021, 10, 21)
            ),
            "on",
            "已于2021年10月20日办结",
        ),
    ],
)
def test_a_transition_the_clock_does_not_allow_is_refused_naming_the_field(make, field, words):
    with pytest.raises(ClockRefused) as refused:
        make()
    assert refused.value.field == field and words in refused.value.message


def test_a_restart_day_may_stop_again_and_counts_as_stopped_once():
    clock = CLOCK.suspended(on=D(2021, 10, 8)).resumed(on=D(2021, 10, 11)).suspended(on=D(2021, 10, 11))
    state = clock.resumed(on=D(2021, 10, 12)).state(on=D(2021, 10, 12), is_workday=WORKDAY)
    assert (state.used, state.stopped_working_days) == (
        1,
        4,
    )  # 30 Sep used; 8, 9 (make-up), 11, 12 Oct stopped


@pytest.mark.parametrize(
    ("approved_on", "total", "due"),
    [
        (None, 20, D(2021, 11, 2)),  # asked, not approved: the due date does not move
        (D(2021, 10, 15), 30, D(2021, 11, 16)),  # approved: 10 more working days
    ],
)
def test_an_extension_counts_once_approved_and_recomputes_the_due_date(approved_on, total, due):
    clock = CLOCK.extended(
        working_days=10, reason="需专家现场核验", on=D(2021, 10, 14), limit=ONCE_TEN, approved_on=approved_on
    )
    assert clock.total_limit == total
    assert clock.state(on=D(2021, 10, 15), is_workday=WORKDAY).due == due
    assert clock.extensions[0].basis == ONCE_TEN.basis  # the limit's citation stays with the extension


@pytest.mark.parametrize(
    ("on", "stopped", "remind_within", "alert"),
    [
        (D(2021, 10, 28), False, 2, None),  # 3 working days left
        (D(2021, 10, 29), False, 2, REMINDER),  # 2 left
        (D(2021, 11, 2), False, 2, REMINDER),  # due today, 0 left: still in time
        (D(2021, 11, 3), False, 2, ESCALATION),  # the day after the due date
        (D(2021, 11, 3), True, 2, None),  # stopped (补正): it is the builder's turn, nobody is reminded
        (D(2021, 10, 28), False, 3, REMINDER),  # a program reminding earlier
    ],
)
def test_reminders_before_due_and_escalation_once_overdue(on, stopped, remind_within, alert):
    clock = CLOCK.suspended(on=D(2021, 10, 20), reason="补正") if stopped else CLOCK
    assert clock_alert(clock.state(on=on, is_workday=WORKDAY), remind_within=remind_within) == alert


def test_the_history_keeps_every_step_in_date_order():
    clock = (
        StatutoryClock(started=D(2022, 1, 10), limit=20)
        .suspended(on=D(2022, 1, 10), reason="验收材料不齐")
        .resumed(on=D(2022, 1, 20))
        .extended(
            working_days=5,
            reason="春节后专家到位",
            on=D(2022, 2, 7),
            approved_on=D(2022, 2, 8),
            limit=ONCE_TEN,
        )
    )
    history = [(event.on, event.kind) for event in clock.history()]
    assert history == [
        (D(2022, 1, 10), "started"),
        (D(2022, 1, 10), "suspended"),
        (D(2022, 1, 20), "resumed"),
        (D(2022, 2, 7), "extension_requested"),
        (D(2022, 2, 8), "extension_approved"),
    ]
    assert "验收材料不齐" in clock.history()[1].text
    assert clock.state(on=D(2022, 2, 8), is_workday=WORKDAY).due == D(2022, 3, 1)  # 2-22 plus 5 working days
