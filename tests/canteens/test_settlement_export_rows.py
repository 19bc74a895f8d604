"""The settlement's detail sheet (结算明细) streamed from tuples in chunks holds the same cells as the sheet built
from a list of every Lunch instance before (issue 11: exports streamed, the files' contents unchanged)."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from countyhall.core.demo import demo_load
    from countyhall.core.programs import registered_programs

    demo_load(actor="test-demo")
    for program in registered_programs():
        program.demo_load(actor="test-demo")


def _lunch_rows_as_before(user, lunches):
    """The detail rows as the sheet wrote them before streaming: `list(lunches)`, named all at once."""
    from countyhall.canteens.names import elder_names

    batch = list(lunches.order_by("meal_date", "id") if not lunches.ordered else lunches)
    names = elder_names(user, [lu.elder_id for lu in batch])

    def who(elder_id):
        found = names.get(elder_id)
        return (found.name, found.place) if found else ("", "")

    return [
        [
            lu.meal_date,
            lu.pk,
            *who(lu.elder_id),
            "是" if lu.free else "",
            lu.city,
            lu.county,
            lu.operator_discount,
            lu.care_fund,
            lu.elder_pays,
            lu.unfunded,
            lu.price,
            lu.extra_charge,
        ]
        for lu in batch
    ]


def _cells(rows):
    """Cell values as the workbook gives them back (dates as datetimes, money as numbers)."""
    from countyhall.core.reports import workbook_bytes

    sheet = load_workbook(BytesIO(workbook_bytes(sheet_title="t", headers=["h"] * 13, rows=rows))).active
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_detail_sheet_cells_unchanged(demo, client, monkeypatch):
    from countyhall.canteens.models import Settlement
    from countyhall.canteens.views import settlements as views
    from countyhall.core.models import User

    monkeypatch.setattr(views, "STATEMENT_CHUNK", 2)  # several chunks, each named on its own
    # The demo's settlements are monthly; the yearly statement's order (now explicit) was compared on the benchmark
    # data (docs/benchmarks.md, "Exports: memory").
    settlement = Settlement.objects.filter(lunches__gt=2).order_by("-lunches", "pk").first()
    user = User.objects.get(username="minzheng")
    lunches, _ = views._statement(settlement)
    expected = _cells(_lunch_rows_as_before(user, lunches))
    client.force_login(user)
    response = client.get(f"/canteens/settlements/{settlement.pk}/?format=xlsx")
    assert response.status_code == 200 and response.streaming
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    got = [list(row) for row in sheet.iter_rows(min_row=2, max_row=len(expected) + 1, values_only=True)]
    assert got == expected and len(expected) > 2
