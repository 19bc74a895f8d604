"""The statutory clock, pure: the official calendar comes from chinese-calendar, no database."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countyhall.core.clocks import clock_state

D = dt.date
WORKDAY = chinese_calendar.is_workday


@pytest.mark.parametrize(
    ("started", "limit", "due"),
    [
        (
            D(2021, 9, 30),
            1,
            D(2021, 10, 8),
        ),  # the acceptance day never counts; National Day is not a working day
        (D(2021, 10, 8), 1, D(2021, 10, 9)),  # the make-up Saturday of 2021-10-09 counts
        (D(2022, 1, 28), 1, D(2022, 1, 29)),  # Spring Festival 2022: Saturday 29 Jan is a make-up working day
        (D(2022, 1, 30), 1, D(2022, 2, 7)),  # … and Sunday 30 Jan; 31 Jan – 6 Feb are holidays
        (D(2022, 1, 29), 0, D(2022, 1, 29)),
    ],
)
def test_acceptance_day_is_not_counted(started, limit, due):
    assert clock_state(started=started, limit=limit, on=started, stops=[], is_workday=WORKDAY).due == due


def test_a_stop_inside_the_spring_festival_holiday_counts_only_its_working_days():
    stops = [
        (D(2022, 1, 29), D(2022, 2, 8))
    ]  # 补正 from the make-up Saturday to the Tuesday after the holiday
    clock = clock_state(started=D(2022, 1, 20), limit=35, on=D(2022, 3, 1), stops=stops, is_workday=WORKDAY)
    assert clock.stopped_working_days == 4  # 29 and 30 Jan (make-up days), 7 and 8 Feb
    assert clock.due == D(2022, 3, 21)


def test_open_stop_has_no_due_date_and_the_clock_does_not_run():
    clock = clock_state(
        started=D(2021, 9, 29),
        limit=10,
        on=D(2021, 10, 20),
        stops=[(D(2021, 10, 8), None)],
        is_workday=WORKDAY,
    )
    assert clock.due is None and clock.running is False
    assert clock.used == 1  # 30 Sep only


def test_finished_clock_reads_at_its_finish_and_overdue_is_counted_in_working_days():
    clock = clock_state(
        started=D(2021, 9, 1), limit=3, on=D(2022, 1, 1), stops=[], is_workday=WORKDAY, finished=D(2021, 9, 8)
    )
    assert (clock.used, clock.due, clock.overdue, clock.days_over, clock.running) == (
        5,
        D(2021, 9, 6),
        True,
        2,
        False,
    )
    on_time = clock_state(started=D(2021, 9, 1), limit=3, on=D(2021, 9, 6), stops=[], is_workday=WORKDAY)
    assert (on_time.used, on_time.remaining, on_time.overdue) == (3, 0, False)


def _year_days(year: int) -> list[D]:
    day, days = D(year, 1, 1), []
    while day.year == year:
        if WORKDAY(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


YEARS = {year: _year_days(year) for year in (2021, 2022, 2023)}


@given(
    start=st.integers(0, 600),
    limit=st.integers(0, 90),
    read=st.integers(0, 200),
    finish=st.one_of(st.none(), st.integers(0, 200)),
    stops=st.lists(st.tuples(st.integers(0, 200), st.one_of(st.none(), st.integers(0, 40))), max_size=3),
)
@settings(max_examples=300, deadline=None)
def test_bisection_gives_the_same_clock_as_walking(start, limit, read, finish, stops):
    started = D(2021, 1, 1) + dt.timedelta(days=start)
    on = started + dt.timedelta(days=read)
    finished = started + dt.timedelta(days=finish) if finish is not None else None
    periods = [
        (started + dt.timedelta(days=a), None if length is None else started + dt.timedelta(days=a + length))
        for a, length in stops
    ]
    arguments = {
        "started": started,
        "limit": limit,
        "on": on,
        "stops": periods,
        "is_workday": WORKDAY,
        "finished": finished,
    }
    assert clock_state(**arguments) == clock_state(**arguments, workdays_in_year=YEARS.__getitem__)
