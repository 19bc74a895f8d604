"""What waits for each clean-heating role on the home page (core.programs.Todo), a few COUNT queries each.

住建局: households without a device or not yet accepted, entitlements not yet in a claim, claims 财政局 sent
back, village plans behind B11's dates; 财政局: claims to approve; a town officer: its town's ledger rows with
check findings. Each item links to the filtered list where the person acts.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.programs import Todo
from countyhall.core.roles import Role
from countyhall.heating import access
from countyhall.heating.models import Claim, Device, Entitlement, Household, Method, VillagePlan
from countyhall.heating.rules import programme_year
from countyhall.heating.selectors import (
    commissioning_deadline,
    construction_deadline,
    household_list_for_user,
)

MENU = "heating:dashboard"


def _url(name: str, **query) -> str:
    from urllib.parse import urlencode

    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def finding_count(households) -> int:
    """Households (of `households`) with a ledger check finding that a town officer settles: no village plan,
    a gas household in a biomass village (B1), or an address registered twice in the same village."""
    no_plan = households.filter(division__heating_plan__isnull=True).count()
    wrong_method = households.filter(division__heating_plan__method=Method.BIOMASS, method=Method.GAS).count()
    shared = households.values("address", "division_id").order_by().annotate(n=Count("id")).filter(n__gt=1)
    return no_plan + wrong_method + sum(row["n"] for row in shared)


def _duty_todos(user, today) -> list[Todo]:
    """B11's inspection of the equipment since 2017 (五、（四）), per town, and the gas villages whose expert review
    (三、（一）) is not recorded yet."""
    from countyhall.core.models import Division
    from countyhall.heating.models import EquipmentInspection
    from countyhall.heating.rules import policy_date
    from countyhall.heating.services import TOWN_KINDS

    scope = user.scope_division
    if scope is None:
        return []
    items = []
    due = policy_date("heating.deadline.inspection")
    # A town owes the inspection once clean heating is on file there (a plan or a household of any year).
    towns = Division.objects.filter(kind__in=TOWN_KINDS, path__startswith=scope.path).filter(
        Exists(VillagePlan.objects.filter(division__path__startswith=OuterRef("path")))
        | Exists(Household.objects.filter(division__path__startswith=OuterRef("path")))
    )
    missing = towns.exclude(pk__in=EquipmentInspection.objects.values("town_id")).count()
    if missing:
        items.append(
            Todo(
                f"尚未完成{due.month}月{due.day}日前设备设施全面检查维护的镇（街道）",
                _url("heating:inspections"),
                count=missing,
                urgent=today > due,
                deadline=due,
                menu=MENU,
            )
        )
    unreviewed = VillagePlan.objects.filter(
        division__path__startswith=scope.path, method=Method.GAS, gas_review_passed_on__isnull=True
    ).count()
    if unreviewed:
        items.append(
            Todo("尚未记录燃气专家评审通过的气代煤村", _url("heating:setup"), count=unreviewed, menu=MENU)
        )
    return items


def todos(user) -> list[Todo]:
    from countyhall.core.policy import parameters

    if "heating.programme.year" not in parameters().parameters:
        return []  # a parameter directory without the heating programme (a test's own files): nothing is due
    roles = frozenset(getattr(user, "role_codes", ()) or ())
    items: list[Todo] = []
    today = business_date()
    construction, commissioning = construction_deadline(), commissioning_deadline()
    if access.can_approve_claim(user):
        drafts = Claim.objects.filter(status=Claim.Status.DRAFT).count()
        if drafts:
            items.append(
                Todo(
                    "待审定的清洁取暖补贴申领",
                    _url("heating:claims", status="draft"),
                    count=drafts,
                    menu=MENU,
                )
            )
    if access.can_compute(user):
        returned = Claim.objects.filter(status=Claim.Status.RETURNED, resubmitted_as__isnull=True).count()
        if returned:
            items.append(
                Todo(
                    "财政局退回、待更正重报的补贴申领",
                    _url("heating:claims", status="returned"),
                    count=returned,
                    urgent=True,
                    menu=MENU,
                )
            )
        unclaimed = Entitlement.objects.filter(claim__isnull=True).count()
        if unclaimed:
            items.append(
                Todo("已核算、尚未生成申领的补贴", _url("heating:money"), count=unclaimed, menu=MENU)
            )
    if Role.HOUSING in roles:
        households = household_list_for_user(user).filter(converted_year=programme_year())
        # Both counts in one pass over the scope's households (were two COUNT queries).
        counted = households.aggregate(
            no_device=Count("pk", filter=~Exists(Device.objects.filter(household=OuterRef("pk")))),
            not_accepted=Count("pk", filter=Q(accepted_on__isnull=True)),
        )
        no_device, not_accepted = counted["no_device"], counted["not_accepted"]
        if no_device:
            items.append(
                Todo(
                    "未登记采暖设备的改造户",
                    _url("heating:ledger", status="no_device"),
                    count=no_device,
                    urgent=today > construction,
                    deadline=construction,
                    menu=MENU,
                )
            )
        if not_accepted:
            items.append(
                Todo(
                    "尚未验收合格的改造户",
                    _url("heating:ledger", status="not_accepted"),
                    count=not_accepted,
                    deadline=commissioning,
                    menu=MENU,
                )
            )
        scope = user.scope_division
        behind = (
            VillagePlan.objects.filter(division__path__startswith=scope.path if scope else "~")
            .filter(
                Q(construction_done_on__isnull=True)
                | Q(construction_done_on__gt=construction)
                | Q(commissioning_done_on__isnull=True)
                | Q(commissioning_done_on__gt=commissioning)
            )
            .count()
        )
        if behind and today > construction:
            items.append(
                Todo(
                    f"未按期完成工程建设或调试交付的村（{construction.month}月{construction.day}日、"
                    f"{commissioning.month}月{commissioning.day}日）",
                    _url("heating:dashboard"),
                    count=behind,
                    urgent=True,
                    deadline=construction,
                    menu=MENU,
                )
            )
    if roles & {Role.HOUSING, Role.TOWN_OFFICER}:
        items += _duty_todos(user, today)
    if Role.TOWN_OFFICER in roles:
        findings = finding_count(household_list_for_user(user))
        if findings:
            items.append(
                Todo(
                    "本镇（街道）台账核查发现的问题",
                    _url("heating:ledger", status="finding"),
                    count=findings,
                    menu=MENU,
                )
            )
    return items
