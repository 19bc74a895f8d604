"""The portfolio, operation and performance pages of the e-government program (thin): the portfolio of a plan year
for 大数据局 and 财政局, a project's gates, money, baselines, O&M, evaluations and assessments, the evaluations list
with the next-year recommendations, the confirmation of a next-year decision, the ranking of assessed units, and the
PDFs of the review's 审核意见, of the annual plan and of the 竣工验收报告. Who may do what is egov.access; reads are egov.portfolio and
egov.selectors; every write is a service of egov.performance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from countyhall.core.clock import business_date, business_now
from countyhall.core.models import AuditEntry, Organisation
from countyhall.core.reports import csv_response, pdf_response
from countyhall.core.tables import Column, Table
from countyhall.core.web import PostActions, bad_request, form_data, is_ascii_int, save_form
from countyhall.egov import access, performance, portfolio, selectors
from countyhall.egov import forms_performance as forms
from countyhall.egov.models import (
    AnnualPlan,
    Application,
    NextYearDecision,
    OperationArrangement,
    PerformanceEvaluation,
    PlanYear,
    Review,
    SupplierRating,
)


def _need(user) -> None:
    if not access.can_open(user):
        raise PermissionDenied("当前角色无权使用电子政务项目模块。")


def _yuan(value) -> str:
    return "" if value is None else f"{value:.2f}"


PORTFOLIO_COLUMNS = [
    Column("name", "项目名称", value=lambda r: r.application.name, sort="name"),
    Column("unit", "申报单位", value=lambda r: str(r.application.unit), sort="unit__name"),
    Column("status", "状态", value=lambda r: r.application.get_status_display(), sort="status"),
    Column("planned", "计划投资（元）", value=lambda r: _yuan(r.money["planned"]), sort="planned_investment"),
    Column(
        "approved",
        "审核确定投资（元）",
        value=lambda r: _yuan(r.money["approved"]),
        sort="review__approved_investment",
    ),
    Column("baseline", "年度计划安排（元）", value=lambda r: _yuan(r.money["baseline"])),
    Column("paid", "已拨付（元）", value=lambda r: _yuan(r.money["paid"])),
    Column("gates", "各环节", value=lambda r: r.gate_summary),
    Column("stale", "证据过期", value=lambda r: "是" if r.stale else "否"),
    Column("baselines", "基线版本数", value=lambda r: len(r.baselines), default=False),
]


@login_required
def portfolio_list(request):
    _need(request.user)
    if not access.can_view_portfolio(request.user):
        raise PermissionDenied("项目总览供县大数据局和县财政局使用。")
    years = list(PlanYear.objects.order_by("-year"))
    if not years:
        return render(request, "egov/portfolio.html", {"plan_year": None, "years": []})
    raw = request.GET.get("year", "").strip()
    if raw:
        if not is_ascii_int(raw) or int(raw) not in {y.year for y in years}:
            return bad_request(request, field="计划年度", message="应为已开启的计划年度。")
        plan_year = next(y for y in years if y.year == int(raw))
    else:
        plan_year = years[0]
    applications = portfolio.portfolio_queryset(plan_year)
    units = Organisation.objects.filter(egov_applications__plan_year=plan_year).distinct().order_by("name")
    unit = request.GET.get("unit", "").strip()
    if unit:
        if not is_ascii_int(unit) or not units.filter(pk=int(unit)).exists():
            return bad_request(request, field="申报单位", message="应为本计划年度的申报单位之一。")
        applications = applications.filter(unit_id=int(unit))
    status = request.GET.get("status", "").strip()
    if status:
        if status not in Application.Status.values:
            return bad_request(request, field="状态", message="应为列表中的状态之一。")
        applications = applications.filter(status=status)
    q = request.GET.get("q", "").strip()[:60]
    if q:
        applications = applications.filter(Q(name__icontains=q) | Q(unit__name__icontains=q))
    stale = request.GET.get("stale", "").strip()
    if stale not in ("", "1"):
        return bad_request(request, field="只看证据过期", message="应为 1 或不填。")
    if stale:
        applications = applications.filter(pk__in=portfolio.stale_ids(applications))
    table = Table(
        request, applications, columns=PORTFOLIO_COLUMNS, default_sort="unit", rows=portfolio.portfolio_rows
    )
    if table.export_requested:
        return table.export(filename=f"{plan_year.year}年度电子政务项目总览.csv")
    return render(
        request,
        "egov/portfolio.html",
        {
            "plan_year": plan_year,
            "years": years,
            "units": units,
            "statuses": Application.Status.choices,
            "table": table,
            "selected": {"unit": unit, "status": status, "q": q, "stale": stale},
            "stale_days": portfolio.stale_days(),
            "plans": plan_year.plans.exclude(status=AnnualPlan.Status.DRAFT).order_by("-version"),
        },
    )


ACTIONS = PostActions()


@ACTIONS("operation")
def _operation(request, application):
    data = form_data(forms.OperationForm(request.POST))
    performance.operation_record(actor=request.user, application=application, **data)
    return "已登记运行维护安排。"


@ACTIONS("evaluation")
def _evaluation(request, application):
    data = form_data(forms.EvaluationForm(request.POST))
    performance.evaluation_record(actor=request.user, application=application, **data)
    return "已登记绩效评估。"


@ACTIONS("rating")
def _rating(request, application):
    data = form_data(forms.RatingForm(request.POST))
    performance.supplier_rate(actor=request.user, application=application, **data)
    return "已登记评估考核。"


def _history(application: Application):
    """The audit trail of the project's O&M, evaluations, assessments and next-year decisions."""
    keys = Q(object_type="egov.Application", object_id=str(application.pk))
    for model, ids in (
        (OperationArrangement, OperationArrangement.objects.filter(application=application)),
        (PerformanceEvaluation, application.evaluations.all()),
        (SupplierRating, application.supplier_ratings.all()),
        (NextYearDecision, application.next_year_decisions.all()),
    ):
        found = [str(pk) for pk in ids.values_list("pk", flat=True)]
        if found:
            keys |= Q(object_type=f"egov.{model.__name__}", object_id__in=found)
    return AuditEntry.objects.filter(keys).select_related("actor").order_by("-at")[:50]


