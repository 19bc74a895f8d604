"""Issue 13: a case keeps the basis of the limits it took on (Case.policy_basis). Existing cases are backfilled from
what is on record: the approved per-stage figures in force on their application day (the changes and their start
days as the parameters' versions) and reading C3's answer when their clock started, marked "backfilled"."""

from django.db import migrations, models

SLUGS = {"立项用地规划许可": "land_use_planning", "工程建设许可": "works_permit", "施工许可": "construction_permit",
         "工程建设许可和施工许可": "works_and_construction", "竣工验收": "completion"}
FIGURES = ("working_days", "review_working_days")


def backfill(apps, schema_editor):
    Case = apps.get_model("permits", "Case")
    PolicyChange = apps.get_model("core", "PolicyChange")
    changes: dict[tuple[str, str], list[dict]] = {}
    for row in PolicyChange.objects.filter(state="approved").order_by("valid_from", "id").values(
            "id", "kind", "key", "value", "valid_from"):
        changes.setdefault((row["kind"], row["key"]), []).append(row)

    def latest(kind, key, on):
        found = None
        for row in changes.get((kind, key), []):
            if row["valid_from"] <= on:
                found = row
        return found

    for case in Case.objects.select_related("project").exclude(applied_on=None).iterator():
        basis = {"readings": {}, "changes": [], "parameters": {}, "backfilled": True}
        for figure in FIGURES:
            key = f"permit.stage_limit.{case.project.category}.{SLUGS.get(case.stage, '')}.{figure}"
            row = latest("parameter", key, case.applied_on)
            if row is not None:
                basis["parameters"][key] = row["valid_from"].isoformat()
                basis["changes"].append(row["id"])
        c3 = latest("reading", "C3", case.accepted_on or case.applied_on)
        basis["readings"]["C3"] = c3["value"] if c3 else "adopted"
        if c3 is not None:
            basis["changes"].append(c3["id"])
        basis["changes"] = sorted(set(basis["changes"]))
        Case.objects.filter(pk=case.pk).update(policy_basis=basis)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0007_policy_changes"),
        ("permits", "0011_stage_limit_figures_governed"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="policy_basis",
            field=models.JSONField(blank=True, default=dict, verbose_name="政策依据（解读与变更）"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
