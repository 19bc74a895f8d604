"""Governed policy (issue 13): readings and administered figures as dated data an administrator governs — proposed
by one, approved by a second, audited, never reaching back into an approved period — and shown on one page.

The service tests run on a small parameter directory of their own (TEST FIXTURE: the reading "T1" and the figures
below are invented for the tests, not gazette policy); the page tests use the platform's real files."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, PolicyChange
from countyhall.core.policy import ALTERNATIVE, NoPolicyInForce, ParameterError, governed, load_parameter_dir
from countyhall.core.policy.governed import GovernedEntry, GovernedPolicy
from countyhall.core.rules.trace import ParameterTrace

D = dt.date
FIXTURE = """
readings:
  T1:
    question: 测试：每日是否只补贴一次？
    text: 每日只补贴一次。
    alternative: 每次都补贴。
    citation: {document: 高政办发〔2021〕2号, clause: 五、（一）1, line: 1213}
    effects:
      alternative: {test.once_a_day: false, test.subsidy: "2.50"}
parameters:
  test.once_a_day:
    label: 测试：每日一次
    unit: bool
    values:
      - {from: 2021-01-01, to: 2023-12-31, value: true, reading: T1,
         citation: {document: 高政办发〔2021〕2号, clause: 五、（一）1, line: 1213}}
  test.subsidy:
    label: 测试：每餐补贴
    unit: CNY
    values:
      - {from: 2021-01-01, to: 2023-12-31, value: "2.00",
         citation: {document: 高政办发〔2021〕2号, clause: 五、（一）1, line: 1211}}
  test.stove_payment:
    label: 测试：炉具款支付比例
    unit: percent
    administered: true
    citation: {document: 高政办字〔2021〕37号, clause: 四、（二）1, line: 5494}
