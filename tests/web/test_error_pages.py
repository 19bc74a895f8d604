"""Refusals and missing pages answer in Chinese inside the page shell, with the reason the code gave."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_403_page_is_chinese_with_the_reason(client, make_user):
    client.force_login(make_user("err-minzheng", "civil_affairs"))
    response = client.get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html and "只有审计员可以查阅审计日志。" in html and "高青县政策执行平台" in html
    assert "Forbidden" not in html


def test_404_page_is_chinese(client, make_user):
    client.force_login(make_user("err-town", "town_officer"))
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404 and "未找到" in html and "Resolver404" not in html
    assert "Not Found" not in html


def test_500_page_is_standalone_chinese():
    from django.template.loader import get_template

    html = get_template("500.html").render({})
    assert "系统出错" in html and "{%" not in html
