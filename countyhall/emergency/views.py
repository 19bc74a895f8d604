"""Pages of the accident module. Thin: parse, call the service, show the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from countyhall.core.clock import business_date, business_now
from countyhall.core.errors import ServiceError
from countyhall.core.models import OutboxMessage
from countyhall.core.notifications import outbox_dispatch
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.reports import excel_response, pdf_response
from countyhall.core.selectors.notices import notice_list_for_user
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import (
    PostActions,
    bad_request,
    form_data,
    form_error,
    is_ascii_int,
    posted_id,
    save_form,
)
from countyhall.emergency import access, forms, selectors, services
from countyhall.emergency.access import USERS as EMERGENCY_ROLES
from countyhall.emergency.cap import warning_cap_xml
from countyhall.emergency.models import (
    CommandPost,
    DutyOffice,
    Expert,
    Incident,
    ReportDeadline,
    TimelineEntry,
    Warning,
    WorkingGroup,
)
from countyhall.emergency.rules import LEVEL_LABELS, level_rank


def _need(user) -> None:
    # Opening the module at all; what a user may do inside it is decided by emergency.access.
    if not user.role_codes & EMERGENCY_ROLES:
        raise PermissionDenied("当前角色无权使用发电企业事故应急模块。")


def _bad_request(request, field: str, message: str):
    return bad_request(request, field=field, message=message, nav="emergency/_nav.html")


_pk = posted_id


def _incident_for(user, pk: int) -> Incident:
    incident = selectors.incident_list_for_user(user).filter(pk=pk).first()
    if incident is None:
        raise Http404("事故不存在或不在您的范围内。")
    return incident


@login_required
def incident_list(request):
    _need(request.user)
    incidents = selectors.incident_list_for_user(request.user)
    status = request.GET.get("status", "")
    if status and status not in Incident.Status.values:
        return _bad_request(
            request, "状态", "应为：" + "、".join(f"{v}（{label}）" for v, label in Incident.Status.choices)
        )
    if request.GET.get("format", "") not in ("", "xlsx"):
        return _bad_request(request, "格式", "导出格式应为 xlsx。")
    if status:
        incidents = incidents.filter(status=status)
    reports = request.GET.get("reports", "")
    if reports not in ("", "open"):
        return _bad_request(request, "报告", "应为 open（有未办结的报告时限）。")
    if reports:  # the to-do "reports owed" links here
        incidents = (
            incidents.filter(deadlines__done_at__isnull=True).exclude(status=Incident.Status.ENDED).distinct()
        )
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename="发电企业生产安全事故.xlsx",
            sheet_title="事故",
            headers=["发生时间", "企业", "类型", "地点", "响应等级", "状态", "接报时间", "应急结束"],
            rows=(
                [
                    timezone.localtime(i.occurred_at),
                    str(i.enterprise),
                    i.get_kind_display(),
                    i.place,
                    i.get_level_display(),
                    i.get_status_display(),
                    timezone.localtime(i.reported_at),
                    timezone.localtime(i.ended_at) if i.ended_at else "",
                ]
                for i in incidents
            ),
        )
    return render(
        request,
        "emergency/incident_list.html",
        {
            "incidents": incidents,
            "status": status,
            "statuses": Incident.Status.choices,
            "reports": reports,
            "notices": notice_list_for_user(request.user, limit=30),
            "hq": access.can_dispatch_outbox(request.user),
            "can_report": any(
                access.can_report_incident(request.user, e)
                for e in selectors.enterprise_list_for_user(request.user)
            ),
        },
    )


@login_required
def incident_new(request):
    _need(request.user)
    visible = selectors.enterprise_list_for_user(request.user)
    enterprises = visible.filter(
        pk__in=[e.pk for e in visible if access.can_report_incident(request.user, e)]
    )
    if not enterprises.exists():
        raise PermissionDenied("您的范围内没有可以报告事故的发电企业。")
    form = forms.IncidentForm(
        request.POST or None,
        enterprises=enterprises,
        initial={"occurred_at": business_now().strftime("%Y-%m-%dT%H:%M")},
    )
    created = []
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: created.append(services.incident_report(actor=request.user, **data)),
        success="已接报；报告时限自事故发生时起算。",
    ):
        messages.info(request, f"响应等级：{LEVEL_LABELS[created[0].level]}。")
        return redirect("emergency:incident", pk=created[0].pk)
    return render(request, "emergency/incident_new.html", {"form": form})


ACTIONS = PostActions()
_action = ACTIONS


@_action("figures")
def _figures(request, incident):
    data = form_data(forms.FiguresForm(request.POST))
    figures = services.incident_figures_update(actor=request.user, incident=incident, **data)
    return f"已更新伤亡情况（第{figures.version}版）。"


@_action("content")
def _content(request, incident):
    data = form_data(forms.ContentForm(request.POST))
    services.incident_content_update(actor=request.user, incident=incident, **data)
    return "已更新报告内容。"


@_action("done")
def _done(request, incident):
    deadline = get_object_or_404(
        ReportDeadline, pk=_pk(request.POST.get("deadline"), "报告时限"), incident=incident
    )
    services.deadline_done(
        actor=request.user,
        deadline=deadline,
        reported_to=request.POST.get("reported_to", ""),
        note=request.POST.get("note", ""),
    )
    return f"{deadline.get_kind_display()}：已记录。"


@_action("verify")
def _verify(request, incident):
    data = form_data(forms.VerificationForm(request.POST))
    services.verification_request(actor=request.user, incident=incident, **data)
    return "已登记核报要求并开始计时。"


@_action("start")
def _start(request, incident):
    services.response_start(
        actor=request.user, incident=incident, decided_by=request.POST.get("decided_by", "")
    )
    return "已启动应急响应。"


@_action("group")
def _group(request, incident):
    group = get_object_or_404(WorkingGroup, pk=_pk(request.POST.get("group"), "工作组"))
    services.group_activate(actor=request.user, incident=incident, group=group)
    return f"已启动{group}。"


@_action("log")
def _log(request, incident):
    group = None
    if request.POST.get("group"):
        group = get_object_or_404(WorkingGroup, pk=_pk(request.POST.get("group"), "工作组"))
    services.timeline_add(
        actor=request.user,
        incident=incident,
        kind=request.POST.get("kind", ""),
        text=request.POST.get("text", ""),
        group=group,
    )
    return "已记录。"


@_action("task_done")
def _task_done(request, incident):
    entry = get_object_or_404(TimelineEntry, pk=_pk(request.POST.get("entry"), "任务"), incident=incident)
    services.task_done(actor=request.user, entry=entry)
    return "任务已办结。"


@_action("lower")
def _lower(request, incident):
    services.response_level_lower(
        actor=request.user,
        incident=incident,
        level=request.POST.get("level", ""),
        reason=request.POST.get("reason", ""),
        decided_by=request.POST.get("decided_by", ""),
    )
    return "已调低响应等级，已记入处置记录并通知所涉单位。"


# Irreversible acts confirmed on a page of their own first (no inline script: the page is server-rendered).
CONFIRMED = {"end": "宣布应急结束", "lower": "调低响应等级"}


def _confirmation(request, incident):
    action = request.POST.get("action", "")
    if action not in CONFIRMED or request.POST.get("confirmed") == "1":
        return None
    errors = {}
    if action == "end" and not request.POST.get("commander", "").strip():
        errors["commander"] = "应急结束须经总指挥批准，请填写总指挥姓名。"
    if action == "lower":
        level = request.POST.get("level", "")
        if level not in LEVEL_LABELS:
            errors["level"] = "请选择调低后的响应等级。"
        if not request.POST.get("reason", "").strip():
            errors["reason"] = "调低响应等级须写明理由。"
        if not request.POST.get("decided_by", "").strip():
            errors["decided_by"] = "请填写决定调低等级的领导。"
    fields = [
        (name, value)
        for name, value in request.POST.items()
        if name not in ("csrfmiddlewaretoken", "confirmed", "anchor")
    ]
    return render(
        request,
        "emergency/confirm.html",
        {
            "incident": incident,
            "action": action,
            "label": CONFIRMED[action],
            "errors": errors,
            "fields": fields,
            "level_label": LEVEL_LABELS[incident.level],
            "lower_levels": [
                (code, label)
                for code, label in LEVEL_LABELS.items()
                if level_rank(code) < level_rank(incident.level)
            ],
            "can_lower": access.can_lower_level(request.user, incident)
            and incident.status != Incident.Status.ENDED,
            "new_level": LEVEL_LABELS.get(request.POST.get("level", ""), ""),
            "post": request.POST,
            "back": reverse("emergency:incident", args=[incident.pk]) + "#response",
        },
        status=400 if errors else 200,
    )


@_action("end")
def _end(request, incident):
    services.emergency_end(actor=request.user, incident=incident, commander=request.POST.get("commander", ""))
    return "已宣布应急结束。"


@_action("evaluation")
def _evaluation(request, incident):
    form = forms.EvaluationForm(request.POST)
    if not form.is_valid():
        raise ServiceError(
            "evaluation", "评估报告须包括：" + "、".join(form.fields[k].label for k in form.errors)
        )
    services.evaluation_record(actor=request.user, incident=incident, **form.cleaned_data)
    return "已保存处置评估报告。"


def _span(seconds: int) -> str:
    """The countdown as the page's script writes it (h:mm:ss or m:ss), so the first paint needs no script."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _why_level(current) -> dict | None:
    """The clauses and readings (with the answer applied) behind the stored level of the current figures."""
    if current is None:
        return None
    registry = parameters()
    answers = (current.policy_basis or {}).get("readings", {})
    readings = []
    for reading_id in dict.fromkeys(current.readings):
        if reading_id in registry.readings:
            reading, answer = registry.reading(reading_id), answers.get(reading_id, "adopted")
            readings.append(
                {"question": reading.question, "text": reading.answer_text(answer), "answer": answer}
            )
    from countyhall.core.policy.basis import parameter_rows

    return {
        "citations": list({(c["document"], c["clause"], c["line"]): c for c in current.citations}.values()),
        "readings": readings,
        "parameters": parameter_rows(current.policy_basis),
    }


