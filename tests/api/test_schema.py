"""The OpenAPI document: every operation documents its structured error answers, and answers match it."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _resolve(openapi, schema):
    """The schema with its $refs inlined (the document has no recursive components)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _resolve(openapi, openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
        return {k: _resolve(openapi, v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(openapi, v) for v in schema]
    return schema


def test_every_operation_documents_400_401_403_404_in_the_error_shape(openapi):
    assert openapi["components"]["schemas"]["Error"] == {
        "type": "object",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
    }
    operations = list(_operations(openapi))
    assert len(operations) >= 25
    for path, method, operation in operations:
        for code in ("400", "401", "403", "404"):
            assert code in operation["responses"], (method, path, code)
            content = operation["responses"][code]["content"]["application/json"]["schema"]
            assert content in (ERROR_REF, {"$ref": "#/components/schemas/CalcError"}), (method, path, code)
            assert operation["responses"][code]["description"]


def test_the_hook_keeps_declared_responses_and_gives_bodiless_409_the_error_shape():
    from countyhall.core.api.schema import add_error_responses

    result = {
        "paths": {
            "/x": {
                "post": {
                    "responses": {
                        "200": {"description": "ok"},
                        "404": {"description": "own", "content": {"text/plain": {}}},
                        "409": {"description": "已处理"},
                    }
                },
                "parameters": [],
            }
        }
    }
    responses = add_error_responses(result, None, None, True)["paths"]["/x"]["post"]["responses"]
    assert responses["404"] == {"description": "own", "content": {"text/plain": {}}}
    assert responses["409"]["description"] == "已处理" and responses["409"]["content"]["application/json"]
    assert responses["401"]["content"]["application/json"]["schema"] == ERROR_REF
    assert "422" not in responses
    assert {"Error", "ErrorDetail"} <= set(result["components"]["schemas"])


def test_calc_documents_every_error_and_answers_so(openapi, client):
    calc = openapi["paths"]["/api/v1/calc/{rule}"]["post"]["responses"]
    schema = _resolve(openapi, calc["400"]["content"]["application/json"]["schema"])
    for body in ('{"start": "x", "days": "5"}', "{oops"):
        response = client.post(
            "/api/v1/calc/calendar.add_working_days", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert list(Draft202012Validator(schema).iter_errors(response.json())) == []
    response = client.post("/api/v1/calc/nope", {}, content_type="application/json")
    schema = _resolve(openapi, calc["404"]["content"]["application/json"]["schema"])
    assert (
        response.status_code == 404 and list(Draft202012Validator(schema).iter_errors(response.json())) == []
    )


def test_facility_requirements_answer_matches_its_schema(openapi, client, role_tokens):
    from countyhall.canteens.models import Facility

    operation = openapi["paths"]["/api/v1/canteens/facilities/{id}/requirements"]["get"]
    schema = _resolve(openapi, operation["responses"]["200"]["content"]["application/json"]["schema"])
    facility = Facility.objects.order_by("pk").first()
    response = client.get(
        f"/api/v1/canteens/facilities/{facility.pk}/requirements",
        HTTP_AUTHORIZATION=f"Token {role_tokens['civil_affairs']}",
    )
    assert response.status_code == 200 and response.json()
    assert list(Draft202012Validator(schema).iter_errors(response.json())) == []
    assert {"code", "ok", "message", "citation"} == set(response.json()[0])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people/abc",
        "/api/v1/calendar/2021/x",
        "/api/v1/nothing-here",
        "/api/v1/canteens/facilities/null,null/requirements",
    ],
)
def test_unmatched_api_urls_answer_json_404_in_the_error_shape(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert (
        response.json()["error"]["field"] == "(path)"
        and "接口地址不存在" in response.json()["error"]["message"]
    )


def test_unmatched_page_urls_still_answer_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_bad_token_is_refused_as_documented_on_every_operation(openapi, client):
    """schemathesis's ignored_auth check cannot see a token passed as a header, so it is checked here. DRF
    answers 401 when the first authentication class names a WWW-Authenticate scheme, else 403."""
    for path, method, operation in _operations(openapi):
        url = (
            path.replace("{id}", "1")
            .replace("{rule}", "calendar.add_working_days")
            .replace("{year}", "2021")
            .replace("{month}", "10")
            .replace("{action}", "accept")
            .replace("{name}", "x")
        )
        response = getattr(client, method)(url, HTTP_AUTHORIZATION="Token not-a-token")
        assert response.status_code in (401, 403), (method, path, response.status_code)
        assert set(response.json()["error"]) == {"field", "message"}
        assert str(response.status_code) in operation["responses"], (method, path)


def test_the_schema_endpoint_is_not_an_operation_of_the_api(openapi):
    assert not [path for path in openapi["paths"] if path.startswith("/api/schema")]


@pytest.mark.django_db
def test_check_in_documents_the_refusal_the_conflict_and_the_batch_results(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    single = schema["paths"]["/api/v1/canteens/lunches"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(single)
    assert single["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/RefusedLunch")
    batch = schema["paths"]["/api/v1/canteens/lunches/batch"]["post"]["responses"]["200"]
    assert batch["content"]["application/json"]["schema"]["$ref"].endswith("/BatchCheckInResults")
