"""An index for the lunch lists of one facility, newest first (docs/benchmarks.md, "Pages at county scale")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("canteens", "0004_corrections_and_send_back")]

    operations = [
        migrations.AddIndex(
            model_name="lunch",
            index=models.Index(fields=["facility", "-meal_date", "-id"], name="lunch_facility_recent"),
        ),
    ]
