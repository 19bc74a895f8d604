"""The approval API: same scope as the pages, structured errors, services underneath."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from countyhall.core.models import Organisation
from countyhall.permits.models import Case

pytestmark = pytest.mark.django_db


def test_register_apply_review_and_decide_through_the_api(world, make_user):
    users = world["users"]
    api = APIClient()
    api.force_authenticate(users["approval"])
    response = api.post(
        "/api/v1/permits/projects",
        {
            "code": "2022-370322-44-03-000009",
            "name": "化工新材料厂房",
            "category": "social_industrial",
            "site": world["project"].site_id,
            "applicant": world["project"].applicant_id,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    duplicate = api.post(
        "/api/v1/permits/projects",
        {
            "code": "2022-370322-44-03-000009",
            "name": "重复",
            "category": "social_industrial",
            "site": world["project"].site_id,
            "applicant": world["project"].applicant_id,
        },
        format="json",
    )
    assert duplicate.status_code == 400 and duplicate.json()["error"]["field"] == "code"

    firm = make_user("firm-api", "applicant_firm")
    firm.organisation = world["project"].applicant
    firm.save()
    api.force_authenticate(firm)
    project_id = world["project"].pk
    applied = api.post(f"/api/v1/permits/projects/{project_id}/apply", {"stage": "立项用地规划许可"})
    assert (
        applied.status_code == 201
        and applied.json()["status"] == "submitted"
        and applied.json()["clock"] is None
    )
    case_id = applied.json()["id"]
    refused = api.post(f"/api/v1/permits/cases/{case_id}/accept")
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "actor"

    api.force_authenticate(users["resources"])
    accepted = api.post(f"/api/v1/permits/cases/{case_id}/accept").json()
    assert accepted["status"] == "in_review" and accepted["clock"]["limit"] == 10
    bad = api.post(f"/api/v1/permits/cases/{case_id}/opinion", {"opinion": "refuse"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "reasons"
    api.post(f"/api/v1/permits/cases/{case_id}/opinion", {"opinion": "approve"}, format="json")
    desk = api.get("/api/v1/permits/desk").json()
    assert [row["case"] for row in desk["answered"]] == [case_id]
    api.force_authenticate(users["approval"])
    api.post(f"/api/v1/permits/cases/{case_id}/opinion", {"opinion": "approve"}, format="json")
    api.force_authenticate(users["resources"])
    # No default outcome: a decision without `approve` is refused, in JSON and in a form post alike.
    assert api.post(f"/api/v1/permits/cases/{case_id}/decide", {}, format="json").status_code == 400
    assert api.post(f"/api/v1/permits/cases/{case_id}/decide", {"reasons": "x"}).status_code == 400
    assert Case.objects.get(pk=case_id).status == "in_review"
    decided = api.post(f"/api/v1/permits/cases/{case_id}/decide", {"approve": True}, format="json").json()
    assert decided["status"] == "approved" and Case.objects.get(pk=case_id).status == "approved"

    other = make_user("firm-api-2", "applicant_firm")
    other.organisation = Organisation.objects.create(
        name="无关公司", kind="enterprise", division=world["project"].site
    )
    other.save()
    api.force_authenticate(other)
    assert api.get("/api/v1/permits/projects").json() == []
    assert api.get(f"/api/v1/permits/projects/{project_id}").status_code == 404
    assert (
        api.post(f"/api/v1/permits/cases/{case_id}/decide", {"approve": True}, format="json").status_code
        == 404
    )
    api.force_authenticate(firm)
    detail = api.get(f"/api/v1/permits/projects/{project_id}").json()
    assert detail["cases"][0]["clock"]["used"] >= 0 and len(detail["cases"][0]["reviews"]) == 2


def test_api_refuses_other_roles(make_user):
    api = APIClient()
    api.force_authenticate(make_user("canteen-api", "canteen_operator"))
    response = api.get("/api/v1/permits/projects")
    assert response.status_code == 403 and "error" in response.json()
