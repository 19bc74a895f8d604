"""The dashboard at county scale (issue 11): its queries do not grow with the households or the findings, the
findings are listed a few per kind with where the rest are, the village table is paginated and exported whole."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from countyhall.core.services.divisions import division_upsert
from countyhall.heating import views
from countyhall.heating.models import Entitlement, Household
from countyhall.heating.selectors import ledger_checks, money_by_budget, town_progress, village_progress
from countyhall.heating.services import claims_build, entitlements_compute, ledger_import, village_plan_set
from tests.conftest import valid_id
from tests.heating.test_ledger import book, ledger, row  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _pairs(officer, first: int, count: int) -> None:
    """`count` more households of 乙庄, two at each address: a same-address finding per pair."""
    rows = []
    for n in range(first, first + count):
        cells = row(n, address=f"同址{n // 2}号")
        cells[2] = valid_id(f"37032219500101{n:03d}")  # row()'s birth month is n: past 12 it is no date
        rows.append(cells)
    assert ledger_import(actor=officer, content=book(rows)).applied


def _dashboard_queries(client) -> tuple[int, str]:
    # The first request after the governed-policy snapshot was reset loads it (one query more): warm it first.
    client.get("/heating/")
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/heating/").content.decode()
    # Savepoints (the test's transaction around the page's atomic blocks) are not queries of the page's data.
    return len([q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]), html


def test_dashboard_queries_do_not_grow_with_findings(client, ledger, settings):  # noqa: F811
    settings.COUNTYHALL_TODO_CACHE_SECONDS = (
        0  # both requests compute the menu's to-dos (no cache hit on one)
    )
    client.force_login(ledger["officer"])
    _pairs(ledger["officer"], 10, 4)
    few, html = _dashboard_queries(client)
    assert "同址5号" in html
    _pairs(ledger["officer"], 20, 30)
    many, html = _dashboard_queries(client)
    assert many == few  # was a query per shared address and one per household named
    assert "同址24号" in html


def test_ledger_checks_group_the_households_of_each_shared_address(ledger):  # noqa: F811
    _pairs(ledger["officer"], 10, 6)
    same = {f.address: f.household_ids for f in ledger_checks() if f.kind == "same_address"}
    expected = defaultdict(list)
    for pk, address in (
        Household.objects.filter(address__startswith="同址").order_by("pk").values_list("pk", "address")
    ):
        expected[address].append(pk)
    assert same == dict(expected) and all(len(ids) == 2 for ids in same.values())


def test_findings_are_listed_a_few_per_kind_with_a_link_to_the_rest(client, ledger, monkeypatch):  # noqa: F811
    monkeypatch.setattr(views, "FINDINGS_SHOWN", 2)
    _pairs(ledger["officer"], 10, 10)  # five shared addresses
    client.force_login(ledger["officer"])
    html = client.get("/heating/").content.decode()
    assert "同一住址登记多户（5 条）" in html
    assert "以上列出前 2 条，另有 3 条" in html and "/heating/ledger/?status=finding" in html
    assert html.count("同址") == 2 * 1  # two findings shown, each naming its address once
    # The rest are where the link points: the ledger's 核查有问题 filter lists every household of them.
    ledger_html = client.get("/heating/ledger/", {"status": "finding", "per_page": 100}).content.decode()
    assert all(f"户主{n}" in ledger_html for n in range(10, 20))


def test_audit_of_the_checks_counts_the_households_shown(client, ledger, monkeypatch):  # noqa: F811
    from countyhall.core.models import AuditEntry

    monkeypatch.setattr(views, "FINDINGS_SHOWN", 2)
    _pairs(ledger["officer"], 10, 10)
    client.force_login(ledger["officer"])
    client.get("/heating/")
    entry = AuditEntry.objects.filter(note__contains="清洁取暖台账核查").latest("pk")
    assert entry.after["count"] == 4 and entry.after["filters"] == {"findings": 5}


def test_village_table_is_paginated_sorted_and_exported_whole(client, ledger):  # noqa: F811
    officer, village = ledger["officer"], ledger["village_b"]
    for n in range(2, 26):
        natural = division_upsert(
            actor="test", code=f"370322101201{n:03d}", name=f"乙{n}庄", kind="natural_village", parent=village
        )
        village_plan_set(actor=officer, division=natural, method="biomass", planned_households=n)
    client.force_login(officer)
    html = client.get("/heating/", {"per_page": 20}).content.decode()
    table = html.split('id="village-progress"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") - 1 == 20 and "共 25 条" in html
    exported = client.get("/heating/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 26 and rows[0][0] == "自然村"
    by_planned = client.get("/heating/", {"sort": "-planned", "per_page": 20}).content.decode()
    assert by_planned.index("乙25庄") < by_planned.index("乙24庄")
    assert client.get("/heating/", {"sort": "nonsense"}).status_code == 400


def test_town_chart_and_money_table_match_the_rows_they_sum(ledger):  # noqa: F811
    officer = ledger["officer"]
    for period in ("2021",):
        entitlements_compute(actor=officer, period=period)
        claims_build(actor=officer, period=period)
    expected = defaultdict(lambda: [0, 0, 0])
    for progress in village_progress():
        division = progress.plan.division
        town = division.parent.parent.name if division.parent_id else division.name
        expected[town][0] += progress.plan.planned_households
        expected[town][1] += progress.registered
        expected[town][2] += progress.accepted
    assert dict(town_progress()) == dict(expected)
    sums = defaultdict(lambda: defaultdict(Decimal))
    for period, shares in Entitlement.objects.values_list("period", "shares"):
        for budget, amount in shares.items():
            sums[period][budget] += Decimal(amount)
    assert sums and {p: dict(b) for p, b in money_by_budget().items()} == {
        p: dict(b) for p, b in sums.items()
    }
