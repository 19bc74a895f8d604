"""Reads of the canteen system, scoped per user in one place; fraud checks; dashboard figures."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, TruncMinute

from countyhall.canteens import access
from countyhall.canteens.access import COUNTY_READERS
from countyhall.canteens.models import (
    Elder,
    ElderDayFlag,
    Facility,
    Lunch,
    LunchDay,
    OperatingSubsidy,
    Settlement,
)
from countyhall.core.models import Division, Person
from countyhall.core.roles import Capability, Role
from countyhall.core.selectors.people import person_scope_filter

COUNTY_ROLES = COUNTY_READERS


def facility_list_for_user(user) -> QuerySet[Facility]:
    """County departments see every facility; towns their own; an operator only the ones it runs."""
    # division.full_name() (lists, export) walks up to the county: joined here instead of a query per level.
    facilities = Facility.objects.select_related("division__parent__parent__parent", "operator")
    if not getattr(user, "is_authenticated", False):
        return facilities.none()
    roles = user.role_codes
    if roles & COUNTY_ROLES:
        return facilities
    scope = user.scope_division
    query = Q(pk__in=[])
    if Role.TOWN_OFFICER in roles and scope is not None:
        query |= Q(division__path__startswith=scope.path)
    if Role.CANTEEN_OPERATOR in roles and user.organisation_id:
        query |= Q(operator_id=user.organisation_id)
    return facilities.filter(query)


def facility_choices_for_user(user) -> QuerySet[Facility]:
    """The same facilities as `facility_list_for_user`, for a select box: id and name only. The full rows with
    their division chain and operator made 1,500 model instances of the county's 252 facilities on every list
    page with a facility filter (docs/benchmarks.md)."""
    return facility_list_for_user(user).select_related(None).only("pk", "name")


def facility_public_list() -> QuerySet[Facility]:
    """A4: filed facilities are published with their basic information and weekly menus."""
    return Facility.objects.filter(status=Facility.Status.FILED).select_related(
        "division__parent__parent__parent", "operator"
    )


def elder_list_for_user(user, *, query: str = "", division: Division | None = None) -> QuerySet[Elder]:
    if not access.can_open(user) and not getattr(user, "is_system", False):
        return Elder.objects.none()  # person.view elsewhere (住建, 审批…) is no part in the canteens' elders
    # The scope on the elder's own person join (core.selectors.people decides it), not person__in=<subquery>.
    elders = Elder.objects.filter(person_scope_filter(user, prefix="person__"))
    if division is not None:
        # Narrows the user's scope, never widens it: the scope condition above still applies.
        elders = elders.filter(person__division__path__startswith=division.path)
    # person_present() shows division.full_name(): the parents up to the county joined, not a query per level.
    elders = elders.select_related("person__division__parent__parent__parent")
    if query:
        value = query.strip()
        if user.can(Capability.PERSON_VIEW_UNMASKED):
            # Django's icontains is UPPER(name) LIKE UPPER(…), which a trigram index on name cannot serve; a search
            # without cased letters (every Chinese name) means the same as contains, a plain LIKE it can.
            by_name = "name__contains" if value.upper() == value.lower() else "name__icontains"
            if len(value) >= 3:
                # A trigram index answers three characters or more: the name and ID number are then matched on the
                # person table alone (a subquery on its indexes) instead of joining all 90,000 elders to their
                # persons before filtering the OR across both tables. The scope above still applies.
                matching = Person.objects.filter(Q(**{by_name: value}) | Q(id_number=value.upper())).values(
                    "pk"
                )
                elders = elders.filter(Q(person_id__in=matching) | Q(card_number=value))
            else:
                # One or two characters (a surname): no index helps, and the join plans the page best.
                elders = elders.filter(
                    Q(**{f"person__{by_name}": value})
                    | Q(person__id_number=value.upper())
                    | Q(card_number=value)
                )
        else:
            elders = elders.filter(Q(person__id_number=value.upper()) | Q(card_number=value))
    return elders.order_by("person__division__path", "person_id")


def lunch_list_for_user(
    user,
    *,
    facility: Facility | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str = "",
) -> QuerySet[Lunch]:
    # The facility ids as values, not a subquery: PostgreSQL then plans an operator's or a town's few facilities
    # on the (facility, meal_date, id) index instead of walking every lunch of the county by date (an operator's
    # list took 9 s at 10 million lunches; docs/benchmarks.md).
    facility_ids = list(facility_list_for_user(user).values_list("pk", flat=True))
    lunches = Lunch.objects.filter(facility_id__in=facility_ids).select_related(
        "facility", "elder__person", "recorded_by"
    )
    if facility is not None:
        lunches = lunches.filter(facility=facility)
    if date_from:
        lunches = lunches.filter(meal_date__gte=date_from)
    if date_to:
        lunches = lunches.filter(meal_date__lte=date_to)
    if status:
        lunches = lunches.filter(status=status)
    return lunches.order_by("-meal_date", "-id")


def settlement_list_for_user(
    user,
    *,
    year: int | None = None,
    status: str = "",
    month: int | None = None,
    facility: Facility | None = None,
) -> QuerySet[Settlement]:
    settlements = Settlement.objects.filter(facility__in=facility_list_for_user(user)).select_related(
        "facility"
    )
    if year:
        settlements = settlements.filter(year=year)
    if month:
        settlements = settlements.filter(month=month)
    if facility is not None:
        settlements = settlements.filter(facility=facility)
    if status:
        settlements = settlements.filter(status=status)
    return settlements.order_by("-year", "-month", "facility__name")


def operating_subsidy_public(year: int | None = None) -> QuerySet[OperatingSubsidy]:
    """A16: evaluation results and the subsidies they lead to are published."""
    subsidies = OperatingSubsidy.objects.select_related("facility")
    if year:
        subsidies = subsidies.filter(year=year)
    return subsidies.order_by("-year", "facility__name")


# --- Fraud checks (A5: subsidies obtained by falsification are recovered) -------------------------


@dataclass
class Finding:
    kind: str
    title: str
    detail: str
    facility: Facility | None
    # How many lunch records the finding is about, and the lunch list's filters that show exactly those records
    # (facility and day, or elder and period). A filter, not a list of ids: 90 days of the county flag thousands
    # of facility-days, and their lunch ids in the links (1.8 million) made the page take a minute.
    lunch_count: int = 0
    lunch_filter: dict = field(default_factory=dict)
    elder_id: int | None = None
    meal_date: dt.date | None = None

    @property
    def lunch_query(self) -> str:
        return urlencode(self.lunch_filter)


# Where a finding's text names its elder: the report puts the name (masked per role) in its place.
ELDER = "〔老人〕"

FINDING_TITLES = {
    "after_death": "死亡或迁出后仍有就餐记录",
    "two_facilities": "同一老人同一天在两家机构就餐",
    "above_seats": "单日就餐人次远超座位数",
    "above_history": "单日就餐人次远超本机构以往水平",
    "same_minute": "老人的全部就餐均由同一人在同一分钟登记",
}

# Findings of one check kept beyond which the report says "at least": a safety bound on the rows a check reads
# back (the checks that find one row per lunch or per elder-day), far above what anyone reviews by hand.
FINDINGS_CAP = 5000


def _day(day: dt.date) -> str:
    return day.isoformat()


class FraudReport:
    """The fraud checks of a period: how many findings of each kind, and the findings themselves built only when
    a page of them is read (issue 11). The checks run set-based in SQL; what comes back is one plain tuple per
    finding, in the report's order. Building a Finding (its text, its facility, its lunch-list filter) for each of
    the 13,892 findings of the county's 90 days, to show 50, was most of the page's time (docs/benchmarks.md)."""

    def __init__(self, *, entries: list[tuple], date_from: dt.date, date_to: dt.date, seat_factor: int):
        self._entries = entries  # (kind, *payload) in the report's order; payload per kind: see _build
        self.date_from, self.date_to, self.seat_factor = date_from, date_to, seat_factor
        counts = dict.fromkeys(FINDING_TITLES, 0)
        for entry in entries:
            counts[entry[0]] += 1
        self.counts = counts

    def __len__(self) -> int:
        return len(self._entries)

    def findings(self, kind: str = "") -> FindingList:
        """Every finding, or those of one kind, in the report's order; a sequence whose slices build their
        Findings (one facility query a slice)."""
        entries = [e for e in self._entries if e[0] == kind] if kind else self._entries
        return FindingList(entries, self)

    def _build(self, entries: list[tuple]) -> list[Finding]:
        facility_ids = set()
        for entry in entries:
            if entry[0] in ("after_death", "above_seats", "above_history", "same_minute"):
                facility_ids.add(entry[3] if entry[0] in ("after_death", "same_minute") else entry[1])
        facilities = Facility.objects.in_bulk(facility_ids) if facility_ids else {}
        period = {"date_from": _day(self.date_from), "date_to": _day(self.date_to)}
        built = []
        for kind, *payload in entries:
            title = FINDING_TITLES[kind]
            if kind == "after_death":
                lunch_id, meal_date, facility_id, elder_id, when = payload
                built.append(
                    Finding(
                        kind,
                        title,
                        f"{ELDER} 于 {when} 死亡或迁出，{meal_date} 仍在该机构登记午餐。",
                        facilities[facility_id],
                        1,
                        {"ids": str(lunch_id)},
                        elder_id,
                        meal_date,
                    )
                )
            elif kind == "two_facilities":
                elder_id, meal_date, n = payload
                day = _day(meal_date)
                # The elder's records of that day, rejected attempts included (not voided ones: the list's status
                # column shows which). Its text and facility come from fraud_finding_details, for the page shown.
                built.append(
                    Finding(
                        kind,
                        title,
                        "",
                        None,
                        n,
                        {"elder": str(elder_id), "date_from": day, "date_to": day},
                        elder_id,
                        meal_date,
                    )
                )
            elif kind in ("above_seats", "above_history"):
                facility_id, meal_date, n, figure = payload
                day = _day(meal_date)
                # The facility's accepted lunches of that day: exactly the rows counted.
                shown = {
                    "facility": str(facility_id),
                    "date_from": day,
                    "date_to": day,
                    "status": Lunch.Status.ACCEPTED,
                }
                detail = (
                    f"{meal_date} 登记 {n} 人次，座位 {figure} 个（超过 {self.seat_factor} 倍）。"
                    if kind == "above_seats"
                    else f"{meal_date} 登记 {n} 人次，此前 30 个就餐日中位数为 {figure}。"
                )
                built.append(
                    Finding(kind, title, detail, facilities[facility_id], n, shown, meal_date=meal_date)
                )
            else:  # same_minute
                elder_id, n, facility_id = payload
                built.append(
                    Finding(
                        kind,
                        title,
                        f"{ELDER} 的 {n} 次午餐均由同一工作人员在同一分钟内登记。",
                        facilities[facility_id],
                        n,
                        {"elder": str(elder_id), **period, "status": Lunch.Status.ACCEPTED},
                        elder_id,
                    )
                )
        return built


class FindingList:
    """A FraudReport's findings (all, or of one kind) as a sequence for Paginator: len() without building
    anything, a slice builds the Findings it holds."""

    def __init__(self, entries: list[tuple], report: FraudReport):
        self._entries, self._report = entries, report

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._report._build(self._entries[index])
        return self._report._build([self._entries[index]])[0]

    def __iter__(self):
        return iter(self[:])


def fraud_report(
    user,
    *,
    date_from: dt.date,
    date_to: dt.date,
    seat_factor: int = 3,
    history_factor: int = 3,
    min_same_minute_lunches: int = 5,
    figures: bool = True,
) -> FraudReport:
    """Suspicious patterns, each linking to its lunch records. Thresholds are detection settings, not policy.

    figures=True (the report) reads the daily figures kept as lunches are recorded (services/checks.py: LunchDay,
    ElderDayFlag) instead of grouping every lunch of the period; figures=False computes the same findings from
    the lunches alone (tests/canteens/test_check_figures.py holds the two equal)."""
    facility_scope = facility_list_for_user(user).values("pk")
    lunches = Lunch.objects.filter(facility__in=facility_scope, meal_date__range=(date_from, date_to))
    accepted = lunches.filter(status=Lunch.Status.ACCEPTED)
    entries: list[tuple] = []

    # Only elders who died or moved away can have a lunch after it: their few ids first, then their lunches on the
    # (elder, meal_date) index, instead of joining every lunch of the period to its elder (12 s for 90 days).
    departed = list(
        Elder.objects.filter(Q(died_on__isnull=False) | Q(moved_away_on__isnull=False))
        .order_by()
        .values_list("pk", flat=True)
    )
    late = accepted.filter(elder_id__in=departed).filter(
        Q(elder__died_on__isnull=False, meal_date__gte=F("elder__died_on"))
        | Q(elder__moved_away_on__isnull=False, meal_date__gte=F("elder__moved_away_on"))
    )
    if departed:
        for pk, meal_date, facility_id, elder_id, died_on, moved_away_on in late.order_by(
            "meal_date", "id"
        ).values_list("pk", "meal_date", "facility_id", "elder_id", "elder__died_on", "elder__moved_away_on")[
            :FINDINGS_CAP
        ]:
            entries.append(("after_death", pk, meal_date, facility_id, elder_id, died_on or moved_away_on))

    # Set-based (docs/benchmarks.md): one pass over the period's lunches grouped by elder serves two checks: the
    # same-minute pattern (accepted lunches) and, for "two facilities on one day", which elders ate at more than
    # one facility at all (not voided); only those elders' days are then grouped, on the (elder, meal_date)
    # index, instead of grouping every elder-day of the county (millions of groups). Min < Max stands for
    # COUNT(DISTINCT …) > 1 (and Min = Max for = 1): the same rows, but a hashed aggregate instead of a sort.
    ok = Q(status=Lunch.Status.ACCEPTED)
    live = ~Q(status=Lunch.Status.VOIDED)
    grouped = lunches.exclude(elder__isnull=True)
    if figures and min_same_minute_lunches >= 2:
        # Only flagged elders can be found by either check (ElderDayFlag): their lunches alone are grouped, on the
        # (elder, meal_date) index. Grouping a superset of the elders found changes no finding.
        grouped = grouped.filter(elder_id__in=_flagged_elders(date_from, date_to, min_same_minute_lunches))
    per_elder = list(
        grouped.values("elder_id")
        .order_by()
        .annotate(
            n=Count("id", filter=ok),
            first_by=Min("recorded_by_id", filter=ok),
            last_by=Max("recorded_by_id", filter=ok),
            # TruncMinute is monotonic: one distinct minute ⟺ the first and last lunch share it.
            first_minute=TruncMinute(Min("recorded_at", filter=ok)),
            last_minute=TruncMinute(Max("recorded_at", filter=ok)),
            shown_at=Max("facility_id", filter=ok),
            lo=Min("facility_id", filter=live),
            hi=Max("facility_id", filter=live),
        )
        .filter(
            Q(n__gte=min_same_minute_lunches, first_by=F("last_by"), first_minute=F("last_minute"))
            | Q(lo__lt=F("hi"))
        )
    )
    movers = [row["elder_id"] for row in per_elder if row["lo"] is not None and row["lo"] < row["hi"]]
    patterns = sorted(
        (
            row
            for row in per_elder
            if row["n"] >= min_same_minute_lunches
            and row["first_by"] == row["last_by"]
            and row["first_minute"] == row["last_minute"]
        ),
        key=lambda row: row["elder_id"],
    )[:FINDINGS_CAP]
    if movers:
        pairs = (
            lunches.filter(elder_id__in=movers)
            .exclude(status=Lunch.Status.VOIDED)
            .values("elder_id", "meal_date")
            .order_by()
            .annotate(lo=Min("facility_id"), hi=Max("facility_id"), n=Count("id"))
            .filter(lo__lt=F("hi"))
            .order_by("meal_date", "elder_id")
            .values_list("elder_id", "meal_date", "n")[:FINDINGS_CAP]
        )
        entries.extend(("two_facilities", elder_id, meal_date, n) for elder_id, meal_date, n in pairs)

    # The facility-day checks: one plain row per facility and day with accepted lunches, in date order (the
    # history check reads each facility's earlier days of the period).
    if figures:
        daily = (
            LunchDay.objects.filter(
                facility__in=facility_scope, accepted__gt=0, meal_date__range=(date_from, date_to)
            )
            .order_by("meal_date", "facility_id")
            .values_list("facility_id", "meal_date", "accepted")
        )
    else:
        daily = (
            accepted.values("facility_id", "meal_date")
            .order_by()
            .annotate(n=Count("id"))
            .order_by("meal_date", "facility_id")
            .values_list("facility_id", "meal_date", "n")
        )
    daily = list(daily)
    seats = dict(Facility.objects.filter(pk__in={row[0] for row in daily}).values_list("pk", "seats"))
    # Per facility: how many earlier days, the last 30 of them in date order and the same kept sorted (bisect), so
    # each day's median is an index instead of sorting 30 figures for each of the period's facility-days.
    windows: dict[int, tuple[deque, list, list]] = {}
    for facility_id, meal_date, n in daily:
        window = windows.get(facility_id)
        if window is None:
            window = windows[facility_id] = (deque(), [], [0])
        recent, ordered, seen = window
        facility_seats = seats[facility_id]
        if facility_seats and n > facility_seats * seat_factor:
            entries.append(("above_seats", facility_id, meal_date, n, facility_seats))
        if seen[0] >= 10:
            # The median of the last 30 (fewer at the period's start) earlier days: the upper one of an even count.
            typical = ordered[len(ordered) // 2]
            if typical and n > typical * history_factor:
                entries.append(("above_history", facility_id, meal_date, n, typical))
        seen[0] += 1
        recent.append(n)
        insort(ordered, n)
        if len(recent) > 30:
            del ordered[bisect_left(ordered, recent.popleft())]

    entries.extend(("same_minute", row["elder_id"], row["n"], row["shown_at"]) for row in patterns)
    return FraudReport(entries=entries, date_from=date_from, date_to=date_to, seat_factor=seat_factor)


def fraud_findings(
    user,
    *,
    date_from: dt.date,
    date_to: dt.date,
    seat_factor: int = 3,
    history_factor: int = 3,
    min_same_minute_lunches: int = 5,
    details: bool = True,
    figures: bool = True,
) -> list[Finding]:
    """Every finding of `fraud_report`, built (the API of the checks and the tests; the report page builds only
    the page it shows). With details=False the facility names of the "two facilities" findings are left for
    `fraud_finding_details` to fill in for the findings actually shown."""
    findings = fraud_report(
        user,
        date_from=date_from,
        date_to=date_to,
        seat_factor=seat_factor,
        history_factor=history_factor,
        min_same_minute_lunches=min_same_minute_lunches,
        figures=figures,
    ).findings()[:]
    if details:
        fraud_finding_details(user, findings)
    return findings


def _flagged_elders(date_from: dt.date, date_to: dt.date, min_same_minute_lunches: int) -> list[int]:
    """The elders either per-elder check can find in the period, from ElderDayFlag (services/checks.py).

    "Two facilities on one day" needs two live lunches on one day: a `several` day. "All lunches in the same
    minute" needs n >= 2 accepted lunches sharing a minute: two of them on one day (a `several` day), or all on
    different days, and then all but at most one were recorded on another day than their meal date: n - 1
    `backdated` days at least."""
    flags = (
        ElderDayFlag.objects.filter(meal_date__range=(date_from, date_to))
        .values("elder_id")
        .order_by()
        .annotate(
            several=Count("id", filter=Q(several=True)), backdated=Count("id", filter=Q(backdated=True))
        )
        .filter(Q(several__gt=0) | Q(backdated__gte=min_same_minute_lunches - 1))
    )
    return [row["elder_id"] for row in flags]


def fraud_finding_details(user, findings) -> None:
    """The facility names of "two facilities" findings (the newest record's facility first), for the findings
    shown: one query for any number of elder-days, on the (elder, meal_date) index."""
    pairs = [f for f in findings if f.kind == "two_facilities" and not f.detail]
    if not pairs:
        return
    wanted = {(f.elder_id, f.meal_date) for f in pairs}
    rows = (
        Lunch.objects.filter(
            facility__in=facility_list_for_user(user),
            elder_id__in={e for e, _ in wanted},
            meal_date__in={d for _, d in wanted},
        )
        .exclude(status=Lunch.Status.VOIDED)
        .select_related("facility")
        .order_by("-meal_date", "-id")
    )
    by_pair: dict[tuple, list[Lunch]] = {}
    for lunch in rows:
        if (lunch.elder_id, lunch.meal_date) in wanted:
            by_pair.setdefault((lunch.elder_id, lunch.meal_date), []).append(lunch)
    for finding in pairs:
        found = by_pair.get((finding.elder_id, finding.meal_date), [])
        finding.facility = found[0].facility if found else None
        finding.detail = (
            f"{ELDER} 在 {finding.meal_date} 于 {'、'.join(sorted({r.facility.name for r in found}))} "
            f"登记（含被拒绝的尝试）。"
        )


# --- Dashboard ----------------------------------------------------------------------------------


def dashboard_figures(user, *, year: int) -> dict:
    facilities = facility_list_for_user(user)
    accepted = Lunch.objects.filter(
        facility__in=facilities, status=Lunch.Status.ACCEPTED, meal_date__year=year
    )
    by_month = {
        row["m"]: row
        for row in accepted.annotate(m=ExtractMonth("meal_date"))
        .values("m")
        .order_by()
        .annotate(
            n=Count("id"),
            city=Sum("city"),
            county=Sum("county"),
            care=Sum("care_fund"),
            discount=Sum("operator_discount"),
            paid=Sum("elder_pays"),
        )
    }
    months = []
    for month in range(1, 13):
        row = by_month.get(month, {})
        months.append(
            {
                "month": month,
                "lunches": row.get("n", 0),
                "city": row.get("city") or Decimal("0"),
                "county": row.get("county") or Decimal("0"),
                "care_fund": row.get("care") or Decimal("0"),
                "operator_discount": row.get("discount") or Decimal("0"),
                "elder_paid": row.get("paid") or Decimal("0"),
            }
        )
    by_facility = list(
        accepted.values("facility__name")
        .annotate(n=Count("id"), subsidy=Sum(F("city") + F("county")))
        .order_by("-n")
    )
    town_names = dict(
        Division.objects.filter(kind__in=["town", "street", "development_zone"]).values_list("code", "name")
    )
    town_counts: dict[str, int] = {}
    for row in accepted.values("facility__division__path").order_by().annotate(n=Count("id")):
        # path is /county/town/…/: the second code is the town, street or development zone.
        parts = row["facility__division__path"].strip("/").split("/")
        town = town_names.get(parts[1], parts[1]) if len(parts) > 1 else "县直"
        town_counts[town] = town_counts.get(town, 0) + row["n"]
    by_model = list(facilities.values("model", "status").order_by("model", "status").annotate(n=Count("id")))
    return {
        "months": months,
        "by_facility": by_facility,
        "by_town": sorted(town_counts.items()),
        "by_model": [
            {
                **row,
                "model_label": Facility.Model(row["model"]).label,
                "status_label": Facility.Status(row["status"]).label,
            }
            for row in by_model
        ],
    }
