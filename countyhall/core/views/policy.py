from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST

from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.models import PolicyChange
from countyhall.core.params import answers_bad_parameters, choice_param
from countyhall.core.policy import ADOPTED, ALTERNATIVE, ANSWER_LABELS, governed, parameters
from countyhall.core.reports import excel_response
from countyhall.core.rules import RULES, RuleInputError, calc, rule_catalogue
from countyhall.core.selectors.policy import figure_item, governed_overview, policy_history, reading_item
from countyhall.core.services.policy import (
    can_govern_policy,
    change_title,
    policy_change_approve,
    policy_change_impact,
    policy_change_propose,
    policy_change_reject,
    policy_change_withdraw,
    policy_locks,
    second_pair_of_eyes_refusal,
)
from countyhall.core.tables import Column, Table


def parameter_list(request):
    registry = parameters()
    query = request.GET.get("q", "").strip()
    items = [
        p for p in registry if not query or query in p.name or query in p.label or query in p.description
    ]
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename="政策参数.xlsx",
            sheet_title="政策参数",
            headers=[
                "参数",
                "名称",
                "取值",
                "单位",
                "起始日期",
                "截止日期",
                "文号",
                "条款",
                "公报行号",
                "解读",
            ],
            rows=(
                [
                    p.name,
                    p.label,
                    v.value if not isinstance(v.value, dict) else str(v.value),
                    p.unit_label,
                    v.valid_from,
                    v.valid_to,
                    v.citation.document,
                    v.citation.clause,
                    v.citation.line,
                    v.reading or "",
                ]
                for p in items
                for v in p.values
            ),
        )
    return render(
        request,
        "core/parameter_list.html",
        {"parameters": items, "query": query, "readings": registry.readings},
    )


def parameter_detail(request, name: str):
    registry = parameters()
    try:
        parameter = registry.get(name)
    except KeyError:
        raise Http404(name) from None
    values = [
        {"value": v, "reading": registry.readings.get(v.reading) if v.reading else None}
        for v in parameter.values
    ]
    context = {"parameter": parameter, "values": values}
    if parameter.administered:
        context.update(_governed_context(request, kind=PolicyChange.Kind.PARAMETER, key=name))
        context["figure"] = figure_item(parameter, on=business_date())
    return render(request, "core/parameter_detail.html", context)


# ------------------------------------------------------------------------------------------- governed policy


class ReadingChangeForm(forms.Form):
    value = forms.ChoiceField(label="改为", choices=list(ANSWER_LABELS.items()), widget=forms.RadioSelect)
    valid_from = forms.DateField(
        label="起始日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="自该日起的计算采用新的理解；已批准的结算和申领所用的取值不变。",
    )
    reason = forms.CharField(label="理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(
        label="依据文件（可选）",
        max_length=200,
        required=False,
        help_text="如上级答复、县政府常务会议纪要的文号。",
    )


class FigureChangeForm(ReadingChangeForm):
    value = forms.CharField(label="新的取值", max_length=200)
    valid_from = ReadingChangeForm.base_fields["valid_from"]


def _governed_context(request, *, kind: str, key: str) -> dict:
    history = list(policy_history(kind=kind, key=key))
    pending = next((c for c in history if c.state == PolicyChange.State.PROPOSED), None)
    may_govern = can_govern_policy(request.user)
    form = None
    if may_govern and pending is None:
        form_class = ReadingChangeForm if kind == PolicyChange.Kind.READING else FigureChangeForm
        initial = {"valid_from": business_date()}
        if kind == PolicyChange.Kind.READING:
            initial["value"] = (
                ALTERNATIVE if parameters().answer(key, business_date()) == ADOPTED else ADOPTED
            )
        form = form_class(initial=initial, prefix="change")
    locks = policy_locks(kind=kind, key=key)
    return {
        "history": history
        if request.user.is_authenticated
        else [c for c in history if c.state == PolicyChange.State.APPROVED],
        "pending": pending,
        "may_govern": may_govern,
        "change_form": form,
        "kind": kind,
        "key": key,
        "may_see_changes": _may_see_changes(request.user),
        "lock": locks[0] if locks else None,
    }


