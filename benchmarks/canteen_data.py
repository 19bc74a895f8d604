"""Generate a county-sized year of the 助餐服务系统 into an empty, migrated database.

    DATABASE_URL=... python -m benchmarks.canteen_data --elders 90000 --facilities 250 --lunches 10000000

Amounts on each lunch come from the real rule (canteen.rules.lunch_terms), computed once per
distinct set of terms and reused: a lunch's amounts depend only on the elder's age band, 特困
status, the facility's setting and operator, whether the elder lives in the canteen's own natural
village, and the price. Lunches are written with COPY on PostgreSQL and executemany on SQLite.
Historical lunches carry no idempotency key or daily key (those are for live check-in) and an
empty citations list; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhall.config.settings.local")

YEAR = 2022
LUNCH_COLUMNS = [
    "facility_id",
    "elder_id",
    "presented_identifier",
    "meal_date",
    "recorded_at",
    "recorded_by_id",
    "status",
    "reason_code",
    "reason",
    "age",
    "tekun",
    "free",
    "price",
    "city",
    "county",
    "operator_discount",
    "care_fund",
    "elder_pays",
    "unfunded",
    "citations",
    "readings",
    "void_reason",
]


def build(*, elders: int, facilities: int, lunches: int, seed: int = 2022) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction

    from countyhall.canteens.models import Elder, Facility, Lunch, PriceListEntry, TekunStatus
    from countyhall.canteens.rules import FacilityTerms, lunch_terms
    from countyhall.core.identity import check_digit, full_years
    from countyhall.core.models import Division, Organisation, Person, RoleGrant, User

    rng = random.Random(seed)
    if Lunch.objects.exists():
        raise SystemExit("the database already has lunches: use an empty, migrated database")
    started = time.perf_counter()
    with transaction.atomic():
        county = Division.objects.create(
            code="370322000000", name="高青县", kind="county", path="/370322000000/"
        )
        towns = []
        for t in range(10):
            code = f"370322{100 + t:03d}000"
            towns.append(
                Division.objects.create(
                    code=code, name=f"基准镇{t + 1}", kind="town", parent=county, path=f"{county.path}{code}/"
                )
            )
        recorder = User.objects.create(username="bench-recorder")
        RoleGrant.objects.create(user=recorder, role="civil_affairs")
        facility_rows, homes = [], []
        for f in range(facilities):
            town = towns[f % len(towns)]
            rural = f % 10 < 7
            village_code = f"{town.code[:9]}{200 + f // len(towns):03d}"
            village = Division.objects.create(
                code=village_code,
                name=f"基准村{f}",
                kind="village" if rural else "community",
                parent=town,
                path=f"{town.path}{village_code}/",
            )
            home = village
            if rural:
                home = Division.objects.create(
                    code=f"{village_code}001",
                    name=f"基准庄{f}",
                    kind="natural_village",
                    parent=village,
                    path=f"{village.path}{village_code}001/",
                )
                other = Division.objects.create(
                    code=f"{village_code}002",
                    name=f"基准庄{f}乙",
                    kind="natural_village",
                    parent=village,
                    path=f"{village.path}{village_code}002/",
                )
            else:
                other = village
            operator_kind = (
                ["care_org", "village_committee", "enterprise", "other"][f % 4]
                if rural
                else ["enterprise", "care_org", "other", "enterprise"][f % 4]
            )
            operator = Organisation.objects.create(
                name=f"基准运营方{f}", kind="canteen_operator", division=home
            )
            kind = "service_point" if f % 5 == 4 else "canteen"
            facility_rows.append(
                Facility(
                    name=f"基准镇{f % 10 + 1}基准村{f}{'长者助餐服务点' if kind == 'service_point' else '长者食堂'}",
                    kind=kind,
                    model="service_point" if kind == "service_point" else "happiness_home",
                    setting="rural" if rural else "community",
                    operator=operator,
                    operator_kind=operator_kind,
                    division=home,
                    seats=40,
                    area_m2=Decimal("200"),
                    lunch_price=Decimal(rng.choice(["6.00", "8.00", "10.00"])),
                    service_start=dt.date(2021, 9, 2),
                    status="filed",
                    filed_on=dt.date(2021, 9, 2),
                )
            )
            homes.append((home, other))
        Facility.objects.bulk_create(facility_rows)
        facility_list = list(Facility.objects.order_by("pk"))
        # Check-ins price lunches from the price list: each facility's price from its first day.
        PriceListEntry.objects.bulk_create(
            [
                PriceListEntry(
                    facility=f,
                    kind="lunch",
                    price=f.lunch_price,
                    valid_from=f.service_start,
                    created_by_label="benchmark",
                )
                for f in facility_list
            ]
        )

        people, used = [], set()
        span = (dt.date(1961, 12, 31) - dt.date(1925, 1, 1)).days
        for e in range(elders):
            while True:
                birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(span))
                first17 = f"370322{birth:%Y%m%d}{rng.randrange(1000):03d}"
                if first17 not in used:
                    used.add(first17)
                    break
            home, other = homes[e % facilities]
            division = home if rng.random() < 0.7 else other
            people.append(
                Person(
                    id_number=f"{first17}{check_digit(first17)}",
                    name=f"基准老人{e}",
                    sex="M" if int(first17[16]) % 2 else "F",
                    birth_date=birth,
                    division=division,
                )
            )
        Person.objects.bulk_create(people, batch_size=5000)
        person_ids = list(Person.objects.order_by("pk").values_list("pk", "birth_date", "division_id"))
        Elder.objects.bulk_create(
            [
                Elder(person_id=pk, gaoqing_hukou=True, card_number=f"B{index:07d}")
                for index, (pk, _, _) in enumerate(person_ids)
            ],
            batch_size=5000,
        )
        elder_rows = list(Elder.objects.order_by("pk").values_list("pk", "person_id"))
        tekun = set()
        TekunStatus.objects.bulk_create(
            [
                TekunStatus(elder_id=pk, source="基准认定", valid_from=dt.date(2020, 1, 1))
                for index, (pk, _) in enumerate(elder_rows)
                if index % 20 == 0 and not tekun.add(pk)
            ]
        )
    setup_seconds = time.perf_counter() - started

    births = {pk: birth for pk, birth, _ in person_ids}
    residence = {pk: division for pk, _, division in person_ids}
    members: list[list[tuple]] = [[] for _ in range(facilities)]
    for index, (elder_pk, person_pk) in enumerate(elder_rows):
        members[index % facilities].append(
            (elder_pk, births[person_pk], residence[person_pk], elder_pk in tekun)
        )
    open_days = [
        dt.date(YEAR, 1, 1) + dt.timedelta(days=d)
        for d in range(365)
        if (dt.date(YEAR, 1, 1) + dt.timedelta(days=d)).weekday() < 6
    ]
    per_day = lunches / (facilities * len(open_days))
    terms_cache: dict[tuple, tuple] = {}

    def amounts(facility, birth, meal_date, same_village, is_tekun):
        age = full_years(birth, meal_date)
        band = 80 if age >= 80 else 60
        key = (band, is_tekun, facility.setting, facility.operator_kind, same_village, facility.lunch_price)
        if key not in terms_cache:
            sample_birth = dt.date(YEAR - band - 1, 1, 1)
            data = lunch_terms(
                birth_date=sample_birth,
                meal_date=dt.date(YEAR, 6, 1),
                gaoqing_hukou=True,
                tekun=is_tekun,
                facility=FacilityTerms(facility.kind, facility.setting, facility.operator_kind, same_village),
                price=facility.lunch_price,
            ).data
            assert data["eligible"], data
            terms_cache[key] = (
                data["free"],
                data["subsidy"]["city"],
                data["subsidy"]["county"],
                data["operator_discount"],
                data["care_fund"],
                data["elder_pays"],
                data["unfunded"],
            )
        return age, terms_cache[key]

    def rows():
        carry = 0.0
        for meal_date in open_days:
            recorded = dt.datetime.combine(meal_date, dt.time(3, 30), tzinfo=dt.UTC)
            for f_index, facility in enumerate(facility_list):
                carry += per_day
                count = int(carry)
                carry -= count
                for elder_pk, birth, division_id, is_tekun in rng.sample(
                    members[f_index], min(count, len(members[f_index]))
                ):
                    if full_years(birth, meal_date) < 60:
                        continue
                    age, (free, city, county_amount, discount, care, pays, unfunded) = amounts(
                        facility, birth, meal_date, division_id == facility.division_id, is_tekun
                    )
                    yield (
                        facility.pk,
                        elder_pk,
                        "",
                        meal_date,
                        recorded,
                        recorder.pk,
                        "accepted",
                        "",
                        "",
                        age,
                        is_tekun,
                        free,
                        facility.lunch_price,
                        city,
                        county_amount,
                        discount,
                        care,
                        pays,
                        unfunded,
                        "[]",
                        "[]",
                        "",
                    )

    started = time.perf_counter()
    written = 0
    table = Lunch._meta.db_table
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "PRAGMA synchronous = OFF"
            )  # a generator's bulk load; the service path keeps the default
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(LUNCH_COLUMNS)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
                    written += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(LUNCH_COLUMNS)}) VALUES ({', '.join(['%s'] * len(LUNCH_COLUMNS))})"
            batch = []
            for row in rows():
                batch.append(
                    (
                        *row[:3],
                        row[3].isoformat(),
                        row[4].isoformat(),
                        *row[5:12],
                        *(str(v) for v in row[12:19]),
                        *row[19:],
                    )
                )
                if len(batch) == 50000:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return {
        "setup_seconds": round(setup_seconds, 1),
        "lunch_seconds": round(time.perf_counter() - started, 1),
        "lunches": written,
        "elders": elders,
        "facilities": facilities,
        "distinct_terms": len(terms_cache),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elders", type=int, default=90000)
    parser.add_argument("--facilities", type=int, default=250)
    parser.add_argument("--lunches", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    print(json.dumps(build(elders=args.elders, facilities=args.facilities, lunches=args.lunches)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
