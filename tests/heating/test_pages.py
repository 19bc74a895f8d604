from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.heating.test_ledger import ledger  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_pages_for_housing_and_refusal_for_others(client, ledger, make_user):  # noqa: F811
    client.force_login(ledger["officer"])
    html = client.get("/heating/").content.decode()
    assert "3224" in html and "逾期" in html
    assert "户主1" in client.get("/heating/ledger/").content.decode()
    exported = client.get("/heating/ledger/?format=xlsx")
    assert len(list(load_workbook(BytesIO(exported.getvalue())).active.iter_rows())) == 6
    client.post("/heating/money/", {"period": "2021", "action": "compute"})
    html = client.get("/heating/money/?period=2021").content.decode()
    assert "燃气企业" in html and "¥3,400.00" in html and "¥240.00" in html
    client.force_login(make_user("canteen-op", "canteen_operator"))
    assert client.get("/heating/").status_code == 403


def test_setup_page_saves_through_services(client, ledger):  # noqa: F811
    from countyhall.core.models import AuditEntry
    from countyhall.heating.models import PublicInstitution

    client.force_login(ledger["officer"])
    response = client.post(
        "/heating/setup/",
        {
            "form": "institution",
            "institution-name": "乙村小学",
            "institution-division": ledger["natural_b"].pk,
            "institution-heated_area_m2": "460",
        },
    )
    assert response.status_code == 302
    assert PublicInstitution.objects.get(name="乙村小学").heated_area_m2 == 460
    assert AuditEntry.objects.filter(object_type="heating.PublicInstitution").exists()
    html = client.post(
        "/heating/setup/",
        {
            "form": "tendered",
            "tendered-kind": "gas_boiler",
            "tendered-model_name": "X",
            "tendered-supplier": "Y",
            "tendered-price": "-1",
        },
    ).content.decode()
    assert "errorlist" in html


def test_town_officers_see_only_their_town(client, ledger, make_user):  # noqa: F811
    client.force_login(make_user("tianzhen-officer", "town_officer", "tianzhen"))
    assert "户主1" not in client.get("/heating/ledger/").content.decode()
    client.force_login(make_user("qingcheng-officer", "town_officer", "qingcheng"))
    assert "户主1" in client.get("/heating/ledger/").content.decode()


def test_export_is_scoped_and_masked_for_roles_without_full_access(client, ledger, make_user):  # noqa: F811
    client.force_login(make_user("auditor-h", "auditor"))
    rows = list(
        load_workbook(BytesIO(client.get("/heating/ledger/?format=xlsx").getvalue())).active.iter_rows(
            values_only=True
        )
    )
    assert len(rows) == 6 and rows[1][1] == "户*1" and "*" in rows[1][2]
    client.force_login(make_user("tianzhen-h", "town_officer", "tianzhen"))
    rows = list(
        load_workbook(BytesIO(client.get("/heating/ledger/?format=xlsx").getvalue())).active.iter_rows()
    )
    assert len(rows) == 1  # only the header: no household in 田镇街道
