"""The fraud report links each finding to its lunch records by the lunch list's filters (facility and day, or
elder and day/period), not by their ids, and shows its findings a page at a time with a count per check."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from countyhall.canteens.models import Facility, Lunch
from countyhall.canteens.selectors import fraud_findings
from countyhall.canteens.services.checks import checks_rebuild
from countyhall.canteens.services.facilities import facility_register
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.views import reports

pytestmark = pytest.mark.django_db
MAY = {"date_from": "2022-05-01", "date_to": "2022-05-31"}


@pytest.fixture
def report_day(filed_world, settings):
    """Four accepted lunches on 2022-05-03 at a facility of one seat (above 3× seats), one more on 5-04."""
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    users, facility, elders = filed_world["users"], filed_world["facility"], filed_world["elders"]
    Facility.objects.filter(pk=facility.pk).update(seats=1)
    for key in ("same_80", "same_65", "other_70", "outsider"):
        lunch_check_in(
            actor=users["operator"],
            facility=facility,
            identifier=elders[key].person.id_number,
            meal_date=dt.date(2022, 5, 3),
        )
    # The check's meaning is about accepted lunches: make the day's four all accepted whatever the rules said.
    Lunch.objects.filter(meal_date=dt.date(2022, 5, 3)).update(status=Lunch.Status.ACCEPTED)
    checks_rebuild()  # written past the services: the checks' daily figures recomputed, as after a bulk load
    lunch_check_in(
        actor=users["operator"],
        facility=facility,
        identifier=elders["same_80"].person.id_number,
        meal_date=dt.date(2022, 5, 4),
    )
    return filed_world


def _links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/canteens/lunches/\?[^"]*)"', html)]


def test_facility_day_finding_links_its_lunches_by_filter(client, report_day):
    client.force_login(report_day["users"]["minzheng"])
    html = client.get("/canteens/fraud/", MAY).content.decode()
    facility = report_day["facility"]
    link = next(href for href in _links(html) if "date_from=2022-05-03" in href)
    assert f"facility={facility.pk}" in link and "date_to=2022-05-03" in link and "status=accepted" in link
    assert "ids=" not in link
    assert "4 条午餐记录" in html
    # Following the link lists exactly the four lunches of that day, nothing of 5-04.
    listed = client.get(link).content.decode()
    day_lunches = Lunch.objects.filter(facility=facility, meal_date=dt.date(2022, 5, 3))
    assert day_lunches.count() == 4
    for lunch in day_lunches:
        assert f'<td class="muted">{lunch.pk}</td>' in listed
    other = Lunch.objects.get(meal_date=dt.date(2022, 5, 4))
    assert f'<td class="muted">{other.pk}</td>' not in listed


def test_elder_day_finding_links_by_elder_and_day(client, filed_world, settings):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    users, facility, elder = filed_world["users"], filed_world["facility"], filed_world["elders"]["other_70"]
    other = facility_register(
        actor=users["town"],
        operator=filed_world["operator_org"],
        division=filed_world["natural_b"],
        name="青城镇乙村长者助餐服务点",
        kind="service_point",
        model="service_point",
        setting="rural",
        operator_kind="care_org",
        lunch_price=facility.lunch_price,
        meal_supplier="配送中心",
    )
    Facility.objects.filter(pk=other.pk).update(status="filed", filed_on=dt.date(2021, 9, 2))
    other.refresh_from_db()
    day = dt.date(2022, 5, 10)
    for place in (facility, other):
        lunch_check_in(actor=users["town"], facility=place, identifier=elder.person.id_number, meal_date=day)
    [finding] = [
        f for f in fraud_findings(users["minzheng"], date_from=day, date_to=day) if f.kind == "two_facilities"
    ]
    assert finding.lunch_filter == {
        "elder": str(elder.pk),
        "date_from": "2022-05-10",
        "date_to": "2022-05-10",
    }
    assert finding.lunch_count == 2 and facility.name in finding.detail and other.name in finding.detail
    client.force_login(users["minzheng"])
    listed = client.get("/canteens/lunches/?" + finding.lunch_query).content.decode()
    for lunch in Lunch.objects.filter(elder=elder, meal_date=day):
        assert f'<td class="muted">{lunch.pk}</td>' in listed
    assert 'id="elder-filter"' in listed and "仅显示老人 孙三" in listed  # named, not numbered
    # The report's table stacks into labelled cards at phone width (walk, issue 11); the elder is named (the
    # record number stays beside the name as a reference, issue 12).
    report = client.get(
        "/canteens/fraud/", {"date_from": "2022-05-10", "date_to": "2022-05-10"}
    ).content.decode()
    assert f'href="/canteens/elders/{elder.pk}/"' in report
    assert 'class="stacked"' in report and 'data-label="记录"' in report


def test_lunch_list_elder_filter_stays_in_scope(client, report_day):
    """?elder= narrows the user's own lunches: an operator of another facility sees none of them."""
    elder = report_day["elders"]["same_80"]
    client.force_login(report_day["users"]["minzheng"])
    page = client.get("/canteens/lunches/", {"elder": elder.pk}).content.decode()
    for lunch in Lunch.objects.filter(elder=elder):
        assert f'<td class="muted">{lunch.pk}</td>' in page
    for lunch in Lunch.objects.exclude(elder=elder):
        assert f'<td class="muted">{lunch.pk}</td>' not in page
    assert client.get("/canteens/lunches/", {"elder": "x"}).status_code == 400


