from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from countyhall.core.clock import business_date
from countyhall.core.context_processors import PERMIT_ROLES
from countyhall.core.errors import ServiceError
from countyhall.permits import services
from countyhall.permits.models import Case, Project, Review
from countyhall.permits.rules import stages_for


def _need(user) -> None:
    if not user.role_codes & PERMIT_ROLES:
        raise PermissionDenied("当前角色无权查看工程建设项目审批。")


class OpinionForm(forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("opinion", "出具意见"), ("resume", "申请人已补正"), ("decide", "作出决定")])
    opinion = forms.ChoiceField(label="意见", choices=[c for c in Review.Opinion.choices if c[0] != "pending"],
                                required=False)
    approve = forms.BooleanField(label="准予许可", required=False)
    reasons = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def project_list(request):
    _need(request.user)
    projects = Project.objects.select_related("applicant", "site").prefetch_related("cases")
    query = request.GET.get("q", "").strip()
    if query:
        projects = projects.filter(name__icontains=query) | projects.filter(code__icontains=query)
    return render(request, "permits/project_list.html", {"projects": projects, "query": query})


@login_required
def project_detail(request, pk: int):
    _need(request.user)
    project = get_object_or_404(Project.objects.select_related("applicant", "site"), pk=pk)
    if request.method == "POST":
        form = OpinionForm(request.POST)
        if form.is_valid():
            case = get_object_or_404(Case, pk=form.cleaned_data["case"], project=project)
            data = form.cleaned_data
            try:
                if data["action"] == "opinion":
                    services.review_give(actor=request.user, case=case, opinion=data["opinion"], reasons=data["reasons"])
                elif data["action"] == "resume":
                    services.case_resume(actor=request.user, case=case, on=business_date())
                else:
                    services.case_decide(actor=request.user, case=case, approve=data["approve"],
                                         reasons=data["reasons"])
                messages.success(request, "已办理。")
            except ServiceError as exc:
                messages.error(request, exc.message)
        return redirect("permits:project", pk=project.pk)
    cases = []
    for case in project.cases.select_related("lead").prefetch_related("reviews__department", "suspensions"):
        cases.append({"case": case, "clock": services.case_clock(case), "reviews": case.reviews.all(),
                      "mine": case.reviews.filter(department=request.user.organisation).first()
                      if request.user.organisation_id else None,
                      "is_lead": request.user.organisation_id == case.lead_id})
    return render(request, "permits/project_detail.html", {
        "project": project, "cases": cases, "stages": stages_for(project.category),
        "credit": project.applicant.credit_records.all(), "assessments": project.assessments.all(),
        "opinions": [c for c in Review.Opinion.choices if c[0] != Review.Opinion.PENDING]})
