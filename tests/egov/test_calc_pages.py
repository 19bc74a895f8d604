"""The egov rules through the calculator page (/calc/) and the API, and 1号's readings on /policy/readings/."""

from __future__ import annotations

import json

import pytest

from countyhall.core.policy import parameters
from countyhall.core.rules import RULES

pytestmark = pytest.mark.django_db

EGOV_RULES = sorted(name for name in RULES if name.startswith("egov."))


def test_the_twelve_rules_are_registered():
    assert len(EGOV_RULES) == 12


def test_api_calc_answers_an_egov_rule(client):
    response = client.post(
        "/api/v1/calc/egov.acceptance_due",
        {"materials_complete_on": "2022-01-20"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["due_on"] == "2022-02-22" and body["readings"] == ["D65"]
    assert {"document": "高政办发〔2021〕1号", "clause": "三、（四）2", "line": 819} in body["citations"]


def test_api_calc_refuses_float_money_naming_the_field(client):
    response = client.post(
        "/api/v1/calc/egov.review_mode", {"total_investment": 1000000.0}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "total_investment" and "浮点数" in error["message"]


@pytest.mark.parametrize("name", EGOV_RULES)
def test_calc_page_opens_each_egov_rule(client, make_user, name):
    client.force_login(make_user("egov-calc", "system_admin"))
    assert client.get("/calc/", {"rule": name}).status_code == 200


def test_calc_page_shows_an_egov_result_with_its_clause_and_reading(client, make_user):
    client.force_login(make_user("egov-calc", "system_admin"))
    html = client.post(
        "/calc/", {"rule": "egov.review_mode", "input": json.dumps({"total_investment": "1000000.00"})}
    ).content.decode()
    assert "须现场评审" in html and "高政办发〔2021〕1号" in html and "D44" in html
    response = client.post("/calc/", {"rule": "egov.review_mode", "input": '{"total_investment": 1000000.5}'})
    assert response.status_code == 400 and "total_investment" in response.content.decode()


def test_egov_readings_are_listed_on_the_readings_page(client):
    ids = sorted(r for r in parameters().readings if r.startswith("D"))
    assert len(ids) >= 19
    html = client.get("/policy/readings/").content.decode()
    for reading_id in ids:
        assert f"/policy/readings/{reading_id}/" in html
    html = client.get("/policy/readings/D65/").content.decode()
    assert "收齐验收材料" in html and "高政办发〔2021〕1号" in html
