"""No developer artefacts on the pages people use (issue 12): signed in as every demo user in turn, the menu
pages (and one detail page per list) show no reading id (A8, C12), no seed line (第1281行, line 1229), no
parameter key (canteen.lunch…), no Django model label (canteens.Elder), no environment variable name and none of
the English words that leaked before (mon/tue, Forbidden, None/True/False) — outside the folded “技术信息” part
(`<details class="tech-info">`), where such details belong.

Core's pages must pass. Pages of a program that still fail are listed in PROGRAM_PAGES_PENDING (each program's
helper fixes its pages; the coordinator empties the list after the merge): they make the test xfail, never
pass silently, and a program page failing that is not listed fails the test.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

PARAMETERS = Path(__file__).resolve().parents[2] / "countyhall" / "parameters"
PROGRAM_PREFIXES = ("/canteens/", "/heating/", "/permits/", "/emergency/", "/gazette/")
# Path prefixes of program pages that fail on the ux-core branch before the program helpers' merge (any user), with
# what they showed there. The coordinator removes an entry once its program's fixes are merged.
PROGRAM_PAGES_PENDING: dict[str, str] = {}
SKIPPED = ("/admin/", "/api/")  # Django's admin and the API docs are administrators' tools, not daily pages
ENGLISH_WORDS = re.compile(
    r"(?<![A-Za-z])(?:(?i:mon|tue|wed|thu|fri|sat|sun)|Forbidden|Not Found|None|True|False)"
    r"(?![A-Za-z])"
)
SEED_LINE = re.compile(r"第\s*\d+\s*行|(?i:line)\s*\d+|行号|(?<![A-Za-z])L\d{3,5}(?!\d)")
ENV_VAR = re.compile(r"(?<![A-Za-z])(?:COUNTYHALL|DJANGO)_[A-Z_]+")


class VisibleText(HTMLParser):
    """The text a person sees: no script/style, no attribute values, and nothing inside a tech-info details."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self._skip = 0

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "area", "base", "source", "wbr"}

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in ("script", "style", "template") or (tag == "details" and "tech-info" in classes)
        self._stack.append((tag, hidden))
        if hidden:
            self._skip += 1

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, hidden = self._stack.pop()
            if hidden:
                self._skip -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


@cache
def _vocabulary():
    from django.apps import apps

    readings, keys = set(), set()
    for path in PARAMETERS.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        readings |= set(data.get("readings") or {})
        for name in data.get("parameters") or {}:
            parts = name.split(".")
            keys |= {".".join(parts[:n]) for n in range(2, len(parts) + 1)}
    labels = {model._meta.label for model in apps.get_models()}
    # Reading ids from the YAML and POLICIES.md's section ids (A1 … E12), as tokens of their own.
    reading = re.compile(
        r"(?<![A-Za-z0-9])(?:[A-E]\d{1,2}|" + "|".join(map(re.escape, sorted(readings))) + r")(?![A-Za-z0-9])"
    )
    key = re.compile(
        r"(?<![A-Za-z0-9_.])(?:"
        + "|".join(map(re.escape, sorted(keys, key=len, reverse=True)))
        + r")(?![A-Za-z0-9_])"
    )
    label = re.compile(
        r"(?<![A-Za-z0-9_.])(?:" + "|".join(map(re.escape, sorted(labels))) + r")(?![A-Za-z0-9_])"
    )
    return reading, key, label


def artefacts(text: str) -> list[str]:
    """What a person should not see in `text`, each as "kind: match"."""
    reading, key, label = _vocabulary()
    found = []
    for kind, pattern in (
        ("解读编号", reading),
        ("公报行号", SEED_LINE),
        ("参数键", key),
        ("模型标签", label),
        ("环境变量", ENV_VAR),
        ("英文", ENGLISH_WORDS),
    ):
        for match in pattern.finditer(text):
            start = max(0, match.start() - 15)
            found.append(f"{kind} “{match.group(0)}” in …{text[start : match.end() + 15]}…")
    return found


def test_the_check_sees_what_it_should():
    html = (
        "<p>依据 A8（第1281行），参数 canteen.lunch_subsidy，对象 canteens.Elder，COUNTYHALL_BUSINESS_DATE，mon，"
        'None</p><details class="tech-info"><summary>技术信息</summary>B4 第12行 heating.gas</details>'
        '<p title="A13">张秀英 2022-370322-26-03-000123 370322194805120019</p>'
    )
    found = artefacts(VisibleText.of(html))
    kinds = {item.split(" ")[0] for item in found}
    assert kinds == {"解读编号", "公报行号", "参数键", "模型标签", "环境变量", "英文"}, found
    assert not any("B4" in item or "A13" in item for item in found)


@pytest.fixture
def demo(db, settings):
    from countyhall.core.demo import demo_load
    from countyhall.core.programs import registered_programs

    demo_load(actor="test-demo")
    for program in registered_programs():
        program.demo_load(actor="test-demo")


def _links(html: str, prefix: str) -> list[str]:
    return [
        href
        for href in re.findall(r'href="([^"#?]+)"', html)
        if href.startswith(prefix) and re.search(r"/\d+/$", href) and href != prefix
    ]


def _check(client, url: str) -> tuple[int, list[str], str]:
    response = client.get(url)
    html = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
    return response.status_code, artefacts(VisibleText.of(html)) if html else [], html


def test_no_developer_artefacts_on_any_role_page(demo, client):
    from countyhall.core.context_processors import navigation_for
    from countyhall.core.demo import USERS as DEMO_USERS
    from countyhall.core.models import User

    failures: dict[tuple[str, str], list[str]] = {}
    users = list(User.objects.filter(username__in=[row[0] for row in DEMO_USERS]).order_by("username"))
    assert len(users) >= 17
    for user in [None, *users]:
        name = user.username if user else "（未登录）"
        client.logout()
        if user:
            client.force_login(user)
        pages = [item["url"] for item in navigation_for(user if user else _anonymous())]
        pages += ["/notices/"] if user else ["/subsidies/", "/calc/", "/policy/readings/"]
        seen = set()
        for url in pages:
            if url in seen or url.startswith(SKIPPED):
                continue
            seen.add(url)
            status, found, html = _check(client, url)
            assert status < 500, (name, url, status)
            if found:
                failures[(name, url)] = found
            # One detail page per list, where the list links to one.
            for detail in _links(html, url if url != "/" else "/#")[:1]:
                if detail not in seen:
                    seen.add(detail)
                    _, found, _ = _check(client, detail)
                    if found:
                        failures[(name, detail)] = found
    core = {page: found for page, found in failures.items() if not page[1].startswith(PROGRAM_PREFIXES)}
    programs = {page: found for page, found in failures.items() if page[1].startswith(PROGRAM_PREFIXES)}
    report = "\n".join(
        f"{user} {url}: {'; '.join(found[:5])}" for (user, url), found in sorted(failures.items())
    )
    assert not core, "core pages show developer artefacts:\n" + report
    unexpected = {page for page in programs if not page[1].startswith(tuple(PROGRAM_PAGES_PENDING))}
    assert not unexpected, "program pages show developer artefacts:\n" + report
    if programs:
        pytest.xfail("program pages pending their helpers' fixes:\n" + report)


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
