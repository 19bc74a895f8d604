"""Times in text are local (Asia/Shanghai); approvals and notes carry the pinned business date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from countyhall.core.clock import business_now, format_local, local
from countyhall.core.models import AuditEntry, OutboxMessage

BJ = ZoneInfo("Asia/Shanghai")
UTC_2006 = dt.datetime(2021, 12, 31, 20, 6, tzinfo=dt.UTC)  # 2022-01-01 04:06 in 高青


def test_format_local_writes_the_county_time():
    assert format_local(UTC_2006) == "2022年1月1日 04:06"  # the Chinese date the pages use
    assert format_local(UTC_2006, "%H:%M") == "04:06"
    assert local(UTC_2006).utcoffset() == dt.timedelta(hours=8)
    assert format_local(None) == ""
    # %-m/%-d are written out by format_local itself (glibc's strftime knows them, Windows' and musl's do not).
    assert format_local(UTC_2006, "%Y年%-m月%-d日 %H:%M:%S") == "2022年1月1日 04:06:00"


@pytest.mark.django_db
def test_a_notice_written_at_2006_utc_says_0406(county_tree, make_user):
    from countyhall.emergency.services import incident_report
    from tests.emergency.conftest import plant_setup

    plant = plant_setup(county_tree, make_user)
    incident = incident_report(
        actor=plant["users"]["huaneng"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=UTC_2006,
        place="输煤皮带栈桥",
        deaths=0,
        missing=0,
        injured=2,
        reported_at=UTC_2006 + dt.timedelta(minutes=4),
    )
    notices = OutboxMessage.objects.filter(source_id=str(incident.pk))
    assert notices.exists()
    for notice in notices:
        assert "2022年1月1日 04:06" in notice.body, notice.body
        assert "20:06" not in notice.body
    assert "04:06" in str(incident) and "20:06" not in str(incident)
    for deadline in incident.deadlines.all():
        assert str(deadline).endswith(format_local(deadline.due_at, "%H:%M"))


def test_business_now_is_the_pinned_date_at_the_real_local_time(settings):
    assert settings.BUSINESS_DATE == dt.date(2022, 6, 15)
    stamp = business_now()
    assert timezone.is_aware(stamp)
    assert timezone.localdate(stamp) == dt.date(2022, 6, 15)
    assert stamp.utcoffset() == dt.timedelta(hours=8)
    real = timezone.localtime()
    assert (
        abs(dt.datetime.combine(dt.date.min, stamp.time()) - dt.datetime.combine(dt.date.min, real.time()))
        < dt.timedelta(minutes=1)
        or real.hour == 0
    )


def test_business_now_without_a_pinned_date_is_now(settings):
    settings.BUSINESS_DATE = None
    assert abs(business_now() - timezone.now()) < dt.timedelta(seconds=5)


@pytest.mark.django_db
def test_heating_claim_approval_is_dated_on_the_business_date(county_tree, make_user):
    from countyhall.heating.services import claim_approve, claims_build, entitlements_compute
    from tests.heating.test_ledger import ledger

    world = ledger.__wrapped__(county_tree, make_user)
    entitlements_compute(actor=world["officer"], period="2021")
    claim = claims_build(actor=world["officer"], period="2021")[0]
    claim = claim_approve(actor=world["finance"], claim=claim)
    claim.refresh_from_db()
    assert timezone.localdate(claim.approved_at) == dt.date(2022, 6, 15)
    # The audit row keeps the real clock (decision 0004).
    entry = AuditEntry.objects.filter(object_type="heating.Claim", object_id=str(claim.pk)).latest("at")
    assert timezone.localdate(entry.at) == timezone.localdate()


@pytest.mark.django_db
def test_permit_note_is_dated_on_the_business_date(county_tree, make_user):
    from countyhall.permits.services import case_note_add, permit_stage_submit
    from tests.permits.conftest import world as permit_world

    world = permit_world.__wrapped__(county_tree, make_user)
    case = permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=dt.date(2021, 9, 1),
    )
    note = case_note_add(actor=world["users"]["approval"], case=case, text="请补正材料。")
    note.refresh_from_db()
    assert timezone.localdate(note.written_at) == dt.date(2022, 6, 15)


@pytest.mark.django_db
def test_settlement_approvals_are_dated_on_the_business_date(county_tree, make_user):
    from countyhall.canteens.services.lunches import lunch_check_in
    from countyhall.canteens.services.settlements import settlement_approve, settlement_compute
    from tests.canteens.conftest import canteen_world, filed_world

    world = filed_world.__wrapped__(canteen_world.__wrapped__(None, county_tree, make_user))
    lunch_check_in(
        actor=world["users"]["operator"],
        facility=world["facility"],
        identifier=world["elders"]["same_80"].person.id_number,
        meal_date=dt.date(2022, 5, 5),
    )
    settlement = settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    settlement = settlement_approve(actor=world["users"]["minzheng"], settlement=settlement)
    settlement = settlement_approve(actor=world["users"]["caizheng"], settlement=settlement)
    settlement.refresh_from_db()
    assert timezone.localdate(settlement.civil_affairs_at) == dt.date(2022, 6, 15)
    assert timezone.localdate(settlement.finance_at) == dt.date(2022, 6, 15)


def test_local_time_filter_is_county_time_whatever_the_active_zone():
    from django.template import Context, Template

    template = Template("{% load countyhall %}{{ t|local_time }}|{{ t|local_time:'%H:%M' }}")
    with timezone.override("UTC"):
        assert template.render(Context({"t": UTC_2006})) == "2022年1月1日 04:06|04:06"
