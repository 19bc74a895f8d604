"""Build a county-scale database on top of the demo (issue 11, "Scale of the pages").

    DATABASE_URL=postgres://… python -m benchmarks.county_data [--scale 1.0]

Run after `countyhall demo` on the same database (benchmarks/pages.py does both): the demo gives the users,
roles, organisations, towns and sample villages; this adds, under 高青县's ten towns and streets as the demo has
them, 25 villages each (18 with two natural villages, 7 communities), one facility per village, elders with
valid GB 11643 numbers, a year of lunches (2022) whose amounts come from the real rule, the yearly settlements,
heating households with devices, season use, entitlements and claims, permit projects with their four stage
cases and department reviews, and audit rows up to the target count.

Bulk rows are written with bulk_create in big batches and, for lunches and audit rows, one INSERT … SELECT over
generate_series (PostgreSQL only): the services' validation is not what the benchmark measures, but the rows
are consistent with what the services would have written (the amounts from canteen.lunch's terms, entitlements
by the heating service itself).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from decimal import Decimal

YEAR = 2022
FULL = {"elders": 90_000, "lunches": 10_000_000, "households": 3_224, "projects": 1_000, "audit": 1_000_000}
VILLAGES_PER_TOWN = 25
RURAL_PER_TOWN = 18


def sizes_for(scale: float) -> dict:
    return {key: max(4, int(value * scale)) for key, value in FULL.items()}


def build(*, scale: float = 1.0) -> dict:
    from django.db import connection, transaction

    from countyhall.canteens.models import Elder, Facility, Lunch, PriceListEntry, TekunStatus
    from countyhall.canteens.rules import FacilityTerms, lunch_terms
    from countyhall.canteens.services.lunches import policy_basis
    from countyhall.core.identity import check_digit
    from countyhall.core.models import AuditEntry, Division, Organisation, Person, User
    from countyhall.core.services.policy import governed_refresh

    # The approved policy changes (the permit stages' limits are governed figures) loaded into this process, as the
    # CLI and each request do: without them every StageLimit read its limits as "not entered" (None).
    governed_refresh(force=True)
    sizes = sizes_for(scale)
    rng = random.Random(2022)
    timings = {}
    started = time.perf_counter()
    county = Division.objects.get(code="370322000000")
    towns = list(Division.objects.filter(parent=county).order_by("code"))
    villages_per_town = max(1, min(VILLAGES_PER_TOWN, round(VILLAGES_PER_TOWN * scale**0.5)))
    rural_per_town = max(1, round(villages_per_town * RURAL_PER_TOWN / VILLAGES_PER_TOWN))

    # --- divisions, operators, facilities -------------------------------------------------------------------
    with transaction.atomic():
        homes = []  # (facility division, the other division where a fifth of its elders live)
        for town in towns:
            rows = []
            for v in range(villages_per_town):
                rural = v < rural_per_town
                code = f"{town.code[:9]}{301 + v:03d}"
                rows.append(
                    Division(
                        code=code,
                        name=f"{town.name[:2]}{'村' if rural else '社区'}{v + 1}（基准）",
                        kind="village" if rural else "community",
                        parent=town,
                        path=f"{town.path}{code}/",
                    )
                )
            Division.objects.bulk_create(rows)
            naturals = []
            for village in rows:
                if village.kind == "village":
                    for n in (1, 2):
                        code = f"{village.code}{n:03d}"
                        naturals.append(
                            Division(
                                code=code,
                                name=f"{village.name[:-4]}{'东西'[n - 1]}庄（基准）",
                                kind="natural_village",
                                parent=village,
                                path=f"{village.path}{code}/",
                            )
                        )
            Division.objects.bulk_create(naturals)
            by_parent: dict[int, list] = {}
            for natural in naturals:
                by_parent.setdefault(natural.parent_id, []).append(natural)
            for village in rows:
                pair = by_parent.get(village.pk)
                homes.append((pair[0], pair[1]) if pair else (village, village))
        operators = Organisation.objects.bulk_create(
            [
                Organisation(name=f"{home.name}助餐运营方（基准）", kind="canteen_operator", division=home)
                for home, _ in homes
            ]
        )
        facilities = []
        for index, ((home, _), operator) in enumerate(zip(homes, operators, strict=True)):
            rural = home.kind == "natural_village"
            kind = "service_point" if index % 5 == 4 else "canteen"
            facilities.append(
                Facility(
                    name=f"{home.name}长者{'助餐服务点' if kind == 'service_point' else '食堂'}",
                    kind=kind,
                    model="service_point" if kind == "service_point" else "happiness_home",
                    setting="rural" if rural else "community",
                    operator=operator,
                    operator_kind=(
                        ["care_org", "village_committee", "enterprise", "other"]
                        if rural
                        else ["enterprise", "care_org", "other", "enterprise"]
                    )[index % 4],
                    division=home,
                    seats=40,
                    area_m2=Decimal("200"),
                    address=f"{home.name}",
                    lunch_price=Decimal(rng.choice(["6.00", "8.00", "10.00"])),
                    service_start=dt.date(2021, 9, 2),
                    status="filed",
                    filed_on=dt.date(2021, 9, 2),
                )
            )
        Facility.objects.bulk_create(facilities)
        PriceListEntry.objects.bulk_create(
            [
                PriceListEntry(
                    facility=f,
                    kind="lunch",
                    price=f.lunch_price,
                    valid_from=f.service_start,
                    created_by_label="benchmark",
                )
                for f in facilities
            ]
        )
    timings["facilities"] = time.perf_counter() - started

    # --- elders ---------------------------------------------------------------------------------------------
    started = time.perf_counter()
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    given = "秀英桂兰玉珍德明建国长顺淑芬凤英志强春华海福广兰翠花金荣玉梅振东庆山"
    used = set(Person.objects.values_list("id_number", flat=True))
    span = (dt.date(1961, 12, 31) - dt.date(1925, 1, 1)).days
    people, assignment = [], []
    for e in range(sizes["elders"]):
        while True:
            birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(span))
            first17 = f"370322{birth:%Y%m%d}{rng.randrange(1000):03d}"
            number = first17 + check_digit(first17)
            if number not in used:
                used.add(number)
                break
        f_index = e % len(facilities)
        home, other = homes[f_index]
        division = home if rng.random() < 0.8 else other
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
        people.append(
            Person(
                id_number=number,
                name=name,
                sex="M" if int(first17[16]) % 2 else "F",
                birth_date=birth,
                division=division,
                address=f"{division.name}{e % 97 + 1}号",
            )
        )
        assignment.append((f_index, division.pk == facilities[f_index].division_id))
    with transaction.atomic():
        Person.objects.bulk_create(people, batch_size=10_000)
        elders = Elder.objects.bulk_create(
            [Elder(person=p, gaoqing_hukou=True, card_number=f"B{i:07d}") for i, p in enumerate(people)],
            batch_size=10_000,
        )
        TekunStatus.objects.bulk_create(
            [
                TekunStatus(elder=el, source="基准认定", valid_from=dt.date(2020, 1, 1))
                for i, el in enumerate(elders)
                if i % 20 == 0
            ],
            batch_size=10_000,
        )
    timings["elders"] = time.perf_counter() - started

    # --- lunches: one INSERT … SELECT; amounts from the rule's terms, once per distinct set -------------------
    started = time.perf_counter()
    recorder = User.objects.get(username="minzheng")
    terms: dict[tuple, int] = {}
    term_rows = []

    def term_id(facility, band, tekun, same_village):
        key = (
            band,
            tekun,
            facility.kind,
            facility.setting,
            facility.operator_kind,
            same_village,
            facility.lunch_price,
        )
        if key not in terms:
            result = lunch_terms(
                birth_date=dt.date(YEAR - band - 1, 1, 1),
                meal_date=dt.date(YEAR, 6, 1),
                gaoqing_hukou=True,
                tekun=tekun,
                facility=FacilityTerms(facility.kind, facility.setting, facility.operator_kind, same_village),
                price=facility.lunch_price,
            )
            data = result.data
            terms[key] = len(terms) + 1
            term_rows.append(
                (
                    terms[key],
                    data["free"],
                    data["subsidy"]["city"],
                    data["subsidy"]["county"],
                    data["operator_discount"],
                    data["care_fund"],
                    data["elder_pays"],
                    data["unfunded"],
                    # What the check-in stores beside the figures (issue 13): the readings with their answers;
                    # the settlement groups lunches by it, so the benchmark must hold it as production does.
                    json.dumps(policy_basis(result), ensure_ascii=False),
                    json.dumps([c.as_dict() for c in sorted(set(result.citations))], ensure_ascii=False),
                    json.dumps(sorted(set(result.readings)), ensure_ascii=False),
                )
            )
        return terms[key]

    elder_rows = []
    for i, (elder, person, (f_index, same)) in enumerate(zip(elders, people, assignment, strict=True)):
        facility = facilities[f_index]
        tekun = i % 20 == 0
        elder_rows.append(
            (
                elder.pk,
                facility.pk,
                person.birth_date,
                tekun,
                facility.lunch_price,
                term_id(facility, 60, tekun, same),
                term_id(facility, 80, tekun, same),
            )
        )
    open_days = sum(1 for d in range(365) if (dt.date(YEAR, 1, 1) + dt.timedelta(days=d)).weekday() < 6)
    share = min(1.0, sizes["lunches"] / (len(elder_rows) * open_days))
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows reference facilities, elders and a user that exist by construction: without this, PostgreSQL
        # checks the three deferred foreign keys of each of 10 million rows at COMMIT (over 10 minutes).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE bench_terms (id int PRIMARY KEY, free bool, city numeric, county numeric,"
            " discount numeric, care numeric, pays numeric, unfunded numeric, basis jsonb, cits jsonb, reads jsonb) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_elders (elder_id bigint, facility_id bigint, birth date, tekun bool,"
            " price numeric, t60 int, t80 int) ON COMMIT DROP"
        )
        with cursor.copy("COPY bench_terms FROM STDIN") as copy:
            for row in term_rows:
                copy.write_row(row)
        with cursor.copy("COPY bench_elders FROM STDIN") as copy:
            for row in elder_rows:
                copy.write_row(row)
        # Each elder eats on a deterministic pseudo-random share of the 313 opening days (Monday–Saturday).
        cursor.execute(
            f"""
            INSERT INTO {Lunch._meta.db_table} (facility_id, elder_id, presented_identifier, meal_date, recorded_at,
                recorded_by_id, status, reason_code, reason, age, tekun, free, price, city, county,
                operator_discount, care_fund, elder_pays, unfunded, citations, readings, void_reason, policy_basis)
            SELECT e.facility_id, e.elder_id, '', d.day, d.day + time '11:30' AT TIME ZONE 'Asia/Shanghai', %s,
                'accepted', '', '', a.age, e.tekun, t.free, e.price, t.city, t.county, t.discount, t.care, t.pays,
                t.unfunded, t.cits, t.reads, '', t.basis
            FROM (SELECT g::date AS day FROM generate_series(%s::date, %s::date, interval '1 day') g
                  WHERE extract(isodow FROM g) < 7) d
            CROSS JOIN bench_elders e
            CROSS JOIN LATERAL (SELECT extract(year FROM age(d.day, e.birth))::int AS age) a
            JOIN bench_terms t ON t.id = CASE WHEN a.age >= 80 THEN e.t80 ELSE e.t60 END
            WHERE a.age >= 60 AND abs(hashtext(e.elder_id::text || d.day::text)) %% 100000 < %s
            ORDER BY d.day, e.facility_id
        """,
            [recorder.pk, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), int(share * 100_000)],
        )
        written = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Lunch._meta.db_table}")
    # The lunches were written past the services: the fraud checks' daily figures recomputed from them.
    from countyhall.canteens.services.checks import checks_rebuild

    checks_rebuild()
    timings["lunches"] = time.perf_counter() - started

    started = time.perf_counter()
    from countyhall.canteens.services.settlements import settlement_compute_all

    settlement_compute_all(actor=recorder, year=YEAR)
    for month in (11, 12):
        settlement_compute_all(actor=recorder, year=YEAR, month=month)
    timings["settlements"] = time.perf_counter() - started

    started = time.perf_counter()
    heating = _heating(sizes["households"], homes, used, rng)
    timings["heating"] = time.perf_counter() - started
    started = time.perf_counter()
    permits = _permits(sizes["projects"], towns, rng)
    timings["permits"] = time.perf_counter() - started

    # --- audit rows up to the target: the kinds of rows the services write, over 2022 ---------------------------
    started = time.perf_counter()
    missing = sizes["audit"] - AuditEntry.objects.count()
    if missing > 0:
        actors = list(User.objects.values_list("pk", "username"))
        person_low, person_high = people[0].pk, people[-1].pk
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # as for the lunches
            cursor.execute("CREATE TEMP TABLE bench_actors (n int, id bigint, label text) ON COMMIT DROP")
            with cursor.copy("COPY bench_actors FROM STDIN") as copy:
                for n, (pk, username) in enumerate(actors):
                    copy.write_row((n, pk, username))
            cursor.execute(
                f"""
                INSERT INTO {AuditEntry._meta.db_table} (at, actor_id, actor_label, action, object_type, object_id,
                    object_repr, before, after, note)
                SELECT timestamptz '2022-01-01 08:00+08' + (g * interval '31 seconds'), a.id, a.label,
                    (ARRAY['read','create','update','read','create'])[1 + g %% 5],
                    CASE WHEN g %% 5 IN (0, 3) THEN 'core.person'
                         ELSE (ARRAY['canteens.lunch','canteens.elder','heating.household','permits.review'])[1 + g %% 4]
                    END,
                    (%s + g %% (%s - %s + 1))::text, '人员 #' || (%s + g %% (%s - %s + 1)) || '（王*）',
                    NULL, CASE WHEN g %% 5 IN (1, 2, 4) THEN '{{"status": "accepted"}}'::jsonb END, ''
                FROM generate_series(1, %s) g JOIN bench_actors a ON a.n = g %% %s
            """,
                [
                    person_low,
                    person_high,
                    person_low,
                    person_low,
                    person_high,
                    person_low,
                    missing,
                    len(actors),
                ],
            )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {AuditEntry._meta.db_table}")
    timings["audit"] = time.perf_counter() - started
    return {
        "sizes": sizes,
        "lunches": written,
        "distinct_terms": len(terms),
        **heating,
        **permits,
        "audit_rows": AuditEntry.objects.count(),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }


def _heating(households: int, homes, used: set, rng) -> dict:
    """Households in the rural natural villages (village plans, devices, a season's use), then the heating
    service itself computes the entitlements and builds the claims."""
    from django.db import transaction

    from countyhall.core.identity import check_digit
    from countyhall.core.models import Person, User
    from countyhall.heating.models import Acceptance, Device, Household, SeasonUse, VillagePlan
    from countyhall.heating.services import claims_build, entitlements_compute

    naturals = [division for pair in homes for division in pair if division.kind == "natural_village"]
    naturals = list(dict.fromkeys(naturals))
    per_village = -(-households // len(naturals))
    with transaction.atomic():
        plans = VillagePlan.objects.bulk_create(
            [
                VillagePlan(
                    division=division,
                    method="gas" if i % 3 else "biomass",
                    planned_households=per_village,
                    construction_done_on=dt.date(2021, 9, 30),
                    commissioning_done_on=dt.date(2021, 10, 20),
                )
                for i, division in enumerate(naturals)
            ]
        )
        Acceptance.objects.bulk_create(
            [
                Acceptance(
                    plan=plan, stage=stage, passed=True, decided_on=on, findings="符合验收规范（基准）"
                )
                for plan in plans
                for stage, on in (
                    ("town_initial", dt.date(2021, 10, 25)),
                    ("county_application", dt.date(2021, 10, 27)),
                    ("third_party", dt.date(2021, 11, 10)),
                )
            ]
        )
        people, rows = [], []
        for h in range(households):
            plan = plans[h % len(plans)]
            while True:
                birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(9000))
                first17 = f"370322{birth:%Y%m%d}{rng.randrange(1000):03d}"
                number = first17 + check_digit(first17)
                if number not in used:
                    used.add(number)
                    break
            people.append(
                Person(
                    id_number=number,
                    name=f"户主{h}",
                    sex="M" if int(first17[16]) % 2 else "F",
                    birth_date=birth,
                    division=plan.division,
                    address=f"{plan.division.name}{h}号",
                )
            )
            rows.append(plan)
        Person.objects.bulk_create(people, batch_size=5000)
        homes_rows = Household.objects.bulk_create(
            [
                Household(
                    division=plan.division,
                    householder=person,
                    address=person.address,
                    members=3,
                    special_poor=h % 50 == 0,
                    method=plan.method,
                    converted_year=2021,
                    accepted_on=dt.date(2021, 11, 10),
                )
                for h, (plan, person) in enumerate(zip(rows, people, strict=True))
            ],
            batch_size=5000,
        )
        Device.objects.bulk_create(
            [
                Device(
                    household=home,
                    kind="gas_boiler" if home.method == "gas" else "biomass_stove",
                    model_name="基准型号-24",
                    supplier=f"基准供货商{h % 7}",
                    price=Decimal(3000 + (h % 20) * 100),
                    tendered_price=Decimal("3800.00"),
                    invoice_no=f"FP2021{h:06d}",
                    installed_on=dt.date(2021, 9, 20),
                    commissioned_on=dt.date(2021, 10, 15),
                )
                for h, home in enumerate(homes_rows)
            ],
            batch_size=5000,
        )
        SeasonUse.objects.bulk_create(
            [
                SeasonUse(
                    household=home,
                    season="2021-2022",
                    **(
                        {"gas_m3": Decimal(600 + h % 900)}
                        if home.method == "gas"
                        else {"fuel_tonnes": Decimal("1.5") + Decimal(h % 20) / 10}
                    ),
                )
                for h, home in enumerate(homes_rows)
            ],
            batch_size=5000,
        )
    zhujian = User.objects.get(username="zhujian")
    for period in ("2021", "2021-2022"):
        entitlements_compute(actor=zhujian, period=period)
        claims_build(actor=zhujian, period=period)
    return {"households": Household.objects.count()}


def _permits(projects: int, towns, rng) -> dict:
    """Projects with all four stage cases (the later ones partly still open) and one review per participant."""
    from django.db import transaction

    from countyhall.core.models import Organisation
    from countyhall.permits.models import Case, Project, Review, StageLimit

    limits = {
        limit.stage: limit
        for limit in StageLimit.objects.filter(category="social_industrial").prefetch_related("participants")
    }
    order = ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"]
    demo_firm = Organisation.objects.get(short_name="示例新材料")
    with transaction.atomic():
        firms = [demo_firm] + Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"高青基准建设有限公司{i}", kind="enterprise", division=towns[i % len(towns)]
                )
                for i in range(60)
            ]
        )
        rows = Project.objects.bulk_create(
            [
                Project(
                    code=f"2022-370322-26-03-B{i:05d}",
                    name=f"基准项目{i}（基准）",
                    category="social_industrial",
                    site=towns[i % len(towns)],
                    applicant=firms[i % len(firms)],
                    investment=Decimal(1000 + i),
                )
                for i in range(projects)
            ]
        )
        cases = []
        for project in rows:
            accepted = dt.date(2022, 1, 4) + dt.timedelta(days=rng.randrange(0, 120))
            finished_stages = rng.choice((3, 4, 4))
            for index, stage in enumerate(order):
                limit = limits[stage]
                done = index < finished_stages
                decided = accepted + dt.timedelta(days=rng.randrange(7, 25))
                cases.append(
                    Case(
                        project=project,
                        stage=stage,
                        stage_order=index,
                        lead=limit.lead,
                        applied_on=accepted,
                        accepted_on=accepted,
                        working_days=limit.working_days,
                        review_working_days=limit.review_working_days,
                        status="approved" if done else "in_review",
                        decided_on=decided if done else None,
                    )
                )
                accepted = decided + dt.timedelta(days=rng.randrange(1, 10))
        Case.objects.bulk_create(cases, batch_size=5000)
        reviews = []
        for case in cases:
            limit = limits[case.stage]
            for department in [limit.lead, *limit.participants.all()]:
                reviews.append(
                    Review(
                        case=case,
                        department=department,
                        opinion="approve" if case.decided_on else "pending",
                        decided_on=case.decided_on,
                    )
                )
        Review.objects.bulk_create(reviews, batch_size=10_000)
    return {
        "projects": Project.objects.count(),
        "cases": Case.objects.count(),
        "reviews": Review.objects.count(),
    }


def main(argv=None) -> int:
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(description="Add county-scale rows to a database that holds the demo.")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the county size (default 1.0)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhall.config.settings.local")
    import django

    django.setup()
    print(json.dumps(build(scale=args.scale), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
