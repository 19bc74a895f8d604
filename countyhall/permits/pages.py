"""Pages added for the people who use the approval system: correcting a project (with its history), the
confirmation step before an irreversible act (decide, return, refuse to accept), and the permit decision
document (决定书) as PDF and Excel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from countyhall.core.errors import ServiceError
from countyhall.core.reports import excel_response, pdf_response
from countyhall.core.web import posted_id, save_form
from countyhall.gazette.selectors import clause_for_citation
from countyhall.permits import access, forms, selectors, services
from countyhall.permits.models import Case
from countyhall.permits.rules import PARALLEL_APPROVAL
from countyhall.permits.services.setup import CORRECTABLE


def _need(user):
    from countyhall.permits.views import _need as need

    need(user)


@login_required
def project_edit(request, pk: int):
    """更正项目信息: every change needs a reason; the old value stays in the history on the project's page."""
    _need(request.user)
    project = selectors.project_list_for_user(request.user).filter(pk=pk).first()
    if project is None:
        raise Http404("项目不存在或不在您的范围内。")
    if not access.can_correct_project(request.user, project):
        raise PermissionDenied("只有县行政审批服务局、县发展和改革局或系统管理员可以更正项目信息。")
    initial = {field: getattr(project, field) for field in CORRECTABLE}
    form = forms.ProjectCorrectForm(request.POST or None, initial=initial, project=project)
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: services.project_correct(actor=request.user, project=project, **data),
        success="已更正项目信息，原值保留在更正记录中。",
    ):
        return redirect(reverse("permits:project", args=[project.pk]) + "#history")
    return render(
        request,
        "permits/project_edit.html",
        {"project": project, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# The acts that cannot be undone and so are confirmed on a page of their own, with what will happen.
CONFIRMED = {
    "decide": "作出统一决定",
    "return": "退回申请",
    "refuse_intake": "不予受理",
}


def confirmation(request, project):
    """The confirmation page for an irreversible act, or None when it is confirmed (or not such an act).

    Nothing is pre-selected: a decision must be chosen, and a missing reason is caught here, before the
    confirmation, with the field named."""
    action = request.POST.get("action", "")
    if action not in CONFIRMED or request.POST.get("confirmed") == "1":
        return None
    try:
        case = Case.objects.select_related("project__applicant", "lead").get(
            pk=posted_id(request.POST.get("case"), "审批事项"), project=project
        )
    except (ServiceError, Case.DoesNotExist):
        raise Http404("审批事项不存在。") from None
    # The same predicates the services require: nobody is asked to confirm what would be refused.
    allowed = access.can_decide if action == "decide" else access.can_answer_intake
    if not allowed(request.user, case):
        raise PermissionDenied(
            "只有牵头部门可以作出决定。"
            if action == "decide"
            else "只有牵头部门或综合服务窗口可以退回或不予受理。"
        )
    reasons = request.POST.get("reasons", "").strip()
    decision = request.POST.get("decision", "")
    errors = {}
    if action == "decide":
        if decision not in ("approve", "refuse"):
            errors["decision"] = "请选择“准予许可”或“不予许可”（系统不预设结果）。"
        elif decision == "refuse" and not reasons:
            errors["reasons"] = "不予许可须写明理由。"
    elif not reasons:
        errors["reasons"] = f"{CONFIRMED[action]}须写明理由（将告知建设单位）。"
    fields = [
        (name, value)
        for name, value in request.POST.items()
        if name not in ("csrfmiddlewaretoken", "confirmed", "anchor")
    ]
    return render(
        request,
        "permits/confirm.html",
        {
            "project": project,
            "case": case,
            "action": action,
            "label": CONFIRMED[action],
            "decision": decision,
            "reasons": reasons,
            "errors": errors,
            "fields": fields,
            "back": reverse("permits:project", args=[project.pk]) + f"#case-{case.pk}",
        },
        status=400 if errors else 200,
    )


def _decided_case(user, pk: int) -> Case:
    case = (
        Case.objects.filter(pk=pk, project__in=selectors.project_list_for_user(user))
        .select_related("project__applicant", "project__site", "lead")
        .first()
    )
    if case is None or not case.decided_on:
        raise Http404("没有该审批决定，或不在您的范围内。")
    return case


def _document(case: Case) -> dict:
    clause = clause_for_citation(document_number=PARALLEL_APPROVAL.document, line=PARALLEL_APPROVAL.line)
    reviews = list(case.reviews.select_related("department").order_by("pk"))
    return {
        "case": case,
        "project": case.project,
        "reviews": reviews,
        "citation": PARALLEL_APPROVAL,
        "clause": clause,
        "number": case.decision_number or f"（编号未登记，事项 {case.pk}）",
    }


@login_required
def decision_document(request, pk: int):
    """决定书: number, project, decision, the basis with its clause, the date and the seal field; PDF by
    default, ?format=xlsx for the same content as a sheet."""
    _need(request.user)
    case = _decided_case(request.user, pk)
    data = _document(case)
    output = request.GET.get("format", "pdf")
    stem = f"审批决定书_{case.project.code}_{case.stage}"
    if output == "xlsx":
        rows = [
            ["决定书编号", data["number"]],
            ["项目名称", case.project.name],
            ["项目代码", case.project.code],
            ["建设单位", case.project.applicant.name],
            ["建设地点", case.project.site.full_name()],
            ["审批阶段", case.stage],
            ["决定", case.get_status_display()],
            ["理由", case.decision_reasons or "—"],
        ]
        rows += [
            [
                f"审查意见：{r.department}",
                f"{r.get_opinion_display()}{('，' + r.reasons) if r.reasons else ''}",
            ]
            for r in data["reviews"]
        ]
        rows += [
            [
                "依据",
                f"{PARALLEL_APPROVAL.document} {PARALLEL_APPROVAL.clause}"
                + (f"：{data['clause'].text[:200]}" if data["clause"] else ""),
            ],
            ["作出决定的部门", case.lead.name],
            ["决定日期", case.decided_on],
            ["印章", "（盖章）"],
        ]
        return excel_response(
            filename=f"{stem}.xlsx", sheet_title="审批决定书", headers=["项目", "内容"], rows=rows
        )
    if output != "pdf":
        from countyhall.permits.views import _bad_request

        return _bad_request(request, "格式", "应为 pdf 或 xlsx。")
    return pdf_response(template="permits/decision_pdf.html", context=data, filename=f"{stem}.pdf")
