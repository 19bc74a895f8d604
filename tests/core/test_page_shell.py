"""The page shell: Chinese everywhere (demo banner, CSRF refusal), the API docs only for administrators,
landmarks and a skip link."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_shell_is_chinese_and_accessible(client, make_user):
    client.force_login(make_user("shell-clerk", "civil_affairs"))
    html = client.get("/").content.decode()
    assert '<html lang="zh-CN">' in html and 'href="#main"' in html and '<main id="main"' in html
    assert 'aria-label="主菜单"' in html
    assert "COUNTYHALL_" not in html  # the demo banner names no environment variable
    assert "/api/docs/" not in html  # the API documentation is for administrators


def test_api_docs_link_for_administrators(client, make_user):
    admin = make_user("shell-admin", "system_admin")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    html = client.get("/").content.decode()
    assert "/api/docs/" in html and "/outbox/" in html


def test_csrf_refusal_is_chinese(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("shell-csrf", "civil_affairs"))
    response = client.post("/notices/read-all/")
    text = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in text and "Forbidden" not in text


def test_header_shows_name_and_role_without_nested_brackets(client, make_user):
    """Demo names carry （示例） and the firm's role label is 建设单位（申请人）: the header read
    "建设单位经办人（示例）（建设单位（申请人））"."""
    user = make_user("shell-firm", "applicant_firm")
    user.display_name = "建设单位经办人（示例）"
    user.save()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "建设单位经办人（示例） · 建设单位（申请人）" in html
    assert "（建设单位（申请人））" not in html
