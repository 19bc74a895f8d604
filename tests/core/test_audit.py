from __future__ import annotations

import pytest
from django.db import transaction

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Division
from countyhall.core.models.audit import AppendOnlyError
from countyhall.core.services.audit import audit_record
from countyhall.core.services.divisions import division_upsert


@pytest.mark.django_db
def test_audit_is_append_only(county_tree):
    entry = AuditEntry.objects.filter(object_type="core.Division").first()
    entry.note = "篡改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="篡改")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_write_records_before_and_after(county_tree, make_user):
    admin = make_user("a", "system_admin")
    division_upsert(
        actor=admin, code="370322001201", name="甲村（更名）", kind="village", parent=county_tree["tianzhen"]
    )
    entry = AuditEntry.objects.filter(object_type="core.Division", action="update").latest("id")
    assert entry.actor == admin and entry.before["name"] == "甲村" and entry.after["name"] == "甲村（更名）"
    # the same values again change nothing and add no row
    count = AuditEntry.objects.count()
    division_upsert(
        actor=admin, code="370322001201", name="甲村（更名）", kind="village", parent=county_tree["tianzhen"]
    )
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_rejected_write_leaves_nothing(county_tree):
    count = (Division.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ServiceError) as error:
        division_upsert(
            actor="t", code="370322999999", name="错层", kind="village", parent=county_tree["county"]
        )
    assert error.value.field == "parent"
    assert (Division.objects.count(), AuditEntry.objects.count()) == count


@pytest.mark.django_db(transaction=True)
def test_audit_row_and_write_share_a_transaction():
    from countyhall.core.services.divisions import division_upsert as upsert

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            upsert(actor="t", code="370322000000", name="高青县", kind="county", parent=None)
            raise RuntimeError("a later step fails")
    assert not Division.objects.filter(code="370322000000").exists()
    assert not AuditEntry.objects.filter(object_type="core.Division").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused():
    county = Division.objects.create(code="370322000000", name="高青县", kind="county", path="/370322000000/")
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        audit_record(actor="t", action="create", instance=county)


@pytest.mark.django_db
def test_audit_page_names_object_types_in_chinese_and_refuses_a_bad_page(client, make_user):
    from countyhall.core.services.audit import audit_personal_read

    auditor = make_user("audit-reader", "auditor")
    audit_personal_read(
        actor=auditor, what="人员列表", object_type="core.Person", count=3, filters={"q": "孙"}
    )
    client.force_login(auditor)
    html = client.get("/audit/").content.decode()
    # The model's Chinese name and its program's; the label core.Person only inside the row's 技术信息.
    assert '<option value="core.Person" >人员（' in html and "对象类型 core.Person" in html
    assert "{&#x27;" not in html and "&quot;count&quot;: 3" in html
    assert client.get("/audit/", {"page": "zz"}).status_code == 400


@pytest.mark.django_db
def test_audit_page_counts_up_to_a_cap_and_goes_on_by_position(
    client, make_user, monkeypatch, django_assert_max_num_queries
):
    """A million-row log: the count stops at the cap, the filter's object types come from an index walk, and
    past the numbered pages 更早的记录 pages by (at, id) instead of an OFFSET; no row is lost or shown twice."""
    import datetime as dt

    from django.utils import timezone

    from countyhall.core.models import AuditEntry
    from countyhall.core.selectors.audit import audit_object_types
    from countyhall.core.services.audit import audit_personal_read
    from countyhall.core.views import audit as audit_view

    monkeypatch.setattr(audit_view, "AUDIT_COUNT_CAP", 100)
    auditor = make_user("audit-cap", "auditor")
    for index in range(130):
        audit_personal_read(actor=auditor, what=f"第{index}次", object_type="core.Person", count=1)
    assert {"core.Person"} <= set(audit_object_types())
    assert audit_object_types() == sorted(set(AuditEntry.objects.values_list("object_type", flat=True)))
    client.force_login(auditor)
    with django_assert_max_num_queries(
        17
    ):  # + the governed-policy check (a savepoint in the test transaction)
        html = client.get("/audit/").content.decode()
    assert "共超过 100 条" in html
    last = client.get("/audit/", {"page": "500"}).content.decode()
    assert "第 2 页" in last and "更早的记录" in last
    seen = []
    url = "/audit/?page=1"
    for _ in range(10):
        response = client.get(url)
        table = response.context["table"]
        seen += [entry.pk for entry in table.rows]
        url = table.older_url() or (table.page_url(table.page.number + 1) if table.page.has_next() else "")
        if not url:
            break
        url = "/audit/" + url
    expected = list(AuditEntry.objects.order_by("-at", "-id").values_list("pk", flat=True))
    assert seen == expected
    # A day as a range of `at` in county time: the rows of that day, none of the next.
    today = timezone.localdate(AuditEntry.objects.latest("at").at)
    html = client.get(
        "/audit/", {"date_from": today.isoformat(), "date_to": today.isoformat()}
    ).content.decode()
    assert "没有记录" not in html
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert "没有记录" in client.get("/audit/", {"date_from": tomorrow}).content.decode()


def test_a_large_audit_export_is_a_job_for_auditors_only(client, make_user, settings):
    """Past COUNTYHALL_JOB_EXPORT_ROWS rows the log's Excel export is built by the worker (a county year is a
    million rows): the page redirects to the job, which re-reads the filters for its starter and logs the export."""
    import io

    from openpyxl import load_workbook

    from countyhall.core.jobs import execute_job
    from countyhall.core.models import Job
    from countyhall.core.services.audit import audit_personal_read

    auditor = make_user("audit-job", "auditor")
    for index in range(4):
        audit_personal_read(actor=auditor, what=f"导出前第{index}次", object_type="core.Person", count=1)
    settings.COUNTYHALL_JOB_EXPORT_ROWS = 2
    client.force_login(auditor)
    response = client.get("/audit/", {"format": "xlsx", "object_type": "core.Person"})
    job = Job.objects.get(kind="core.audit_export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert execute_job(job.pk) == "done"
    download = client.get(f"/jobs/{job.pk}/download")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row - 1 == Job.objects.get(pk=job.pk).result["导出记录"] >= 4
    assert AuditEntry.objects.filter(object_repr__startswith="审计日志导出").count() == 1
    # Someone who is not an auditor gets no job.
    client.force_login(make_user("not-auditor", "civil_affairs"))
    assert client.get("/audit/", {"format": "xlsx"}).status_code == 403
    assert Job.objects.filter(kind="core.audit_export").count() == 1


def test_an_audit_export_past_excels_limit_is_refused(client, make_user, monkeypatch):
    from countyhall.core.views import audit

    monkeypatch.setattr(audit, "EXCEL_MAX_DATA_ROWS", 0)
    client.force_login(make_user("audit-limit", "auditor"))
    response = client.get("/audit/", {"format": "xlsx"})
    assert response.status_code == 400 and "Excel 一张表的上限" in response.content.decode()
