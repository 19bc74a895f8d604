from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from countyhall.canteens.selectors import FINDING_TITLES, dashboard_figures, fraud_findings
from countyhall.core.charts import bar_chart
from countyhall.core.clock import business_date
from countyhall.core.roles import Role

OVERSIGHT = {Role.CIVIL_AFFAIRS, Role.FINANCE, Role.MARKET_REGULATION, Role.AUDITOR, Role.TOWN_OFFICER}


@login_required
def dashboard(request):
    try:
        year = int(request.GET.get("year", business_date().year))
    except ValueError:
        year = business_date().year
    figures = dashboard_figures(request.user, year=year)
    months = figures["months"]
    labels = [f"{m['month']}月" for m in months]
    charts = [
        bar_chart(title=f"{year}年每月午餐人次", labels=labels, series={"人次": [m["lunches"] for m in months]}),
        bar_chart(title=f"{year}年每月补贴（元）", labels=labels, stacked=True,
                  series={"市财政": [m["city"] for m in months], "县财政": [m["county"] for m in months],
                          "照护资金": [m["care_fund"] for m in months],
                          "运营方优惠": [m["operator_discount"] for m in months]}),
    ]
    if figures["by_town"]:
        charts.append(bar_chart(title=f"{year}年各镇（街道）午餐人次", labels=[t for t, _ in figures["by_town"]],
                                series={"人次": [n for _, n in figures["by_town"]]}))
    return render(request, "canteens/dashboard.html", {"year": year, "charts": charts, **figures})


@login_required
def fraud_report(request):
    if not request.user.role_codes & OVERSIGHT:
        raise PermissionDenied("只有监管部门可以查看核查报告。")

    def _date(name, default):
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    today = business_date()
    date_from = _date("date_from", today - dt.timedelta(days=90))
    date_to = _date("date_to", today)
    findings = fraud_findings(request.user, date_from=date_from, date_to=date_to)
    return render(request, "canteens/fraud.html", {"findings": findings, "date_from": date_from, "date_to": date_to,
                                                   "titles": FINDING_TITLES})
