"""The bulk path of the elder import (issue 11) writes what the per-row services wrote: the same persons, elders,
特困 periods and audit rows (masked the same way), in batches."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction

from countyhall.canteens.models import Elder, TekunStatus
from countyhall.canteens.services import elders as elder_services
from countyhall.canteens.services.elders import SUPPORT_WORDS, elder_import, elder_register, tekun_status_add
from countyhall.core.actors import as_actor
from countyhall.core.models import AuditEntry, Person
from countyhall.core.services.audit import audit_entry_build, audit_record_many
from countyhall.core.services.people import person_register
from tests.canteens.test_import_and_evaluation import workbook
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db

NATURAL_B = "370322101201001"
ROWS = [
    [valid_id("37032219450101511"), "周大福", "是", NATURAL_B, "乙庄5号", "13800000001", "S001", "", "", ""],
    [
        valid_id("37032219480606522"),
        "欧阳小芳",
        "否",
        NATURAL_B,
        "",
        "",
        "",
        "青民救〔2021〕9号",
        "2021-03-01",
        "集中",
    ],
    [valid_id("37032219700707533"), "吴二", "是", NATURAL_B, "", "0533-6912345", "S003", "", "", ""],
]
KNOWN = valid_id("37032219420202544")  # a person already registered (in scope), not yet an elder
ROWS.append(
    [KNOWN, "郑老", "是", NATURAL_B, "乙庄9号", "", "S004", "青民救〔2021〕10号", "2021-05-01", "分散"]
)


def _normalised(entries) -> list[tuple]:
    """The audit rows without what differs between two runs: row ids, times, and the ids they mention."""
    volatile = {"id", "created_at", "updated_at", "registered_at", "person_id", "elder_id"}

    def clean(data):
        if isinstance(data, dict):
            return {k: clean(v) for k, v in data.items() if k not in volatile}
        return data

    return [
        (
            e.action,
            e.actor_id,
            e.actor_label,
            e.object_type,
            re.sub(r"#\d+", "#N", e.object_repr),
            clean(e.before),
            clean(e.after),
            e.note,
        )
        for e in entries
    ]


def _written(since: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(pk__gt=since).exclude(action=AuditEntry.Action.INGEST).order_by("pk")
    )


def _state(ids) -> list[tuple]:
    return sorted(
        (
            e.person.id_number,
            e.person.name,
            e.person.sex,
            e.person.birth_date,
            e.person.division_id,
            e.person.address,
            e.person.phone,
            e.gaoqing_hukou,
            e.card_number,
            [(t.source, t.valid_from, t.valid_to) for t in e.tekun_periods.all()],
        )
        for e in Elder.objects.filter(person__id_number__in=ids).select_related("person")
    )


def test_bulk_path_writes_the_rows_and_audit_rows_the_services_wrote(canteen_world, county_tree, monkeypatch):
    officer = canteen_world["users"]["town"]
    person_register(actor=officer, id_number=KNOWN, name="郑老", division=county_tree["natural_b"])
    ids = [row[0] for row in ROWS]
    # The per-row services (what the import called for every new row before), rolled back afterwards.
    with transaction.atomic():
        start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        for id_number, name, hukou, _, address, phone, card, source, since, support in ROWS:
            elder = elder_register(
                actor=officer,
                id_number=id_number,
                name=name,
                division=county_tree["natural_b"],
                gaoqing_hukou=hukou == "是",
                address=address,
                phone=phone,
                card_number=card,
            )
            if source:
                tekun_status_add(
                    actor=officer,
                    elder=elder,
                    source=source,
                    valid_from=dt.date.fromisoformat(since),
                    support=SUPPORT_WORDS[support],
                )
        by_services = _normalised(_written(start))
        state_services = _state(ids)
        transaction.set_rollback(True)
    assert not Elder.objects.filter(person__id_number__in=ids).exists()

    monkeypatch.setattr(elder_services, "IMPORT_BATCH", 2)  # several batches, the last one partial
    start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    report = elder_import(actor=officer, content=workbook(ROWS))
    assert report.applied and report.created == 4 and not report.errors

    bulk = _written(start)
    assert _normalised(bulk) == by_services
    assert _state(ids) == state_services
    # Each audit row names its own object: person, elder, 特困 period in that order per elder, masked.
    elders = {
        e.person.id_number: e
        for e in Elder.objects.filter(person__id_number__in=ids).select_related("person")
    }
    first = elders[ROWS[0][0]]
    person_row, elder_row = bulk[0], bulk[1]
    assert (person_row.object_type, person_row.object_id) == ("core.Person", str(first.person_id))
    assert (elder_row.object_type, elder_row.object_id) == ("canteens.Elder", str(first.pk))
    assert "周大福" not in str(person_row.after) and person_row.after["name"] == "周*福"
    assert elder_row.object_repr.startswith("助餐老人 周*福（370322")
    tekun = TekunStatus.objects.get(elder=elders[KNOWN])
    assert (
        AuditEntry.objects.filter(
            object_type="canteens.TekunStatus",
            object_id=str(tekun.pk),
            object_repr=f"老人 #{elders[KNOWN].pk} 特困认定",
        ).count()
        == 1
    )
    # The known person was reused, not registered again (no second person audit row).
    assert Person.objects.filter(id_number=KNOWN).count() == 1
    assert [e.object_type for e in bulk].count("core.Person") == 3


def test_progress_moves_in_batches_up_to_the_total(canteen_world, monkeypatch):
    monkeypatch.setattr(elder_services, "IMPORT_BATCH", 1)
    seen = []
    report = elder_import(
        actor=canteen_world["users"]["town"],
        content=workbook(ROWS),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.created == 4
    written = [done for done, total in seen if total]
    assert written == sorted(written) and written[-1] == 2 * len(ROWS)
    assert len([d for d in written if d > len(ROWS)]) == len(ROWS)  # one step per batch of one


def test_refused_file_and_preview_write_no_new_elder(canteen_world):
    officer = canteen_world["users"]["town"]
    bad = [*ROWS, ["370322194501010110", "坏一", "是", NATURAL_B, "", "", "", "", ""]]
    before = (Person.objects.count(), Elder.objects.count(), AuditEntry.objects.count())
    report = elder_import(actor=officer, content=workbook(bad))
    assert not report.applied and report.created == 0
    preview = elder_import(actor=officer, content=workbook(ROWS), mode="update")
    assert preview.preview and preview.created == 4
    # Only the preview's own read of personal data is logged.
    assert (Person.objects.count(), Elder.objects.count()) == before[:2]
    assert AuditEntry.objects.count() == before[2] + 1


@pytest.mark.django_db(transaction=True)
def test_audit_record_many_needs_the_transaction():
    entry = audit_entry_build(
        actor=as_actor("test"), action=AuditEntry.Action.CREATE, object_type="x", object_repr="x"
    )
    with pytest.raises(RuntimeError):
        audit_record_many([entry])


def _rows(count: int, first: int = 0) -> list[list]:
    rows = []
    for i in range(first, first + count):
        rows.append(
            [
                valid_id(f"370322194{i // 28 % 10}{i // 28 % 12 + 1:02d}{i % 28 + 1:02d}{i % 997:03d}"),
                "钱老" + "一二三四五六七八九十"[i % 10],
                "是",
                NATURAL_B,
                "",
                "",
                f"Q{i:05d}",
                "青民救〔2021〕9号" if i % 3 == 0 else "",
                "2021-03-01" if i % 3 == 0 else "",
                "分散" if i % 3 == 0 else "",
            ]
        )
    return rows


def test_the_queries_do_not_grow_with_the_rows(canteen_world, django_assert_max_num_queries):
    """The set-based import: a few queries per batch of new elders, none per row (30 rows and 300 rows in
    one batch take the same number)."""
    officer = canteen_world["users"]["town"]
    counts = []
    for count, first in ((30, 0), (300, 1000)):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            report = elder_import(actor=officer, content=workbook(_rows(count, first)))
        assert report.applied and report.created == count and not report.errors
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(40):
        elder_import(actor=officer, content=workbook(_rows(50, 5000)))


def test_a_second_import_of_the_same_file_writes_nothing(canteen_world):
    officer = canteen_world["users"]["town"]
    content = workbook(_rows(40))
    assert elder_import(actor=officer, content=content).created == 40
    before = (Person.objects.count(), Elder.objects.count(), TekunStatus.objects.count())
    again = elder_import(actor=officer, content=content)
    assert again.created == 0 and again.unchanged == 40
    assert (Person.objects.count(), Elder.objects.count(), TekunStatus.objects.count()) == before


def test_the_ids_the_audit_rows_name_are_the_rows_written(canteen_world, monkeypatch):
    """COPY (PostgreSQL) takes the ids from the sequences first; SQLite reads them back: either way each
    audit row's object id and snapshot are its own row's."""
    monkeypatch.setattr(elder_services, "IMPORT_BATCH", 7)
    officer = canteen_world["users"]["town"]
    start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    report = elder_import(actor=officer, content=workbook(_rows(20, 300)))
    assert report.created == 20
    written = _written(start)
    assert len(written) == 20 * 2 + 7  # person and elder per row, 特困 on rows 300, 303, … 318
    for entry in written:
        model = {"core.Person": Person, "canteens.Elder": Elder, "canteens.TekunStatus": TekunStatus}[
            entry.object_type
        ]
        row = model.objects.get(pk=int(entry.object_id))
        assert entry.after["id"] == row.pk
        if model is Elder:
            assert entry.after["person_id"] == row.person_id and entry.after["card_number"] == row.card_number
        if model is TekunStatus:
            assert entry.object_repr == f"老人 #{row.elder_id} 特困认定"
    # A new row after the import gets the next id (the sequences moved past the ids taken).
    person = person_register(
        actor=officer,
        id_number=valid_id("37032219400101999"),
        name="后来",
        division=Person.objects.first().division,
    )
    assert person.pk > max(int(e.object_id) for e in written if e.object_type == "core.Person")
