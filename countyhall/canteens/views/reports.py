from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from countyhall.canteens import access
from countyhall.canteens.names import elder_names, name_of
from countyhall.canteens.selectors import (
    ELDER,
    FINDING_TITLES,
    FINDINGS_CAP,
    dashboard_figures,
    fraud_finding_details,
)
from countyhall.canteens.selectors import (
    fraud_report as fraud_checks,
)
from countyhall.core.charts import bar_chart
from countyhall.core.clock import business_date
from countyhall.core.services.audit import audit_personal_read

from .params import BadParameter, answers_bad_parameters, choice_param, date_param, page_param, year_param


@login_required
@answers_bad_parameters
def dashboard(request):
    year = year_param(request) or business_date().year
    figures = dashboard_figures(request.user, year=year)
    months = figures["months"]
    labels = [f"{m['month']}月" for m in months]
    charts = [
        bar_chart(
            title=f"{year}年每月午餐人次", labels=labels, series={"人次": [m["lunches"] for m in months]}
        ),
        bar_chart(
            title=f"{year}年每月补贴（元）",
            labels=labels,
            stacked=True,
            series={
                "市财政": [m["city"] for m in months],
                "县财政": [m["county"] for m in months],
                "照护资金": [m["care_fund"] for m in months],
                "运营方优惠": [m["operator_discount"] for m in months],
            },
        ),
    ]
    if figures["by_town"]:
        charts.append(
            bar_chart(
                title=f"{year}年各镇（街道）午餐人次",
                labels=[t for t, _ in figures["by_town"]],
                series={"人次": [n for _, n in figures["by_town"]]},
            )
        )
    return render(request, "canteens/dashboard.html", {"year": year, "charts": charts, **figures})


# Findings per page of the report: the county's 90 days flag thousands of facility-days (docs/benchmarks.md).
FRAUD_PER_PAGE = 50


@login_required
@answers_bad_parameters
def fraud_report(request):
    if not access.can_see_fraud_report(request.user):
        raise PermissionDenied("只有监管部门可以查看核查报告。")
    today = business_date()
    date_from = date_param(request, "date_from", "起始日期") or today - dt.timedelta(days=90)
    date_to = date_param(request, "date_to", "截止日期") or today
    if date_from > date_to:
        raise BadParameter("date_to", "截止日期", "不能早于起始日期。")
    kind = choice_param(request, "kind", "核查类型", list(FINDING_TITLES.items()))
    # Counted per kind from the checks' plain rows; only the page's findings are built (selectors.FraudReport).
    report = fraud_checks(request.user, date_from=date_from, date_to=date_to)
    counts = report.counts
    checks = [
        {"kind": key, "title": title, "count": counts[key], "capped": counts[key] >= FINDINGS_CAP}
        for key, title in FINDING_TITLES.items()
    ]
    page = Paginator(report.findings(kind), FRAUD_PER_PAGE).get_page(page_param(request))
    fraud_finding_details(request.user, page.object_list)
    # Findings name elders (by number, linked to their records): the report is a staff read of personal data, of
    # the elders named on the page shown.
    elders = {f.elder_id for f in page.object_list if f.elder_id}
    names = elder_names(request.user, elders)
    for finding in page.object_list:
        finding.elder_label = name_of(names, finding.elder_id)
        finding.detail = finding.detail.replace(ELDER, finding.elder_label or "老人")
    filters = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "findings": len(report)}
    if kind:
        filters["kind"] = kind
    if page.number > 1:
        filters["page"] = page.number
    audit_personal_read(
        actor=request.user,
        what="助餐数据核查报告",
        object_type="canteens.Elder",
        count=len(elders),
        filters=filters,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "canteens/fraud.html",
        {
            "page": page,
            "findings": page.object_list,
            "total": len(report),
            "checks": checks,
            "kind": kind,
            "date_from": date_from,
            "date_to": date_to,
            "titles": FINDING_TITLES,
            "page_query": query.urlencode(),
            "period_query": urlencode({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}),
        },
    )
