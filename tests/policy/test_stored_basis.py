"""Issue 13: the stored figures keep the readings and parameter versions they used — the fields closed here (permits
Case, emergency ReportDeadline, the parameter versions everywhere) and "why" listing them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from countyhall.core.policy.basis import basis_of, merged_parameters, parameter_rows
from countyhall.core.rules.trace import ParameterTrace
from tests.emergency.conftest import plant  # noqa: F401  (fixture)
from tests.heating.test_ledger import ledger  # noqa: F401  (fixture)
from tests.permits.conftest import world  # noqa: F401  (fixture)

BJ = ZoneInfo("Asia/Shanghai")


def test_a_trace_keeps_the_version_of_every_parameter_read():
    trace = ParameterTrace(dt.date(2021, 10, 1))
    trace.get("heating.gas_boiler.cap")
    trace.answer("B13")
    basis = basis_of(trace.result({}))
    assert basis == {
        "readings": {"B13": "adopted"},
        "changes": [],
        "parameters": {"heating.gas_boiler.cap": "2021-08-28"},
    }
    assert basis_of(trace.result({}).as_json()) == basis  # the stored JSON says the same


def test_merged_versions_and_the_why_rows():
    merged = merged_parameters(
        [{"parameters": {"a.b": "2021-01-01"}}, {"parameters": {"a.b": "2022-01-01"}}, {}]
    )
    assert merged == {"a.b": ["2021-01-01", "2022-01-01"]}
    rows = parameter_rows({"parameters": {"heating.gas_boiler.cap": "2021-08-28"}})
    assert rows == [
        {
            "name": "heating.gas_boiler.cap",
            "label": "燃气壁挂炉比例补贴上限（每户）",
            "since": ["2021年8月28日"],
            "administered": False,
        }
    ]
    assert parameter_rows({"readings": {}}) is None  # stored before versions were kept: said so, not invented


@pytest.mark.django_db
def test_a_case_keeps_the_limits_it_took_on_and_c3(world, client):  # noqa: F811
    from countyhall.core.models import PolicyChange
    from countyhall.permits.services import permit_stage_submit

    case = permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=dt.date(2022, 6, 1),
        files=None,
    )
    key = "permit.stage_limit.social_civil.land_use_planning.working_days"
    change = PolicyChange.objects.get(key=key, state="approved")
    assert case.policy_basis["parameters"][key] == "2021-08-09"
    assert change.pk in case.policy_basis["changes"] and case.policy_basis["readings"]["C3"] == "adopted"
    client.force_login(world["users"]["approval"])
    html = client.get(f"/permits/p/{world['project'].pk}/").content.decode()
    assert "为什么是这个时限" in html and "2021年8月9日起的取值" in html


@pytest.mark.django_db
def test_report_deadlines_and_the_level_keep_their_basis(plant):  # noqa: F811
    from countyhall.emergency.models import ReportDeadline
    from countyhall.emergency.services import incident_report

    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=dt.datetime(2022, 3, 1, 9, 0, tzinfo=BJ),
        place="x",
        reported_at=dt.datetime(2022, 3, 1, 9, 5, tzinfo=BJ),
    )
    for deadline in ReportDeadline.objects.filter(incident=incident):
        assert deadline.policy_basis["readings"].get("E2") == "adopted", deadline.kind
        assert deadline.policy_basis["parameters"], deadline.kind
    figures = incident.figures.get()
    assert figures.policy_basis["parameters"] and "E1" in figures.policy_basis["readings"]


@pytest.mark.django_db
def test_the_household_page_lists_the_parameter_versions(client, ledger):  # noqa: F811
    from countyhall.heating import services
    from countyhall.heating.models import Entitlement

    services.entitlements_compute(actor=ledger["officer"], period="2021")
    boiler = Entitlement.objects.filter(item="gas_boiler").first()
    client.force_login(ledger["officer"])
    html = client.get(f"/heating/households/{boiler.household_id}/").content.decode()
    assert "所用参数" in html and "燃气壁挂炉比例补贴上限（每户）：2021年8月28日起的取值" in html
    # a figure stored before the versions were kept says so
    Entitlement.objects.filter(pk=boiler.pk).update(
        policy_basis={"readings": {"B4": "adopted"}, "changes": []}
    )
    html = client.get(f"/heating/households/{boiler.household_id}/").content.decode()
    assert "所用参数版本未记录" in html


@pytest.mark.django_db
def test_a_claim_with_a_part_stored_before_the_versions_keeps_no_partial_list(ledger):  # noqa: F811
    from countyhall.heating import services
    from countyhall.heating.models import Entitlement

    services.entitlements_compute(actor=ledger["officer"], period="2021")
    legacy = Entitlement.objects.filter(item="gas_boiler").first()
    Entitlement.objects.filter(pk=legacy.pk).update(
        policy_basis={"readings": {"B4": "adopted"}, "changes": []}
    )
    claims = {c.payee: c for c in services.claims_build(actor=ledger["officer"], period="2021")}
    # the gas company's claim holds the legacy row: no list that would look complete (and unlock a figure it used)
    assert "parameters" not in claims["gas_company"].policy_basis
    assert "heating.biomass_stove.cap" in claims["supplier"].policy_basis["parameters"]
