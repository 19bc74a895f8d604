"""The canteen demo as its users meet it: each role's to-dos, names instead of numbers, corrections with their
history, no developer artefacts outside the 技术信息 part (issue 12)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

# What must not show outside <details class="tech-info">: reading ids, seed line numbers, parameter keys,
# English model labels (the shared check in tests/web covers every program; this one keeps the canteens honest).
ARTEFACTS = re.compile(
    r"(?<![A-Za-z0-9])[A-E]\d{1,2}(?![0-9A-Za-z])|第\s?\d+\s?行|canteen\.[a-z_]+|canteens\.[A-Z]"
    r"|\b(?:mon|tue|wed|thu|fri|sat|sun|Forbidden)\b"
)


@pytest.fixture
def demo():
    from countyhall.canteens import demo as canteen_demo
    from countyhall.core.demo import demo_load

    demo_load(actor="test-demo")
    return canteen_demo.load(actor="test-demo")


def _visible(html: str) -> str:
    html = re.sub(r'<details class="tech-info">.*?</details>', "", html, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def _login(client, username):
    from countyhall.core.models import User

    client.force_login(User.objects.get(username=username))


def test_each_role_is_told_what_waits(demo):
    from countyhall.canteens.todos import todos
    from countyhall.core.models import User

    def labels(name):
        return {t.label: t for t in todos(User.objects.get(username=name))}

    assert "待民政局审核的助餐结算单" in labels("minzheng")  # sent back by 财政
    assert "待审核的午餐补录申请" in labels("minzheng")
    assert labels("caizheng")["待财政局审定的助餐结算单"].count == 1
    operator = labels("shitang")
    assert operator["被退回、待更正后重新提交的结算单"].urgent


def test_the_operator_reads_the_send_back_in_its_inbox(demo):
    from countyhall.canteens.models import Facility
    from countyhall.core.notifications import OutboxMessage

    rural = Facility.objects.get(name="青城镇河口村长者食堂")
    subjects = list(
        OutboxMessage.objects.filter(organisation=rural.operator, channel="in_app").values_list(
            "subject", flat=True
        )
    )
    assert any("结算单已退回" in s for s in subjects)


@pytest.mark.parametrize("username", ["shitang", "qingcheng", "tianzhen", "minzheng", "caizheng"])
def test_canteen_pages_show_names_and_no_artefacts(demo, client, username):
    from countyhall.canteens.models import Facility, Settlement

    _login(client, username)
    rural = Facility.objects.get(name="青城镇河口村长者食堂")
    urls = [
        "/canteens/",
        "/canteens/facilities/",
        "/canteens/lunches/",
        "/canteens/settlements/",
        "/canteens/late-entries/",
        "/canteens/subsidies/",
        "/canteens/public/",
    ]
    if username in ("qingcheng", "tianzhen", "minzheng"):
        urls += ["/canteens/elders/", "/canteens/fraud/"]
    if username in ("shitang", "qingcheng", "minzheng"):
        urls += [f"/canteens/facilities/{rural.pk}/", f"/canteens/facilities/{rural.pk}/counter/"]
    settlement = Settlement.objects.filter(facility__in=Facility.objects.all()).first()
    if username in ("minzheng", "caizheng"):
        urls.append(settlement.get_absolute_url())
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found = ARTEFACTS.findall(_visible(response.content.decode()))
        assert not found, (url, found[:5])


def test_lunch_list_names_elders_masked_for_the_operator(demo, client):
    _login(client, "shitang")
    html = client.get("/canteens/lunches/").content.decode()
    assert "孙*芳（**）" in html and "河口村" in html and "孙桂芳" not in html
    _login(client, "qingcheng")
    assert "孙桂芳（示例）" in client.get("/canteens/lunches/").content.decode()


def test_elder_page_shows_the_corrections(demo, client):
    from countyhall.canteens.models import Elder

    _login(client, "qingcheng")
    elder = Elder.objects.get(person__name="周长林（示例）")
    html = client.get(elder.get_absolute_url()).content.decode()
    assert "撤销死亡登记" in html and "误报" in html and "→" in html


def test_public_finder_has_chinese_weekdays_and_prices(demo, client):
    html = client.get("/canteens/public/").content.decode()
    assert "星期一" in html and "米饭 西红柿炒蛋" in html and "午餐 ¥8.00" in html
    assert not ARTEFACTS.findall(_visible(html))


def test_public_subsidy_section_by_age_band(demo, rf):
    from django.template.loader import render_to_string

    from countyhall.canteens.public import public_sections

    [section] = public_sections(rf.get("/subsidies/"))
    html = render_to_string(section["template"], section["context"])
    assert "60—79周岁" in html and "¥2.00" in html and "80周岁以上" in html and "¥3.00" in html
    assert "高政办发〔2021〕2号" in html and 'class="citation"' in html
