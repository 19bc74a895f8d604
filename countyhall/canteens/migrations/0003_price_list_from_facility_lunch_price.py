"""Each facility's registered lunch price becomes the first entry of its price list.

The entry starts on the earliest day the facility could have served a lunch (its service start, its filing,
its registration, or its earliest recorded lunch), so a lunch entered late for any of those days finds it.
"""

from django.db import migrations
from django.db.models import Min


def forwards(apps, schema_editor):
    Facility = apps.get_model("canteens", "Facility")
    PriceListEntry = apps.get_model("canteens", "PriceListEntry")
    Lunch = apps.get_model("canteens", "Lunch")
    for facility in Facility.objects.all():
        if facility.lunch_price is None or facility.lunch_price <= 0:
            continue  # no price to carry over: the operator enters one; until then check-ins are refused
        if PriceListEntry.objects.filter(facility_id=facility.pk, kind="lunch").exists():
            continue
        dates = [d for d in (facility.service_start, facility.filed_on, facility.created_at.date(),
                             Lunch.objects.filter(facility_id=facility.pk).aggregate(m=Min("meal_date"))["m"])
                 if d is not None]
        PriceListEntry.objects.create(facility_id=facility.pk, kind="lunch", label="", price=facility.lunch_price,
                                      valid_from=min(dates), note="由机构登记的午餐价格迁移",
                                      created_by_label="migration:0003")


class Migration(migrations.Migration):
    dependencies = [("canteens", "0002_money_price_list_terminals_late_entries")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