"""


@pytest.fixture
def policy_dir(tmp_path: Path):
    (tmp_path / "test.yaml").write_text(FIXTURE, encoding="utf-8")
    with override_settings(POLICY_PARAMETER_DIR=tmp_path):
        yield tmp_path


@pytest.fixture
def registry(policy_dir):
    return load_parameter_dir(policy_dir)


# ------------------------------------------------------------------------------------------------ pure lookups


def test_a_reading_in_force_switches_the_figures_it_names(registry):
    on = D(2022, 5, 1)
    assert registry.at("test.once_a_day", on).value is True and registry.answer("T1", on) == "adopted"
    switched = GovernedPolicy().with_entry(
        "reading", "T1", GovernedEntry(valid_from=D(2022, 1, 1), value=ALTERNATIVE, change_id=7)
    )
    with governed.governed_as(switched):
        value = registry.at("test.once_a_day", on)
        assert value.value is False and value.reading == "T1" and value.answer == ALTERNATIVE
        assert registry.at("test.subsidy", on).value == Decimal("2.50")
        # Before the change's date the file's answer holds: a change never reaches back.
        assert registry.at("test.once_a_day", D(2021, 12, 31)).value is True
    assert registry.at("test.once_a_day", on).value is True  # the block's snapshot is gone


def test_an_administered_figure_is_not_in_force_until_entered(registry):
    with pytest.raises(NoPolicyInForce):
        registry.at("test.stove_payment", D(2022, 1, 1))
    entered = GovernedPolicy().with_entry(
        "parameter",
        "test.stove_payment",
        GovernedEntry(valid_from=D(2021, 6, 1), value=Decimal("60"), change_id=3),
    )
    with governed.governed_as(entered):
        value = registry.at("test.stove_payment", D(2022, 1, 1))
        assert value.value == Decimal("60") and value.change_id == 3
        assert value.citation.document == "高政办字〔2021〕37号"  # the clause calling for the figure
        with pytest.raises(NoPolicyInForce):
            registry.at("test.stove_payment", D(2021, 5, 31))


def test_the_trace_records_the_answer_and_the_change_behind_a_figure(policy_dir):
    switched = GovernedPolicy().with_entry(
        "reading", "T1", GovernedEntry(valid_from=D(2022, 1, 1), value=ALTERNATIVE, change_id=11)
    )
    with governed.governed_as(switched):
        trace = ParameterTrace(D(2022, 3, 1))
        assert trace.get("test.once_a_day") is False
        result = trace.result({}).as_json()
    assert result["readings"] == ["T1"] and result["reading_answers"] == {"T1": "alternative"}
    assert result["policy_changes"] == [11]


def test_readings_answered_computes_under_the_other_answer(policy_dir):
    with governed.readings_answered({"T1": ALTERNATIVE}):
        assert ParameterTrace(D(2022, 3, 1)).adopted("T1") is False
    assert ParameterTrace(D(2022, 3, 1)).adopted("T1") is True


@pytest.mark.parametrize(
    "effects, message",
    [
        ("{alternative: {test.nothing: 1}}", "未定义的参数"),
        ("{alternative: {test.subsidy: 2.5}}", "浮点数"),
        ("{sometimes: {test.subsidy: '1.00'}}", "映射"),
    ],
)
def test_effects_are_checked_when_the_files_load(tmp_path, effects, message):
    text = FIXTURE.replace(
        'effects:\n      alternative: {test.once_a_day: false, test.subsidy: "2.50"}', f"effects: {effects}"
    )
    assert text != FIXTURE
    (tmp_path / "test.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_parameter_dir(tmp_path)


def test_an_administered_figure_without_values_names_its_clause(tmp_path):
    (tmp_path / "test.yaml").write_text(
        re.sub(r"    citation: \{document: 高政办字.*\n", "", FIXTURE), encoding="utf-8"
    )
    with pytest.raises(ParameterError, match="citation"):
        load_parameter_dir(tmp_path)


# ------------------------------------------------------------------------------------------------ services


@pytest.fixture
def admins(make_user):
    return make_user("gov-a", "system_admin"), make_user("gov-b", "system_admin")


def _propose(actor, **changes):
    from countyhall.core.services.policy import policy_change_propose

    values = {
        "kind": "reading",
        "key": "T1",
        "value": ALTERNATIVE,
        "valid_from": D(2022, 7, 1),
        "reason": "市民政局答复：每次就餐均补贴",
    }
    values.update(changes)
    return policy_change_propose(actor=actor, **values)


@pytest.mark.django_db
def test_four_eyes_a_change_is_in_force_only_when_a_second_administrator_approves(
    policy_dir, admins, django_capture_on_commit_callbacks
):
    from countyhall.core.policy import parameters
    from countyhall.core.services.policy import governed_refresh, policy_change_approve

    first, second = admins
    change = _propose(first)
    governed_refresh()
    assert parameters().answer("T1", D(2022, 8, 1)) == "adopted"  # proposed is not in force
    with pytest.raises(AccessDenied, match="另一位管理员"):
        policy_change_approve(actor=first, change=change)
    with django_capture_on_commit_callbacks(execute=True):
        policy_change_approve(actor=second, change=change, note="已核对影响")
    assert parameters().answer("T1", D(2022, 8, 1)) == ALTERNATIVE
    assert parameters().answer("T1", D(2022, 6, 30)) == "adopted"
    assert parameters().at("test.subsidy", D(2022, 8, 1)).value == Decimal("2.50")
    change.refresh_from_db()
    assert change.state == "approved" and change.decided_by == second
    notes = list(
        AuditEntry.objects.filter(object_type="core.PolicyChange")
        .order_by("pk")
        .values_list("action", "note")
    )
    assert [a for a, _ in notes] == ["create", "update"]
    assert notes[0][1].startswith("提出政策变更") and notes[1][1].startswith("批准政策变更")


@pytest.mark.django_db(transaction=True)
def test_an_approval_reaches_other_requests_after_commit(policy_dir, make_user, client):
    """Outside the test's transaction: the approving request commits, the next request (another snapshot
    generation) computes with the change."""
    from countyhall.core.policy import parameters
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.core.services.policy import policy_change_approve

    calendar_seed_year(year=2022, actor="test-setup")
    first, second = make_user("tx-a", "system_admin"), make_user("tx-b", "system_admin")
    change = _propose(first)
    policy_change_approve(actor=second, change=change)
    governed.reset()  # as in another process that has not seen it yet
    client.force_login(first)
    assert client.get("/policy/readings/T1/").status_code == 200  # the middleware refreshes
    assert parameters().answer("T1", D(2022, 8, 1)) == ALTERNATIVE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"value": "sometimes"}, "value"),
        ({"key": "T9"}, "key"),
        ({"reason": "改"}, "reason"),
        (
            {"kind": "parameter", "key": "test.subsidy", "value": "3.00"},
            "key",
        ),  # printed: changes by a new document
        ({"kind": "parameter", "key": "test.stove_payment", "value": "六十"}, "value"),
        ({"kind": "parameter", "key": "test.stove_payment", "value": "12%"}, "value"),
    ],
)
def test_a_bad_proposal_names_the_field(policy_dir, admins, changes, field):
    with pytest.raises(ServiceError) as caught:
        _propose(admins[0], **changes)
    assert caught.value.field == field
    assert not PolicyChange.objects.exists()


@pytest.mark.django_db
def test_only_administrators_propose_and_only_one_proposal_waits_per_item(policy_dir, admins, make_user):
    with pytest.raises(AccessDenied):
        _propose(make_user("gov-clerk", "civil_affairs"))
    with pytest.raises(AccessDenied):
        _propose("cli:root")  # four eyes need two people: no system actor
    _propose(admins[0])
    with pytest.raises(ServiceError, match="待审核"):
        _propose(admins[1])


@pytest.mark.django_db
def test_reject_needs_a_reason_and_withdraw_is_the_proposers(policy_dir, admins):
    from countyhall.core.services.policy import policy_change_reject, policy_change_withdraw

    first, second = admins
    change = _propose(first)
    with pytest.raises(ServiceError, match="理由"):
        policy_change_reject(actor=second, change=change, note="")
    with pytest.raises(AccessDenied):
        policy_change_withdraw(actor=second, change=change)
    policy_change_withdraw(actor=first, change=change)
    with pytest.raises(ServiceError, match="已撤回"):
        policy_change_reject(actor=second, change=change, note="不同意这样理解")


@pytest.mark.django_db
def test_an_administered_figure_is_entered_and_dated(policy_dir, admins, django_capture_on_commit_callbacks):
    from countyhall.core.policy import parameters
    from countyhall.core.services.policy import policy_change_approve

    first, second = admins
    change = _propose(
        first,
        kind="parameter",
        key="test.stove_payment",
        value="60",
        valid_from=D(2021, 10, 1),
        reason="按2019年炉具款支付办法录入",
    )
    assert change.value == "60"
    with django_capture_on_commit_callbacks(execute=True):
        policy_change_approve(actor=second, change=change)
    assert parameters().at("test.stove_payment", D(2022, 1, 1)).value == Decimal("60")


@pytest.mark.django_db
def test_a_change_cannot_reach_into_an_approved_period(policy_dir, admins, monkeypatch):
    from countyhall.core.services import policy as service

    lock = service.PolicyLock(through=D(2022, 12, 31), what="2022年度结算已审核")
    monkeypatch.setattr(service, "policy_locks", lambda *, kind, key: [lock])
    with pytest.raises(ServiceError) as caught:
        _propose(admins[0], valid_from=D(2022, 12, 1))
    assert caught.value.field == "valid_from" and "2023年1月1日" in caught.value.message
    assert _propose(admins[0], valid_from=D(2023, 1, 1)).pk


@pytest.mark.django_db
def test_an_administrator_the_proposer_made_cannot_approve(
    policy_dir, admins, client, django_capture_on_commit_callbacks
):
    """Attack: a lone administrator adds a second account on the admin's user page, grants it 系统管理员 and
    approves their own proposal from it — four eyes with one person. The grant now keeps who made it and when;
    the approver must not be the proposer's creation nor an administrator since after the proposal."""
    from countyhall.core.models import RoleGrant, User
    from countyhall.core.services.policy import policy_change_approve, policy_change_reject

    first, second = admins
    first.is_staff = first.is_superuser = True
    first.save()
    puppet = User.objects.create_user(username="gov-puppet", password="pw-for-tests-1", display_name="傀儡")
    client.force_login(first)
    response = client.post(
        f"/admin/core/user/{puppet.pk}/change/",
        {
            "username": "gov-puppet",
            "is_active": "on",
            "date_joined_0": "2022-06-01",
            "date_joined_1": "08:00:00",
            "display_name": "傀儡",
            "role_grants-TOTAL_FORMS": "1",
            "role_grants-INITIAL_FORMS": "0",
            "role_grants-MIN_NUM_FORMS": "0",
            "role_grants-MAX_NUM_FORMS": "1000",
            "role_grants-0-role": "system_admin",
            "role_grants-0-user": str(puppet.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(user=puppet)
    assert grant.role == "system_admin" and grant.granted_by == first and grant.granted_at is not None
    assert AuditEntry.objects.filter(
        object_type="core.RoleGrant", actor=first, note__startswith="授予角色"
    ).exists()
    change = _propose(first)
    puppet = User.objects.get(pk=puppet.pk)
    with pytest.raises(AccessDenied, match="提出人授予"):
        policy_change_approve(actor=puppet, change=change)
    with pytest.raises(AccessDenied, match="提出人授予"):
        policy_change_reject(actor=puppet, change=change, note="不同意这样理解")
    client.force_login(puppet)
    assert 'value="approve"' not in client.get(f"/policy/changes/{change.pk}/").content.decode()  # no buttons
    # An administrator since after the proposal, whoever granted it, is not the second pair of eyes either.
    late = User.objects.create_user(username="gov-late", password="pw-for-tests-1")
    RoleGrant.objects.create(user=late, role="system_admin", granted_by=second, granted_at=timezone.now())
    with pytest.raises(AccessDenied, match="之后"):
        policy_change_approve(actor=late, change=change)
    with django_capture_on_commit_callbacks(execute=True):
        assert policy_change_approve(actor=second, change=change).state == "approved"


@pytest.mark.django_db
def test_a_chain_of_puppets_is_not_a_second_pair_of_eyes(
    policy_dir, admins, django_capture_on_commit_callbacks
):
    """Attack (attack13): the proposer makes account B an administrator, signs in as B and makes account C one;
    C's grant names B, not the proposer, and C approved the proposer's change. Nor may an account the proposer
    added on the admin site approve, whoever granted it the role; an independent granter without a governing role
    (the installation's superuser) still counts."""
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from countyhall.core.models import RoleGrant, User
    from countyhall.core.services.policy import policy_change_approve

    first, second = admins
    earlier = timezone.now() - dt.timedelta(days=1)
    puppet = User.objects.create_user(username="gov-b2")
    RoleGrant.objects.create(user=puppet, role="system_admin", granted_by=first, granted_at=earlier)
    relay = User.objects.create_user(username="gov-c2")
    RoleGrant.objects.create(user=relay, role="system_admin", granted_by=puppet, granted_at=earlier)
    relay_of_relay = User.objects.create_user(username="gov-d2")
    RoleGrant.objects.create(user=relay_of_relay, role="system_admin", granted_by=relay, granted_at=earlier)
    created = User.objects.create_user(username="gov-e2")
    LogEntry.objects.create(
        user=first,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(created.pk),
        object_repr="gov-e2",
        action_flag=ADDITION,
    )
    RoleGrant.objects.create(user=created, role="system_admin", granted_by=second, granted_at=earlier)
    root = User.objects.create_user(username="root2", is_staff=True, is_superuser=True)  # no governing role
    fair = User.objects.create_user(username="gov-f2")
    RoleGrant.objects.create(user=fair, role="system_admin", granted_by=root, granted_at=earlier)
    change = _propose(first)
    for account in (relay, relay_of_relay, created):
        with pytest.raises(AccessDenied, match="提出人"):
            policy_change_approve(actor=User.objects.get(pk=account.pk), change=change)
    assert PolicyChange.objects.get(pk=change.pk).state == "proposed"
    with django_capture_on_commit_callbacks(execute=True):
        assert policy_change_approve(actor=User.objects.get(pk=fair.pk), change=change).state == "approved"


@pytest.mark.django_db
def test_an_administrator_whose_password_the_proposer_set_cannot_approve(policy_dir, admins, client):
    """Attack (attack13): a superuser proposer sets an independent administrator's password on the admin site's
    password page, signs in as them and approves: one person, two accounts."""
    from countyhall.core.services.policy import policy_change_approve

    first, second = admins
    first.is_staff = first.is_superuser = True
    first.save()
    change = _propose(first)
    client.force_login(first)
    response = client.post(
        f"/admin/core/user/{second.pk}/password/",
        {"password1": "Another-pass-2024!", "password2": "Another-pass-2024!", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    with pytest.raises(AccessDenied, match="设置密码"):
        policy_change_approve(actor=type(second).objects.get(pk=second.pk), change=change)
    assert PolicyChange.objects.get(pk=change.pk).state == "proposed"


# ------------------------------------------------------------------------------------------------ pages

POLICIES_READINGS = ["A8", "A12", "A13", "A14", "B4", "B6", "B8", "B10", "C3", "E1"]


@pytest.mark.django_db
def test_the_readings_page_lists_every_reading_of_policies_md(client):
    page = client.get("/policy/readings/")
    assert page.status_code == 200
    html = page.content.decode()
    for reading_id in POLICIES_READINGS:
        assert f'id="{reading_id}"' in html, reading_id
        assert client.get(f"/policy/readings/{reading_id}/").status_code == 200
    assert "平台采用的理解" in html and "另一种理解" in html


@pytest.mark.django_db
def test_propose_then_approve_through_the_pages(client, admins):
    first, second = admins
    client.force_login(first)
    detail = client.get("/policy/readings/A13/")
    assert "提出变更" in detail.content.decode()
    bad = client.post(
        "/policy/changes/new/reading/A13/",
        {"change-value": "alternative", "change-valid_from": "2022-07-01", "change-reason": ""},
    )
    assert bad.status_code == 400 and "理由" in bad.content.decode()
    response = client.post(
        "/policy/changes/new/reading/A13/",
        {
            "change-value": "alternative",
            "change-valid_from": "2022-07-01",
            "change-reason": "县民政局会议纪要：一日两餐均补贴",
        },
    )
    change = PolicyChange.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/policy/changes/{change.pk}/"
    own = client.get(f"/policy/changes/{change.pk}/").content.decode()
    assert "影响预览" in own and "撤回" in own and "批准…" not in own  # the proposer cannot approve
    client.force_login(second)
    home = client.get("/").content.decode()
    assert "待您审核的政策解读或录入数值变更" in home
    unconfirmed = client.post(f"/policy/changes/{change.pk}/decide", {"action": "approve"})
    assert unconfirmed.status_code == 302 and "confirm=approve" in unconfirmed["Location"]
    change.refresh_from_db()
    assert change.state == "proposed"  # nothing happens before the confirmation
    confirm = client.get(unconfirmed["Location"]).content.decode()
    assert "确认批准" in confirm and "不能撤销" in confirm
    client.post(
        f"/policy/changes/{change.pk}/decide", {"action": "approve", "confirmed": "yes", "note": "同意"}
    )
    change.refresh_from_db()
    assert change.state == "approved" and change.decided_by == second
    listing = client.get("/policy/changes/?state=approved").content.decode()
    assert "每人每天" in listing or "A13" not in listing  # the change in words, not its code


@pytest.mark.django_db
def test_who_sees_what_on_the_governance_pages(client, admins, make_user):
    change = _propose_real(admins[0])
    clerk = make_user("gov-viewer", "civil_affairs")
    client.force_login(clerk)
    assert "提出变更" not in client.get("/policy/readings/A13/").content.decode()
    assert client.post("/policy/changes/new/reading/A13/", {}).status_code == 403
    assert client.get(f"/policy/changes/{change.pk}/").status_code == 403
    assert client.get("/policy/changes/").status_code == 403
    client.logout()
    assert client.get("/policy/readings/").status_code == 200  # public: how the platform reads the gazette
    assert client.get("/policy/changes/").status_code == 302  # to the login page


def _propose_real(actor):
    from countyhall.core.services.policy import policy_change_propose

    return policy_change_propose(
        actor=actor,
        kind="reading",
        key="A13",
        value=ALTERNATIVE,
        valid_from=D(2022, 7, 1),
        reason="测试用的变更理由",
    )


@pytest.mark.django_db
def test_the_calculator_shows_the_other_answer_side_by_side(client):
    from countyhall.core.rules import RULES

    rule_name = next((name for name in RULES if name.startswith("canteen.")), None)
    if rule_name is None:
        pytest.skip("no canteen rule registered")
    page = client.get(f"/calc/?rule={rule_name}")
    assert page.status_code == 200


@pytest.mark.django_db
def test_the_change_pages_name_the_administrators_and_date_in_chinese(client, admins):
    """Walk (issue 13): the proposer and the approver are shown by their names, not their log-in names, and the
    approval message gives its date as the page does (2022年7月1日, not 2022-07-01)."""
    first, second = admins
    first.display_name, second.display_name = "张管理", "李复核"
    first.save(), second.save()
    change = _propose_real(first)
    client.force_login(second)
    for url in (
        f"/policy/changes/{change.pk}/",
        "/policy/changes/",
        "/policy/readings/",
        "/policy/readings/A13/",
    ):
        page = client.get(url).content.decode()
        assert "张管理" in page and "gov-a" not in page, url
    done = client.post(
        f"/policy/changes/{change.pk}/decide", {"action": "approve", "confirmed": "yes"}, follow=True
    )
    page = done.content.decode()
    assert "已批准：自 2022年7月1日 起生效" in page and "李复核" in page and "gov-b" not in page


# ------------------------------------------------------------------------------------------------ attack (issue 13)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value, rule",
    [
        ("abc", "月-日"),
        ("02-30", "月-日"),
        ("13-01", "月-日"),
        ("02-29", "月-日"),
        ("", "不能为空"),
        ("1" * 201, "最多 200"),
    ],
)
def test_an_administered_text_figure_is_checked_against_its_format(admins, value, rule, client):
    """heating.season.start is read as MM-DD by every heating rule: "abc" or 02-30 once approved broke them all."""
    from countyhall.core.services.policy import policy_change_propose

    with pytest.raises(ServiceError) as caught:
        policy_change_propose(
            actor=admins[0],
            kind="parameter",
            key="heating.season.start",
            value=value,
            valid_from=D(2022, 1, 1),
            reason="测试用的变更理由",
        )
    assert caught.value.field == "value" and rule in caught.value.message
    assert not PolicyChange.objects.exists()
    ok = policy_change_propose(
        actor=admins[0],
        kind="parameter",
        key="heating.season.start",
        value=" 11-01 ",
        valid_from=D(2022, 1, 1),
        reason="测试用的变更理由",
    )
    assert ok.value == "11-01"


def test_a_format_is_checked_when_the_files_load(tmp_path):
    (tmp_path / "t.yaml").write_text(
        FIXTURE.replace(
            "test.stove_payment:\n",
            "test.day:\n    format: month_day\n"
            "    unit: text\n    label: 日\n    administered: true\n"
            "    values:\n      - {from: 2021-01-01, value: '11-31', "
            "citation: {document: 高政办发〔2021〕2号, clause: 五、（一）1, "
            "line: 1211}}\n  test.stove_payment:\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match="test.day.*月-日"):
        load_parameter_dir(tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value, rule",
    [
        ("-5", "负数"),
        ("150", "0 到 100"),
        ("1e30", "0 到 100"),
        ("NaN", "无效数值"),
        ("Infinity", "无效数值"),
        ("sNaN", "无效数值"),
    ],
)
def test_a_percent_figure_is_a_finite_share(policy_dir, admins, value, rule):
    with pytest.raises(ServiceError) as caught:
        _propose(admins[0], kind="parameter", key="test.stove_payment", value=value)
    assert caught.value.field == "value" and rule in caught.value.message
    assert not PolicyChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("valid_from", [D(9999, 12, 31), D(2040, 1, 1), D(1900, 1, 1), D(2020, 12, 31)])
def test_a_change_starts_while_its_policy_can_be_in_force(policy_dir, admins, valid_from):
    """A year 9999 (or 1900) start was accepted and approved."""
    with pytest.raises(ServiceError) as caught:
        _propose(admins[0], valid_from=valid_from)
    assert caught.value.field == "valid_from" and "起始日期应在 2021年1月1日 至" in caught.value.message
    assert not PolicyChange.objects.exists()


@pytest.mark.django_db
def test_a_far_start_from_the_page_is_named_by_the_field(client, admins):
    client.force_login(admins[0])
    response = client.post(
        "/policy/changes/new/reading/A13/",
        {
            "change-value": "alternative",
            "change-valid_from": "9999-12-31",
            "change-reason": "测试用的变更理由",
        },
    )
    assert response.status_code == 400 and "起始日期应在" in response.content.decode()
    assert not PolicyChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_administrators_proposing_at_once_leave_one_proposal(make_user):
    """On PostgreSQL both proposals passed the "one waits per item" check at the same moment and two waited."""

    from django.db import connection

    from countyhall.core.services.policy import policy_change_propose

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the two writers itself")
    from tests.concurrency import run_concurrently

    actors = make_user("race-a", "system_admin"), make_user("race-b", "system_admin")
    results = run_concurrently(
        2,
        lambda i: policy_change_propose(
            actor=actors[i],
            kind="reading",
            key="A13",
            value=ALTERNATIVE,
            valid_from=D(2022, 7, 1),
            reason="测试用的变更理由",
        ),
    )
    outcomes = [
        exc.field if isinstance(exc, ServiceError) else exc if isinstance(exc, Exception) else "ok"
        for exc in results
    ]
    assert sorted(outcomes) == ["key", "ok"]
    assert PolicyChange.objects.filter(state="proposed").count() == 1


@pytest.mark.django_db
def test_the_database_keeps_one_proposal_per_item(admins):
    from django.db import IntegrityError, transaction

    change = _propose_real(admins[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyChange.objects.create(
            kind=change.kind,
            key=change.key,
            value=change.value,
            valid_from=change.valid_from,
            reason="直接写入",
            proposed_by=admins[1],
            proposed_at=change.proposed_at,
        )


@pytest.mark.django_db(transaction=True)
def test_an_approval_waits_for_a_settlement_being_approved_at_the_same_time(policy_dir, make_user):
    """attack13: a change approval and a settlement (or claim, or permit decision) approval at the same instant both
    passed the lock check and both committed. They now take one lock (core.db.policy_lock), so the second waits for
    the first's commit and checks against it. Outside the test's transaction: a second real connection holds the
    lock as the settlement approval would, and the change approval waits for it."""
    import threading

    from django.db import connection, connections

    from countyhall.core.db import POLICY_LOCK_KEY
    from countyhall.core.services.policy import policy_change_approve

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the advisory lock is PostgreSQL's")
    first, second = make_user("gov-a", "system_admin"), make_user("gov-b", "system_admin")
    change = _propose(first)
    other = connections.create_connection("default")  # another session: the settlement approval's
    other.ensure_connection()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [POLICY_LOCK_KEY])
    done = threading.Event()

    def approve():
        try:
            policy_change_approve(actor=second, change=change, note="并发审核")
            done.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=approve)
    worker.start()
    try:
        assert not done.wait(1.5), "the approval did not wait for the lock"
        change.refresh_from_db()
        assert change.state == "proposed"
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POLICY_LOCK_KEY])
        other.close()
    worker.join(30)
    assert done.is_set()
    change.refresh_from_db()
    assert change.state == "approved"