@login_required
def project(request, pk: int):
    _need(request.user)
    user = request.user
    application = selectors.application_get_for_user(user, pk)
    if application is None:
        raise Http404
    url = reverse("egov:performance-project", args=[application.pk])
    if request.method == "POST":
        return ACTIONS.run(request, application, url=url)
    in_plan = application.status == Application.Status.IN_PLAN
    operation = OperationArrangement.objects.filter(application=application).first()
    today = business_date()
    can = {
        "operation": in_plan and access.can_record_operation(user, application),
        "evaluate": in_plan and access.can_evaluate_performance(user, application),
        "rate": in_plan and access.can_rate_supplier(user, application),
        "decide": access.can_decide_next_year(user),
    }
    result = portfolio.next_year_result(application)
    return render(
        request,
        "egov/performance_project.html",
        {
            "application": application,
            "gates": portfolio.gates(application, today=today),
            "money": portfolio.money(application),
            "baselines": portfolio.baselines(application),
            "operation": operation,
            "evaluations": application.evaluations.select_related("evaluated_by"),
            "ratings": application.supplier_ratings.select_related("rated_by"),
            "decisions": application.next_year_decisions.select_related("decided_by"),
            "flag": result.data,
            "flag_reasons": [performance.NEXT_YEAR_REASONS[r] for r in result.data["reasons"]],
            "scale_max": portfolio.scale_max(today),
            "scale_missing": performance.SCALE_MISSING,
            "history": _history(application),
            "can": can,
            "stale_days": portfolio.stale_days(),
            "forms": {
                "operation": forms.OperationForm(
                    initial={
                        "mode": operation.mode,
                        "provider": operation.provider,
                        "contract_reference": operation.contract_reference,
                        "start_on": operation.start_on,
                        "note": operation.note,
                    }
                    if operation
                    else None
                ),
                "evaluation": forms.EvaluationForm(initial={"evaluated_on": today}),
                "rating": forms.RatingForm(initial={"rated_on": today}),
            },
            "review_pdf": _review_ready(application),
            "acceptance_pdf": selectors.acceptance_decided(application),
        },
    )


