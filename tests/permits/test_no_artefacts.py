"""The approval and accident pages, opened by each of their demo roles, show no developer artefacts outside
the "技术信息" part: no clause or reading codes (C12, E1), no gazette line numbers, no parameter keys, no
environment variable names, no English model labels."""

from __future__ import annotations

import importlib
import re

import pytest

from countyhall.core.models import User

pytestmark = pytest.mark.django_db

ARTEFACTS = re.compile(
    r"(?<![A-Za-z0-9])[A-E]\d{1,2}(?![0-9])|第\s*\d+\s*行|\bline \d+|\b(permit|emergency|canteen|heating)"
    r"\.[a-z_]+|COUNTYHALL_[A-Z_]+|\b(permits|emergency)\.[A-Z][A-Za-z]+\b|Forbidden"
)
TECH = re.compile(r'<details class="tech-info">.*?</details>', re.S)
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


@pytest.fixture
def demo():
    from countyhall.core.demo import demo_load

    demo_load(actor="test-demo")
    for app in ("permits", "emergency"):
        importlib.import_module(f"countyhall.{app}.demo").load(actor="test-demo")


def visible(html: str) -> str:
    # The page's own content: the shared header and demo banner are core's (checked by core's own test).
    main = html[html.find("<main>") :]
    return TAGS.sub(" ", TECH.sub(" ", main))


def _pages(username):
    from countyhall.emergency.models import Incident
    from countyhall.permits.models import Case, Project

    pages = ["/permits/", "/permits/cases/", "/emergency/", "/emergency/drills/", "/emergency/warnings/"]
    user = User.objects.get(username=username)
    from countyhall.permits.selectors import project_list_for_user

    pages += [f"/permits/p/{p.pk}/" for p in project_list_for_user(user)[:5]]
    if username not in ("qiye", "dianchang"):
        pages += ["/permits/desk/", "/permits/credit/", "/permits/reports/", "/permits/limits/"]
    decided = Case.objects.filter(decided_on__isnull=False, project__in=project_list_for_user(user)).first()
    if decided:
        pages.append(f"/permits/p/{decided.project_id}/")
    pages += [f"/emergency/i/{i.pk}/" for i in Incident.objects.all()]
    del Project
    return pages


@pytest.mark.parametrize(
    "username", ["shenpi", "renfang", "ziran", "zhujian", "fagai", "qiye", "yingji", "dianchang", "tianzhen"]
)
def test_no_developer_artefacts_outside_tech_info(client, demo, username):
    client.force_login(User.objects.get(username=username))
    for url in _pages(username):
        response = client.get(url)
        if response.status_code in (403, 404):
            continue
        assert response.status_code == 200, (username, url, response.status_code)
        found = ARTEFACTS.search(visible(response.content.decode()))
        assert found is None, (
            username,
            url,
            found and visible(response.content.decode())[max(found.start() - 60, 0) : found.end() + 40],
        )
