"""B9 — 高政办字〔2021〕37号 四、（四） (L5520–5524): 特别困难群体 follow 《高青县特别困难群体冬季清洁取暖改造工程补助工程
实施方案》, which the gazette does not print. Its amounts are administered figures (heating.special_poor.*): entered by
one administrator, approved by a second with an impact preview of the 特困 households per town; until then a 特困
household's item is "待管理员录入" and not paid. Who pays is reading B9."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import PolicyChange
from countyhall.core.policy import governed, parameters
from countyhall.core.policy.governed import GovernedEntry, governed_as, readings_answered
from countyhall.core.roles import Role
from countyhall.core.services.policy import (
    governed_refresh,
    policy_change_approve,
    policy_change_impact,
    policy_change_propose,
    policy_locks,
)
from countyhall.heating import rules, services
from countyhall.heating.models import Claim, Entitlement, Household
from countyhall.heating.selectors import claim_exclusions, special_poor_pending
from tests.heating.test_ledger import ledger  # noqa: F401  (fixture)

M = Decimal
FIGURES = [f"heating.special_poor.{item}" for item in rules.SPECIAL_POOR_ITEMS]


def _entered(**values):
    """A snapshot with the scheme's figures entered from 2021-01-01 (as an approved change would)."""
    snapshot = governed.current()
    for item, value in values.items():
        snapshot = snapshot.with_entry(
            "parameter",
            f"heating.special_poor.{item}",
            GovernedEntry(valid_from=dt.date(2021, 1, 1), value=M(value)),
        )
    return governed_as(snapshot)


# --- the figures: administered, cited to 四、（四）, no value written by a developer --------------------------------


@pytest.mark.parametrize("name", FIGURES)
def test_the_scheme_amounts_are_administered_figures_citing_si_si(name):
    parameter = parameters().get(name)
    assert parameter.administered and not parameter.values and parameter.unit == "CNY"
    assert (parameter.citation.document, parameter.citation.clause) == ("高政办字〔2021〕37号", "四、（四）")
    assert 5520 <= parameter.citation.line <= 5524


# --- the rule, table-driven ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "season", "entered", "amount", "shares"),
    [
        # 四、（四）, L5520–5524: not entered → 待管理员录入, no amount (never invented)
        ("gas_network", None, {}, None, {}),
        ("gas_boiler", None, {}, None, {}),
        ("biomass_stove", None, {}, None, {}),
        ("gas_use", "2021-2022", {}, None, {}),
        ("biomass_fuel", "2021-2022", {}, None, {}),
        # entered: the scheme's amount per household, the county alone (reading B9 adopted)
        ("gas_network", None, {"gas_network": "3000.00"}, M("3000.00"), {"county": M("3000.00")}),
        ("gas_boiler", None, {"gas_boiler": "3800.00"}, M("3800.00"), {"county": M("3800.00")}),
        ("biomass_stove", None, {"biomass_stove": "0.00"}, M("0.00"), {"county": M("0.00")}),  # 0 is a value
        ("gas_use", "2021-2022", {"gas_use": "1500.00"}, M("1500.00"), {"county": M("1500.00")}),
        # B8 (四、（三）, L5516): the running items only in the six seasons 2021-2022 … 2026-2027
        ("biomass_fuel", "2026-2027", {"biomass_fuel": "900.00"}, M("900.00"), {"county": M("900.00")}),
        ("biomass_fuel", "2027-2028", {"biomass_fuel": "900.00"}, M("0.00"), {"county": M("0.00")}),
        # another item's figure does not stand in for this one
        ("gas_boiler", None, {"gas_network": "3000.00"}, None, {}),
    ],
)
def test_special_poor_terms_b9(item, season, entered, amount, shares):
    with _entered(**entered):
        result = rules.special_poor_terms(item=item, season=season, converted=2021 if season else None)
    assert result.data["amount"] == amount and result.data["shares"] == shares
    assert result.data["entered"] == (amount is not None)
    if amount is None:
        assert result.data["reason"] == "待管理员录入"
    # every result within B8's seasons cites the clause calling for the scheme
    assert any(c.clause == "四、（四）" for c in result.citations) == result.data["eligible"]


@pytest.mark.parametrize(
    ("answer", "shares"),
    [
        ("adopted", {"county": M("1000.00")}),  # the county's own scheme: the county alone
        ("alternative", {"city": M("300.00"), "county": M("700.00")}),  # 四、, L5452: the general 3 : 7
    ],
)
def test_reading_b9_who_pays(answer, shares):
    with readings_answered({"B9": answer}), _entered(gas_boiler="1000.00"):
        result = rules.special_poor_terms(item="gas_boiler")
    assert result.data["shares"] == shares and result.answers["B9"] == answer
    assert sum(result.data["shares"].values()) == result.data["amount"]


@pytest.mark.parametrize(("answer", "payee"), [("adopted", "gas_company"), ("alternative", "household")])
def test_the_scheme_changes_the_amount_not_the_payee_b13(answer, payee):
    with readings_answered({"B13": answer}):
        assert rules.special_poor_terms(item="gas_boiler").data["payee"] == payee


