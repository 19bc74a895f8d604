"""告知承诺 (C8) and the credit blacklist (C10)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from countyhall.core.access import require
from countyhall.core.actors import actor_label, as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation
from countyhall.core.services.audit import audit_record, model_snapshot
from countyhall.permits import access
from countyhall.permits.models import Case, Commitment, CreditRecord


def credit_records_in_force(organisation: Organisation, *, on: dt.date, people: tuple[str, ...] = ()):
    """Listings in force on `on` of the firm, or of its named people (法定代表人, 项目负责人) as practitioners."""
    names = [name.strip() for name in people if name and name.strip()]
    return (
        CreditRecord.objects.filter(
            Q(organisation=organisation) | Q(practitioner__in=names), listed_on__lte=on
        )
        .exclude(until__lt=on)
        .select_related("organisation")
    )


def project_credit_records(project, *, on: dt.date):
    return credit_records_in_force(
        project.applicant, on=on, people=(project.legal_representative, project.project_manager)
    )


def blacklisted(organisation: Organisation, *, on: dt.date, people: tuple[str, ...] = ()) -> bool:
    return credit_records_in_force(organisation, on=on, people=people).exists()


@transaction.atomic
def credit_record_add(
    *,
    actor,
    reason: str,
    detail: str,
    listed_on: dt.date,
    organisation: Organisation | None = None,
    practitioner: str = "",
    until: dt.date | None = None,
    source: str = "",
) -> CreditRecord:
    actor = as_actor(actor)
    require(
        access.can_keep_credit(actor),
        "只有县行政审批服务局、住建、市场监管部门或系统管理员可以维护失信名单。",
    )
    return _credit_record_create(
        actor=actor,
        reason=reason,
        detail=detail,
        listed_on=listed_on,
        organisation=organisation,
        practitioner=practitioner,
        until=until,
        source=source,
    )


@transaction.atomic
def _credit_record_create(
    *,
    actor,
    reason: str,
    detail: str,
    listed_on: dt.date,
    organisation: Organisation | None,
    practitioner: str,
    until: dt.date | None,
    source: str,
) -> CreditRecord:
    """The listing itself; also the consequence of a broken commitment (C8), which the checker's own
    permission covers (a lead department need not keep the blacklist to trigger it)."""
    if organisation is None and not practitioner.strip():
        raise ServiceError("organisation", "请指明失信的单位或从业人员。")
    if reason not in CreditRecord.Reason.values:
        raise ServiceError("reason", "失信原因应为违法违规、不履行承诺或拖欠农民工工资。")
    if not detail.strip():
        raise ServiceError("detail", "请写明失信情况。")
    if until is not None and until < listed_on:
        raise ServiceError("until", "移出日期不能早于列入日期。")
    record = CreditRecord.objects.create(
        organisation=organisation,
        practitioner=practitioner.strip(),
        reason=reason,
        detail=detail.strip(),
        listed_on=listed_on,
        until=until,
        source=source.strip(),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=record, after=model_snapshot(record))
    return record


@transaction.atomic
def credit_record_end(*, actor, record: CreditRecord, until: dt.date) -> CreditRecord:
    """信用修复: the listing ends on `until`; the record stays for the history."""
    actor = as_actor(actor)
    require(
        access.can_keep_credit(actor),
        "只有县行政审批服务局、住建、市场监管部门或系统管理员可以维护失信名单。",
    )
    if until < record.listed_on:
        raise ServiceError("until", "移出日期不能早于列入日期。")
    before = model_snapshot(record)
    record.until = until
    record.save(update_fields=["until"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=record,
        before=before,
        after=model_snapshot(record),
        note="移出失信名单",
    )
    return record


@transaction.atomic
def commitment_accept(
    *, actor, case: Case, item: str, area: str, committed_on: dt.date, check_due: dt.date
) -> Commitment:
    """C8: notify-and-commit, except where public safety, the ecology or health are directly concerned."""
    actor = as_actor(actor)
    require(access.can_supervise_commitment(actor, case), "告知承诺由牵头部门或综合服务窗口办理。")
    if not item.strip():
        raise ServiceError("item", "请填写承诺事项。")
    if area not in Commitment.Area.values:
        raise ServiceError("area", "未知的领域。")
    if area != Commitment.Area.GENERAL:
        raise ServiceError("area", f"直接涉及{Commitment.Area(area).label}的事项不适用告知承诺制。")
    if check_due < committed_on:
        raise ServiceError("check_due", "核查期限不能早于承诺日期。")
    if case.status in (Case.Status.REFUSED, Case.Status.REVOKED):
        raise ServiceError("case", f"该事项已{case.get_status_display()}，不能再以承诺方式办理。")
    commitment = Commitment.objects.create(
        case=case, item=item.strip(), area=area, committed_on=committed_on, check_due=check_due
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=commitment, after=model_snapshot(commitment)
    )
    return commitment


@transaction.atomic
def commitment_check(*, actor, commitment: Commitment, kept: bool, findings: str, on: dt.date) -> Commitment:
    """A broken commitment revokes the approval and puts the applicant on the blacklist (C8, C10)."""
    actor = as_actor(actor)
    require(access.can_supervise_commitment(actor, commitment.case), "告知承诺由牵头部门或综合服务窗口核查。")
    if not findings.strip():
        raise ServiceError("findings", "请写明核查意见。")
    if commitment.checked_on is not None:
        raise ServiceError("commitment", "该承诺已核查。")
    if on < commitment.committed_on:
        raise ServiceError("on", "核查日期不能早于承诺日期。")
    before = model_snapshot(commitment)
    commitment.checked_on, commitment.kept, commitment.findings = on, kept, findings.strip()
    commitment.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=commitment,
        before=before,
        after=model_snapshot(commitment),
    )
    if not kept:
        case = Case.objects.select_for_update().get(pk=commitment.case_id)
        case_before = model_snapshot(case)
        case.status = Case.Status.REVOKED
        case.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=case,
            before=case_before,
            after=model_snapshot(case),
            note=f"未履行承诺“{commitment.item}”，撤销许可",
        )
        checker = str(actor.organisation or actor) if not actor.is_system else actor_label(actor)
        _credit_record_create(
            actor=actor,
            organisation=case.project.applicant,
            reason=CreditRecord.Reason.BROKEN_COMMITMENT,
            detail=f"{case}：未履行承诺“{commitment.item}”。{findings.strip()}",
            listed_on=on,
            practitioner="",
            until=None,
            source=f"告知承诺核查（{checker}）",
        )
    return commitment
