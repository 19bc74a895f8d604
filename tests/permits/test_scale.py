"""Clocks of many cases at once (issue 11): clock_parts gives the same clocks as the per-case reads, and the
desk, the statistics and the monthly report do not run more queries with more cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from countyhall.permits.models import Case, Extension, Review, Suspension
from countyhall.permits.selectors import department_desk, monthly_progress, time_used_statistics
from countyhall.permits.services import permit_stage_submit, project_register
from countyhall.permits.services.clock import NO_PARTS, case_clock, clock_parts, review_clock

pytestmark = pytest.mark.django_db
D = dt.date


def _cases(world, county_tree, count: int, *, start: int = 2) -> list[Case]:
    """`count` projects with a 立项用地规划许可 case each, accepted on different days, some with a closed or an
    open stop (补正) and approved or pending extensions, some decided."""
    users, cases = world["users"], []
    applicant = world["project"].applicant
    for n in range(start, start + count):
        project = project_register(
            actor=users["approval"],
            code=f"2021-370322-70-03-{n:06d}",
            name=f"项目{n}",
            category="social_civil",
            site=county_tree["village_a"],
            applicant=applicant,
        )
        accepted = D(2022, 5, 2) + dt.timedelta(days=n % 20)
        case = permit_stage_submit(
            actor=users["approval"], project=project, stage="立项用地规划许可", accepted_on=accepted
        )
        if n % 3 == 0:
            Suspension.objects.create(
                case=case,
                start=accepted + dt.timedelta(days=2),
                end=accepted + dt.timedelta(days=9),
                reason="补正",
            )
        if n % 5 == 0:
            Suspension.objects.create(
                case=case, start=accepted + dt.timedelta(days=12), end=None, reason="补正"
            )
            Case.objects.filter(pk=case.pk).update(status=Case.Status.AWAITING_APPLICANT)
        if n % 4 == 0:
            Extension.objects.create(
                case=case,
                working_days=5,
                reason="踏勘",
                requested_by=users["resources"],
                requested_on=accepted,
                approved_by=users["approval"],
                approved_on=accepted,
            )
            Extension.objects.create(
                case=case,
                working_days=3,
                reason="再延",
                requested_by=users["resources"],
                requested_on=accepted,
            )  # not approved: does not count
        if n % 7 == 0:
            Case.objects.filter(pk=case.pk).update(
                status=Case.Status.APPROVED, decided_on=accepted + dt.timedelta(days=25)
            )
        cases.append(case)
    return list(Case.objects.filter(pk__in=[c.pk for c in cases]))


def test_clock_parts_give_the_same_clocks_as_reading_each_case(world, county_tree):
    cases = _cases(world, county_tree, 20)
    parts = clock_parts(Case.objects.filter(pk__in=[c.pk for c in cases]))
    assert parts == clock_parts([c.pk for c in cases])  # a queryset or ids
    for on in (D(2022, 5, 20), D(2022, 7, 1)):
        for case in cases:
            mine = parts.get(case.pk, NO_PARTS)
            assert case_clock(case, on=on, parts=mine) == case_clock(case, on=on)
            for review in Review.objects.filter(case=case).select_related("case"):
                assert review_clock(review, on=on, parts=mine) == review_clock(review, on=on)
    stopped = next(c for c in cases if c.status == Case.Status.AWAITING_APPLICANT)
    assert parts[stopped.pk].stops[-1][1] is None  # an open stop stays open
    extended = next(c for c in cases if Extension.objects.filter(case=c, approved_on__isnull=False).exists())
    assert parts[extended.pk].extension_days == 5


def _queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), result


def test_desk_statistics_and_report_do_not_query_per_case(world, county_tree):
    orgs = world["orgs"]
    _cases(world, county_tree, 4, start=5)  # one decided (n = 7): the calendar is read in both runs
    desk = lambda: department_desk(organisation=orgs["approval"], on=D(2022, 7, 1))  # noqa: E731
    report = lambda: monthly_progress(lead=orgs["resources"], year=2022, month=6, on=D(2022, 6, 20))  # noqa: E731
    few = [_queries(call)[0] for call in (desk, time_used_statistics, report)]
    _cases(world, county_tree, 12, start=40)
    many = [_queries(call)[0] for call in (desk, time_used_statistics, report)]
    assert many == few
    count, stats = _queries(time_used_statistics)
    decided = Case.objects.filter(decided_on__isnull=False, accepted_on__isnull=False).count()
    assert stats and sum(row["decided"] for row in stats) == decided


def test_desk_lists_show_the_first_rows_and_link_to_all(world, county_tree, client, monkeypatch):
    from countyhall.permits import views

    _cases(world, county_tree, 8)
    monkeypatch.setattr(views, "DESK_SHOWN", 2)
    client.force_login(world["users"]["approval"])
    html = client.get("/permits/desk/").content.decode()
    data = department_desk(organisation=world["orgs"]["approval"])
    longest = max(len(data[key]) for key in ("overdue", "due_soon", "open"))
    assert longest > 2
    assert "以上列出受理最早的 2 条" in html and 'href="?opinion=open#all-reviews"' in html
    # Every waiting review is still in the paginated table the link opens.
    waiting = client.get("/permits/desk/", {"opinion": "open", "per_page": 100}).content.decode()
    table = waiting.split('id="desk-reviews"', 1)[1].split("</table>", 1)[0]
    assert (
        table.count("<tr>") - 1
        == Review.objects.filter(
            department=world["orgs"]["approval"],
            opinion__in=["pending", "request_correction"],
            case__status__in=[Case.Status.IN_REVIEW, Case.Status.AWAITING_APPLICANT],
        ).count()
    )


def test_desk_shown_lists_the_first_rows_with_the_full_counts(world, county_tree):
    """The page's desk (shown=) builds objects for the rows it lists only; its counts are the full lists'."""
    _cases(world, county_tree, 8)
    org = world["orgs"]["approval"]
    full = department_desk(organisation=org, on=D(2022, 7, 1))
    page = department_desk(organisation=org, on=D(2022, 7, 1), shown=2)
    for kind in ("overdue", "due_soon", "open"):
        assert page["counts"][kind] == full["counts"][kind] == len(full[kind])
        assert [(r.review.pk, r.clock) for r in page[kind]] == [(r.review.pk, r.clock) for r in full[kind]][
            :2
        ]
    assert page["counts"]["leading"] == len(full["leading"])
    assert [row["case"].pk for row in page["leading"]] == [row["case"].pk for row in full["leading"]][:2]
    # The clocks from plain columns are review_clock's.
    for row in full["overdue"] + full["due_soon"] + full["open"]:
        assert row.clock == review_clock(row.review, on=D(2022, 7, 1))
