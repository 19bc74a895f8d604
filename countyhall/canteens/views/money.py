"""Pages of the money side of the counter: price lists, terminal devices, late entries, the back-dating window.

Thin adapters: every decision (who may, what is valid) is the services' and the access predicates'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from countyhall.canteens.access import (
    USERS,
    can_decide_late_entry,
    can_manage_terminals,
    can_request_late_entry,
    can_set_backdate_window,
    can_set_prices,
)
from countyhall.canteens.forms_money import (
    BackdateWindowForm,
    ConfirmedReasonForm,
    ConfirmForm,
    LateEntryDecisionForm,
    LateEntryForm,
    PriceForm,
    TerminalIssueForm,
)
from countyhall.canteens.models import LateEntry, TerminalDevice
from countyhall.canteens.names import elder_names, name_of
from countyhall.canteens.selectors import facility_list_for_user
from countyhall.canteens.services import late_entries as late
from countyhall.canteens.services import prices, terminals
from countyhall.canteens.services.lunches import backdate_days
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.errors import ServiceError
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import bad_request as core_bad_request
from countyhall.core.web import form_error, is_ascii_int


def bad_request(request, field_label: str, message: str):
    return core_bad_request(request, field=field_label, message=message, nav="canteens/_nav.html")


def _positive_int(value) -> int | None:
    text = str(value or "").strip()
    if not is_ascii_int(text) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number < 2**31 else None


def _open_program(request) -> None:
    if request.user.is_superuser:
        return
    if not (request.user.role_codes & USERS):
        raise PermissionDenied("您无权使用助餐服务系统。")


def _facility(request, pk: int):
    _open_program(request)
    return get_object_or_404(facility_list_for_user(request.user), pk=pk)


def _form_errors(form) -> str:
    return "；".join(
        f"{form.fields[k].label if k in form.fields else ''}：{v[0]}" for k, v in form.errors.items()
    )


@login_required
def price_list_view(request, pk: int):
    facility = _facility(request, pk)
    can_edit = can_set_prices(request.user, facility)
    form = PriceForm(request.POST or None, initial={"valid_from": business_date()})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("您无权录入该机构的价目表。")
        if form.is_valid():
            try:
                entry = prices.price_set(actor=request.user, facility=facility, **form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"已录入：{entry}。")
                return redirect("canteens:prices", pk=facility.pk)
    return render(
        request,
        "canteens/prices.html",
        {
            "facility": facility,
            "entries": facility.prices.select_related("created_by"),
            "form": form,
            "can_edit": can_edit,
        },
    )


@login_required
def terminal_list(request, pk: int):
    """The facility's devices; a new token is shown once, on the answer to the POST that issued it."""
    facility = _facility(request, pk)
    if not can_manage_terminals(request.user, facility):
        raise PermissionDenied("您无权管理该机构的登记终端。")
    issued = None
    issue_form = TerminalIssueForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "issue":
            issue_form = TerminalIssueForm(request.POST)
            if issue_form.is_valid():
                try:
                    issued = terminals.terminal_issue(
                        actor=request.user, facility=facility, name=issue_form.cleaned_data["name"]
                    )
                except ServiceError as exc:
                    form_error(issue_form, exc)
                else:
                    issue_form = TerminalIssueForm()
        elif action in ("revoke", "rotate"):
            device_id = _positive_int(request.POST.get("device"))
            if device_id is None:
                return bad_request(request, "终端", "终端编号应为正整数。")
            device = get_object_or_404(TerminalDevice.objects.filter(facility=facility), pk=device_id)
            form = ConfirmedReasonForm(request.POST) if action == "revoke" else ConfirmForm(request.POST)
            if not form.is_valid():
                messages.error(request, _form_errors(form))
                return redirect("canteens:terminals", pk=facility.pk)
            try:
                if action == "revoke":
                    terminals.terminal_revoke(
                        actor=request.user, device=device, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, f"{device} 已停用，其令牌立即失效。")
                    return redirect("canteens:terminals", pk=facility.pk)
                issued = terminals.terminal_rotate(actor=request.user, device=device)
            except ServiceError as exc:
                messages.error(request, exc.message)
                return redirect("canteens:terminals", pk=facility.pk)
        else:
            return bad_request(request, "操作", "未知操作（应为发放、停用或更换令牌）。")
    return render(
        request,
        "canteens/terminals.html",
        {
            "facility": facility,
            "devices": facility.terminals.select_related("created_by", "revoked_by"),
            "issued": issued,
            "issue_form": issue_form,
        },
    )


