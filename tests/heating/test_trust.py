"""Clean heating's personal data: audited reads, scoped imports, masked audit rows, bad input answered 400."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.core.services.divisions import division_upsert
from countyhall.heating.models import Household
from countyhall.heating.services import household_register, ledger_import, village_plan_set
from tests.conftest import valid_id
from tests.heating.test_ledger import book, ledger, plan, row  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def reads(what: str):
    return AuditEntry.objects.filter(
        action=AuditEntry.Action.READ, object_type="heating.Household", note__startswith=what
    )


# --- Every staff read of households is audited ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ledger_page_writes_one_read_row_with_filters_and_count(client, county_tree, make_user):
    # transaction=True: the view runs outside any test transaction, as in production.
    officer = make_user("zhujian-t", Role.HOUSING)
    plan(county_tree, officer)
    ledger_import(actor=officer, content=book([row(1), row(2), row(3, method="生物质", price="3000.00")]))
    client.force_login(officer)
    assert client.get("/heating/ledger/", {"method": "gas", "q": "户主"}).status_code == 200
    [entry] = reads("清洁取暖台账（")
    assert entry.actor == officer
    assert entry.after == {"filters": {"method": "gas", "q": "户主", "page": 1}, "count": 2}
    assert "未脱敏" in entry.note


def test_export_writes_one_read_row(client, ledger, make_user):  # noqa: F811
    auditor = make_user("aud-x", Role.AUDITOR)
    client.force_login(auditor)
    response = client.get("/heating/ledger/", {"format": "xlsx"})
    assert len(list(load_workbook(BytesIO(response.getvalue())).active.iter_rows())) == 6
    [entry] = reads("清洁取暖台账导出")
    assert entry.actor == auditor and entry.after["count"] == 5 and "（脱敏）" in entry.note


def test_money_page_and_ledger_checks_are_audited(client, ledger, make_user):  # noqa: F811
    client.force_login(ledger["officer"])
    client.post("/heating/money/", {"period": "2021", "action": "compute"})
    client.get("/heating/money/", {"period": "2021"})
    entry = reads("清洁取暖补贴明细").first()  # the compute's own result page is a read too
    # Four households with entitlements, and 户主4 (特别困难群体, B9) listed as left out with the reason.
    assert entry.after == {"filters": {"period": "2021"}, "count": 5}
    household_register(
        actor=ledger["officer"],
        division=ledger["natural_b"],
        id_number=valid_id("37032219600101009"),
        name="同址户",
        address="乙庄1号",
        method="gas",
    )
    html = client.get("/heating/").content.decode()
    assert "乙庄1号" in html
    [entry] = reads("清洁取暖台账核查")
    assert entry.after["count"] == 2
    client.force_login(make_user("aud-checks", Role.AUDITOR))
    html = client.get("/heating/").content.decode()
    assert "乙庄**" in html and "乙庄1号" not in html  # masked for a role that reads personal data masked


def test_town_officer_of_another_town_sees_no_subsidy_rows(client, ledger, make_user):  # noqa: F811
    client.force_login(ledger["officer"])
    client.post("/heating/money/", {"period": "2021", "action": "compute"})
    client.force_login(make_user("tz-money", Role.TOWN_OFFICER, "tianzhen"))
    html = client.get("/heating/money/", {"period": "2021"}).content.decode()
    assert "尚未核算" in html


# --- Audit rows never store a householder's name or address in full ---------------------------------------------


def test_household_audit_rows_are_masked(ledger):  # noqa: F811
    household = Household.objects.get(householder__name="户主1")
    entry = AuditEntry.objects.filter(
        object_type="heating.Household", object_id=str(household.pk), action=AuditEntry.Action.CREATE
    ).get()
    assert entry.object_repr == f"改造户 #{household.pk}（户主 户*1）"
    assert entry.after["address"] == "乙庄**"
    assert "乙庄1号" not in str(entry.after)


# --- The import never reaches outside the importer's town --------------------------------------------------------


@pytest.fixture
def natural_a(county_tree):
    return division_upsert(
        actor="test",
        code="370322001201001",
        name="甲庄",
        kind="natural_village",
        parent=county_tree["village_a"],
    )


def test_import_refuses_a_village_of_another_town(ledger, make_user):  # noqa: F811
    officer = make_user("tz-import", Role.TOWN_OFFICER, "tianzhen")
    report = ledger_import(actor=officer, content=book([row(8)]), mode="valid_only")
    assert report.created == 0
    assert report.errors == [(2, "自然村代码", "该自然村不在本人所在镇（街道）范围内")]


def test_import_refuses_a_household_or_person_of_another_town(ledger, make_user, natural_a, people):  # noqa: F811
    officer = make_user("tz-import2", Role.TOWN_OFFICER, "tianzhen")
    village_plan_set(
        actor=ledger["officer"], division=natural_a, method="gas", planned_households=2
    )  # 甲庄's plan
    elsewhere = row(1)  # 户主1 is a household of 乙庄 (青城镇)
    elsewhere[0] = natural_a.code
    person = row(9)
    person[0], person[1], person[2] = natural_a.code, "王德明", people["b"].id_number  # a resident of 乙庄
    report = ledger_import(actor=officer, content=book([elsewhere, person]), mode="valid_only")
    assert report.created == 0 and report.unchanged == 0
    assert [(n, column) for n, column, _ in report.errors] == [(2, "身份证号"), (3, "身份证号")]
    assert "其他镇（街道）" in report.errors[0][2] and "其他镇（街道）" in report.errors[1][2]
    household = Household.objects.get(householder__name="户主1")
    assert household.division == ledger["natural_b"]  # not moved
    assert not Household.objects.filter(householder=people["b"]).exists()


def test_overlong_and_malformed_cells_are_row_errors_naming_the_column(ledger):  # noqa: F811
    long_name, long_address, long_model, bad_members = row(6), row(7), row(8), row(9)
    long_name[1] = "名" * 40
    long_address[3] = "址" * 201
    long_model[7] = "型" * 101
    bad_members[4] = "三口"
    report = ledger_import(
        actor=ledger["officer"],
        content=book([long_name, long_address, long_model, bad_members]),
        mode="valid_only",
    )
    assert report.created == 0
    assert [(n, column) for n, column, _ in report.errors] == [
        (2, "户主姓名"),
        (3, "住址"),
        (4, "设备型号"),
        (5, "家庭人口"),
    ]
    assert "超过 32 个字" in report.errors[0][2]


def test_device_prices_and_dates_outside_what_can_be_stored_are_row_errors(ledger, client):  # noqa: F811
    # 1E+20 was once stored, and every later read of the town's ledger answered 500.
    huge, fine_fen, future, reversed_dates = row(6, price="1E+20"), row(7, price="0.001"), row(8), row(9)
    future[11] = "9999-12-31"
    reversed_dates[11], reversed_dates[12] = "2021-10-20", "2021-10-15"
    report = ledger_import(
        actor=ledger["officer"], content=book([huge, fine_fen, future, reversed_dates]), mode="valid_only"
    )
    assert report.created == 0
    assert [(n, column) for n, column, _ in report.errors] == [
        (2, "购买价格"),
        (3, "购买价格"),
        (4, "安装日期"),
        (5, "安装日期"),
    ]
    client.force_login(ledger["officer"])
    assert client.get("/heating/ledger/").status_code == 200


# --- Pages compute their buttons from the predicates ------------------------------------------------------------


def test_buttons_follow_the_predicates(client, ledger, make_user):  # noqa: F811
    client.force_login(ledger["officer"])
    client.post("/heating/money/", {"period": "2021", "action": "compute"})
    html = client.get("/heating/money/", {"period": "2021"}).content.decode()
    assert 'value="compute"' in html and 'value="approve"' not in html  # 住建局 computes, does not approve
    assert 'id="acceptance-form"' in client.get("/heating/").content.decode()
    from countyhall.heating.models import Claim

    claim_url = f"/heating/claims/{Claim.objects.filter(period='2021').first().pk}/"
    assert 'value="approve"' not in client.get(claim_url).content.decode()
    finance = make_user("fin-b", Role.FINANCE)
    client.force_login(finance)
    assert 'value="compute"' not in client.get("/heating/money/", {"period": "2021"}).content.decode()
    html = client.get(claim_url).content.decode()
    assert 'value="approve"' in html and 'value="return"' in html
    for user in (finance, make_user("aud-b", Role.AUDITOR), make_user("tz-b", Role.TOWN_OFFICER, "tianzhen")):
        client.force_login(user)
        assert 'id="acceptance-form"' not in client.get("/heating/").content.decode()
        assert (
            'id="ledger-import"' not in client.get("/heating/ledger/").content.decode()
            or Role.TOWN_OFFICER in user.role_codes
        )
        setup = client.get("/heating/setup/").content.decode()
        assert 'value="tendered"' not in setup
    client.force_login(make_user("qc-b", Role.TOWN_OFFICER, "qingcheng"))
    html = client.get("/heating/").content.decode()
    assert 'id="acceptance-form"' in html and 'value="third_party"' not in html


def test_refused_posts_write_nothing(client, ledger, make_user):  # noqa: F811
    client.force_login(make_user("aud-p", Role.AUDITOR))
    plan = ledger["natural_b"].heating_plan
    client.post(
        "/heating/", {"plan": plan.pk, "stage": "town_initial", "passed": "on", "decided_on": "2021-10-25"}
    )
    client.post("/heating/money/", {"period": "2021", "action": "compute"})
    client.post(
        "/heating/setup/",
        {
            "form": "institution",
            "institution-name": "乙村小学",
            "institution-division": ledger["natural_b"].pk,
            "institution-heated_area_m2": "460",
        },
    )
    assert not plan.acceptances.exists()
    from countyhall.heating.models import Entitlement, PublicInstitution

    assert not Entitlement.objects.exists() and not PublicInstitution.objects.exists()


# --- Bad query parameters answer 400 naming the field ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/heating/ledger/", {"division": "abc"}, "自然村"),
        ("/heating/ledger/", {"division": "999999"}, "自然村"),
        ("/heating/ledger/", {"status": "lost"}, "状态"),
        ("/heating/ledger/", {"sort": "password"}, "排序"),
        ("/heating/claims/", {"status": "paid"}, "状态"),
        ("/heating/ledger/", {"page": "abc"}, "页码"),
        ("/heating/ledger/", {"page": "0"}, "页码"),
        ("/heating/ledger/", {"method": "coal"}, "改造方式"),
        ("/heating/ledger/", {"format": "pdf"}, "导出格式"),
        ("/heating/ledger/", {"q": "x" * 51}, "查询"),
        ("/heating/money/", {"period": "abc"}, "期间"),
        ("/heating/money/", {"period": "2021-2023"}, "期间"),
    ],
)
def test_bad_query_parameters_answer_400(client, ledger, path, params, field):  # noqa: F811
    client.force_login(ledger["officer"])
    response = client.get(path, params)
    assert response.status_code == 400
    assert field in response.content.decode()


def test_bad_posted_values_answer_400(client, ledger, make_user):  # noqa: F811
    client.force_login(make_user("fin-400", Role.FINANCE))
    response = client.post("/heating/money/", {"period": "abc", "action": "compute"})
    assert response.status_code == 400 and "期间" in response.content.decode()


def test_a_division_outside_the_scope_is_refused(client, ledger, make_user):  # noqa: F811
    client.force_login(make_user("tz-div", Role.TOWN_OFFICER, "tianzhen"))
    response = client.get("/heating/ledger/", {"division": ledger["natural_b"].pk})
    assert response.status_code == 400 and "不在您的数据范围内" in response.content.decode()
    client.force_login(ledger["officer"])
    html = client.get("/heating/ledger/", {"division": ledger["natural_b"].pk}).content.decode()
    assert "户主1" in html
