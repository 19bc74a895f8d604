from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from countyhall.canteens.access import (
    can_manage_terminals,
    can_record_lunches,
    can_request_late_entry,
    can_set_prices,
)
from countyhall.canteens.forms import CounterForm, VoidForm
from countyhall.canteens.forms_money import LateEntryForm
from countyhall.canteens.jobs import LUNCHES_EXPORT
from countyhall.canteens.models import Elder, Lunch, PriceListEntry
from countyhall.canteens.names import elder_names, name_of, present_values, town_names, unmasked_for
from countyhall.canteens.selectors import (
    facility_choices_for_user,
    facility_list_for_user,
    lunch_list_for_user,
)
from countyhall.canteens.services.lunches import LateEntryNeeded, lunch_check_in, lunch_void
from countyhall.canteens.services.prices import lunch_price_on, price_list_in_force
from countyhall.canteens.why import why
from countyhall.core.clock import business_date, chinese_date, format_local
from countyhall.core.errors import ServiceError
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.tables import Column, Table
from countyhall.core.web import form_error, is_ascii_int

from .confirm import confirm_page, confirmed
from .params import BadParameter, answers_bad_parameters, choice_param, date_param, int_param

EXPECTED_DAYS = 30  # who is "expected" today: elders who ate here in the last month (a desk setting)


def expected_elders(facility, day):
    """The elders who usually eat here (a subsidised lunch here in the last month) and have none today yet."""
    recent = (
        Lunch.objects.filter(
            facility=facility,
            status=Lunch.Status.ACCEPTED,
            meal_date__range=(day - dt.timedelta(days=EXPECTED_DAYS), day - dt.timedelta(days=1)),
        )
        .values("elder_id")
        .distinct()
    )
    today = (
        Lunch.objects.filter(facility=facility, meal_date=day)
        .exclude(status=Lunch.Status.VOIDED)
        .values("elder_id")
    )
    return (
        Elder.objects.filter(pk__in=recent, died_on__isnull=True, moved_away_on__isnull=True)
        .exclude(pk__in=today)
        .select_related("person__division")
        .order_by("person__division__path", "pk")
    )


def _batch_check_in(request, facility):
    """Tick several expected elders, record each (each answered on its own: one refusal holds no one back)."""
    day = business_date()
    expected = {e.pk: e for e in expected_elders(facility, day)}
    ticked = [int(v) for v in request.POST.getlist("elder") if is_ascii_int(v) and len(v) <= 10]
    chosen = [expected[pk] for pk in ticked if pk in expected]
    if not chosen:
        messages.error(request, "请至少勾选一位今日就餐的老人。")
        return []
    results = []
    names = elder_names(request.user, [e.pk for e in chosen])
    for elder in chosen:
        try:
            checked = lunch_check_in(actor=request.user, facility=facility, identifier=elder.person.id_number)
        except ServiceError as exc:
            results.append({"name": names[elder.pk].label, "ok": False, "text": exc.message})
            continue
        lunch = checked.lunch
        results.append(
            {
                "name": names[elder.pk].label,
                "ok": checked.accepted,
                "text": f"自付 ¥{lunch.elder_pays}" + ("（免费午餐）" if lunch.free else "")
                if checked.accepted
                else lunch.reason,
            }
        )
    done = sum(1 for r in results if r["ok"])
    messages.success(request, f"批量登记：{done} 人已登记，{len(results) - done} 人未登记（见下方结果）。")
    return results


