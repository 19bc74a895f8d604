"""The fraud checks' figures (LunchDay, ElderDayFlag) computed from the lunches already recorded.

Idempotent (the tables are emptied and recomputed), so backwards is a no-op and forwards again recomputes the same
rows. At county scale (10 million lunches) three grouped passes over the lunch table."""

from django.db import migrations


def backfill(apps, schema_editor):
    from countyhall.canteens.services.checks import checks_rebuild

    checks_rebuild(lunch_model=apps.get_model("canteens", "Lunch"), day_model=apps.get_model("canteens", "LunchDay"),
                   flag_model=apps.get_model("canteens", "ElderDayFlag"))


class Migration(migrations.Migration):
    dependencies = [("canteens", "0008_check_figures")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
