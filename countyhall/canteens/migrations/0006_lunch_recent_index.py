"""The county's lunch list newest first: an index in its order (docs/benchmarks.md, "Pages at county scale")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("canteens", "0005_bench_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="lunch",
            index=models.Index(fields=["-meal_date", "-id"], name="lunch_recent"),
        ),
    ]