def _local_response(incident) -> dict | None:
    """4.1 on the incident page: a Level IV response is the town's or the development zone's."""
    local, citations = access.locally_led_terms(incident, incident.level)
    if not local:
        return None
    value = parameters().at("emergency.led_by.level_iv", timezone.localdate(incident.occurred_at))
    return {
        "text": f"一般（IV级）响应由{value.value}启动和实施；升为III级及以上时由县应急救援指挥部启动。",
        "citation": value.citation,
        "citations": list(dict.fromkeys([value.citation, *citations])),
    }


@login_required
def incident_detail(request, pk: int):
    _need(request.user)
    incident = _incident_for(request.user, pk)
    if request.method == "POST":
        return _confirmation(request, incident) or ACTIONS.run(
            request, incident, url=reverse("emergency:incident", args=[incident.pk])
        )
    board = selectors.incident_board(incident)
    deadlines = {d.pk: d for d in incident.deadlines.all()}
    rows = [
        {**state, "object": deadlines[state["id"]], "left": _span(state["seconds_left"])}
        for state in board["deadlines"]
    ]
    figures = list(incident.figures.select_related("recorded_by"))
    current = figures[0] if figures else None
    return render(
        request,
        "emergency/incident_detail.html",
        {
            "incident": incident,
            "rows": rows,
            "figures": figures,
            "current": current,
            "board_now": board["now"],
            "timeline": incident.timeline.select_related("group", "author"),
            "groups": WorkingGroup.objects.all(),
            "active_groups": set(incident.activations.values_list("group_id", flat=True)),
            "missing_content": services.report_content_missing(incident),
            "hq": access.can_command(request.user, incident),
            "can_start": access.can_start_response(request.user, incident),
            "end_approver": "事故发生地镇（办）、经济开发区负责人"
            if access.locally_led(incident)
            else "总指挥",
            "local_response": _local_response(incident),
            "why_level": _why_level(current),
            "can_update": access.can_update_incident(request.user, incident),
            "level_label": LEVEL_LABELS[incident.level],
            "lower_levels": [
                (code, label)
                for code, label in LEVEL_LABELS.items()
                if level_rank(code) < level_rank(incident.level)
            ],
            "can_lower": access.can_lower_level(request.user, incident)
            and incident.status != Incident.Status.ENDED,
            "forms": {
                "figures": forms.FiguresForm(
                    initial={
                        "deaths": current.deaths,
                        "missing": current.missing,
                        "injured": current.injured,
                        "especially_major_impact": current.especially_major_impact,
                        "direct_loss_yuan": current.direct_loss_yuan,
                    }
                    if current
                    else None
                ),
                "content": forms.ContentForm(
                    initial={f: getattr(incident, f) for f in services.CONTENT_FIELDS}
                ),
                "verify": forms.VerificationForm(),
                "evaluation": forms.EvaluationForm(
                    initial={f: getattr(incident, f) for f in [*services.EVALUATION_FIELDS, "investigation"]}
                ),
            },
        },
    )


