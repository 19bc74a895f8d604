"""The stage limits' columns go: the figures are governed (0010 recorded them). Backwards the columns come back
filled with the latest approved figure of each stage (1 working day where none was ever entered)."""

from django.db import migrations, models

SLUGS = {"立项用地规划许可": "land_use_planning", "工程建设许可": "works_permit", "施工许可": "construction_permit",
         "工程建设许可和施工许可": "works_and_construction", "竣工验收": "completion"}


def refill(apps, schema_editor):
    StageLimit = apps.get_model("permits", "StageLimit")
    PolicyChange = apps.get_model("core", "PolicyChange")
    for limit in StageLimit.objects.all():
        for figure in ("working_days", "review_working_days"):
            latest = (PolicyChange.objects.filter(
                state="approved", key=f"permit.stage_limit.{limit.category}.{SLUGS.get(limit.stage, '')}.{figure}")
                .order_by("-valid_from", "-id").first())
            setattr(limit, figure, latest.value if latest else (1 if figure == "working_days" else None))
        limit.save()


class Migration(migrations.Migration):

    dependencies = [
        ("permits", "0010_stage_limits_governed"),
    ]

    operations = [
        migrations.AlterField(model_name="stagelimit", name="working_days",
                              field=models.PositiveIntegerField("阶段时限（工作日）", null=True)),
        migrations.RunPython(migrations.RunPython.noop, refill),
        migrations.RemoveField(model_name="stagelimit", name="review_working_days"),
        migrations.RemoveField(model_name="stagelimit", name="working_days"),
    ]
