"""Administering a document's life from the pages and the command line (issue 15): an amendment, a repeal or a lapse
citing the document that caused it, checked (dates, clauses, no second repeal), confirmed before it is saved,
audited, and corrected with a reason without overwriting the entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from countyhall import cli
from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.gazette import access, selectors, services
from countyhall.gazette.models import Document, DocumentEvent

pytestmark = pytest.mark.django_db

CANTEENS = "高政办发〔2021〕2号"  # dated 2021-08-03
CAUSE = "高政办发〔2021〕3号"  # dated 2021-08-09
LATER_CAUSE = "高政字〔2021〕60号"  # dated 2021-09-26


@pytest.fixture
def admin(make_user):
    return make_user("event-admin", Role.SYSTEM_ADMIN)


def _repeal(actor, **fields):
    data = {"number": CANTEENS, "kind": "repealed", "date": dt.date(2023, 6, 1), "cause_number": CAUSE}
    return services.event_record(actor=actor, **{**data, **fields})


# ---- services ----------------------------------------------------------------------------------------------------


def test_the_effective_date_is_not_before_the_causing_documents_date(admin):
    with pytest.raises(ServiceError) as refused:
        _repeal(admin, date=dt.date(2021, 9, 1), cause_number=LATER_CAUSE)
    assert (
        refused.value.field == "date"
        and "依据文件 高政字〔2021〕60号 成文于2021年9月26日" in refused.value.message
    )
    assert _repeal(admin, date=dt.date(2021, 9, 26), cause_number=LATER_CAUSE).date == dt.date(2021, 9, 26)


def test_a_repealed_document_is_not_repealed_again_nor_amended_after(admin):
    _repeal(admin)
    with pytest.raises(ServiceError) as again:
        _repeal(admin, date=dt.date(2023, 7, 1))
    assert again.value.field == "kind" and "已于2023年6月1日废止" in again.value.message
    with pytest.raises(ServiceError) as lapse:
        _repeal(admin, kind="lapsed", date=dt.date(2023, 7, 1))
    assert lapse.value.field == "kind"
    with pytest.raises(ServiceError) as amended:
        _repeal(admin, kind="amended", clauses=["五、（一）"], date=dt.date(2023, 6, 1))
    assert amended.value.field == "date" and "此后不能修改" in amended.value.message
    assert DocumentEvent.objects.filter(number=CANTEENS, kind="repealed").count() == 1


def test_a_repeal_names_no_clauses(admin):
    with pytest.raises(ServiceError) as refused:
        _repeal(admin, clauses=["五、（一）"])
    assert refused.value.field == "clauses"


def test_the_causing_document_is_chosen_by_its_title(admin):
    title = Document.objects.get(number=CAUSE).title
    event = _repeal(admin, cause_number=title)
    assert event.cause_number == CAUSE and event.cause.number == CAUSE


def test_a_correction_keeps_the_entry_and_says_why(admin):
    first = _repeal(admin, note="县政府决定废止")
    corrected = services.event_correct(
        actor=admin,
        event=first,
        reason="生效日期录错，应为7月1日",
        kind="repealed",
        date=dt.date(2023, 7, 1),
        cause_number=CAUSE,
        note="县政府决定废止",
    )
    first = DocumentEvent.history.get(pk=first.pk)
    assert first.superseded_by == corrected and first.date == dt.date(2023, 6, 1)  # kept as it was
    assert corrected.correction_reason == "生效日期录错，应为7月1日"
    live = DocumentEvent.objects.filter(number=CANTEENS, kind="repealed")
    assert list(live) == [corrected]  # the old entry no longer counts
    document = Document.objects.get(number=CANTEENS)
    assert selectors.document_standing(document, dt.date(2023, 6, 15)).code == "in_force"
    assert selectors.document_standing(document, dt.date(2023, 7, 1)).code == "repealed"
    audit = AuditEntry.objects.filter(action="update", object_type="gazette.DocumentEvent").latest("id")
    assert audit.before["date"] == "2023-06-01" and audit.after["date"] == "2023-07-01"
    assert "生效日期录错" in audit.note
    with pytest.raises(ServiceError) as twice:
        services.event_correct(
            actor=admin,
            event=first,
            reason="再改",
            kind="repealed",
            date=dt.date(2023, 8, 1),
            cause_number=CAUSE,
        )
    assert twice.value.field == "event"
    assert [e.pk for e in selectors.events_list(number=CANTEENS, kind="repealed", history=True)] == [
        corrected.pk,
        first.pk,
    ]


def test_a_correction_needs_a_reason_and_refuses_derived_entries(admin):
    first = _repeal(admin)
    with pytest.raises(ServiceError) as no_reason:
        services.event_correct(
            actor=admin,
            event=first,
            reason=" ",
            kind="repealed",
            date=dt.date(2023, 7, 1),
            cause_number=CAUSE,
        )
    assert no_reason.value.field == "reason"
    derived = Document.objects.get(number=CANTEENS).events.get(kind="expires")
    with pytest.raises(ServiceError) as not_administered:
        services.event_correct(
            actor=admin,
            event=derived,
            reason="试试",
            kind="lapsed",
            date=dt.date(2023, 7, 1),
            cause_number=CAUSE,
        )
    assert not_administered.value.field == "event"
    assert not DocumentEvent.history.filter(superseded_by__isnull=False).exists()


def test_a_correction_may_repeal_a_document_its_own_entry_repealed(admin):
    # the check "not repealed already" leaves out the entry being corrected
    first = _repeal(admin)
    corrected = services.event_correct(
        actor=admin,
        event=first,
        reason="依据文件录错",
        kind="repealed",
        date=dt.date(2023, 6, 1),
        cause_number=LATER_CAUSE,
    )
    assert corrected.cause_number == LATER_CAUSE


# ---- who may ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.CIVIL_AFFAIRS, Role.AUDITOR, Role.FINANCE])
def test_who_may_record_and_correct(make_user, admin, role):
    user = make_user(f"who-{role}", role)
    allowed = {p.action: p.scope_for(role) is not None for p in access.PERMISSIONS}
    assert allowed["gazette.event_record"] == allowed["gazette.event_correct"] == (role == Role.SYSTEM_ADMIN)
    first = _repeal(admin)
    if allowed["gazette.event_correct"]:
        services.event_correct(
            actor=user,
            event=first,
            reason="核对后更正",
            kind="lapsed",
            date=dt.date(2023, 6, 1),
            cause_number=CAUSE,
        )
    else:
        with pytest.raises(AccessDenied):
            services.event_correct(
                actor=user,
                event=first,
                reason="核对后更正",
                kind="lapsed",
                date=dt.date(2023, 6, 1),
                cause_number=CAUSE,
            )
        with pytest.raises(AccessDenied):
            _repeal(user, kind="lapsed", date=dt.date(2023, 8, 1))


# ---- pages --------------------------------------------------------------------------------------------------------


def test_the_page_confirms_before_it_records(client, admin):
    client.force_login(admin)
    data = {
        "number": CANTEENS,
        "kind": "amended",
        "date": "2022-01-01",
        "cause_number": Document.objects.get(number=CAUSE).title,  # chosen by name
        "clauses": "五、（一）2",
        "version": "2",
        "note": "补贴标准调整",
    }
    page = client.get(reverse("gazette:event-new")).content.decode()
    assert 'list="gazette-documents"' in page and "关于加快推进“长者食堂”建设的实施意见" in page
    preview = client.post(reverse("gazette:event-new"), data)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="confirm-box"' in html
    assert "2022年1月1日" in html and "高政办发〔2021〕3号《" in html and "所涉条款 五、（一）2：" in html
    assert "第2版" in html and not DocumentEvent.objects.filter(kind="amended").exists()
    # 返回修改 goes back to the form with what was typed, and records nothing.
    back = client.post(reverse("gazette:event-new"), {**data, "edit": "1"}).content.decode()
    assert (
        'id="confirm-box"' not in back and "补贴标准调整</textarea>" in back and 'value="五、（一）2"' in back
    )
    assert not DocumentEvent.objects.filter(kind="amended").exists()
    done = client.post(reverse("gazette:event-new"), {**data, "confirmed": "1"})
    assert done.status_code == 302
    event = DocumentEvent.objects.get(kind="amended", number=CANTEENS)
    assert event.clauses == ["五、（一）2"] and event.version == 2 and event.cause_number == CAUSE
    assert AuditEntry.objects.filter(object_type="gazette.DocumentEvent", action="create").exists()


def test_the_page_names_the_field_of_a_refusal(client, admin):
    client.force_login(admin)
    data = {"number": CANTEENS, "kind": "amended", "date": "2022-01-01", "cause_number": CAUSE, "note": "x"}
    missing = client.post(reverse("gazette:event-new"), {**data, "clauses": "九、（九）"})
    html = missing.content.decode()
    assert missing.status_code == 200 and "没有条款 九、（九）" in html and 'id="confirm-box"' not in html
    early = client.post(reverse("gazette:event-new"), {**data, "clauses": "五、（一）", "date": "2021-08-05"})
    assert "不能早于此日" in early.content.decode()
    # a forged confirmation is checked again
    forged = client.post(reverse("gazette:event-new"), {**data, "clauses": "九、（九）", "confirmed": "1"})
    assert forged.status_code == 200 and not DocumentEvent.objects.filter(kind="amended").exists()


def test_the_correction_page_confirms_and_keeps_the_history(client, admin):
    first = _repeal(admin)
    client.force_login(admin)
    register = client.get(reverse("gazette:register")).content.decode()
    assert reverse("gazette:event-correct", args=[first.pk]) in register
    url = reverse("gazette:event-correct", args=[first.pk])
    page = client.get(url).content.decode()
    assert 'id="event-history"' in page and "现行登记" in page
    data = {
        "kind": "repealed",
        "date": "2023-07-01",
        "cause_number": CAUSE,
        "note": "废止",
        "reason": "日期录错",
    }
    no_reason = client.post(url, {**data, "reason": ""})
    assert "更正理由" in no_reason.content.decode() and 'id="confirm-box"' not in no_reason.content.decode()
    preview = client.post(url, data).content.decode()
    assert (
        'id="confirm-box"' in preview and "更正原登记：2023年6月1日 废止" in preview and "日期录错" in preview
    )
    assert client.post(url, {**data, "confirmed": "1"}).status_code == 302
    history = client.get(reverse("gazette:register"), {"history": "1", "kind": "repealed"}).content.decode()
    assert "已更正" in history and "更正理由：日期录错" in history
    assert 'id="already-corrected"' in client.get(url).content.decode()


def test_entry_pages_refuse_other_roles(client, make_user, admin):
    first = _repeal(admin)
    client.force_login(make_user("event-officer", Role.CIVIL_AFFAIRS))
    assert client.get(reverse("gazette:event-correct", args=[first.pk])).status_code == 403
    assert (
        client.post(reverse("gazette:event-correct", args=[first.pk]), {"confirmed": "1"}).status_code == 403
    )


# ---- command line -------------------------------------------------------------------------------------------------


def _cli(capsys, *argv):
    code = cli.main(["gazette", "event", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_cli_records_corrects_and_lists(capsys):
    code, out = _cli(
        capsys,
        "record",
        "--number", CANTEENS, "--kind", "amended", "--date", "2022-01-01", "--cause", CAUSE,
        "--clause", "五、（一）2", "--version", "2", "--reason", "补贴标准调整",
    )  # fmt: skip
    assert code == 0 and out["recorded"]["clauses"] == ["五、（一）2"] and out["recorded"]["version"] == 2
    event_id = out["recorded"]["id"]
    code, out = _cli(capsys, "correct", str(event_id), "--date", "2022-02-01", "--reason", "生效日期录错")
    assert (
        code == 0
        and out["recorded"]["date"] == "2022-02-01"
        and out["recorded"]["clauses"] == ["五、（一）2"]
    )
    assert out["recorded"]["correction_reason"] == "生效日期录错"
    code, listed = _cli(capsys, "list", "--number", CANTEENS, "--history")
    amended = [e for e in listed if e["kind"] == "amended"]
    assert code == 0 and [e["superseded_by"] for e in amended] == [None, out["recorded"]["id"]]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["record", "--number", CANTEENS, "--kind", "amended", "--date", "2022-01-01", "--cause", CAUSE,
          "--clause", "九、（九）", "--reason", "x"], "clauses"),
        (["record", "--number", CANTEENS, "--kind", "repealed", "--date", "2021-09-01", "--cause", LATER_CAUSE,
          "--reason", "x"], "date"),
        (["record", "--number", CANTEENS, "--kind", "repealed", "--date", "2021-13-01", "--cause", CAUSE,
          "--reason", "x"], "--date"),
        (["record", "--number", CANTEENS, "--kind", "issued", "--date", "2022-01-01", "--cause", CAUSE,
          "--reason", "x"], "--kind"),
        (["record", "--number", CANTEENS, "--kind", "repealed", "--date", "2022-01-01", "--cause", CAUSE],
         "--reason"),
        (["correct", "999999", "--reason", "x"], "id"),
        (["list", "--kind", "nonsense"], "--kind"),
    ],
)  # fmt: skip
def test_cli_bad_input_exits_2_naming_the_field(capsys, argv, field):
    code, out = _cli(capsys, *argv)
    assert code == 2 and out["error"]["field"] == field
    assert not DocumentEvent.objects.filter(origin=DocumentEvent.Origin.ADMINISTERED).exists()
