"""What the walk of issue 14 found on the e-government pages, signed in as each of 1号's users: each test is one
finding, fixed (the gates' state codes on the project and portfolio pages, the templates page's title, …)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.web.test_no_developer_artefacts import VisibleText

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return VisibleText.of(response.content.decode())


def test_the_construction_gates_show_their_state_in_words_not_codes(client, egov_users, planned):
    """The project's 各环节与绩效 page and the portfolio showed "open", "n/a" and "refused" for the construction
    gates (the construction selectors' codes, which the portfolio's labels did not know)."""
    application = planned()
    for role in ("bigdata", "unit"):
        text = _text(
            _login(client, egov_users[role]).get(reverse("egov:performance-project", args=[application.pk]))
        )
        gates = text[text.index("各环节及证据") : text.index("投资")]
        assert not re.search(r"(?<![A-Za-z])(open|refused|n/a)(?![A-Za-z])", gates), gates
        assert "采购文件经县大数据局审核 待办理" in gates and "不适用" in gates
    text = _text(_login(client, egov_users["bigdata"]).get(reverse("egov:portfolio")))
    assert "采购文件经县大数据局审核：待办理" in text and not re.search(r"：(open|refused|n/a)", text)


def test_the_templates_page_title_is_its_name_only(client, egov_users):
    """The templates page's <title> held the whole 附件7 checklist section, HTML tags included (a merge left it in
    the title block as well as the content)."""
    html = _login(client, egov_users["bigdata"]).get(reverse("egov:templates")).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("申报材料模板") and "<" not in title and "checklist" not in title
    assert html.count('id="checklist-title"') == 1