EVALUATION_COLUMNS = [
    Column("project", "项目", value=lambda e: e.application.name, sort="application__name"),
    Column("unit", "项目建设单位", value=lambda e: str(e.application.unit), sort="application__unit__name"),
    Column(
        "year", "计划年度", value=lambda e: e.application.plan_year.year, sort="application__plan_year__year"
    ),
    Column("round", "评估类别", value=lambda e: e.get_round_display(), sort="round"),
    Column("evaluated_on", "评估日期", sort="evaluated_on"),
    Column("score", "得分", value=lambda e: f"{e.score}/{e.scale_max}", sort="score"),
    Column("verdict", "评估结论", value=lambda e: e.get_verdict_display(), sort="verdict"),
    Column("rectification_due", "整改期限", value=lambda e: e.rectification_due or ""),
    Column("progress", "建设进度", default=False),
    Column("funds", "资金使用", default=False),
    Column("operation", "运行情况", default=False),
    Column("effect", "应用效果", default=False),
]


@login_required
def performance_list(request):
    _need(request.user)
    user = request.user
    evaluations = portfolio.evaluations_for(selectors.application_queryset_for_user(user))
    years = list(PlanYear.objects.values_list("year", flat=True))
    year = request.GET.get("year", "").strip()
    if year:
        if not is_ascii_int(year) or int(year) not in years:
            return bad_request(request, field="计划年度", message="应为已开启的计划年度。")
        evaluations = evaluations.filter(application__plan_year__year=int(year))
    verdict = request.GET.get("verdict", "").strip()
    if verdict:
        if verdict not in PerformanceEvaluation.Verdict.values:
            return bad_request(request, field="评估结论", message="应为列表中的结论之一。")
        evaluations = evaluations.filter(verdict=verdict)
    round_ = request.GET.get("round", "").strip()
    if round_:
        if round_ not in PerformanceEvaluation.Round.values:
            return bad_request(request, field="评估类别", message="应为列表中的类别之一。")
        evaluations = evaluations.filter(round=round_)
    q = request.GET.get("q", "").strip()[:60]
    if q:
        evaluations = evaluations.filter(
            Q(application__name__icontains=q) | Q(application__unit__name__icontains=q)
        )
    table = Table(request, evaluations, columns=EVALUATION_COLUMNS, default_sort="-evaluated_on")
    if table.export_requested:
        return table.export(filename="电子政务项目绩效评估.csv")
    decide = access.can_decide_next_year(user)
    recommendations = []
    if decide:
        for item in portfolio.next_year_recommendations():
            item["reason_labels"] = [performance.NEXT_YEAR_REASONS[r] for r in item["reasons"]]
            recommendations.append(item)
    decisions = NextYearDecision.objects.filter(
        application__in=selectors.application_queryset_for_user(user)
    ).select_related("application", "unit", "decided_by")[:50]
    return render(
        request,
        "egov/performance.html",
        {
            "table": table,
            "years": years,
            "verdicts": PerformanceEvaluation.Verdict.choices,
            "rounds": PerformanceEvaluation.Round.choices,
            "selected": {"year": year, "verdict": verdict, "round": round_, "q": q},
            "recommendations": recommendations,
            "decisions": decisions,
            "can_decide": decide,
            "can_ratings": access.can_view_ratings(user),
            "can_portfolio": access.can_view_portfolio(user),
            "target_year": portfolio.target_year(),
            "citation": portfolio.PERFORMANCE.as_dict(),
        },
    )


