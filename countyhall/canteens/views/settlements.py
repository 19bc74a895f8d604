from __future__ import annotations

import json
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from countyhall.canteens import access
from countyhall.canteens import citations as cite
from countyhall.canteens.forms import EvaluationForm, SendBackForm, SettlementForm
from countyhall.canteens.jobs import SETTLEMENT_COMPUTE_ALL
from countyhall.canteens.models import Lunch, OperatingSubsidy, Settlement, SettlementAdjustment
from countyhall.canteens.names import elder_names
from countyhall.canteens.selectors import (
    facility_choices_for_user,
    facility_list_for_user,
    settlement_list_for_user,
)
from countyhall.canteens.services.evaluations import evaluation_record, operating_subsidy_compute
from countyhall.canteens.services.settlements import (
    period_bounds,
    settlement_approve,
    settlement_approve_many,
    settlement_compute,
    settlement_compute_all,
    settlement_resubmit,
    settlement_send_back,
)
from countyhall.canteens.why import why
from countyhall.core.access import require
from countyhall.core.clock import business_date, format_local
from countyhall.core.errors import ServiceError
from countyhall.core.jobs import job_submit
from countyhall.core.reports import pdf_response, xlsx_file_response
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.tables import Column, Table
from countyhall.core.web import form_error, is_ascii_int

from .confirm import confirm_page, confirmed
from .params import BadParameter, answers_bad_parameters, choice_param, int_param, year_param

SETTLEMENT_COLUMNS = [
    Column("facility", "机构", lambda s: s.facility.name, sort="facility__name"),
    Column("period", "期间", lambda s: s.period_label, sort="year"),
    Column("number", "结算单编号", lambda s: s.statement_number),
    Column("lunches", "人次", sort="lunches"),
    Column("city", "市财政"),
    Column("county", "县财政"),
    Column("care_fund", "照护资金"),
    Column("operator_discount", "运营方优惠"),
    Column("elder_paid", "老人自付"),
    Column(
        "status",
        "状态",
        lambda s: s.get_status_display() + ("（已退回）" if s.awaiting_operator else ""),
        sort="status",
    ),
]


def _settle_as_job(year: int, month: int | None) -> bool:
    """A county-wide run over many lunches goes to the background worker (a progress bar, no request timeout)."""
    start, end = period_bounds(year, month)
    lunches = Lunch.objects.filter(status=Lunch.Status.ACCEPTED, meal_date__range=(start, end))
    return lunches.count() > settings.COUNTYHALL_JOB_SETTLEMENT_LUNCHES


