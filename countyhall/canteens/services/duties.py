"""Operating duties of 四、（二） tracked as records, with reminders (canteens.todos):

- 四、（二）5 (L1195–1199): the subsidy money is kept in its own accounts and each year a professional agency reports
  on its use. One FundUseReport per facility and year, uploaded by the operator (or the town, or 民政); a year
  that has ended without one is a to-do for the operator, the town and 民政.
- 四、（二）4 (L1177–1185): the "五公开" wall notices (the list is a parameter, canteen.five_public.items). The town
  checks them on site (六、（三）: the towns supervise their canteens) and records what it found, dated and signed;
  never verified, or something missing at the last visit, is a to-do.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from countyhall.canteens import access
from countyhall.canteens.models import Facility, FundUseReport, NoticeCheck
from countyhall.canteens.rules import in_force_window
from countyhall.core.access import require
from countyhall.core.actors import actor_label, actor_user, as_actor
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.policy import Citation, NoPolicyInForce
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import audit_record, model_snapshot

REPORT_MAX_BYTES = 20 * 1024 * 1024  # an upload guard, not policy
REPORT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ofd")
# What a file of each kind begins with: a renamed program (MZ…) or web page is not a report. Word/Excel 2007+ and OFD
# are ZIP packages, the older Word/Excel compound files.
_ZIP, _OLE = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
REPORT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": _OLE,
    ".xls": _OLE,
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".ofd": _ZIP,
}


def _file_head(file, size: int = 16) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def fund_report_years(facility: Facility, today: dt.date) -> list[int]:
    """The years a facility owes a fund-use report for: every ended year of service the opinion was in force in."""
    if facility.service_start is None:
        return []
    start, end = in_force_window()
    first = max(facility.service_start.year, start.year)
    last = min(today.year - 1, end.year if end else today.year - 1)
    if facility.revoked_on:
        last = min(last, facility.revoked_on.year)
    return list(range(first, last + 1))


def missing_fund_reports(facilities, today: dt.date) -> list[tuple[Facility, int]]:
    """(facility, year) pairs without a report: two queries for any number of facilities."""
    facilities = list(facilities)
    done = set(FundUseReport.objects.filter(facility__in=facilities).values_list("facility_id", "year"))
    return [(f, y) for f in facilities for y in fund_report_years(f, today) if (f.pk, y) not in done]


@transaction.atomic
def fund_report_upload(
    *,
    actor,
    facility: Facility,
    year: int,
    agency: str,
    report_date: dt.date,
    file,
    separate_account: bool,
    account_note: str = "",
) -> FundUseReport:
    actor = as_actor(actor)
    require(
        access.can_upload_fund_report(actor, facility),
        "只有本机构运营方、所在镇（街道）或县民政局可以上传资金使用报告。",
    )
    today = business_date()
    if year not in fund_report_years(facility, today) and year != today.year:
        raise ServiceError(
            "year", f"{facility.name}在{year}年度没有应报告的补贴资金（须为开始服务后、政策施行期内的年度）。"
        )
    agency = (agency or "").strip()
    if len(agency) < 2:
        raise ServiceError("agency", "请填写出具报告的专业机构名称（文件要求委托专业机构出具）。")
    if report_date > today:
        raise ServiceError("report_date", "报告日期不能晚于今天。")
    if report_date < dt.date(year, 1, 1):
        raise ServiceError(
            "report_date", f"报告日期不能早于所报告的 {year} 年度（应在 {year}年1月1日之后）。"
        )
    if file is None:
        raise ServiceError("file", "请上传资金使用报告文件。")
    name = (getattr(file, "name", "") or "").lower()
    if not name.endswith(REPORT_SUFFIXES):
        raise ServiceError("file", "报告文件应为 PDF、图片、Word、Excel 或 OFD 文件。")
    if getattr(file, "size", 0) > REPORT_MAX_BYTES:
        raise ServiceError("file", "报告文件不能超过 20 MB。")
    if not getattr(file, "size", 0):
        raise ServiceError("file", "报告文件是空的。")
    suffix = name[name.rfind(".") :]
    if not _file_head(file).startswith(REPORT_SIGNATURES[suffix]):
        raise ServiceError(
            "file", f"报告文件的内容不是{suffix[1:].upper()}文件（扩展名与内容不符），请上传原始文件。"
        )
    already = ServiceError("year", f"{facility.name} {year} 年度的资金使用报告已上传。")
    if FundUseReport.objects.filter(facility=facility, year=year).exists():
        raise already
    report = FundUseReport(
        facility=facility,
        year=year,
        agency=agency,
        report_date=report_date,
        separate_account=separate_account,
        account_note=(account_note or "").strip()[:200],
        uploaded_by=actor_user(actor),
        uploaded_by_label=actor_label(actor),
    )
    report.file.save(getattr(file, "name", "report.pdf"), file, save=False)
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: the constraint answers an upload of the same year at the same moment
            report.save()
    except IntegrityError:
        report.file.delete(save=False)
        raise already from None
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=report,
        after=model_snapshot(report),
        object_repr=f"{facility.name} {year}年度资金使用报告",
    )
    return report


def five_public_items(on: dt.date) -> list[str]:
    return five_public_terms(on)[0]


def five_public_terms(on: dt.date) -> tuple[list[str], Citation | None]:
    """The "五公开" items in force on `on` (四、（二）4) with their citation; none outside the opinion's validity."""
    trace = ParameterTrace(on)
    try:
        return list(trace.get("canteen.five_public.items")), trace.citations[0]
    except NoPolicyInForce:
        return [], None


