"""Per-stage limits become governed administered figures (permit.stage_limit.<category>.<stage>.working_days and
.review_working_days, decision 0010): each configured StageLimit's figures are recorded as approved PolicyChange
rows by the system, from 2021-08-09 (the day 3号's limits apply), with a note that one person set them before four
eyes — nothing stored is lost. Migration 0011 then drops the two columns; StageLimit keeps the description."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

SYSTEM_USERNAME = "system-before-four-eyes"
NOTE = "四眼审核之前由一人设置，迁移时按原值记录为已批准（未经第二位管理员审核）"
SLUGS = {"立项用地规划许可": "land_use_planning", "工程建设许可": "works_permit", "施工许可": "construction_permit",
         "工程建设许可和施工许可": "works_and_construction", "竣工验收": "completion"}
SINCE = dt.date(2021, 8, 9)


def system_user(apps):
    User = apps.get_model("core", "User")
    user, _ = User.objects.get_or_create(username=SYSTEM_USERNAME, defaults={
        "display_name": "系统（四眼审核前的设置）", "is_active": False, "password": "!"})
    return user


def forward(apps, schema_editor):
    StageLimit = apps.get_model("permits", "StageLimit")
    PolicyChange = apps.get_model("core", "PolicyChange")
    limits = list(StageLimit.objects.order_by("category", "stage"))
    if not limits:
        return
    system = system_user(apps)
    now = timezone.now()
    for limit in limits:
        if limit.stage not in SLUGS:
            continue
        for figure in ("working_days", "review_working_days"):
            value = getattr(limit, figure)
            if value is None:
                continue
            PolicyChange.objects.create(
                kind="parameter", key=f"permit.stage_limit.{limit.category}.{SLUGS[limit.stage]}.{figure}",
                value=value, valid_from=SINCE, reason=f"阶段时限配置（{limit.basis}）"[:200],
                basis=limit.basis[:200], state="approved", proposed_by=system, proposed_at=now, decided_by=system,
                decided_at=now, decision_note=NOTE)


def backward(apps, schema_editor):
    PolicyChange = apps.get_model("core", "PolicyChange")
    PolicyChange.objects.filter(key__startswith="permit.stage_limit.", decision_note=NOTE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("permits", "0009_elderly_care_steps_stage_merge"),
        ("core", "0008_person_name_trigram"),
    ]

    operations = [migrations.RunPython(forward, backward)]