@login_required
def counter(request, pk: int):
    """The canteen counter: find the elder by ID number or card, see at once what they pay and why.

    The price is never entered here: it is the facility's price list in force on the meal date. A date the
    counter may not record (outside the back-dating window, or in an approved period) offers a late entry.
    Below: today's expected elders to tick and record at once, and today's check-ins by name.
    """
    facility = get_object_or_404(facility_list_for_user(request.user), pk=pk)
    if not can_record_lunches(request.user, facility):
        raise PermissionDenied("您无权为该机构登记午餐。")
    batch = request.method == "POST" and request.POST.get("action") == "batch"
    extras = [
        e for e in price_list_in_force(facility, business_date()) if e.kind == PriceListEntry.Kind.HIGHER
    ]
    form = CounterForm(None if batch else (request.POST or None), extras=extras)
    checked = None
    late_form = None
    batch_results = _batch_check_in(request, facility) if batch else []
    if request.method == "POST" and not batch and form.is_valid():
        try:
            checked = lunch_check_in(
                actor=request.user,
                facility=facility,
                identifier=form.cleaned_data["identifier"],
                meal_date=form.cleaned_data["meal_date"] or None,
                extra_label=form.cleaned_data.get("extra_label") or "",
            )
        except LateEntryNeeded as exc:
            asked = dict(form.cleaned_data)  # form_error drops the field it marks from cleaned_data
            form_error(form, exc)
            if can_request_late_entry(request.user, facility):
                late_form = LateEntryForm(
                    initial={"identifier": asked["identifier"], "meal_date": asked["meal_date"]}
                )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            form = CounterForm(initial={"meal_date": form.cleaned_data["meal_date"]}, extras=extras)
    day = checked.lunch.meal_date if checked else business_date()
    today = list(
        Lunch.objects.filter(facility=facility, meal_date=day)
        .select_related("recorded_by")
        .order_by("-id")[:100]
    )
    expected = list(expected_elders(facility, business_date()))
    names = elder_names(
        request.user,
        [lu.elder_id for lu in today]
        + [e.pk for e in expected]
        + ([checked.lunch.elder_id] if checked and checked.lunch.elder_id else []),
    )
    for lunch in today:
        lunch.elder_label = name_of(names, lunch.elder_id, lunch.presented_identifier or "—")
    return render(
        request,
        "canteens/counter.html",
        {
            "facility": facility,
            "form": form,
            "checked": checked,
            "day": day,
            "late_form": late_form,
            "price_today": lunch_price_on(facility.pk, business_date()),
            "can_set_prices": can_set_prices(request.user, facility),
            "can_manage_terminals": can_manage_terminals(request.user, facility),
            "elder_name": name_of(names, checked.lunch.elder_id)
            if checked and checked.lunch.elder_id
            else "",
            "why": why(
                citations=checked.lunch.citations,
                basis=checked.lunch.policy_basis,
                readings=checked.lunch.readings,
            )
            if checked
            else None,
            "today": today,
            "accepted_today": sum(1 for lu in today if lu.status == "accepted"),
            "expected": [(e, names[e.pk]) for e in expected if e.pk in names],
            "batch_results": batch_results,
        },
        status=400 if form.errors and late_form is None else 200,
    )


def _lunch_rows(user):
    def rows(batch):
        batch = list(batch)
        names = elder_names(user, [lu.elder_id for lu in batch])
        for lunch in batch:
            found = names.get(lunch.elder_id)
            lunch.elder_name = found.name if found else (lunch.presented_identifier or "—")
            lunch.elder_place = found.place if found else ""
        return batch

    return rows


# The export's plain columns: the names joined into the same rows, read in chunks on a server-side cursor (a
# million lunches as tuples, not a Lunch, Facility, User, Elder, Person and Division each; docs/benchmarks.md).
LUNCH_EXPORT_FIELDS = (
    "pk",
    "meal_date",
    "facility__name",
    "elder_id",
    "presented_identifier",
    "elder__person__name",
    "elder__person__division__name",
    "elder__person__division__kind",
    "elder__person__division__path",
    "status",
    "reason",
    "void_reason",
    "price",
    "city",
    "county",
    "operator_discount",
    "care_fund",
    "elder_pays",
    "unfunded",
    "extra_charge",
    "extra_label",
    "terminal_id",
    "recorded_by_id",
    "recorded_by__display_name",
    "recorded_by__username",
    "recorded_at",
)
# Rows per fetch of the server-side cursor. Django's cursor_iter fetches the next chunk while it still holds the
# previous one, so an export's peak is two chunks of these 26-column tuples (about 1.9 KB a row in Python): 5,000
# made it 19 MB and growing up to 10,000 rows; 500 keeps it about 2 MB from the first thousand rows on, at one
# FETCH round trip per 500 rows (noise beside openpyxl's ~0.5 ms a row; docs/benchmarks.md, "Exports: memory").
LUNCH_EXPORT_CHUNK = 500


