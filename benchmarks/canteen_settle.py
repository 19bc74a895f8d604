"""Settle a generated year two ways and compare: set-based (the service) and a per-lunch reference.

    DATABASE_URL=... python -m benchmarks.canteen_settle --mode set|reference

`set` runs settlement_compute_all (one grouped query). `reference` walks every accepted lunch in
Python, recomputes its amounts with the rule (canteen.rules.lunch_terms) from the elder's birth
date, 户籍, 特困 status and the facility's terms, and sums per facility; it then checks its totals
against the stored settlements to the fen and that every stored lunch amount equals the rule's.
Each mode prints one JSON line with its wall time and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from collections import defaultdict
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhall.config.settings.local")
YEAR = 2022
FIELDS = ["city", "county", "care_fund", "operator_discount", "elder_paid", "unfunded"]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_set() -> dict:
    from countyhall.canteens.services.settlements import settlement_compute_all

    started = time.perf_counter()
    settlements = settlement_compute_all(actor="benchmark", year=YEAR)
    seconds = time.perf_counter() - started
    return {
        "mode": "set",
        "seconds": round(seconds, 2),
        "facilities": len(settlements),
        "lunches": sum(s.lunches for s in settlements),
        "peak_rss_mb": peak_rss_mb(),
    }


def run_reference() -> dict:
    from countyhall.canteens.models import Elder, Facility, Lunch, Settlement, TekunStatus
    from countyhall.canteens.rules import FacilityTerms, lunch_terms
    from countyhall.core.models import Person

    started = time.perf_counter()
    facilities = {f.pk: f for f in Facility.objects.all()}
    people = {row[0]: row[1:] for row in Person.objects.values_list("elder__pk", "birth_date", "division_id")}
    hukou = dict(Elder.objects.values_list("pk", "gaoqing_hukou"))
    tekun = defaultdict(list)
    for elder_id, start, end in TekunStatus.objects.values_list("elder_id", "valid_from", "valid_to"):
        tekun[elder_id].append((start, end or dt.date.max))
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(FIELDS, Decimal("0.00")))
    counts: dict[int, int] = defaultdict(int)
    mismatched = 0
    rows = (
        Lunch.objects.filter(status="accepted", meal_date__year=YEAR)
        .values_list("facility_id", "elder_id", "meal_date", "price", "city", "county")
        .iterator(chunk_size=20000)
    )
    for facility_id, elder_id, meal_date, price, stored_city, stored_county in rows:
        facility = facilities[facility_id]
        birth, residence = people[elder_id]
        is_tekun = any(start <= meal_date <= end for start, end in tekun.get(elder_id, ()))
        data = lunch_terms(
            birth_date=birth,
            meal_date=meal_date,
            gaoqing_hukou=hukou[elder_id],
            tekun=is_tekun,
            facility=FacilityTerms(
                facility.kind, facility.setting, facility.operator_kind, residence == facility.division_id
            ),
            price=price,
        ).data
        total = totals[facility_id]
        total["city"] += data["subsidy"]["city"]
        total["county"] += data["subsidy"]["county"]
        total["care_fund"] += data["care_fund"]
        total["operator_discount"] += data["operator_discount"]
        total["elder_paid"] += data["elder_pays"]
        total["unfunded"] += data["unfunded"]
        counts[facility_id] += 1
        if (data["subsidy"]["city"], data["subsidy"]["county"]) != (stored_city, stored_county):
            mismatched += 1
    seconds = time.perf_counter() - started
    differences = []
    for settlement in Settlement.objects.filter(year=YEAR, month__isnull=True):
        expected = totals.get(settlement.facility_id, dict.fromkeys(FIELDS, Decimal("0.00")))
        for field in FIELDS:
            if getattr(settlement, field) != expected[field]:
                differences.append(
                    (settlement.facility_id, field, str(getattr(settlement, field)), str(expected[field]))
                )
        if settlement.lunches != counts.get(settlement.facility_id, 0):
            differences.append(
                (settlement.facility_id, "lunches", settlement.lunches, counts.get(settlement.facility_id))
            )
    grand = {field: str(sum((t[field] for t in totals.values()), Decimal("0.00"))) for field in FIELDS}
    return {
        "mode": "reference",
        "seconds": round(seconds, 2),
        "lunches": sum(counts.values()),
        "peak_rss_mb": peak_rss_mb(),
        "totals": grand,
        "differences_from_set_based": differences[:10],
        "lunches_whose_stored_amounts_differ_from_the_rule": mismatched,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["set", "reference"], required=True)
    args = parser.parse_args(argv)
    import django

    django.setup()
    result = run_set() if args.mode == "set" else run_reference()
    print(json.dumps(result, ensure_ascii=False))
    if args.mode == "reference" and (
        result["differences_from_set_based"] or result["lunches_whose_stored_amounts_differ_from_the_rule"]
    ):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