def test_an_unknown_item_is_refused():
    with pytest.raises(ValueError):
        rules.special_poor_terms(item="electric")
    with pytest.raises(ValueError):
        rules.special_poor_terms(item="gas_use")  # a running item needs its season


# --- the services: not paid until entered, then computed with its basis; four eyes with an impact preview ---------


def _governors(make_user):
    return make_user("admin-a", Role.SYSTEM_ADMIN), make_user("admin-b", Role.SYSTEM_ADMIN)


@pytest.mark.django_db
def test_not_entered_is_not_paid_and_is_listed(ledger):  # noqa: F811
    poor = Household.objects.get(special_poor=True)
    report = services.entitlements_compute(actor=ledger["officer"], period="2021")
    assert report.special_poor == [poor.pk] and report.special_poor_pending == 2  # network and boiler
    assert not Entitlement.objects.filter(household=poor).exists()
    pending = special_poor_pending(poor)
    assert [(p["period"], p["item"], p["status"]) for p in pending] == [
        ("2021", "gas_network", "待管理员录入"),
        ("2021", "gas_boiler", "待管理员录入"),
    ]
    services.claims_build(actor=ledger["officer"], period="2021")
    [(household, reason)] = claim_exclusions(period="2021", households=Household.objects.all())
    assert household == poor and "待管理员录入" in reason


@pytest.mark.django_db
def test_entered_by_one_approved_by_another_with_the_households_per_town(ledger, make_user):  # noqa: F811
    poor = Household.objects.get(special_poor=True)
    services.entitlements_compute(actor=ledger["officer"], period="2021")
    proposer, approver = _governors(make_user)
    change = policy_change_propose(
        actor=proposer,
        kind="parameter",
        key="heating.special_poor.gas_boiler",
        value="3800.00",
        valid_from=dt.date(2021, 8, 28),
        reason="按县特困群体清洁取暖实施方案录入",
    )
    # Proposed, not approved: still not paid.
    services.entitlements_compute(actor=ledger["officer"], period="2021")
    assert not Entitlement.objects.filter(household=poor).exists()
    tables = {t["title"]: t for t in policy_change_impact(change=change)}
    [town] = tables["清洁取暖：特别困难群体（按镇）"]["rows"]
    # the network is still not entered: counted as pending on both sides
    assert town == [
        "青城镇",
        "1",
        "0.00（另有 2 项待管理员录入）",
        "3,800.00（另有 1 项待管理员录入）",
        "3,800.00",
    ]
    [row] = tables["清洁取暖：特别困难群体（逐户）"]["rows"]
    assert row[0] == "青城镇" and f"台账编号 {poor.pk}" in row[1] and "户主4" not in row[1]  # masked
    with pytest.raises(AccessDenied):  # four eyes: the proposer cannot approve
        policy_change_approve(actor=proposer, change=change)
    policy_change_approve(actor=approver, change=change)
    governed_refresh(force=True)
    change.refresh_from_db()
    assert change.impact and any(t["title"] == "清洁取暖：特别困难群体（逐户）" for t in change.impact)
    report = services.entitlements_compute(actor=ledger["officer"], period="2021")
    assert report.special_poor == [poor.pk] and report.special_poor_pending == 1  # the network still waits
    boiler = Entitlement.objects.get(household=poor, item="gas_boiler")
    assert (
        boiler.amount == M("3800.00")
        and boiler.shares == {"county": "3800.00"}
        and boiler.payee == "gas_company"
    )
    assert change.pk in boiler.policy_basis["changes"]
    assert boiler.policy_basis["parameters"]["heating.special_poor.gas_boiler"] == "2021-08-28"
    assert boiler.policy_basis["readings"]["B9"] == "adopted"
    assert [p["item"] for p in special_poor_pending(poor)] == ["gas_network"]
    claims = services.claims_build(actor=ledger["officer"], period="2021")
    gas_company = next(c for c in claims if c.payee == "gas_company")
    assert boiler in gas_company.entitlements.all()
    assert "heating.special_poor.gas_boiler" in gas_company.policy_basis["parameters"]