def _lunch_export_rows(user):
    """Table's export_rows for the lunch list: the cells of LUNCH_COLUMNS (tests hold the two equal), each lunch
    named as `_lunch_rows` names it (canteens.names, masked per role)."""

    def rows(queryset, columns):
        unmasked, towns = unmasked_for(user), town_names()
        statuses = dict(Lunch.Status.choices)
        cells = [LUNCH_EXPORT_CELLS[column.key] for column in columns]
        for lunch in queryset.values_list(*LUNCH_EXPORT_FIELDS, named=True).iterator(
            chunk_size=LUNCH_EXPORT_CHUNK
        ):
            if lunch.elder_id and lunch.elder__person__name is not None:
                name = present_values(
                    lunch.elder_id,
                    lunch.elder__person__name,
                    division_name=lunch.elder__person__division__name,
                    division_kind=lunch.elder__person__division__kind,
                    division_path=lunch.elder__person__division__path,
                    unmasked=unmasked,
                    towns=towns,
                )
                elder, place = name.name, name.place
            else:
                elder, place = lunch.presented_identifier or "—", ""
            yield [cell(lunch, elder, place, statuses) for cell in cells]

    return rows


def _recorded_by(lunch) -> str:
    # Lunch.recorded_by_label from plain columns.
    if lunch.terminal_id:
        return f"终端 #{lunch.terminal_id}"
    if lunch.recorded_by_id:
        return lunch.recorded_by__display_name or lunch.recorded_by__username
    return ""


LUNCH_EXPORT_CELLS = {
    "pk": lambda lu, elder, place, statuses: lu.pk,
    "meal_date": lambda lu, elder, place, statuses: lu.meal_date,
    "facility": lambda lu, elder, place, statuses: lu.facility__name,
    "elder": lambda lu, elder, place, statuses: elder,
    "place": lambda lu, elder, place, statuses: place,
    "status": lambda lu, elder, place, statuses: statuses.get(lu.status, lu.status),
    "reason": lambda lu, elder, place, statuses: lu.reason or lu.void_reason,
    "price": lambda lu, elder, place, statuses: lu.price,
    "city": lambda lu, elder, place, statuses: lu.city,
    "county": lambda lu, elder, place, statuses: lu.county,
    "operator_discount": lambda lu, elder, place, statuses: lu.operator_discount,
    "care_fund": lambda lu, elder, place, statuses: lu.care_fund,
    "elder_pays": lambda lu, elder, place, statuses: lu.elder_pays,
    "unfunded": lambda lu, elder, place, statuses: lu.unfunded,
    "extra_charge": lambda lu, elder, place, statuses: lu.extra_charge,
    "extra_label": lambda lu, elder, place, statuses: lu.extra_label,
    "recorded_by": lambda lu, elder, place, statuses: _recorded_by(lu),
    "recorded_at": lambda lu, elder, place, statuses: format_local(lu.recorded_at),
}

LUNCH_COLUMNS = [
    Column("pk", "编号", sort="id"),
    Column("meal_date", "就餐日期", sort="meal_date"),
    Column("facility", "机构", lambda lu: lu.facility.name, sort="facility__name"),
    Column("elder", "老人", lambda lu: lu.elder_name),
    Column("place", "村（社区）· 镇（街道）", lambda lu: lu.elder_place),
    Column("status", "状态", lambda lu: lu.get_status_display(), sort="status"),
    Column("reason", "原因", lambda lu: lu.reason or lu.void_reason),
    Column("price", "餐价", lambda lu: lu.price),
    Column("city", "市财政", lambda lu: lu.city),
    Column("county", "县财政", lambda lu: lu.county),
    Column("operator_discount", "运营方优惠", lambda lu: lu.operator_discount),
    Column("care_fund", "照护资金", lambda lu: lu.care_fund),
    Column("elder_pays", "老人自付", lambda lu: lu.elder_pays),
    Column("unfunded", "未明确付款方", lambda lu: lu.unfunded, default=False),
    Column("extra_charge", "另行收费（老人自付，不享受补贴）", lambda lu: lu.extra_charge),
    Column("extra_label", "另行收费餐品", lambda lu: lu.extra_label),
    Column("recorded_by", "登记人", lambda lu: lu.recorded_by_label),
    Column("recorded_at", "登记时间", lambda lu: format_local(lu.recorded_at), sort="recorded_at"),
]


