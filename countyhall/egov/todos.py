"""The e-government part of the home page: the applications waiting at the step each department acts on (one
aggregate query, scoped like the list), a unit's drafts and the annual plan waiting for compilation or approval."""

from __future__ import annotations

from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.programs import Todo
from countyhall.core.roles import Role
from countyhall.egov import access, selectors
from countyhall.egov.models import AnnualPlan, Application
from countyhall.egov.todos_performance import performance_todos

MENU = "egov:applications"


# The project page's section where each construction to-do is done.
SECTIONS = {
    "procurement_review": "#procurement",
    "procurement_record": "#procurement",
    "cloud_decide": "#cloud",
    "design_decide": "#changes",
    "sanction_decide": "#inspections",
    "rectify": "#inspections",
    "acceptance_running": "#acceptance",
    "acceptance_incomplete": "#acceptance",
    "settlement_due": "#settlement",
}


def todos_for(user) -> list[Todo]:
    if not access.can_open(user):
        return []
    items: list[Todo] = []
    plan_year = selectors.current_plan_year()
    url = reverse("egov:applications")
    for key, count in selectors.inbox_counts(user).items():
        if count:
            deadline = plan_year.joint_review_due if plan_year is not None else None
            items.append(
                Todo(
                    label=f"电子政务项目：{selectors.INBOX[key][0]}",
                    url=f"{url}?waiting={key}",
                    count=count,
                    deadline=deadline,
                    urgent=bool(deadline and deadline < business_date()),
                    menu=MENU,
                )
            )
    if Role.BUDGET_UNIT in user.role_codes and user.organisation_id:
        drafts = Application.objects.filter(unit_id=user.organisation_id, status=Application.Status.DRAFT)
        if plan_year is not None:
            drafts = drafts.filter(plan_year=plan_year)
        count = drafts.count()
        if count:
            due = plan_year.application_due if plan_year else None
            items.append(
                Todo(
                    label="电子政务项目：尚未提交的申报",
                    url=f"{url}?status=draft",
                    count=count,
                    deadline=due,
                    urgent=bool(due and due < business_date()),
                    menu=MENU,
                )
            )
    if plan_year is not None:
        plan_url = reverse("egov:plan-year", args=[plan_year.year])
        waiting = plan_year.plans.filter(status=AnnualPlan.Status.DRAFT).count()
        if waiting and Role.COUNTY_GOVERNMENT in user.role_codes:
            items.append(Todo(label="电子政务项目年度建设计划待审定", url=plan_url, count=waiting, menu=MENU))
        if (
            Role.BIG_DATA in user.role_codes
            and not plan_year.plans.exists()
            and plan_year.applications.filter(status=Application.Status.REVIEWED).exists()
        ):
            items.append(
                Todo(
                    label="编制电子政务项目年度建设计划",
                    url=plan_url,
                    deadline=plan_year.annual_plan_due,
                    urgent=plan_year.annual_plan_due < business_date(),
                    menu=MENU,
                )
            )
    for key, label, count, deadline, urgent, *concerned in selectors.construction_waiting(user):
        # One project concerned: open it, where the act is (the in-plan list made the user search for it).
        projects = concerned[0] if concerned else []
        items.append(
            Todo(
                label=f"电子政务项目：{label}",
                url=reverse("egov:application", args=[projects[0]]) + SECTIONS.get(key, "#gates")
                if len(projects) == 1
                else f"{url}?status=in_plan",
                count=count,
                deadline=deadline,
                urgent=urgent,
                menu=MENU,
            )
        )
    return items + performance_todos(user)
