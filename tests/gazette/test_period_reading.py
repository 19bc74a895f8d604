"""“One year less a day” as a governed reading (P2, countyhall/parameters/gazette.yaml): the probation and
secondment ends follow the answer in force, the to-dos and the person page cite it, an administrator sees it on
the readings page and changes it with four eyes (impact preview, ends rebuilt on approval, audited)."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.models import AuditEntry
from countyhall.core.policy import parameters
from countyhall.core.roles import Role
from countyhall.gazette import register
from countyhall.gazette.models import PostMembership


@pytest.mark.parametrize(
    ("start", "adopted", "alternative"),
    [
        (dt.date(2021, 8, 25), dt.date(2022, 8, 24), dt.date(2022, 8, 25)),
        (dt.date(2021, 1, 31), dt.date(2022, 1, 30), dt.date(2022, 1, 31)),
        (dt.date(2020, 2, 29), dt.date(2021, 2, 27), dt.date(2021, 2, 28)),  # no 29 February in 2021
    ],
)
def test_period_end_by_answer(start, adopted, alternative):
    assert register.period_end(start, 12) == adopted
    assert register.period_end(start, 12, answer="adopted") == adopted
    assert register.period_end(start, 12, answer="alternative") == alternative


def test_p2_is_a_declared_reading_with_both_answers():
    reading = parameters().reading(register.PERIOD_END_READING)
    assert "高政任〔2021〕5号" in reading.question and "试用期一年" in reading.question
    assert "2022年8月24日" in reading.text and "2022年8月25日" in reading.alternative
    assert reading.source_file == "gazette.yaml"


@pytest.mark.django_db
def test_the_readings_page_shows_p2_under_the_gazette(client, make_user):
    client.force_login(make_user("p2-admin", Role.SYSTEM_ADMIN))
    listing = client.get("/policy/readings/").content.decode()
    assert "试用期一年" in listing and "/policy/readings/P2/" in listing
    detail = client.get("/policy/readings/P2/").content.decode()
    assert "对应日的前一日" in detail and "2022年8月25日" in detail


@pytest.mark.django_db
def test_the_todos_and_the_person_page_cite_the_reading(settings, make_user, client):
    from countyhall.gazette.todos import todos

    settings.BUSINESS_DATE = dt.date(2022, 8, 1)
    admin = make_user("p2-keeper", Role.SYSTEM_ADMIN)
    [item] = [t for t in todos(admin) if "杨凡" in t.label and "试用期满" in t.label]
    assert "按解读“期满日为对应日的前一日”" in item.label
    html = client.get("/gazette/people/杨凡/").content.decode()
    assert 'id="period-reading"' in html and "/policy/readings/P2/" in html


@pytest.mark.django_db
def test_the_other_answer_approved_moves_the_ends(make_user, settings):
    from countyhall.core.services.policy import (
        governed_refresh,
        policy_change_approve,
        policy_change_impact,
        policy_change_propose,
    )
    from countyhall.gazette.todos import todos

    first = make_user("p2-first", Role.SYSTEM_ADMIN)
    second = make_user("p2-second", Role.SYSTEM_ADMIN)
    change = policy_change_propose(
        actor=first,
        kind="reading",
        key="P2",
        value="alternative",
        valid_from=dt.date(2021, 1, 1),
        reason="组织部门答复：起算日不计入",
    )
    tables = [t for t in policy_change_impact(change=change) if "期间如何计算" in t.get("title", "")]
    [table] = tables
    rows = {(r[0], r[2]): r for r in table["rows"]}
    assert rows[("杨凡 县工业和信息化局副局长", "试用期满")][3:] == ["2022年8月24日", "2022年8月25日"]
    assert rows[("徐凤 县农业农村局副局长", "挂职期满")][4] == "2022年8月25日"
    policy_change_approve(actor=second, change=change)
    governed_refresh(force=True)  # what the approval's commit does (on_commit does not run inside a test)
    yang = PostMembership.objects.get(person="杨凡", post="县工业和信息化局副局长")
    assert yang.probation_end == dt.date(2022, 8, 25)
    assert PostMembership.objects.get(person="徐凤").term_end == dt.date(2022, 8, 25)
    assert AuditEntry.objects.filter(object_type="gazette.memberships", object_id="P2").exists()
    settings.BUSINESS_DATE = dt.date(2022, 8, 1)
    [item] = [t for t in todos(second) if "杨凡" in t.label and "试用期满" in t.label]
    assert "2022年8月25日" in item.label and "按解读“期满日为对应日”" in item.label