def lunch_table(request) -> tuple[Table, dict]:
    """The lunch register as `request.user` may see it, filtered by the request: the page, its export and the
    export's background job (canteens.jobs.LUNCHES_EXPORT, rebuilt from the saved query string) read it."""
    date_from = date_param(request, "date_from", "起始日期")
    date_to = date_param(request, "date_to", "截止日期")
    status = choice_param(request, "status", "状态", Lunch.Status.choices)
    facility = None
    facility_pk = int_param(request, "facility", "机构", minimum=1, maximum=2**31 - 1)
    if facility_pk is not None:
        facility = facility_list_for_user(request.user).filter(pk=facility_pk).first()
        if facility is None:
            raise BadParameter("facility", "机构", "机构不存在或不在您的范围内。")
    lunches = lunch_list_for_user(
        request.user, facility=facility, date_from=date_from, date_to=date_to, status=status
    )
    # Elders are named by canteens.names (one query for the page, masked per role): their person rows need not
    # come along with every lunch. The rule's citations and readings (JSON) are shown on the counter, not here:
    # decoding them for every row of an export cost more than the row's query.
    lunches = (
        lunches.select_related(None).select_related("facility", "recorded_by").defer("citations", "readings")
    )
    # One elder's records (the fraud report links an elder-day or an elder's period this way): within the user's
    # facility scope like every other filter, so it narrows and never widens.
    elder_pk = int_param(request, "elder", "老人", minimum=1, maximum=2**31 - 1)
    if elder_pk is not None:
        lunches = lunches.filter(elder_id=elder_pk)
    ids = request.GET.get("ids")
    if ids:
        lunches = lunches.filter(pk__in=[int(i) for i in ids.split(",") if is_ascii_int(i) and len(i) <= 10])
    filters = {
        k: v
        for k, v in request.GET.items()
        if k in ("facility", "elder", "date_from", "date_to", "status", "ids")
    }
    # The county holds ~10 million lunches: a capped count and keyset paging past it (core.tables) instead of
    # counting every lunch on every view and OFFSETs through millions of rows (docs/benchmarks.md).
    table = Table(
        request,
        lunches,
        columns=LUNCH_COLUMNS,
        rows=_lunch_rows(request.user),
        per_page=100,
        count_cap=10_000,
        export_rows=_lunch_export_rows(request.user),
    )
    return table, filters


def lunch_export_subject(user, filters: dict) -> str:
    """The lunches an export holds, in the filter bar's words ("青城镇河口村长者食堂，2022年6月1日起，已登记").
    One elder's records say so without the name (the job's message is shown to administrators too)."""
    parts = []
    if filters.get("facility"):
        facility = facility_list_for_user(user).filter(pk=filters["facility"]).first()
        parts.append(facility.name if facility else "所选机构")
    # The values were parsed by lunch_table (a bad one is a 400 before anything is queued).
    start, end = (
        dt.date.fromisoformat(raw) if (raw := (filters.get(name) or "").strip()) else None
        for name in ("date_from", "date_to")
    )
    if start and end:
        parts.append(f"{chinese_date(start)}至{chinese_date(end)}")
    elif start or end:
        parts.append(f"{chinese_date(start)}起" if start else f"{chinese_date(end)}止")
    if filters.get("status", "").strip():
        parts.append(dict(Lunch.Status.choices)[filters["status"].strip()])
    if filters.get("elder"):
        parts.append("所选老人")
    if filters.get("ids"):
        parts.append("所选记录")
    return "，".join(parts) or "全部午餐"


def audit_lunch_export(user, table: Table, filters: dict) -> None:
    # The export reads every filtered row anyway: the audit row records their exact number.
    count = table.queryset.count() if table.capped else table.page.paginator.count
    audit_personal_read(
        actor=user, what="午餐登记导出", object_type="canteens.Lunch", count=count, filters=filters
    )


