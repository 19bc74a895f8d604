"""A NUL character in any parameter is refused with 400 naming the field (PostgreSQL cannot hold NUL in text,
so these paths answered 500 there)."""

from __future__ import annotations

import pytest

from countyhall.core.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/gazette/?q=%00",
        "/gazette/?q=%E5%85%BB%E8%80%81%00",
        "/gazette/personnel/?person=%00",
        "/gazette/export.xlsx?kind=%00",
    ],
)
def test_nul_in_a_gazette_query_is_a_400_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    html = response.content.decode()
    assert "空字符" in html and "请求有误" in html
    assert client.get(path.replace("%00", "")).status_code == 200  # the same query without NUL works


@pytest.mark.django_db
def test_the_page_names_the_field(client):
    html = client.get("/gazette/?kind=&q=%00").content.decode()
    assert "q：" in html


@pytest.mark.django_db
def test_nul_in_an_api_query_is_a_json_400(client):
    response = client.get("/api/v1/gazette/documents?q=a%00b")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "field": "q",
        "message": "含有不允许的空字符（NUL），请删除后重新提交。",
    }


@pytest.mark.django_db
def test_nul_in_a_parameter_name_is_refused(client):
    response = client.get("/gazette/?q%00x=1")
    assert response.status_code == 400


@pytest.mark.django_db
def test_nul_in_a_posted_field_is_refused(client, make_user):
    make_user("poster", Role.FINANCE)
    response = client.post("/accounts/login/", {"username": "poster\x00", "password": "x"})
    assert response.status_code == 400
    assert "username" in response.content.decode()


@pytest.mark.django_db
def test_nul_in_a_signed_in_search_is_refused(client, make_user, people):
    client.force_login(make_user("nul-search", Role.CIVIL_AFFAIRS))
    assert client.get("/people/", {"q": "张\x00"}).status_code == 400
    assert client.get("/api/v1/people", {"q": "\x00"}).status_code == 400


@pytest.mark.django_db
def test_nul_in_a_json_body_is_refused_naming_the_key(client):
    response = client.post(
        "/api/v1/calc/calendar.add_working_days",
        data='{"start": "2022-06-15", "items": [{"note": "a\\u0000"}]}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "items[0].note"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/people/?division=%C2%B2",
        "/api/v1/people?division=%C2%B2",
        "/canteens/lunches/?facility=%C2%B2",
        "/canteens/lunches/?page=%C2%B2",
        "/canteens/late-entries/?facility=%C2%B2",
        "/permits/reports/?lead=%C2%B2",
        "/emergency/drills/?year=%C2%B2",
    ],
)
def test_unicode_digits_are_a_400_not_a_500(client, make_user, url):
    # "²".isdigit() is True but int("²") raises: every integer parameter must accept ASCII digits only.
    role = {"/canteens": "civil_affairs", "/permits": "approval", "/emergency": "development"}.get(
        url[: url.index("/", 1)], "civil_affairs"
    )
    client.force_login(make_user(f"digits-{abs(hash(url))}", role))
    assert client.get(url).status_code in (400, 403, 404)