@transaction.atomic
def notice_check_record(
    *, actor, facility: Facility, checked_on: dt.date, posted: list[str], note: str = ""
) -> NoticeCheck:
    """The town's on-site check of the "五公开" wall notices: each item posted or not, dated, who checked."""
    actor = as_actor(actor)
    require(access.can_verify_notices(actor, facility), "“五公开”由机构所在镇（街道）或县民政局现场核查。")
    if checked_on > business_date():
        raise ServiceError("checked_on", "核查日期不能晚于今天。")
    items, cited = five_public_terms(checked_on)
    if not items:
        raise ServiceError("checked_on", f"{chinese_date(checked_on)} 不在政策施行期内，无需核查“五公开”。")
    unknown = sorted(set(posted) - set(items))
    if unknown:
        raise ServiceError("posted", f"不是“五公开”事项：{'、'.join(unknown)}。")
    results = {item: item in posted for item in items}
    missing = [item for item, ok in results.items() if not ok]
    note = (note or "").strip()
    if missing and not note:
        raise ServiceError("note", f"未上墙：{'、'.join(missing)}。请写明整改要求或说明。")
    check = NoticeCheck.objects.create(
        facility=facility,
        checked_on=checked_on,
        items=results,
        all_posted=not missing,
        note=note[:300],
        citation=cited.as_dict(),
        verified_by=actor_user(actor),
        verified_by_label=actor_label(actor),
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=check,
        after=model_snapshot(check),
        object_repr=f"{facility.name} {checked_on}“五公开”核查",
    )
    return check


def latest_notice_checks(facilities) -> dict[int, NoticeCheck]:
    latest: dict[int, NoticeCheck] = {}
    for check in NoticeCheck.objects.filter(facility__in=list(facilities)).order_by(
        "facility_id", "-checked_on", "-id"
    ):
        latest.setdefault(check.facility_id, check)
    return latest


def facilities_owing_fund_report(facilities, today: dt.date):
    """The facilities (of a queryset) with an ended year of service and no fund-use report for it."""
    candidates = facilities.filter(service_start__isnull=False).exclude(
        status__in=[Facility.Status.DRAFT, Facility.Status.REJECTED]
    )
    owing = {
        f.pk
        for f, _ in missing_fund_reports(
            candidates.select_related(None).only("pk", "service_start", "revoked_on"), today
        )
    }
    return facilities.filter(pk__in=owing)


def facilities_notice_check_due(facilities):
    """Filed facilities never checked for "五公开", or whose latest check found something missing."""
    from django.db.models import OuterRef, Q, Subquery

    latest = (
        NoticeCheck.objects.filter(facility=OuterRef("pk"))
        .order_by("-checked_on", "-id")
        .values("all_posted")[:1]
    )
    return (
        facilities.filter(status=Facility.Status.FILED)
        .annotate(last_all_posted=Subquery(latest))
        .filter(Q(last_all_posted__isnull=True) | Q(last_all_posted=False))
    )
