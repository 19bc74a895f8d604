"""The lunch list's Excel export (issue 11, exports streamed): a streamed file response whose rows are the list's
columns computed from plain columns — the same cells the page's model rows give, masked per role."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.http import FileResponse
from django.test import RequestFactory
from openpyxl import load_workbook

from countyhall.canteens.models import Lunch
from countyhall.canteens.names import unmasked_for
from countyhall.canteens.selectors import lunch_list_for_user
from countyhall.canteens.services.lunches import lunch_check_in, lunch_void
from countyhall.canteens.views import counter
from countyhall.core.errors import ServiceError
from countyhall.core.tables import Table
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 6, 1)
EVERY_COLUMN = [column.key for column in counter.LUNCH_COLUMNS if column.export]


def _record(world) -> None:
    operator, facility = world["users"]["operator"], world["facility"]
    for offset, key in enumerate(("same_80", "same_65", "other_70", "same_80")):
        lunch_check_in(
            actor=operator,
            facility=facility,
            identifier=world["elders"][key].person.id_number,
            meal_date=DAY + dt.timedelta(days=offset),
        )
    # Refused attempts are listed too: an elder under the age (named) and a number nobody registered (shown as
    # the number presented, no elder).
    for identifier in (world["elders"]["young"].person.id_number, valid_id("37032219450101009")):
        try:
            lunch_check_in(actor=operator, facility=facility, identifier=identifier, meal_date=DAY)
        except ServiceError:
            pass
    lunch_void(actor=world["users"]["minzheng"], lunch=Lunch.objects.order_by("pk").first(), reason="误刷卡")


def _page_cells(user) -> list[list]:
    """The oracle: the cells the columns give over model instances, named by `_lunch_rows` (the list page's way)."""
    request = RequestFactory().get("/canteens/lunches/", {"export": "xlsx", "cols": EVERY_COLUMN})
    request.user = user
    lunches = (
        lunch_list_for_user(user)
        .select_related(None)
        .select_related("facility", "recorded_by")
        .defer("citations", "readings")
    )
    table = Table(
        request,
        lunches,
        columns=counter.LUNCH_COLUMNS,
        rows=counter._lunch_rows(user),
        per_page=100,
        count_cap=10_000,
    )
    return [list(row) for row in table._model_rows(table.export_columns(), chunk=2)]


@pytest.mark.parametrize("who", ["minzheng", "town", "operator"])
def test_the_export_is_streamed_and_holds_the_lists_rows(client, filed_world, monkeypatch, who):
    _record(filed_world)
    monkeypatch.setattr(counter, "LUNCH_EXPORT_CHUNK", 2)  # several chunks of the server-side cursor
    user = filed_world["users"][who]
    client.force_login(user)
    response = client.get("/canteens/lunches/", {"export": "xlsx", "cols": EVERY_COLUMN})
    assert response.status_code == 200 and response.streaming and isinstance(response, FileResponse)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    rows = [list(row) for row in load_workbook(BytesIO(content)).active.iter_rows(values_only=True)]
    assert rows[0] == [column.label for column in counter.LUNCH_COLUMNS if column.export]
    expected = _page_cells(user)
    assert len(rows) - 1 == Lunch.objects.count() == len(expected) >= 6
    # What openpyxl reads back: money as numbers, dates as datetimes, empty text as None.
    assert rows[1:] == [[_as_read(value) for value in row] for row in expected]
    assert {row[5] for row in rows[1:]} == {label for _, label in Lunch.Status.choices}
    names = {row[3] for row in rows[1:]}
    full_name = filed_world["elders"]["same_80"].person.name
    # Masked for the operator, as on the page; 民政 and the town see names.
    assert (full_name in names) == unmasked_for(user) == (who != "operator")


def _as_read(value):
    if value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def test_the_exports_audit_row_counts_the_rows_exported(client, filed_world):
    _record(filed_world)
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get("/canteens/lunches/", {"export": "xlsx", "status": "accepted"})
    rows = list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    from countyhall.core.models import AuditEntry

    read = AuditEntry.objects.get(action="read", object_type="canteens.Lunch", note__contains="导出")
    assert read.after["count"] == len(rows) - 1 == Lunch.objects.filter(status="accepted").count()
