from __future__ import annotations

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.identity import IdNumberError, parse_id_number
from countyhall.core.models import AuditEntry, Division, Person
from countyhall.core.permissions import can_register_person
from countyhall.core.roles import Capability

from .audit import audit_record, model_snapshot


@transaction.atomic
def person_register(
    *, actor, id_number: str, name: str, division: Division, address: str = "", phone: str = ""
) -> Person:
    """Register a resident once, by 身份证号; birth date and sex come from the number."""
    actor = as_actor(actor)
    # System actors (the demo loader, imports run from the command line) register without a scope.
    if not actor.is_system:
        # The predicate decides; the first check only gives a role without person.edit its own message.
        require(actor.can(Capability.PERSON_EDIT), "当前角色无权登记人员信息。")
        require(can_register_person(actor, division), "只能登记本人数据范围内的人员。", field="division")
    try:
        parsed = parse_id_number(id_number)
    except IdNumberError as exc:
        raise ServiceError("id_number", str(exc)) from None
    if not name.strip():
        raise ServiceError("name", "姓名不能为空。")
    if Person.objects.filter(id_number=parsed.value).exists():
        raise ServiceError("id_number", "该身份证号已登记，同一人只能登记一次。")
    person = Person.objects.create(
        id_number=parsed.value,
        name=name.strip(),
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        division=division,
        address=address.strip(),
        phone=phone.strip(),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=person, after=model_snapshot(person))
    return person