@login_required
def incident_report_pdf(request, pk: int):
    """The written report with the E3 content, the reporting record and the timeline, for printing."""
    _need(request.user)
    incident = _incident_for(request.user, pk)
    return pdf_response(
        template="emergency/report_pdf.html",
        filename=f"事故报告-{incident.pk}.pdf",
        context={
            "incident": incident,
            "current": incident.figures.order_by("-version").first(),
            "deadlines": incident.deadlines.order_by("due_at"),
            "timeline": incident.timeline.all(),
            "generated": business_now(),
        },
    )


@login_required
def incident_clock(request, pk: int):
    """The board as JSON, polled by the countdown page so it updates without reloading."""
    _need(request.user)
    return JsonResponse(selectors.incident_board(_incident_for(request.user, pk)))


def _keepers(request) -> None:
    # The services' own predicate, answered as a page's 403 before any form is read.
    if not access.can_keep_registers(request.user):
        raise PermissionDenied("由应急救援指挥部办公室（县发展改革局）、县应急局或系统管理员维护。")


@login_required
def registers(request):
    _need(request.user)
    enterprises = selectors.enterprise_list_for_user(request.user)
    # The hazard form offers only the enterprises the service would accept (emergency.access.can_add_hazard).
    hazard_enterprises = enterprises.filter(
        pk__in=[e.pk for e in enterprises if access.can_add_hazard(request.user, e)]
    )
    forms_ = {
        "enterprise": forms.EnterpriseForm(prefix="e"),
        "hazard": forms.HazardForm(prefix="h", enterprises=hazard_enterprises),
        "office": forms.DutyOfficeForm(prefix="o"),
        "expert": forms.ExpertForm(prefix="x"),
    }
    if request.method == "POST":
        which = request.POST.get("form")
        saves = {  # form name: (form class, prefix, service, success, HQ only)
            "hazard": (forms.HazardForm, "h", services.hazard_add, "已登记重大危险源。", False),
            "enterprise": (forms.EnterpriseForm, "e", services.enterprise_register, "已登记发电企业。", True),
            "office": (forms.DutyOfficeForm, "o", services.duty_office_set, "已保存。", True),
            "expert": (forms.ExpertForm, "x", services.expert_add, "已登记专家。", True),
        }
        if which in saves:
            form_class, prefix, service, success, hq_only = saves[which]
            if hq_only:
                _keepers(request)
            extra = {"enterprises": hazard_enterprises} if form_class is forms.HazardForm else {}
            form = forms_[which] = form_class(request.POST, prefix=prefix, **extra)
            if save_form(request, form, lambda data: service(actor=request.user, **data), success=success):
                return redirect("emergency:registers")
        elif which in ("post", "seed"):
            _keepers(request)
            try:
                if which == "post":
                    post = get_object_or_404(CommandPost, pk=_pk(request.POST.get("post"), "职务"))
                    services.command_post_assign(
                        actor=request.user, post=post, holder=request.POST.get("holder", "")
                    )
                    messages.success(request, "已更新任职。")
                else:
                    counts = services.command_structure_load(actor=request.user)
                    messages.success(request, f"已导入预案所列指挥体系：{counts}")
            except ServiceError as exc:
                messages.error(request, exc.message)
            return redirect("emergency:registers")
    experts = list(Expert.objects.all())
    posts = list(CommandPost.objects.all())
    listed = list(enterprises.prefetch_related("hazards"))
    # Named persons on this page: experts (with their phones), enterprises' principals, post holders.
    people = len(experts) + sum(1 for e in listed if e.principal) + sum(1 for p in posts if p.holder)
    if people:
        audit_personal_read(
            actor=request.user, what="应急专家与值守人员名册", object_type="emergency.Expert", count=people
        )
    return render(
        request,
        "emergency/registers.html",
        {
            "enterprises": listed,
            "offices": DutyOffice.objects.all(),
            "posts": posts,
            "groups": WorkingGroup.objects.all(),
            "experts": experts,
            "forms": forms_,
            "hq": access.can_keep_registers(request.user),
            "can_add_hazard": hazard_enterprises.exists(),
        },
    )


