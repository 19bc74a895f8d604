"""补录期限 becomes a governed administered figure (canteen.backdate_days, decision 0010): the stored value in force
(the latest CanteenSetting row: it applied whatever the date) is recorded as an approved PolicyChange by the
system, from 2021-01-01, with a note that one person set it before four eyes — nothing stored is lost. The
CanteenSetting rows stay as the history of those settings."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

SYSTEM_USERNAME = "system-before-four-eyes"
NOTE = "四眼审核之前由一人设置，迁移时按原值记录为已批准（未经第二位管理员审核）"


def system_user(apps):
    User = apps.get_model("core", "User")
    user, _ = User.objects.get_or_create(username=SYSTEM_USERNAME, defaults={
        "display_name": "系统（四眼审核前的设置）", "is_active": False, "password": "!"})
    return user


def forward(apps, schema_editor):
    CanteenSetting = apps.get_model("canteens", "CanteenSetting")
    PolicyChange = apps.get_model("core", "PolicyChange")
    row = CanteenSetting.objects.filter(key="backdate_days").order_by("-set_at", "-id").first()
    if row is None:
        return  # never set: the platform's default (3 days) stays in force until an administrator enters one
    system = system_user(apps)
    setter = row.set_by_label or "（未记录）"
    PolicyChange.objects.create(
        kind="parameter", key="canteen.backdate_days", value=row.value, valid_from=dt.date(2021, 1, 1),
        reason=(row.reason or f"补录期限设为 {row.value} 天")[:200], basis="助餐平台设置（迁移）",
        state="approved", proposed_by_id=row.set_by_id or system.pk, proposed_at=row.set_at,
        decided_by=system, decided_at=timezone.now(),
        decision_note=f"{NOTE}；设置人：{setter}，设置时间：{timezone.localtime(row.set_at):%Y-%m-%d %H:%M}。")


def backward(apps, schema_editor):
    PolicyChange = apps.get_model("core", "PolicyChange")
    PolicyChange.objects.filter(key="canteen.backdate_days", decision_note__startswith=NOTE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("canteens", "0010_notice_check_citation"),
        ("core", "0010_job_access_stamp"),
    ]

    operations = [migrations.RunPython(forward, backward)]
