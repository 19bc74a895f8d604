"""The home page's to-dos of operation and performance (1号 四、): for 县大数据局 the next-year recommendations waiting
for a person's decision and the poor evaluations whose rectification deadline has passed without a re-evaluation;
for a budget unit its own projects under rectification."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.programs import Todo
from countyhall.core.roles import Role
from countyhall.egov import access, portfolio
from countyhall.egov.models import PerformanceEvaluation

MENU = "egov:applications"
Round, Verdict = PerformanceEvaluation.Round, PerformanceEvaluation.Verdict


def _open_rectifications():
    """Poor regular evaluations with no re-evaluation after them."""
    later = PerformanceEvaluation.objects.filter(
        application=OuterRef("application"),
        round=Round.AFTER_RECTIFICATION,
        evaluated_on__gte=OuterRef("evaluated_on"),
    )
    return PerformanceEvaluation.objects.filter(round=Round.REGULAR, verdict=Verdict.POOR).exclude(
        Exists(later)
    )


def performance_todos(user) -> list[Todo]:
    items: list[Todo] = []
    today = business_date()
    url = reverse("egov:performance")
    if access.can_decide_next_year(user) and Role.BIG_DATA in user.role_codes:
        waiting = portfolio.next_year_recommendations(today=today)
        if waiting:
            items.append(
                Todo(
                    label="电子政务项目：压缩或不予安排下一年度项目的提示待确认",
                    url=f"{url}#recommendations",
                    count=len(waiting),
                    menu=MENU,
                )
            )
        overdue = _open_rectifications().filter(rectification_due__lt=today).count()
        if overdue:
            items.append(
                Todo(
                    label="电子政务项目：整改期限已过，待整改后复评",
                    url=f"{url}?verdict=poor",
                    count=overdue,
                    urgent=True,
                    menu=MENU,
                )
            )
    if Role.BUDGET_UNIT in user.role_codes and user.organisation_id:
        own = (
            _open_rectifications()
            .filter(application__unit_id=user.organisation_id)
            .order_by("rectification_due")
        )
        first = own.first()
        if first is not None:
            items.append(
                Todo(
                    label="电子政务项目：绩效低下，限期整改",
                    url=reverse("egov:performance-project", args=[first.application_id]),
                    count=own.count(),
                    deadline=first.rectification_due,
                    urgent=bool(first.rectification_due and first.rectification_due < today),
                    menu=MENU,
                )
            )
    return items