@login_required
def next_year_confirm(request, pk: int):
    """The confirmation page before a next-year decision (final: a decision is not edited)."""
    _need(request.user)
    if not access.can_decide_next_year(request.user):
        raise PermissionDenied("压缩或不予安排下一年度项目由县大数据局决定。")
    application = selectors.application_get_for_user(request.user, pk)
    if application is None:
        raise Http404
    result = portfolio.next_year_result(application)
    form = forms.NextYearForm(request.POST or None)
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: performance.next_year_decide(
            actor=request.user, application=application, decision=data["decision"], note=data["note"]
        ),
        success="已记录对下一年度项目安排的处理决定。",
    ):
        return redirect("egov:performance")
    return render(
        request,
        "egov/next_year_confirm.html",
        {
            "application": application,
            "flag": result.data,
            "reasons": [performance.NEXT_YEAR_REASONS[r] for r in result.data["reasons"]],
            "result": result.as_json(),
            "target_year": portfolio.target_year(),
            "form": form,
        },
    )


@login_required
def ratings(request):
    _need(request.user)
    if not access.can_view_ratings(request.user):
        raise PermissionDenied("参建单位评估考核结果供县级部门在政府采购中参考，预算单位不能查看。")
    form = forms.AsOfForm(request.GET or None)
    if request.GET and not form.is_valid():
        field = next(iter(form.errors))
        return bad_request(request, field=form.fields[field].label, message=form.errors[field][0])
    data = form.cleaned_data if request.GET else {}
    as_of = data.get("as_of") or business_date()
    if as_of > business_date():
        return bad_request(request, field="截至日期", message="不能晚于今天。")
    ranking = portfolio.ratings_as_of(as_of, kind=data.get("kind") or "")
    export = request.GET.get("export", "").strip()
    if export:
        if export != "csv":
            return bad_request(request, field="导出格式", message="应为 csv。")
        return csv_response(
            filename=f"参建单位评估考核排名（截至{as_of.isoformat()}）.csv",
            headers=["单位类别", "单位名称", "评估项目数", "综合得分（百分制）", "名次"],
            rows=(
                [r.kind_label, r.supplier, r.projects, f"{r.average}", r.rank or "未排名"]
                for r in ranking["rows"]
            ),
        )
    return render(
        request,
        "egov/ratings.html",
        {"ranking": ranking, "form": form, "kinds": SupplierRating.Kind.choices, "today": business_date()},
    )


# ---------------------------------------------------------------- PDFs


def _review_ready(application: Application) -> Review | None:
    try:
        review = application.review
    except Review.DoesNotExist:
        return None
    return review if review.report_uploaded_at is not None else None


@login_required
def review_pdf(request, pk: int):
    """The review report's record and the co-signed 审核意见 (三、（二）2), for printing."""
    _need(request.user)
    application = selectors.application_get_for_user(request.user, pk)
    if application is None:
        raise Http404
    review = _review_ready(application)
    if review is None:
        raise Http404("该项目尚无评审报告。")
    return pdf_response(
        template="egov/review_pdf.html",
        filename=f"项目审核意见-{application.name}.pdf",
        context={
            "application": application,
            "review": review,
            "steps": list(review.steps.all()),
            "generated": business_now(),
        },
    )


@login_required
def plan_pdf(request, year: int, version: int):
    """One version of the annual plan with its entries, total and approval (三、（二）3)."""
    _need(request.user)
    plan = get_object_or_404(
        AnnualPlan.objects.select_related("plan_year", "approved_by", "compiled_by"),
        plan_year__year=year,
        version=version,
    )
    entries = plan.entries.select_related("application__unit")
    return pdf_response(
        template="egov/plan_pdf.html",
        filename=f"{year}年度电子政务项目年度建设计划（第{version}版）.pdf",
        context={"plan": plan, "entries": entries, "generated": business_now()},
    )


@login_required
def acceptance_pdf(request, pk: int):
    """The 竣工验收报告 of a project whose final acceptance is decided (三、（四）): preliminary acceptance and trial run,
    the application and its 20-working-day clock, the outcome and the settlement review's state. The scope is the
    project detail's; the selector audits the read."""
    _need(request.user)
    report = selectors.acceptance_report_for_user(request.user, pk)
    if report is None:
        raise Http404("该项目尚无竣工验收结论。")
    return pdf_response(
        template="egov/acceptance_pdf.html",
        filename=f"竣工验收报告-{report['application'].name}.pdf",
        context={**report, "generated": business_now()},
    )
