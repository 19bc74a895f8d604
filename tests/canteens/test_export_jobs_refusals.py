"""The canteen lists' export jobs attacked (session 23's attack): a refused export reads nothing and audits nothing;
a job whose starter changed since it was submitted fails with the reason, not "任务执行出错"; a deactivated
starter's export is not written; a result file cut short is not left behind."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db


def reads(what: str):
    return AuditEntry.objects.filter(action=AuditEntry.Action.READ, object_repr__startswith=what)


def three_lunches(world, settings) -> None:
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    for key in ("same_80", "same_65", "other_70"):
        lunch_check_in(
            actor=world["users"]["operator"],
            facility=world["facility"],
            identifier=world["elders"][key].person.id_number,
            meal_date=dt.date(2022, 6, 14),
        )


@pytest.mark.parametrize(
    ("url", "query", "field", "audited"),
    [
        ("/canteens/elders/", {"export": "XLSX"}, "导出格式", "助餐老人导出"),
        ("/canteens/elders/", {"export": "pdf"}, "导出格式", "助餐老人导出"),
        ("/canteens/lunches/", {"export": "xls"}, "导出格式", "午餐登记导出"),
        ("/canteens/lunches/", {"export": "csv", "cols": "salary"}, "导出列", "午餐登记导出"),
    ],
)
def test_a_refused_export_leaves_no_audit_row(client, filed_world, settings, url, query, field, audited):
    """A refused export read nothing: the list wrote its "导出" audit row before the format (or the lunches' CSV
    columns) was checked, so the log showed an export of N rows that never happened."""
    three_lunches(filed_world, settings)
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 1
    client.force_login(filed_world["users"]["minzheng"])
    response = client.get(url, query)
    assert response.status_code == 400 and field in response.content.decode()
    assert not reads(audited).exists() and not Job.objects.exists()
