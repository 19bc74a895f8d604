"""What the page walk of each demo role found (session 20), one page test per fix."""

from __future__ import annotations

import pytest

from countyhall.canteens.services.lunches import DEFAULT_BACKDATE_DAYS
from countyhall.core.policy import parameters


@pytest.mark.django_db
def test_the_readings_page_names_the_program_of_every_reading_and_figure(client):
    """1号's readings (egov.yaml) were listed with an empty 所属 cell: the egov program did not declare its file."""
    from countyhall.core.clock import business_date
    from countyhall.core.selectors.policy import governed_overview

    overview = governed_overview(on=business_date())
    assert all(item.program for item in overview["readings"]), [
        item.reading.id for item in overview["readings"] if not item.program
    ]
    assert all(f.program for f in overview["figures"])
    assert "电子政务项目" in client.get("/policy/readings/").content.decode()


@pytest.mark.django_db
def test_an_unentered_figure_with_a_fallback_says_what_applies(client):
    """补录期限 not yet entered: the page said calculations would report no policy in force, while the counters
    work with the platform's 3 days (services/lunches.py)."""
    assert f"{DEFAULT_BACKDATE_DAYS} 天" in parameters().parameters["canteen.backdate_days"].unentered
    html = client.get("/policy/parameters/canteen.backdate_days/").content.decode()
    assert "尚未录入" in html and f"平台默认的 {DEFAULT_BACKDATE_DAYS} 天" in html
    assert "没有有效的政策规定" not in html.split("变更记录")[0]
    # A figure with no fallback keeps the warning.
    html = client.get("/policy/parameters/heating.biomass_stove.payment_policy/").content.decode()
    assert "没有有效的政策规定" in html


def test_times_and_dates_in_text_are_chinese():
    """The pages and messages wrote 2022-06-15 02:36 (the to-do deadline, the proposal's time, the counter's
    refusals, the impact preview); the county reads 2022年6月15日 02:36."""
    import datetime as dt

    from django.template import Context, Template

    from countyhall.core.clock import chinese_date, format_local

    moment = dt.datetime(2022, 6, 14, 18, 36, tzinfo=dt.UTC)
    assert format_local(moment) == "2022年6月15日 02:36"
    assert chinese_date(dt.date(2022, 6, 5)) == "2022年6月5日" and chinese_date(None) == ""
    assert (
        Template("{% load countyhall %}{{ t|local_time }}").render(Context({"t": moment}))
        == "2022年6月15日 02:36"
    )


def test_no_template_formats_a_date_the_iso_way():
    """Every date a page shows goes through the Chinese form ("Y年n月j日"); ISO stays for form values and files."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "countyhall"
    iso = re.compile(r'date:"(?:Y-m-d|m-d)[^"]*"|local_time:"%Y-%m-%d')
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if iso.search(line) and 'value="' not in line
    ]
    assert not found, found


@pytest.mark.django_db
def test_a_pending_change_is_linked_only_for_who_may_open_it(client, make_user):
    """/policy/readings/ linked 有待审核的变更 for every role; the change page answers 403 to all but system
    administrators and auditors."""
    import datetime as dt

    from countyhall.core.services.policy import policy_change_propose

    admin = make_user("walk-admin", "system_admin")
    change = policy_change_propose(
        actor=admin,
        kind="reading",
        key="A13",
        value="alternative",
        valid_from=dt.date(2030, 1, 1),
        reason="上级部门答复按另一种理解执行",
    )
    href = f'href="/policy/changes/{change.pk}/"'
    for who in (None, make_user("walk-clerk", "civil_affairs")):
        if who:
            client.force_login(who)
        listing = client.get("/policy/readings/").content.decode()
        assert "有待审核的变更" in listing and href not in listing
        assert href not in client.get("/policy/readings/A13/").content.decode()
    client.force_login(make_user("walk-auditor", "auditor"))
    assert href in client.get("/policy/readings/").content.decode()
    assert client.get(f"/policy/changes/{change.pk}/").status_code == 200
