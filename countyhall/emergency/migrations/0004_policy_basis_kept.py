"""Issue 13: a report deadline keeps what its time and recipients were computed under (ReportDeadline.policy_basis).
Existing deadlines are backfilled from what is on record: reading E2's answer (the written reports' recipients) in
force on the accident's day, with its approved change; the parameters' versions were not kept then, so the key is
left out ("not recorded") and the row marked "backfilled"."""

import zoneinfo

from django.db import migrations, models

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def backfill(apps, schema_editor):
    ReportDeadline = apps.get_model("emergency", "ReportDeadline")
    PolicyChange = apps.get_model("core", "PolicyChange")
    e2 = list(PolicyChange.objects.filter(state="approved", kind="reading", key="E2").order_by("valid_from", "id")
              .values("id", "value", "valid_from"))
    for deadline in ReportDeadline.objects.select_related("incident").iterator():
        basis = {"readings": {}, "changes": [], "backfilled": True}
        if not deadline.kind.startswith("verify_"):
            day = deadline.incident.occurred_at.astimezone(SHANGHAI).date()
            found = None
            for row in e2:
                if row["valid_from"] <= day:
                    found = row
            basis["readings"]["E2"] = found["value"] if found else "adopted"
            if found is not None:
                basis["changes"].append(found["id"])
        ReportDeadline.objects.filter(pk=deadline.pk).update(policy_basis=basis)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0007_policy_changes"),
        ("emergency", "0003_casualty_figures_policy_basis"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportdeadline",
            name="policy_basis",
            field=models.JSONField(blank=True, default=dict, verbose_name="政策依据（解读与变更）"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
