"""The heating demo shows the issue-12 pages: to-dos, notices, corrections, names; every page opens per role."""

from __future__ import annotations

import re

import pytest

from countyhall.core.identity import mask_name

pytestmark = pytest.mark.django_db

TECH_INFO = re.compile(r'<details class="tech-info">.*?</details>', re.S)
ARTEFACTS = [
    re.compile(r"(?<![A-Za-z0-9])[A-E]\d{1,2}(?![0-9])"),
    re.compile(r"第\s*\d+\s*行"),
    re.compile(r"heating\.[a-z_]+"),
    re.compile(r"\b(gas|biomass|draft|approved|returned)\b"),
]


def assert_no_developer_artefacts(html: str, url: str) -> None:
    """Reading ids (B4), line numbers, parameter keys and method/status codes only inside 技术信息."""
    body = html.split("<main", 1)[-1]
    text = re.sub(r"<[^>]+>", " ", TECH_INFO.sub("", body))
    for pattern in ARTEFACTS:
        found = pattern.search(text)
        assert found is None, (url, found.group(0), text[max(found.start() - 60, 0) : found.end() + 60])


@pytest.fixture
def demo():
    from countyhall.core.demo import demo_load
    from countyhall.heating.demo import load

    demo_load(actor="test-demo")
    return load(actor="test-demo")


def test_demo_shows_todos_notices_and_corrections(demo, client):
    from countyhall.core.models import User
    from countyhall.core.notifications import OutboxMessage
    from countyhall.heating.models import Claim, Correction, Household
    from countyhall.heating.todos import todos

    assert any("退回" in line for line in demo)
    zhujian, caizheng, qingcheng = (
        User.objects.get(username=u) for u in ("zhujian", "caizheng", "qingcheng")
    )
    assert "财政局退回、待更正重报的补贴申领" in {t.label for t in todos(zhujian)}
    assert "未登记采暖设备的改造户" in {t.label for t in todos(zhujian)}
    assert "待审定的清洁取暖补贴申领" in {t.label for t in todos(caizheng)}
    assert "本镇（街道）台账核查发现的问题" in {t.label for t in todos(qingcheng)}
    assert OutboxMessage.objects.filter(
        organisation=zhujian.organisation, subject__contains="被退回"
    ).exists()
    assert OutboxMessage.objects.filter(
        organisation=caizheng.organisation, subject__contains="待审定"
    ).exists()
    assert Correction.objects.count() >= 2
    returned = Claim.objects.get(status="returned")
    pages = [
        "/heating/",
        "/heating/ledger/",
        "/heating/money/",
        "/heating/money/?period=2021-2022",
        "/heating/claims/",
        f"/heating/claims/{returned.pk}/",
        "/heating/setup/",
    ]
    pages += [f"/heating/households/{h.pk}/" for h in Household.objects.all()]
    for username in ("zhujian", "caizheng", "qingcheng", "tianzhen", "auditor"):
        client.force_login(User.objects.get(username=username))
        for url in pages:
            response = client.get(url)
            expected = (200, 404) if "/households/" in url and username == "tianzhen" else (200,)
            assert response.status_code in expected, (username, url)
            if response.status_code == 200:
                assert_no_developer_artefacts(response.content.decode(), url)
    client.force_login(caizheng)
    html = client.get("/heating/ledger/").content.decode()
    assert mask_name("高振东（示例）") in html and "高振东" not in html