@pytest.mark.django_db
def test_approved_general_claims_do_not_lock_the_scheme_but_its_own_claim_does(ledger, make_user):  # noqa: F811
    services.entitlements_compute(actor=ledger["officer"], period="2021")
    for claim in services.claims_build(actor=ledger["officer"], period="2021"):
        services.claim_approve(actor=ledger["finance"], claim=claim)
    # The approved 2021 claims used no 特困 figure: entering it for 2021 is still possible.
    assert policy_locks(kind="parameter", key="heating.special_poor.gas_network") == []
    assert policy_locks(kind="parameter", key="heating.gas_boiler.cap") != []  # they did use the boiler's cap
    proposer, approver = _governors(make_user)
    change = policy_change_propose(
        actor=proposer,
        kind="parameter",
        key="heating.special_poor.gas_network",
        value="3000.00",
        valid_from=dt.date(2021, 8, 28),
        reason="按实施方案录入",
    )
    policy_change_approve(actor=approver, change=change)
    governed_refresh(force=True)
    services.entitlements_compute(actor=ledger["officer"], period="2021")
    claims = services.claims_build(actor=ledger["officer"], period="2021")
    [new] = [c for c in claims if c.status == Claim.Status.DRAFT]
    services.claim_approve(actor=ledger["finance"], claim=new)
    [lock] = policy_locks(kind="parameter", key="heating.special_poor.gas_network")
    assert lock.through == dt.date(2021, 12, 31)
    with pytest.raises(ServiceError) as error:
        policy_change_propose(
            actor=proposer,
            kind="parameter",
            key="heating.special_poor.gas_network",
            value="3200.00",
            valid_from=dt.date(2021, 10, 1),
            reason="方案修订后调整",
        )
    assert error.value.field == "valid_from"
    assert not PolicyChange.objects.filter(state="proposed").exists()


@pytest.mark.django_db
def test_a_season_item_waits_too(ledger):  # noqa: F811
    poor = Household.objects.get(special_poor=True)
    services.season_use_record(actor=ledger["officer"], household=poor, season="2021-2022", gas_m3=M("800"))
    report = services.entitlements_compute(actor=ledger["officer"], period="2021-2022")
    assert report.special_poor == [poor.pk]
    assert not Entitlement.objects.filter(household=poor, period="2021-2022").exists()
    with _entered(gas_use="1200.00"):
        services.entitlements_compute(actor=ledger["officer"], period="2021-2022")
    use = Entitlement.objects.get(household=poor, period="2021-2022")
    assert use.item == "gas_use" and use.amount == M("1200.00") and use.payee == "household"


# --- the pages ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_household_and_figures_pages_show_pending(client, ledger, make_user):  # noqa: F811
    poor = Household.objects.get(special_poor=True)
    client.force_login(ledger["officer"])
    html = client.get(f"/heating/households/{poor.pk}/").content.decode()
    assert html.count("待管理员录入") >= 2 and "不予拨付" in html and "四、（四）" in html
    admin, _ = _governors(make_user)
    client.force_login(admin)
    page = client.get("/policy/readings/").content.decode()
    for name in FIGURES:
        assert parameters().get(name).label in page
    assert parameters().reading("B9").question in page
    client.force_login(ledger["officer"])
    money = client.post(
        "/heating/money/", {"action": "compute", "period": "2021"}, follow=True
    ).content.decode()
    assert "特别困难群体 1 户的 2 项补助待管理员录入" in money


@pytest.mark.django_db
def test_the_change_page_previews_the_special_poor_households(client, ledger, make_user):  # noqa: F811
    proposer, approver = _governors(make_user)
    client.force_login(proposer)
    response = client.post(
        "/policy/changes/new/parameter/heating.special_poor.gas_network/",
        {"change-value": "3000.00", "change-valid_from": "2021-08-28", "change-reason": "按县实施方案录入"},
    )
    change = PolicyChange.objects.get()
    assert response.status_code == 302 and change.state == "proposed"
    client.force_login(approver)
    html = client.get(f"/policy/changes/{change.pk}/").content.decode()
    assert "清洁取暖：特别困难群体（按镇）" in html and "清洁取暖：特别困难群体（逐户）" in html
    assert "3,000.00（另有 1 项待管理员录入）" in html and "户主4" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["999999999999.99", "10000000000.00", "1e11"])
def test_a_scheme_amount_an_entitlement_cannot_hold_is_refused(ledger, make_user, value):  # noqa: F811
    """Attack (attack13): 999999999999.99 per household passed the parameter check (up to 10^12), was approved,
    and every read of the 特困 household's entitlement failed (InvalidOperation on SQLite, overflow on PostgreSQL)."""
    proposer, _ = _governors(make_user)
    with pytest.raises(ServiceError) as caught:
        policy_change_propose(
            actor=proposer,
            kind="parameter",
            key="heating.special_poor.gas_boiler",
            value=value,
            valid_from=dt.date(2021, 8, 28),
            reason="按县特困群体清洁取暖实施方案录入",
        )
    assert caught.value.field == "value" and "每户补助应在 0 至 9999999999.99 之间" in caught.value.message
    assert not PolicyChange.objects.exists()


@pytest.mark.django_db
def test_a_claim_total_past_its_column_is_refused_and_nothing_written(ledger):  # noqa: F811
    """The largest amount an entitlement holds, beside the general households' boilers, makes a gas company's claim
    its column cannot hold: a ServiceError naming the amount, no claim written."""
    with _entered(gas_boiler="9999999999.99", gas_network="9999999999.99"):
        services.entitlements_compute(actor=ledger["officer"], period="2021")
        with pytest.raises(ServiceError) as caught:
            services.claims_build(actor=ledger["officer"], period="2021")
    assert caught.value.field == "amount" and "9999999999.99" in caught.value.message
    assert not Claim.objects.exists() and not Entitlement.objects.filter(claim__isnull=False).exists()