@login_required
def warnings(request):
    _need(request.user)
    form = forms.WarningForm(request.POST or None)
    if request.method == "POST":
        if not access.can_issue_warning(request.user):
            raise PermissionDenied("预警由应急救援指挥部（办公室设在县发展改革局）或县应急局发布。")
        action = request.POST.get("action", "issue")
        try:
            if action == "cancel":
                previous = get_object_or_404(Warning, pk=_pk(request.POST.get("warning"), "预警"))
                services.warning_cancel(
                    actor=request.user, previous=previous, reason=request.POST.get("reason", "")
                )
                messages.success(request, "已解除预警。")
                return redirect("emergency:warnings")
            if form.is_valid():
                data = dict(form.cleaned_data)
                if action == "update":
                    previous = get_object_or_404(Warning, pk=_pk(request.POST.get("warning"), "预警"))
                    data.pop("enterprise")
                    services.warning_update(actor=request.user, previous=previous, **data)
                    messages.success(request, "已更新预警。")
                else:
                    services.warning_issue(actor=request.user, **data)
                    messages.success(request, "已发布预警。")
                return redirect("emergency:warnings")
        except ServiceError as exc:
            form_error(form, exc)
    items = Warning.objects.select_related("previous", "enterprise__organisation")
    current = [w for w in items if w.msg_type != Warning.MsgType.CANCEL and not w.successors.exists()]
    for warning in current:  # the update form starts from the warning as it stands
        warning.update_form = forms.WarningForm(
            initial={
                name: getattr(warning, name)
                for name in (
                    "level",
                    "event",
                    "headline",
                    "description",
                    "instruction",
                    "area",
                    "urgency",
                    "certainty",
                    "expires_at",
                )
            }
        )
    return render(
        request,
        "emergency/warnings.html",
        {"warnings": items, "current": current, "form": form, "hq": access.can_issue_warning(request.user)},
    )