@login_required
@answers_bad_parameters
def settlement_list(request):
    if request.method == "POST" and request.POST.get("action") == "approve_many":
        return _approve_many(request)
    form = SettlementForm(request.POST or None, initial={"year": business_date().year})
    # A POST computes with the chosen facility: the full row; a GET only shows the names in the select.
    form.fields["facility"].queryset = (
        facility_list_for_user(request.user)
        if request.method == "POST"
        else facility_choices_for_user(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["facility"]:
                settlement = settlement_compute(
                    actor=request.user, facility=data["facility"], year=data["year"], month=data["month"]
                )
                messages.success(request, f"已计算 {settlement}。")
                return redirect(settlement)
            if _settle_as_job(data["year"], data["month"]):
                require(access.can_compute_settlement(request.user), "结算单由县民政局或财政局计算。")
                job = job_submit(
                    actor=request.user,
                    kind=SETTLEMENT_COMPUTE_ALL,
                    params={"year": data["year"], "month": data["month"]},
                )
                return redirect("core:job", pk=job.pk)
            done = settlement_compute_all(actor=request.user, year=data["year"], month=data["month"])
            messages.success(request, f"已计算 {len(done)} 家机构的结算单。")
            return redirect("canteens:settlements")
        except ServiceError as exc:
            form_error(form, exc)
    facility = None
    facility_pk = int_param(request, "facility", "机构", minimum=1)
    if facility_pk is not None:
        facility = facility_list_for_user(request.user).filter(pk=facility_pk).first()
        if facility is None:
            raise BadParameter("facility", "机构", f"机构 {facility_pk} 不存在或不在您的范围内。")
    settlements = settlement_list_for_user(
        request.user,
        year=year_param(request),
        month=int_param(request, "month", "月份", minimum=1, maximum=12),
        status=choice_param(request, "status", "状态", Settlement.Status.choices),
        facility=facility,
    )
    if choice_param(request, "returned", "退回", [("1", "已退回")]):
        settlements = settlements.filter(returned_at__isnull=False).filter(
            Q(resubmitted_at__isnull=True) | Q(returned_at__gt=F("resubmitted_at"))
        )
    table = Table(request, settlements.select_related("facility__operator"), columns=SETTLEMENT_COLUMNS)
    if table.export_requested:
        return table.export(filename="助餐结算单.xlsx")
    for settlement in table.rows:
        settlement.may_approve = access.can_approve_settlement(request.user, settlement)
    return render(
        request,
        "canteens/settlement_list.html",
        {
            "form": form,
            "table": table,
            "filters": request.GET,
            "statuses": Settlement.Status.choices,
            "facilities": facility_choices_for_user(request.user),
            "can_batch": any(s.may_approve for s in table.rows),
            "can_compute": access.can_compute_settlement(request.user),
        },
    )


def _approve_many(request):
    """Batch approval: confirm the list first, then approve each (each answered on its own)."""
    ids = [int(v) for v in request.POST.getlist("settlement") if is_ascii_int(v) and len(v) <= 10]
    chosen = list(settlement_list_for_user(request.user).filter(pk__in=ids).select_related("facility"))
    if not chosen:
        messages.error(request, "请至少勾选一张结算单。")
        return redirect("canteens:settlements")
    if not confirmed(request):
        total = sum((s.subsidy_total for s in chosen), Decimal("0.00"))
        return confirm_page(
            request,
            title=f"批量审核 {len(chosen)} 张结算单",
            back=reverse("canteens:settlements"),
            action="确认审核通过",
            lines=[
                f"{s.facility.name} {s.period_label}（{s.statement_number}）：{s.lunches} 人次，"
                f"市县补贴 ¥{s.subsidy_total}，{s.get_status_display()}"
                for s in chosen
            ]
            + [f"合计市县补贴 ¥{total}"],
            warning="财政局审定后结算单即锁定，此后的更正只能以调整方式计入以后的结算期。",
        )
    approved, refused = settlement_approve_many(
        actor=request.user, settlements=chosen, note=request.POST.get("note", "").strip()[:200]
    )
    if approved:
        messages.success(
            request,
            f"已审核 {len(approved)} 张："
            + "、".join(f"{s.facility.name} {s.period_label}（{s.get_status_display()}）" for s in approved),
        )
    for settlement, reason in refused:
        messages.error(request, f"{settlement.facility.name} {settlement.period_label}未审核：{reason}")
    return redirect("canteens:settlements")


DETAIL_HEADERS = [
    "就餐日期",
    "午餐编号",
    "老人",
    "村（社区）· 镇（街道）",
    "免费",
    "市财政",
    "县财政",
    "运营方优惠",
    "照护资金",
    "老人自付",
    "未明确付款方",
    "午餐（以上六项之和）",
    "另行收费（高标准餐）",
]


def _detail_xlsx_job(request, settlement):
    from countyhall.canteens.jobs import SETTLEMENT_DETAIL_XLSX

    job = job_submit(
        actor=request.user,
        kind=SETTLEMENT_DETAIL_XLSX,
        params={"settlement": settlement.pk},
        message=f"{settlement.facility.name} {settlement.period_label}",
    )
    return redirect("core:job", pk=job.pk)


def statement_detail_file(user, settlement):
    """The detail sheet as an open temporary file, its personal read audited: the page's export and the job's."""
    from countyhall.core.reports import workbook_file

    lunches, adjustments = _statement(settlement)
    elders = lunches.exclude(elder__isnull=True).values("elder_id").distinct().count()
    audit_personal_read(
        actor=user,
        what="结算明细导出",
        object_type="canteens.Elder",
        count=elders,
        filters={
            "settlement": settlement.pk,
            "facility": settlement.facility_id,
            "year": settlement.year,
            "month": settlement.month,
        },
        object_id=str(settlement.pk),
    )
    return lunches.count(), workbook_file(
        sheet_title="结算明细",
        headers=DETAIL_HEADERS,
        rows=_statement_rows(user, settlement, lunches, adjustments),
    )


def _annex_pdf_job(request, settlement):
    """The annex (按老人汇总) as a PDF made in the background: the job page shows its progress, then the file."""
    from countyhall.canteens.jobs import SETTLEMENT_ANNEX_PDF

    job = job_submit(
        actor=request.user,
        kind=SETTLEMENT_ANNEX_PDF,
        params={"settlement": settlement.pk},
        message=f"{settlement.facility.name} {settlement.period_label}",
    )
    messages.success(request, "附件正在后台生成，完成后可在此页下载。")
    return redirect("core:job", pk=job.pk)


def statement_by_elder(user, settlement) -> list[dict]:
    """The annex's rows (the job renders them): the statement per elder, names as the user may read them."""
    lunches, _ = _statement(settlement)
    return _by_elder(user, lunches)


def _statement(settlement):
    lunches = (
        settlement.lunch_rows.select_related("elder").order_by("meal_date", "id")
        if settlement.month
        else Lunch.objects.filter(
            facility=settlement.facility, status="accepted", meal_date__year=settlement.year
        )
    )
    adjustments = (
        SettlementAdjustment.objects.filter(settlement=settlement)
        if settlement.month
        else SettlementAdjustment.objects.filter(
            settlement__facility=settlement.facility, settlement__year=settlement.year
        )
    )
    return lunches, adjustments


def _by_elder(user, lunches) -> list[dict]:
    """The statement per elder, by name (masked per role) with village and town: lunches and the money."""
    rows = list(
        lunches.filter(status=Lunch.Status.ACCEPTED)
        .exclude(elder__isnull=True)
        .values("elder_id")
        .order_by()
        .annotate(
            n=Count("id"),
            free=Count("id", filter=Q(free=True)),
            city=Sum("city"),
            county=Sum("county"),
            care=Sum("care_fund"),
            paid=Sum("elder_pays"),
        )
    )
    names = elder_names(user, [r["elder_id"] for r in rows])
    for row in rows:
        found = names.get(row["elder_id"])
        row["name"], row["place"] = (found.name, found.place) if found else (f"#{row['elder_id']}", "")
    return sorted(rows, key=lambda r: (r["place"], r["name"]))


@login_required
def settlement_detail(request, pk: int):
    settlement = get_object_or_404(
        settlement_list_for_user(request.user).select_related("facility__operator"), pk=pk
    )
    if request.method == "POST":
        if request.POST.get("action") == "annex_pdf":
            return _annex_pdf_job(request, settlement)
        return _settlement_action(request, settlement)
    lunches, adjustments = _statement(settlement)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        if lunches.count() > settings.COUNTYHALL_JOB_EXPORT_ROWS:
            # A year of a busy canteen is tens of thousands of lunches (9 s at county size, docs/benchmarks.md):
            # built by the background worker, the job page shows its progress and the file (issue 11).
            return _detail_xlsx_job(request, settlement)
        # The detail sheet lists each lunch with its elder's name: a staff read of personal data (audited there).
        _, content = statement_detail_file(request.user, settlement)
        return xlsx_file_response(output=content, filename=f"{settlement}.xlsx")
    context = {
        "settlement": settlement,
        "adjustments": adjustments,
        "by_elder": _by_elder(request.user, lunches),
        "daily": lunches.values("meal_date").order_by("meal_date").distinct().count()
        if settlement.month
        else None,
        "rhythm": [
            ("农村特困人员助餐资金按月拨付", cite.MONTHLY_CARE_FUND),
            ("其他老人的补贴每年拨付一次", cite.YEARLY_SUBSIDY),
            ("社区长者食堂先行垫付、按年结算", cite.COMMUNITY_ADVANCE),
        ],
        "printed_on": business_date(),
        "why": why(
            citations=[
                c
                for cs in lunches.order_by().values_list("citations", flat=True).distinct()
                for c in (json.loads(cs) if isinstance(cs, str) else cs or [])
            ],
            basis=settlement.policy_basis,
        ),
    }
    if fmt == "pdf":
        # The statement with its totals and signatures, one or two pages; the per-elder annex (hundreds of rows,
        # several seconds of WeasyPrint) is printed separately as a background job (_annex_pdf_job). The
        # statement names no elder, so printing it is not a personal read.
        context["elders_in_annex"] = len(context.pop("by_elder"))
        return pdf_response(
            template="canteens/settlement_print.html", context=context, filename=f"{settlement}.pdf"
        )
    context.update(
        {
            "can_approve": access.can_approve_settlement(request.user, settlement),
            "can_send_back": access.can_send_back_settlement(request.user, settlement),
            "can_resubmit": access.can_resubmit_settlement(request.user, settlement),
            "send_back_form": SendBackForm(),
        }
    )
    return render(request, "canteens/settlement_detail.html", context)


# The detail sheet's lunch columns, read as plain tuples in chunks of a server-side cursor and named a chunk at a
# time: a year's statement of a busy facility is ~40,000 lunches, which the sheet once held as a list of Lunch
# instances (with their elders) before writing the first row (docs/benchmarks.md, "Exports: memory").
STATEMENT_FIELDS = (
    "meal_date",
    "pk",
    "elder_id",
    "free",
    "city",
    "county",
    "operator_discount",
    "care_fund",
    "elder_pays",
    "unfunded",
    "price",
    "extra_charge",
)
STATEMENT_CHUNK = 500


def _statement_rows(user, settlement, lunches, adjustments):
    adjustments = list(adjustments.select_related("lunch"))  # a handful per statement, each with its lunch
    names: dict = {}

    def who(elder_id):
        found = names.get(elder_id)
        return (found.name, found.place) if found else ("", "")

    # A yearly statement's queryset has no order of its own (Lunch has no Meta.ordering): the monthly one's
    # order, so that the sheet does not depend on the plan PostgreSQL picks for a server-side cursor.
    if not lunches.ordered:
        lunches = lunches.order_by("meal_date", "id")
    rows = lunches.values_list(*STATEMENT_FIELDS).iterator(chunk_size=STATEMENT_CHUNK)
    while chunk := list(islice(rows, STATEMENT_CHUNK)):
        names = elder_names(user, [row[2] for row in chunk])
        for meal_date, pk, elder_id, free, *money in chunk:
            yield [meal_date, pk, *who(elder_id), "是" if free else "", *money]
    names = elder_names(user, [a.lunch.elder_id for a in adjustments])
    for a in adjustments:
        yield [
            a.created_at.date(),
            f"调整（午餐 {a.lunch_id}）",
            *who(a.lunch.elder_id),
            a.reason,
            a.city,
            a.county,
            a.operator_discount,
            a.care_fund,
            a.elder_paid,
            a.unfunded,
        ]
    yield [
        "合计",
        settlement.lunches,
        "",
        "",
        settlement.free_lunches,
        settlement.city,
        settlement.county,
        settlement.operator_discount,
        settlement.care_fund,
        settlement.elder_paid,
        settlement.unfunded,
        settlement.lunch_value,
        settlement.extra_charges,
    ]
    # The statement's own lines: its number, the subsidy total, and the three signatures and seals.
    yield []
    yield [
        "结算单编号",
        settlement.statement_number,
        "机构",
        settlement.facility.name,
        "期间",
        settlement.period_label,
    ]
    yield ["市县补贴合计", settlement.subsidy_total, "状态", settlement.get_status_display()]
    yield [
        "运营方经办人签字（盖章）",
        "",
        "县民政局审核人签字（盖章）",
        str(settlement.civil_affairs_by or ""),
        format_local(settlement.civil_affairs_at, "%Y-%m-%d"),
        "县财政局审定人签字（盖章）",
        str(settlement.finance_by or ""),
        format_local(settlement.finance_at, "%Y-%m-%d"),
    ]


def _settlement_action(request, settlement):
    action = request.POST.get("action", "approve")
    try:
        if action == "send_back":
            form = SendBackForm(request.POST)
            if not form.is_valid():
                raise ServiceError("reason", "请写明退回原因（运营方据此更正）。")
            settlement = settlement_send_back(
                actor=request.user, settlement=settlement, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, f"已退回，并通知{settlement.facility.operator}：{form.cleaned_data['reason']}"
            )
        elif action == "resubmit":
            settlement = settlement_resubmit(
                actor=request.user, settlement=settlement, note=request.POST.get("note", "").strip()[:200]
            )
            messages.success(request, "已重新提交，县民政局将收到通知。")
        elif action == "approve":
            if not confirmed(request):
                locking = settlement.status == Settlement.Status.CIVIL_AFFAIRS_APPROVED
                return confirm_page(
                    request,
                    title="财政局审定并锁定" if locking else "民政局审核通过",
                    back=settlement.get_absolute_url(),
                    action="确认审定并锁定" if locking else "确认审核通过",
                    lines=[
                        f"{settlement.facility.name} {settlement.period_label}（{settlement.statement_number}）",
                        f"午餐 {settlement.lunches} 人次，其中免费 {settlement.free_lunches}",
                        f"市财政 ¥{settlement.city}，县财政 ¥{settlement.county}，"
                        f"照护资金 ¥{settlement.care_fund}",
                    ],
                    warning="审定后结算单锁定，此后的更正只能以调整方式计入以后的结算期。"
                    if locking
                    else "审核通过后交财政局审定。",
                )
            settlement = settlement_approve(
                actor=request.user, settlement=settlement, note=request.POST.get("note", "")
            )
            messages.success(request, f"已审核：{settlement.get_status_display()}")
        else:
            raise ServiceError("action", "未知操作。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(settlement)


@login_required
@answers_bad_parameters
def subsidies(request):
    """Evaluations (A16) and operating subsidies (A14): record, compute, publish."""
    evaluation_form = EvaluationForm(
        request.POST if request.POST.get("form") == "evaluation" else None,
        initial={"year": business_date().year - 1},
    )
    evaluation_form.fields["facility"].queryset = facility_list_for_user(request.user).exclude(status="draft")
    if request.method == "POST":
        try:
            if request.POST.get("form") == "evaluation":
                if evaluation_form.is_valid():
                    evaluation_record(actor=request.user, **evaluation_form.cleaned_data)
                    messages.success(request, "已录入评估结果。")
                    return redirect("canteens:subsidies")
            elif request.POST.get("form") == "compute":
                raw = request.POST.get("year", "").strip()
                if not (raw.isascii() and raw.isdigit()):
                    raise ServiceError("year", "年度应为整数，如 2021。")
                year = int(raw)
                results = operating_subsidy_compute(actor=request.user, year=year)
                messages.success(request, f"已核算 {year} 年度 {len(results)} 家机构的运营补贴。")
                return redirect(f"{request.path}?year={year}")
        except ServiceError as exc:
            if evaluation_form.is_bound and exc.field in evaluation_form.fields:
                form_error(evaluation_form, exc)
            messages.error(request, exc.message)
    year = year_param(request)
    rows = OperatingSubsidy.objects.filter(facility__in=facility_list_for_user(request.user)).select_related(
        "facility"
    )
    if year:
        rows = rows.filter(year=year)
    return render(
        request,
        "canteens/subsidies.html",
        {
            "evaluation_form": evaluation_form,
            "rows": rows,
            "year": year or business_date().year - 1,
            "can_record_evaluation": access.can_record_evaluation(request.user, None),
            "can_compute": access.can_compute_operating_subsidy(request.user),
        },
    )
