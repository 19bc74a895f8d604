from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from countyhall.core.db import insert_row
from countyhall.core.models import AuditEntry, Division
from countyhall.core.services.audit import audit_entry_build


@pytest.mark.django_db
def test_insert_row_behaves_like_save_for_a_new_row():
    entry = insert_row(
        audit_entry_build(
            actor="t",
            action="create",
            object_type="x",
            object_id="1",
            after={"amount": "3.00"},
            note="快速插入",
        )
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.at is not None and stored.after == {"amount": "3.00"} and stored.note == "快速插入"
    assert not entry._state.adding


@pytest.mark.django_db
def test_insert_row_raises_integrity_error_on_a_duplicate():
    insert_row(Division(code="370322000000", name="高青县", kind="county", path="/370322000000/"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_row(Division(code="370322000000", name="重复", kind="county", path="/x/"))
    assert Division.objects.filter(code="370322000000").count() == 1
