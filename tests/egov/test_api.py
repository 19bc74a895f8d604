"""The e-government API (/api/v1/egov/…): the pages' scope and predicates — a budget unit sees only its own projects
(another unit's is a 404, the portfolio and the ranking a 403), writes go through the services, every error in the
structured shape naming the field; the OpenAPI document lists the operations."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.egov.models import PerformanceEvaluation
from countyhall.egov.selectors import construction_gates

pytestmark = pytest.mark.django_db
ASPECTS = {"progress": "按计划", "funds": "规范", "operation": "平稳", "effect": "良好"}


def _as(client, user):
    client.force_login(user)
    return client


def test_a_unit_lists_and_reads_only_its_own_projects(client, egov_users, in_plan):
    own, other = in_plan["own"], in_plan["other"]
    _as(client, egov_users["unit"])
    listed = client.get("/api/v1/egov/applications").json()
    assert [a["id"] for a in listed] == [own.pk]
    detail = client.get(f"/api/v1/egov/applications/{own.pk}").json()
    assert detail["unit_name"] == own.unit.name and detail["review"]["cosigned"] is True
    assert [g["code"] for g in detail["gates"]] == [
        "application",
        "admissibility",
        "review",
        "cosign",
        "plan",
        *(g["code"] for g in construction_gates(own)),
    ]
    assert detail["money"] == {
        "planned": "800000.00",
        "approved": "750000.00",
        "baseline": "750000.00",
        "paid": "0.00",
    }
    assert detail["baselines"][0]["version"] == 1
    for path in ("", "/review", "/evaluations", "/ratings"):
        response = client.get(f"/api/v1/egov/applications/{other.pk}{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["field"] == "pk"
    assert client.get("/api/v1/egov/portfolio").status_code == 403
    assert client.get("/api/v1/egov/ranking").json()["error"]["field"] == "actor"


def test_plan_years_plans_and_the_portfolio(client, egov_users, in_plan):
    _as(client, egov_users["finance"])
    assert client.get("/api/v1/egov/plan-years").json()[0]["year"] == 2022
    [plan] = client.get("/api/v1/egov/plans", {"year": 2022}).json()
    assert plan["status"] == "approved" and plan["total"] == "1250000.00" and len(plan["entries"]) == 2
    assert client.get("/api/v1/egov/plans", {"year": "20x2"}).json()["error"]["field"] == "year"
    portfolio = client.get("/api/v1/egov/portfolio", {"year": 2022}).json()
    assert portfolio["year"] == 2022 and len(portfolio["projects"]) == 2
    assert client.get("/api/v1/egov/portfolio", {"year": 2030}).status_code == 404
    assert client.get("/api/v1/egov/applications", {"status": "nope"}).json()["error"]["field"] == "status"


def test_evaluations_through_the_api_with_the_services_refusals(client, egov_users, in_plan, figures):
    own = in_plan["own"]
    url = f"/api/v1/egov/applications/{own.pk}/evaluations"
    body = {"evaluated_on": "2022-06-01", "score": "86", "verdict": "adequate", **ASPECTS}
    refused = _as(client, egov_users["unit"]).post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "actor"
    _as(client, egov_users["bigdata"])
    bad = client.post(url, {**body, "score": "101"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "score"
    missing = client.post(url, {**body, "progress": ""}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "progress"
    assert not PerformanceEvaluation.objects.exists()
    made = client.post(url, body, content_type="application/json")
    assert made.status_code == 201 and made.json()["scale_max"] == 100
    assert _as(client, egov_users["unit"]).get(url).json()[0]["score"] == "86.00"
    rating = _as(client, egov_users["bigdata"]).post(
        f"/api/v1/egov/applications/{own.pk}/ratings",
        {
            "kind": "supervisor",
            "supplier": "甲监理",
            "score": "90",
            "rated_on": "2022-06-01",
            "note": "履约良好",
        },
        content_type="application/json",
    )
    assert rating.status_code == 201
    ranking = client.get("/api/v1/egov/ranking", {"as_of": "2022-06-15"}).json()
    assert ranking["min_projects"] == 2 and ranking["rows"][0]["rank"] is None
    assert client.get("/api/v1/egov/ranking", {"as_of": "2022-02-30"}).json()["error"]["field"] == "as_of"
    assert client.get("/api/v1/egov/ranking", {"as_of": dt.date(2022, 7, 1).isoformat()}).status_code == 400


def test_the_schema_lists_the_egov_operations(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"/api/v1/egov/applications/{id}", "/api/v1/egov/portfolio", "/api/v1/egov/ranking"} <= set(paths)
