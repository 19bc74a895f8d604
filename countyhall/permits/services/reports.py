"""C11: the monthly progress report a lead department owes the reform office before the 25th."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation
from countyhall.core.services.audit import actor_user, audit_record, json_safe, model_snapshot
from countyhall.permits import access
from countyhall.permits.models import ProgressReport, StageLimit


@transaction.atomic
def progress_report_submit(
    *, actor, lead: Organisation, year: int, month: int, on: dt.date, remarks: str = ""
) -> ProgressReport:
    """File the month's report as generated from the cases; a report on or after the 25th is marked late."""
    from countyhall.permits.selectors import monthly_progress

    actor = as_actor(actor)
    user = actor_user(actor)
    require(access.can_submit_progress(actor, lead), "只能报送本部门的进展情况。", field="lead")
    if not StageLimit.objects.filter(lead=lead).exists():
        raise ServiceError("lead", f"{lead} 不是任何审批阶段的牵头部门。")
    if not 1 <= month <= 12:
        raise ServiceError("month", "月份应在 1 至 12 之间。")
    if on < dt.date(year, month, 1):
        raise ServiceError("on", "报送日期不能早于所报月份。")
    if ProgressReport.objects.filter(lead=lead, year=year, month=month).exists():
        raise ServiceError("month", f"{lead} {year}年{month}月的进展情况已报送。")
    progress = monthly_progress(lead=lead, year=year, month=month, on=on)
    summary = {
        "totals": progress["totals"],
        "deadline": progress["deadline"].isoformat(),
        "citation": progress["citation"].as_dict(),
        # The reading the late flag was decided under (C11: is the 25th still in time?) and the version of the
        # report day it read (issue 13: every stored figure keeps its versions).
        "policy_basis": progress["policy_basis"],
        "rows": [
            json_safe({k: v for k, v in row.items() if k not in ("case", "clock")})
            for row in progress["rows"]
        ],
    }
    report = ProgressReport.objects.create(
        lead=lead,
        year=year,
        month=month,
        submitted_on=on,
        submitted_by=user,
        late=on > progress["deadline"],
        summary=summary,
        remarks=remarks.strip(),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=report, after=model_snapshot(report))
    return report
