"""Signing in: repeated failures lock the username and the address (django-axes), an administrator unlocks;
the API takes no HTTP Basic passwords."""

from __future__ import annotations

import base64

import pytest
from django.conf import settings

from countyhall.core.models import User
from countyhall.core.roles import Role

LOGIN = "/accounts/login/"
PASSWORD = "pw-for-tests-1"


def attempt(client, username, password, address="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, username, address="10.1.1.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, username, "wrong-password", address)


def test_throttling_settings_come_from_the_environment_with_defaults():
    assert settings.AXES_ENABLED is True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    # Each parameter on its own: a username is locked wherever the guesses come from, and an address is
    # locked whichever usernames it tries.
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


@pytest.mark.django_db
def test_repeated_failures_lock_even_the_right_password(client, make_user):
    make_user("victim", Role.FINANCE)
    first = attempt(client, "victim", "wrong-password")
    assert first.status_code == 200 and "用户名或密码不正确" in first.content.decode()
    fail_until_locked(client, "victim")
    response = attempt(client, "victim", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂时锁定" in html and "30 分钟" in html and "系统管理员" in html
    assert client.get("/").status_code == 302  # not signed in


@pytest.mark.django_db
def test_a_locked_username_is_locked_from_another_address(client, make_user):
    make_user("victim", Role.FINANCE)
    fail_until_locked(client, "victim", "10.1.1.1")
    assert attempt(client, "victim", PASSWORD, "10.2.2.2").status_code == 429


@pytest.mark.django_db
def test_a_locked_address_is_locked_for_other_usernames(client, make_user):
    make_user("victim", Role.FINANCE)
    make_user("colleague", Role.FINANCE)
    fail_until_locked(client, "victim", "10.1.1.1")
    assert attempt(client, "colleague", PASSWORD, "10.1.1.1").status_code == 429


@pytest.mark.django_db
def test_another_user_from_another_address_is_not_locked(client, make_user):
    make_user("victim", Role.FINANCE)
    make_user("colleague", Role.FINANCE)
    fail_until_locked(client, "victim", "10.1.1.1")
    assert attempt(client, "colleague", PASSWORD, "10.2.2.2").status_code == 302
    assert client.get("/").status_code == 200  # signed in


@pytest.mark.django_db
def test_an_administrator_unlocks_in_the_admin(client, make_user):
    from axes.models import AccessAttempt

    make_user("victim", Role.FINANCE)
    fail_until_locked(client, "victim")
    assert attempt(client, "victim", PASSWORD).status_code == 429
    admin = User.objects.create_superuser(username="root-admin", password="admin-pw-1")
    staff = client_class_for_admin(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "victim" in listing.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="victim").values_list("pk", flat=True))
    assert attempts
    response = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="victim").exists()
    assert attempt(client, "victim", PASSWORD).status_code == 302


def client_class_for_admin(admin):
    from django.test import Client

    staff = Client()
    staff.force_login(admin)  # force_login bypasses authenticate(), and so the lockout, as intended for tests
    return staff


@pytest.mark.django_db
def test_api_refuses_http_basic_passwords(client, make_user, people):
    make_user("basic-user", Role.CIVIL_AFFAIRS)
    header = "Basic " + base64.b64encode(f"basic-user:{PASSWORD}".encode()).decode()
    response = client.get("/api/v1/people", HTTP_AUTHORIZATION=header)
    assert response.status_code in (401, 403)
    assert (
        "rest_framework.authentication.BasicAuthentication"
        not in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    )
    # sessions and terminal tokens still work
    from rest_framework.authtoken.models import Token

    user = User.objects.get(username="basic-user")
    token = Token.objects.create(user=user)
    assert client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    client.force_login(user)
    assert client.get("/api/v1/people").status_code == 200


def test_client_address_behind_a_proxy(rf, settings):
    from countyhall.core.middleware import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 172.16.0.9")
    settings.COUNTYHALL_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"  # without a declared proxy the header is not trusted
    settings.COUNTYHALL_PROXY_COUNT = 1
    assert client_ip(request) == "172.16.0.9"
    settings.COUNTYHALL_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"