def reading_list(request):
    """政策解读与管理员录入的数值: every reading (question, adopted answer, alternative, clause, answer in force) and
    every administered figure, with the proposals waiting for a second administrator."""
    overview = governed_overview(on=business_date())
    return render(
        request,
        "core/reading_list.html",
        {
            **overview,
            "today": business_date(),
            "may_govern": can_govern_policy(request.user),
            "may_see_changes": _may_see_changes(request.user),
        },
    )


def reading_detail(request, reading_id: str):
    registry = parameters()
    if reading_id not in registry.readings:
        raise Http404("没有这项政策解读。")
    item = reading_item(registry.readings[reading_id], on=business_date())
    return render(
        request,
        "core/reading_detail.html",
        {
            "item": item,
            "today": business_date(),
            **_governed_context(request, kind=PolicyChange.Kind.READING, key=reading_id),
        },
    )


@login_required
@require_POST
def change_new(request, kind: str, key: str):
    """A proposal from the reading's or the figure's page; then its page, with the impact preview."""
    if not can_govern_policy(request.user):
        raise PermissionDenied("只有系统管理员可以提出政策解读与录入数值的变更。")
    registry = parameters()
    if kind == PolicyChange.Kind.READING and key in registry.readings:
        form_class, back = ReadingChangeForm, ("core:reading", key)
    elif kind == PolicyChange.Kind.PARAMETER and key in registry.parameters:
        form_class, back = FigureChangeForm, ("core:parameter", key)
    else:
        raise Http404("没有这项政策解读或数值。")
    form = form_class(request.POST, prefix="change")
    if form.is_valid():
        try:
            change = policy_change_propose(actor=request.user, kind=kind, key=key, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已提出变更，等待另一位管理员审核。请核对下面的影响预览。")
            return redirect("core:policy-change", pk=change.pk)
    if kind == PolicyChange.Kind.READING:
        context = {
            "item": reading_item(registry.readings[key], on=business_date()),
            "today": business_date(),
            **_governed_context(request, kind=kind, key=key),
            "change_form": form,
        }
        return render(request, "core/reading_detail.html", context, status=400)
    messages.error(
        request,
        "；".join(
            f"{form.fields[f].label if f in form.fields else ''}{'：' if f in form.fields else ''}"
            f"{'；'.join(e)}"
            for f, e in form.errors.items()
        ),
    )
    return redirect(*back)


CHANGE_COLUMNS = [
    Column("proposed_at", "提出时间", sort="proposed_at"),
    Column("title", "变更", value=change_title),
    Column("valid_from", "起始日期", sort="valid_from"),
    Column("state", "状态", value=lambda c: c.get_state_display(), sort="state"),
    Column("proposed_by", "提出人", value=lambda c: str(c.proposed_by)),
    Column("decided_by", "审核人", value=lambda c: str(c.decided_by) if c.decided_by else ""),
    Column("reason", "理由"),
    Column("decision_note", "审核意见", default=False),
]


def _may_see_changes(user) -> bool:
    """Who opens a change's page (change_detail): the pages link to it only for them (a 民政局 clerk clicking
    有待审核的变更 got a 403)."""
    return user.is_authenticated and (can_govern_policy(user) or user.can("audit.view"))


def _require_signed_in_staff(user) -> None:
    if not _may_see_changes(user):
        raise PermissionDenied("只有系统管理员和审计员可以查看政策变更记录。")


@login_required
@answers_bad_parameters
def change_list(request):
    _require_signed_in_staff(request.user)
    state = choice_param(request, "state", "状态", PolicyChange.State.choices)
    kind = choice_param(request, "kind", "类别", PolicyChange.Kind.choices)
    queryset = PolicyChange.objects.select_related("proposed_by", "decided_by")
    if state:
        queryset = queryset.filter(state=state)
    if kind:
        queryset = queryset.filter(kind=kind)
    table = Table(request, queryset, columns=CHANGE_COLUMNS, default_sort="-proposed_at")
    if table.export_requested:
        return table.export(filename="政策变更记录.csv")
    return render(
        request,
        "core/policy_change_list.html",
        {
            "table": table,
            "states": PolicyChange.State.choices,
            "kinds": PolicyChange.Kind.choices,
            "filters": {"state": state, "kind": kind},
        },
    )


def _change_subject(change: PolicyChange) -> dict:
    registry = parameters()
    if change.kind == PolicyChange.Kind.READING:
        reading = registry.readings.get(change.key)
        return {
            "reading": reading,
            "url_name": "core:reading",
            "new_text": reading.answer_text(change.value) if reading else "",
            "value_label": ANSWER_LABELS.get(change.value, change.value),
        }
    parameter = registry.parameters.get(change.key)
    return {
        "parameter": parameter,
        "url_name": "core:parameter",
        "value_label": parameter.display(change.value) if parameter else str(change.value),
    }


@login_required
def change_detail(request, pk: int):
    change = get_object_or_404(PolicyChange.objects.select_related("proposed_by", "decided_by"), pk=pk)
    _require_signed_in_staff(request.user)
    if change.state == PolicyChange.State.PROPOSED:
        impact, impact_note = policy_change_impact(change=change), "按当前数据即时计算"
    else:
        impact, impact_note = change.impact, "审核时的影响预览（之后的数据变化不再反映）"
    may_govern = can_govern_policy(request.user)
    return render(
        request,
        "core/policy_change_detail.html",
        {
            "change": change,
            "title": change_title(change),
            **_change_subject(change),
            "impact": impact,
            "impact_note": impact_note,
            "may_decide": may_govern
            and change.state == PolicyChange.State.PROPOSED
            and not second_pair_of_eyes_refusal(request.user, change),
            "may_withdraw": may_govern
            and change.state == PolicyChange.State.PROPOSED
            and change.proposed_by_id == request.user.pk,
            "confirm": request.GET.get("confirm", "") in {"approve", "reject", "withdraw"}
            and request.GET["confirm"],
        },
    )


@login_required
@require_POST
def change_decide(request, pk: int):
    change = get_object_or_404(PolicyChange, pk=pk)
    action = request.POST.get("action", "")
    if action not in {"approve", "reject", "withdraw"}:
        return redirect("core:policy-change", pk=pk)
    if request.POST.get("confirmed") != "yes":
        # The decision is irreversible (an approved change is ended only by a later one): confirm first.
        return redirect(f"{request.path.rsplit('decide', 1)[0]}?confirm={action}")
    note = request.POST.get("note", "")
    try:
        if action == "approve":
            policy_change_approve(actor=request.user, change=change, note=note)
            messages.success(request, f"已批准：自 {date_format(change.valid_from, 'Y年n月j日')} 起生效。")
        elif action == "reject":
            policy_change_reject(actor=request.user, change=change, note=note)
            messages.success(request, "已不予批准，提出人会在变更记录中看到您的意见。")
        else:
            policy_change_withdraw(actor=request.user, change=change)
            messages.success(request, "已撤回该变更。")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{request.path.rsplit('decide', 1)[0]}?confirm={action}")
    return redirect("core:policy-change", pk=pk)


def _catalogue_for(user) -> list[dict]:
    """Citizens (not signed in) get the rules a program marks public; staff get every rule."""
    return rule_catalogue(public_only=not getattr(user, "is_authenticated", False))


def public_rule_catalogue() -> list[dict]:
    return rule_catalogue(public_only=True)


def calc_page(request):
    """The calculator: pick a rule, fill in its form (generated from the rule's input schema), see the result in
    a Chinese table with why (the clauses and the readings). The JSON input stays, for staff, in 技术信息."""
    from countyhall.core.rules.forms import RuleForm, UnsupportedSchema
    from countyhall.core.rules.present import result_rows

    catalogue = _catalogue_for(request.user)
    names = {c["name"] for c in catalogue}
    default = next((c["name"] for c in catalogue if c["public"]), catalogue[0]["name"] if catalogue else "")
    selected = request.POST.get("rule") or request.GET.get("rule") or default
    if selected not in names:
        raise Http404("没有这项计算，或它不对公众开放。")
    entry = next(c for c in catalogue if c["name"] == selected)
    rule_obj = RULES[selected]
    json_mode = request.method == "POST" and "input" in request.POST
    input_text = request.POST.get("input") or json.dumps(entry["example"], ensure_ascii=False, indent=2)
    try:
        form = RuleForm(
            entry["input_schema"],
            request.POST if request.method == "POST" and not json_mode else None,
            initial=RuleForm.initial_from(entry["example"]),
        )
    except UnsupportedSchema:
        form = None
    result = None
    payload: dict = {}
    errors: list[dict] = []
    if request.method == "POST":
        try:
            payload = json.loads(input_text) if json_mode or form is None else form.payload()
            result = calc(selected, payload)
        except json.JSONDecodeError as exc:
            errors = [
                {"field": "输入（JSON）", "message": f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列。"}
            ]
        except RuleInputError as exc:
            left = (
                form.add_calc_errors(exc.errors)
                if form is not None and not json_mode
                else [m for _, m in exc.errors]
            )
            errors = [{"field": f, "message": m} for f, m in exc.errors if json_mode or form is None]
            errors += [{"field": "", "message": m} for m in left if not (json_mode or form is None)]
    registry = parameters()
    readings = [registry.readings[r] for r in (result or {}).get("readings", []) if r in registry.readings]
    alternatives = _side_by_side(selected, payload, result, rule_obj) if result else []
    status = 400 if request.method == "POST" and result is None else 200
    return render(
        request,
        "core/calc.html",
        {
            "catalogue": catalogue,
            "selected": entry,
            "form": form,
            "input_text": input_text,
            "result": result,
            "result_rows": result_rows(result, rule_obj.output_labels) if result else [],
            "result_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
            "errors": errors,
            "json_mode": json_mode,
            "result_readings": readings,
            "result_answers": (result or {}).get("reading_answers", {}),
            "alternatives": alternatives,
        },
        status=status,
    )


def _side_by_side(rule_name: str, payload: dict, result: dict, rule_obj) -> list[dict]:
    """The same input under the other answer of each reading the result used, beside the answer in force."""
    from countyhall.core.rules.present import result_rows

    registry = parameters()
    here = {row["key"]: row for row in result_rows(result, rule_obj.output_labels)}
    found = []
    for reading_id in result.get("readings", []):
        reading = registry.readings.get(reading_id)
        if reading is None or not reading.alternative:
            continue
        current = result.get("reading_answers", {}).get(reading_id, ADOPTED)
        other = ALTERNATIVE if current == ADOPTED else ADOPTED
        with governed.readings_answered({reading_id: other}):
            try:
                other_result = calc(rule_name, payload)
            except RuleInputError:
                continue
        rows = [
            {
                "label": row["label"],
                "here": here[row["key"]]["value"] if row["key"] in here else "—",
                "other": row["value"],
            }
            for row in result_rows(other_result, rule_obj.output_labels)
        ]
        found.append(
            {
                "reading": reading,
                "current": ANSWER_LABELS[current],
                "other": ANSWER_LABELS[other],
                "rows": rows,
                "differs": any(r["here"] != r["other"] for r in rows),
            }
        )
    return found


def subsidies(request):
    """我能享受哪些补贴: every program's public part (Program.public_sections), for citizens and staff alike."""
    from countyhall.core.programs import registered_programs

    sections = [
        section for program in registered_programs() for section in program.public_sections_for(request)
    ]
    return render(
        request, "core/subsidies.html", {"sections": sections, "public_rules": public_rule_catalogue()}
    )
