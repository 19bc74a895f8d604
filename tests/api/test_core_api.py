"""Core API endpoints refuse impossible inputs with a 400 naming the field, never a 500 or an empty answer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "field", "fragment"),
    [
        ("/api/v1/calendar/2021/13", "month", "月份应为 1–12"),
        ("/api/v1/calendar/2021/0", "month", "月份应为 1–12"),
        ("/api/v1/calendar/0/1", "year", "年份应为 1–9999"),
        ("/api/v1/calendar/99999999999999999999/1", "year", "年份应为 1–9999"),
    ],
)
def test_calendar_month_refuses_impossible_dates(client, path, field, fragment):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field and fragment in response.json()["error"]["message"]


def test_calendar_month_answers_a_known_month_and_404_for_an_unknown_year(client):
    days = client.get("/api/v1/calendar/2021/10").json()["days"]
    assert len(days) == 31 and days[0] == {
        "date": "2021-10-01",
        "is_workday": False,
        "kind": days[0]["kind"],
        "holiday_name": days[0]["holiday_name"],
    }
    response = client.get("/api/v1/calendar/2030/1")
    assert response.status_code == 404 and response.json()["error"]["field"] == "year"


def test_calendar_month_publishes_its_bounds(client):
    parameters = client.get("/api/schema/?format=json").json()["paths"]["/api/v1/calendar/{year}/{month}"][
        "get"
    ]["parameters"]
    schemas = {p["name"]: p["schema"] for p in parameters}
    assert schemas["month"] == {"type": "integer", "minimum": 1, "maximum": 12}
    assert schemas["year"] == {"type": "integer", "minimum": 1, "maximum": 9999}


@pytest.mark.parametrize(
    ("detail", "field", "message"),
    [
        ({"lunches": {0: {"identifier": ["该字段不能为空。"]}}}, "lunches.0.identifier", "该字段不能为空。"),
        ({"lunches": [{}, {"price": ["金额须写成字符串"]}]}, "lunches.1.price", "金额须写成字符串"),
        ({"facility": {"non_field_errors": ["机构不存在"]}}, "facility", "机构不存在"),
        (["整体无效"], "(request)", "整体无效"),
        ({"stage": ["必填"], "x": ["y"]}, "stage", "必填"),
    ],
)
def test_nested_validation_errors_name_the_dotted_field(detail, field, message):
    from rest_framework.exceptions import ValidationError

    from countyhall.core.api.errors import structured_exception_handler

    response = structured_exception_handler(ValidationError(detail), {})
    assert response.status_code == 400
    assert response.data == {"error": {"field": field, "message": message}}