@login_required
def late_entry_list(request):
    """民政's desk of late entries (pending first, then the history); operators and towns see their own."""
    _open_program(request)
    status = request.GET.get("status", "")
    if status and status not in LateEntry.Status.values:
        return bad_request(request, "状态", "状态应为待审核、已同意或未同意。")
    page_number = request.GET.get("page", "1")
    if _positive_int(page_number) is None:
        return bad_request(request, "页码", "页码应为正整数。")
    facility_id = request.GET.get("facility", "")
    entries = late.late_entries_for_user(request.user, status=status)
    if facility_id:
        if _positive_int(facility_id) is None:
            return bad_request(request, "机构", "机构编号应为正整数。")
        entries = entries.filter(facility_id=int(facility_id))
    page = Paginator(entries, 50).get_page(page_number)
    audit_personal_read(
        actor=request.user,
        what="午餐补录申请列表",
        object_type="canteens.LateEntry",
        count=len(page.object_list),
        filters={"status": status, "facility": facility_id, "page": page.number},
    )
    names = elder_names(request.user, [e.elder_id for e in page.object_list])
    rows = [
        {
            "entry": e,
            "elder_name": name_of(names, e.elder_id),
            "can_decide": e.status == LateEntry.Status.PENDING and can_decide_late_entry(request.user, e),
        }
        for e in page.object_list
    ]
    return render(
        request,
        "canteens/late_entries.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": LateEntry.Status.choices,
            "decision_form": LateEntryDecisionForm(),
            "backdate_days": backdate_days(),
            "can_set_window": can_set_backdate_window(request.user),
            "window_form": BackdateWindowForm(initial={"days": backdate_days()}),
        },
    )


@login_required
@require_POST
def late_entry_decide_view(request, pk: int):
    _open_program(request)
    entry = get_object_or_404(late.late_entries_for_user(request.user), pk=pk)
    form = LateEntryDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("canteens:late-entries")
    try:
        late.late_entry_decide(
            actor=request.user,
            entry=entry,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"补录申请（编号 {entry.pk}）已审核：{form.cleaned_data['reason']}。")
    return redirect("canteens:late-entries")


@login_required
@require_POST
def late_entry_request_view(request, pk: int):
    """From the counter: the date it could not record goes to 民政."""
    facility = _facility(request, pk)
    if not can_request_late_entry(request.user, facility):
        raise PermissionDenied("您无权为该机构提交补录申请。")
    form = LateEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "补录申请填写有误：" + _form_errors(form))
        return redirect("canteens:counter", pk=facility.pk)
    try:
        entry = late.late_entry_request(actor=request.user, facility=facility, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"补录申请 #{entry.pk} 已提交县民政局审核（{entry.why_late}）。")
    return redirect("canteens:counter", pk=facility.pk)


@login_required
@require_POST
def backdate_window_view(request):
    _open_program(request)
    if not can_set_backdate_window(request.user):
        raise PermissionDenied("补录期限由系统管理员提出调整，并经另一位系统管理员审核。")
    form = BackdateWindowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            change = late.backdate_window_set(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"已提出将补录期限调整为 {form.cleaned_data['days']} 天"
                f"（自 {chinese_date(change.valid_from)} 起），待另一位系统管理员审核后生效。",
            )
            return redirect("core:policy-change", pk=change.pk)
    return redirect("canteens:late-entries")