def test_lunch_list_elder_filter_without_rows_reads_as_a_sentence(client, report_day):
    """An elder filter the other filters empty (walk, session 23): the line says so in a sentence, not
    "仅显示老人 所选老人（无记录） 的记录", and still offers every elder."""
    elder = report_day["elders"]["same_80"]
    client.force_login(report_day["users"]["minzheng"])
    page = client.get("/canteens/lunches/", {"elder": elder.pk, "status": "voided"}).content.decode()
    line = page.split('id="elder-filter">', 1)[1].split("</p>", 1)[0]
    assert line.startswith("所选老人在当前筛选条件下没有午餐记录。"), line
    assert "仅显示老人" not in line and "显示全部老人" in line and "elder=" not in line


def test_findings_are_paginated_with_counts_per_check(client, report_day, monkeypatch):
    Elder = type(report_day["elders"]["same_65"])
    Elder.objects.filter(pk=report_day["elders"]["same_65"].pk).update(died_on=dt.date(2022, 5, 1))
    monkeypatch.setattr(reports, "FRAUD_PER_PAGE", 1)
    client.force_login(report_day["users"]["minzheng"])
    first = client.get("/canteens/fraud/", MAY).content.decode()
    second = client.get("/canteens/fraud/", {**MAY, "page": 2}).content.decode()
    # Two findings (a lunch after death, a facility-day above its seats), one a page, both counted on each page.
    for html in (first, second):
        assert "第 " in html and " / 2 页" in html
        assert "死亡或迁出后仍有就餐记录</a>：1 条" in html and "单日就餐人次远超座位数</a>：1 条" in html
    assert ("钱二" in first) != ("钱二" in second)
    # One check only, the period kept in its link.
    only = client.get("/canteens/fraud/", {**MAY, "kind": "above_seats"}).content.decode()
    assert "4 条午餐记录" in only and "钱二" not in only
    assert "kind=above_seats" in first and "date_from=2022-05-01" in first
    assert client.get("/canteens/fraud/", {**MAY, "kind": "nonsense"}).status_code == 400


def test_fraud_report_queries_do_not_grow_with_findings(client, report_day, django_assert_max_num_queries):
    client.force_login(report_day["users"]["minzheng"])
    with django_assert_max_num_queries(28):  # the page, its menu, to-dos and the governed-policy check
        assert client.get("/canteens/fraud/", MAY).status_code == 200