@login_required
@answers_bad_parameters
def lunch_list(request):
    table, filters = lunch_table(request)
    elder_pk = int(filters["elder"]) if filters.get("elder") else None
    if table.export_requested:
        # A county month is hundreds of thousands of lunches: past a few thousand the worker writes the
        # workbook and the job page shows its progress, then the file.
        job = table.export_job(LUNCHES_EXPORT, subject=lunch_export_subject(request.user, filters))
        if job is not None:
            return redirect("core:job", pk=job.pk)
        audit_lunch_export(request.user, table, filters)
        return table.export(filename="午餐登记.xlsx")
    audit_personal_read(
        actor=request.user,
        what="午餐登记列表",
        object_type="canteens.Lunch",
        count=len(table.rows),
        filters={**filters, "page": table.page.number or f"after {table.after}"},
    )
    without_elder = request.GET.copy()
    for name in ("elder", "page", "after"):
        without_elder.pop(name, None)
    return render(
        request,
        "canteens/lunch_list.html",
        {
            "table": table,
            "facilities": facility_choices_for_user(request.user),
            "filters": request.GET,
            "statuses": Lunch.Status.choices,
            "void_form": VoidForm(),
            "elder": elder_pk,
            # The elder filtered on, by name (masked per role) as the rows name them. Without rows nothing in the
            # user's scope names the elder, so no name is looked up (it could be another town's elder): the page
            # says the filter found nothing instead ("" here).
            "elder_label": table.rows[0].elder_name if elder_pk and table.rows else "",
            "without_elder": without_elder.urlencode(),
        },
    )


@login_required
def lunch_detail(request, pk: int):
    """One lunch as recorded: who paid what, what was charged separately (A10), and why this amount."""
    lunch = get_object_or_404(
        lunch_list_for_user(request.user).select_related("facility", "settlement"), pk=pk
    )
    name = name_of(
        elder_names(request.user, [lunch.elder_id]), lunch.elder_id, lunch.presented_identifier or "—"
    )
    audit_personal_read(
        actor=request.user,
        what="午餐登记详情",
        object_type="canteens.Lunch",
        count=1,
        filters={"lunch": lunch.pk},
        object_id=str(lunch.pk),
    )
    return render(
        request,
        "canteens/lunch_detail.html",
        {
            "lunch": lunch,
            "elder_name": name,
            "why": why(citations=lunch.citations, basis=lunch.policy_basis, readings=lunch.readings),
        },
    )


@login_required
@require_POST
def lunch_void_view(request, pk: int):
    """Voiding is irreversible (a locked period gets an adjustment): the clerk confirms on a second page."""
    lunch = get_object_or_404(lunch_list_for_user(request.user), pk=pk)
    target = request.POST.get("next", "")
    # Only a page of this site: a crafted next= must not turn the void form into an open redirect.
    safe = target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back = target if safe else reverse("canteens:lunches")
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写作废原因。")
        return redirect(back)
    if not confirmed(request):
        name = name_of(
            elder_names(request.user, [lunch.elder_id]), lunch.elder_id, lunch.presented_identifier
        )
        return confirm_page(
            request,
            title="作废午餐登记",
            back=back,
            action="确认作废",
            lines=[
                f"老人：{name}",
                f"机构：{lunch.facility.name}",
                f"就餐日期：{chinese_date(lunch.meal_date)}",
                f"补贴：市 ¥{lunch.city} / 县 ¥{lunch.county}，老人自付 ¥{lunch.elder_pays}",
                f"作废原因：{form.cleaned_data['reason']}",
            ],
            warning="作废后记录保留、不再计入补贴；所在结算单已锁定的，以调整方式计入以后的结算期。",
        )
    try:
        lunch_void(actor=request.user, lunch=lunch, reason=form.cleaned_data["reason"])
        messages.success(
            request, f"{chinese_date(lunch.meal_date)} 的午餐登记（编号 {lunch.pk}）已作废，记录保留。"
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(back)