@login_required
def warning_cap(request, pk: int):
    _need(request.user)
    warning = get_object_or_404(Warning, pk=pk)
    response = HttpResponse(warning_cap_xml(warning), content_type="application/cap+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="warning-{warning.pk}.cap.xml"'
    return response


@login_required
def drills(request):
    _need(request.user)
    enterprises = selectors.enterprise_list_for_user(request.user)
    # The form offers only the enterprises whose drills the service would accept (can_record_drill).
    recordable = enterprises.filter(
        pk__in=[e.pk for e in enterprises if access.can_record_drill(request.user, e)]
    )
    form = forms.DrillForm(request.POST or None, enterprises=recordable)
    if request.method == "POST" and save_form(
        request, form, lambda data: services.drill_record(actor=request.user, **data), success="已登记演练。"
    ):
        return redirect("emergency:drills")
    text = request.GET.get("year", "").strip()
    if text and not (is_ascii_int(text) and 2000 <= int(text) <= 2100):
        return _bad_request(request, "年度", "应为 2000 至 2100 之间的四位年份。")
    if request.GET.get("format", "") not in ("", "xlsx"):
        return _bad_request(request, "格式", "导出格式应为 xlsx。")
    year = int(text) if text else business_date().year
    try:
        compliance = selectors.drill_compliance(year=year)
    except NoPolicyInForce:
        return _bad_request(request, "年度", f"{year} 年没有有效的演练次数要求（预案参数未覆盖该年）。")
    visible = {e.pk for e in enterprises}
    compliance["rows"] = [r for r in compliance["rows"] if r["enterprise"].pk in visible]
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename=f"应急演练{year}.xlsx",
            sheet_title="演练达标",
            headers=["企业", "演练次数", "应达次数", "差额"],
            rows=(
                [str(r["enterprise"]), r["held"], compliance["required"], r["short"]]
                for r in compliance["rows"]
            ),
        )
    from countyhall.emergency.models import Drill

    return render(
        request,
        "emergency/drills.html",
        {
            "form": form,
            "compliance": compliance,
            "year": year,
            "can_record": recordable.exists(),
            "drills": Drill.objects.filter(enterprise__in=enterprises).select_related(
                "enterprise__organisation"
            ),
        },
    )


@login_required
def outbox(request):
    _need(request.user)
    if not access.can_dispatch_outbox(request.user):
        raise PermissionDenied("通知发件箱由应急救援指挥部办公室、县应急局或系统管理员管理。")
    if request.method == "POST":
        counts = outbox_dispatch()
        messages.success(
            request, f"发送：{counts['sent']}，失败：{counts['failed']}，未配置通道：{counts['no_sender']}。"
        )
        return redirect("emergency:outbox")
    return render(
        request,
        "emergency/outbox.html",
        {"messages_": OutboxMessage.objects.select_related("organisation")[:200]},
    )
