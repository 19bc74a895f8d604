"""What waits for each canteen role on the home page (issue 12, 首页=我的待办).

A few COUNT queries per role, each scoped like the lists they link to (the county for 民政 and 财政, the own
town for a town officer, the facilities an operator runs), each linking to the filtered list where the work is
done, with the earliest deadline where one exists.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.urls import reverse

from countyhall.canteens.models import (
    Elder,
    Evaluation,
    Facility,
    FilingStep,
    LateEntry,
    Lunch,
    OperatingSubsidy,
    Settlement,
    TekunStatus,
    WeeklyMenu,
)
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.programs import Todo
from countyhall.core.roles import Role

MENU = "canteens:dashboard"
TEKUN_NOTICE_DAYS = 30  # how far ahead a 特困 period's end is shown (a desk setting, not policy)


def _url(name: str, query: str = "", *args) -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")


def _closed_periods(today: dt.date) -> Q:
    """Statements of a month (or a year) that has ended: only those can be approved."""
    return Q(year__lt=today.year) | Q(year=today.year, month__lt=today.month)


def _awaiting_evaluation(step: str):
    last_submit = (
        FilingStep.objects.filter(facility=OuterRef("pk"), step=FilingStep.Step.SUBMIT)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    done = FilingStep.objects.filter(
        facility=OuterRef("pk"), step=step, created_at__gte=Subquery(last_submit)
    )
    return Facility.objects.filter(status=Facility.Status.COUNTY_EVALUATION).exclude(Exists(done))


def todos(user) -> list[Todo]:
    roles = getattr(user, "role_codes", frozenset()) or frozenset()
    today = business_date()
    items: list[Todo] = []
    if Role.CIVIL_AFFAIRS in roles:
        items += _civil_affairs(today)
    if Role.MARKET_REGULATION in roles:
        n = _awaiting_evaluation(FilingStep.Step.MARKET_REGULATION).count()
        if n:
            items.append(
                Todo(
                    "待市场监管局评估的长者食堂备案",
                    _url("canteens:facilities", "status=county_evaluation"),
                    n,
                    menu=MENU,
                )
            )
    if Role.FINANCE in roles:
        n = Settlement.objects.filter(status=Settlement.Status.CIVIL_AFFAIRS_APPROVED).count()
        if n:
            items.append(
                Todo(
                    "待财政局审定的助餐结算单",
                    _url("canteens:settlements", "status=civil_affairs_approved"),
                    n,
                    menu=MENU,
                )
            )
    if Role.TOWN_OFFICER in roles and getattr(user, "scope_division", None) is not None:
        items += _town(user.scope_division, today)
    if Role.CANTEEN_OPERATOR in roles and getattr(user, "organisation_id", None):
        items += _operator(user.organisation_id, today)
    return items


def _civil_affairs(today: dt.date) -> list[Todo]:
    items = []
    n = _awaiting_evaluation(FilingStep.Step.CIVIL_AFFAIRS).count()
    if n:
        items.append(
            Todo(
                "待县民政局评估的长者食堂备案",
                _url("canteens:facilities", "status=county_evaluation"),
                n,
                menu=MENU,
            )
        )
    drafts = Settlement.objects.filter(status=Settlement.Status.DRAFT).filter(_closed_periods(today))
    n = drafts.count()
    if n:
        items.append(
            Todo("待民政局审核的助餐结算单", _url("canteens:settlements", "status=draft"), n, menu=MENU)
        )
    pending = LateEntry.objects.filter(status=LateEntry.Status.PENDING).aggregate(n=Count("id"))["n"]
    if pending:
        items.append(
            Todo("待审核的午餐补录申请", _url("canteens:late-entries", "status=pending"), pending, menu=MENU)
        )
    # A16: a facility that had run a whole year by the end of last year is evaluated for that year; A14: the
    # operating subsidy follows the evaluation.
    last_year = today.year - 1
    ran_a_year = Facility.objects.filter(
        status=Facility.Status.FILED, filed_on__lte=dt.date(last_year - 1, 12, 31)
    )
    n = ran_a_year.exclude(evaluations__year=last_year).count()
    if n:
        items.append(
            Todo(
                f"待录入{last_year}年度评估结果的机构",
                _url("canteens:subsidies", f"year={last_year}"),
                n,
                menu=MENU,
            )
        )
    n = (
        Evaluation.objects.filter(year=last_year)
        .exclude(facility__in=OperatingSubsidy.objects.filter(year=last_year).values("facility"))
        .count()
    )
    if n:
        items.append(
            Todo(
                f"待核算{last_year}年度运营补贴的机构",
                _url("canteens:subsidies", f"year={last_year}"),
                n,
                menu=MENU,
            )
        )
    items += _duties(Facility.objects.all(), today, notices=False)
    return items


def _duties(facilities, today: dt.date, *, notices: bool) -> list[Todo]:
    """四、（二）5: a fund-use report missing for an ended year; 四、（二）4: "五公开" not verified (the town's
    job: `notices`) or found incomplete at the last check."""
    from countyhall.canteens.services.duties import facilities_notice_check_due, facilities_owing_fund_report

    items = []
    n = facilities_owing_fund_report(facilities, today).count()
    if n:
        items.append(
            Todo(
                "年度资金使用报告（专业机构出具）尚未上传的机构",
                _url("canteens:facilities", "duty=fund_report"),
                n,
                menu=MENU,
            )
        )
    if notices:
        n = facilities_notice_check_due(facilities).count()
        if n:
            items.append(
                Todo(
                    "“五公开”尚未核查或上次核查未全部上墙的机构",
                    _url("canteens:facilities", "duty=notices"),
                    n,
                    menu=MENU,
                )
            )
    return items


def _town(scope, today: dt.date) -> list[Todo]:
    items = _duties(Facility.objects.filter(division__path__startswith=scope.path), today, notices=True)
    n = Facility.objects.filter(
        status=Facility.Status.TOWN_REVIEW, division__path__startswith=scope.path
    ).count()
    if n:
        items.append(
            Todo(
                "待本镇（街道）审核的长者食堂备案",
                _url("canteens:facilities", "status=town_review"),
                n,
                menu=MENU,
            )
        )
    ending = TekunStatus.objects.filter(
        elder__person__division__path__startswith=scope.path,
        valid_to__gte=today,
        valid_to__lte=today + dt.timedelta(days=TEKUN_NOTICE_DAYS),
        elder__died_on__isnull=True,
        elder__moved_away_on__isnull=True,
    )
    row = ending.aggregate(n=Count("elder", distinct=True), first=Min("valid_to"))
    if row["n"]:
        items.append(
            Todo(
                f"特困人员认定将在 {TEKUN_NOTICE_DAYS} 天内到期的老人",
                _url("canteens:elders", "tekun=ending"),
                row["n"],
                deadline=row["first"],
                menu=MENU,
            )
        )
    from countyhall.canteens.rules import band_ages

    min_age = band_ages(today)[0]
    sixty_ago = _years_before(today, min_age)
    n = Elder.objects.filter(
        person__division__path__startswith=scope.path,
        person__birth_date__gt=sixty_ago,
        died_on__isnull=True,
        moved_away_on__isnull=True,
    ).count()
    if n:
        items.append(
            Todo(
                f"已登记但未满{min_age}周岁的老人（就餐不享受补贴，请核实）",
                _url("canteens:elders", "age=under60"),
                n,
                menu=MENU,
            )
        )
    return items


def _operator(organisation_id: int, today: dt.date) -> list[Todo]:
    from countyhall.canteens.services.lunches import backdate_days

    mine = Facility.objects.filter(operator_id=organisation_id)
    items = _duties(mine, today, notices=False)
    from countyhall.canteens.services.duties import facilities_notice_check_due

    incomplete = facilities_notice_check_due(mine).filter(last_all_posted=False).count()
    if incomplete:
        items.append(
            Todo(
                "“五公开”核查发现未上墙的事项，请整改",
                _url("canteens:facilities", "duty=notices"),
                incomplete,
                urgent=True,
                menu=MENU,
            )
        )
    returned = Settlement.objects.filter(
        facility__in=mine, status=Settlement.Status.DRAFT, returned_at__isnull=False
    ).filter(Q(resubmitted_at__isnull=True) | Q(returned_at__gt=F("resubmitted_at")))
    n = returned.count()
    if n:
        items.append(
            Todo(
                "被退回、待更正后重新提交的结算单",
                _url("canteens:settlements", "returned=1"),
                n,
                urgent=True,
                menu=MENU,
            )
        )
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    filed = mine.filter(status=Facility.Status.FILED)
    n = filed.exclude(
        Exists(WeeklyMenu.objects.filter(facility=OuterRef("pk"), week_start=next_monday))
    ).count()
    if n:
        items.append(
            Todo(
                f"下周（{chinese_date(next_monday)} 起）食谱尚未公布",
                _url("canteens:facilities", "menu=missing"),
                n,
                deadline=next_monday - dt.timedelta(days=1),
                menu=MENU,
            )
        )
    # The back-dating window: a working day in it without a single lunch at a facility is likely a missed
    # counter day; after the window closes only 民政 can book it (a late entry).
    days = backdate_days()
    window = [today - dt.timedelta(days=k) for k in range(1, days + 1)]
    window = [d for d in window if d.weekday() < 5]
    if window and filed.exists():
        recorded = set(
            Lunch.objects.filter(facility__in=filed, meal_date__in=window)
            .values_list("facility_id", "meal_date")
            .distinct()
        )
        facility_ids = list(filed.values_list("pk", flat=True))
        missing = sorted(d for d in window for f in facility_ids if (f, d) not in recorded)
        if missing:
            first = missing[0]
            target = facility_ids[0]
            items.append(
                Todo(
                    "补录期限内没有任何午餐登记的就餐日",
                    _url("canteens:counter", "", target),
                    len(missing),
                    deadline=first + dt.timedelta(days=days),
                    urgent=(first + dt.timedelta(days=days)) <= today + dt.timedelta(days=1),
                    menu=MENU,
                )
            )
    return items


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
