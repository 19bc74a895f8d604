"""Issue 12 for the canteens: corrections that never erase, names instead of numbers, to-dos, notices,
confirmations, kind input checks."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from countyhall.canteens.models import ElderCorrection, Lunch, Settlement
from countyhall.canteens.services import elders as elder_services
from countyhall.canteens.services import settlements as settlement_services
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.todos import todos
from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.notifications import OutboxMessage
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 5, 10)


def _workbook(rows) -> bytes:
    book = Workbook()
    book.active.append([c[1] for c in elder_services.IMPORT_COLUMNS])
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Correct, never erase ------------------------------------------------------------------------


def test_elder_edit_keeps_old_values_in_the_history(canteen_world):
    town, elder = canteen_world["users"]["town"], canteen_world["elders"]["same_80"]
    elder_services.elder_update(
        actor=town,
        elder=elder,
        reason="户籍登记有误",
        name="赵一",
        division=canteen_world["natural_b"],
        gaoqing_hukou=False,
        phone="13912345678",
        card_number="C001",
    )
    elder.refresh_from_db()
    assert elder.gaoqing_hukou is False and elder.person.phone == "13912345678"
    [correction] = ElderCorrection.objects.filter(elder=elder)
    assert correction.reason == "户籍登记有误"
    assert ["高青县户籍", "是", "否"] in correction.changes and [
        "联系电话",
        "",
        "13912345678",
    ] in correction.changes
    audit = AuditEntry.objects.filter(object_type="canteens.Elder", object_id=str(elder.pk)).latest("id")
    assert "13912345678" not in str(audit.after) and "户籍登记有误" in audit.note


def test_elder_edit_needs_a_reason_and_a_change(canteen_world):
    town, elder = canteen_world["users"]["town"], canteen_world["elders"]["same_80"]
    fields = dict(name="赵一", division=canteen_world["natural_b"], gaoqing_hukou=True, card_number="C001")
    with pytest.raises(ServiceError) as caught:
        elder_services.elder_update(actor=town, elder=elder, reason=" ", **fields)
    assert caught.value.field == "reason"
    with pytest.raises(ServiceError, match="没有修改"):
        elder_services.elder_update(actor=town, elder=elder, reason="核对", **fields)
    with pytest.raises(ServiceError) as caught:
        elder_services.elder_update(actor=town, elder=elder, reason="核对", **{**fields, "phone": "12345"})
    assert caught.value.field == "phone"


def test_other_town_cannot_edit_or_undo(canteen_world, make_user):
    other = make_user("town-x", "town_officer", "tianzhen")
    elder = canteen_world["elders"]["same_80"]
    with pytest.raises(AccessDenied):
        elder_services.elder_update(
            actor=other,
            elder=elder,
            reason="x",
            name="赵一",
            division=elder.person.division,
            gaoqing_hukou=True,
        )
    elder_services.elder_mark_left(
        actor=canteen_world["users"]["town"], elder=elder, died_on=dt.date(2022, 3, 1)
    )
    with pytest.raises(AccessDenied):
        elder_services.elder_left_undo(actor=other, elder=elder, what="death", reason="x")


def test_undo_a_death_recorded_by_mistake(filed_world):
    town, elder = filed_world["users"]["town"], filed_world["elders"]["same_65"]
    elder_services.elder_mark_left(actor=town, elder=elder, died_on=dt.date(2022, 5, 1), reason="村委会告知")
    refused = lunch_check_in(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        identifier=elder.person.id_number,
        meal_date=DAY,
    ).lunch
    assert refused.reason_code == "deceased"
    elder_services.elder_left_undo(actor=town, elder=elder, what="death", reason="误报，老人健在")
    elder.refresh_from_db()
    assert elder.died_on is None
    kinds = list(ElderCorrection.objects.filter(elder=elder).values_list("kind", flat=True))
    assert sorted(kinds) == ["mark_left", "undo_death"]  # both the entry and its undoing stay
    with pytest.raises(ServiceError, match="无需撤销"):
        elder_services.elder_left_undo(actor=town, elder=elder, what="death", reason="再次")
    accepted = lunch_check_in(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        identifier=elder.person.id_number,
        meal_date=DAY + dt.timedelta(days=1),
    ).lunch
    assert accepted.status == "accepted"


def _closed_settlement(world, settings, status="draft"):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    lunch_check_in(
        actor=world["users"]["operator"], facility=world["facility"], identifier="C001", meal_date=DAY
    )
    settlement = settlement_services.settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    if status == "civil_affairs_approved":
        settlement = settlement_services.settlement_approve(
            actor=world["users"]["minzheng"], settlement=settlement
        )
    return settlement


def _inbox(organisation):
    return list(
        OutboxMessage.objects.filter(channel="in_app", organisation=organisation).values_list(
            "subject", "body"
        )
    )


def test_send_back_tells_the_operator_and_resubmit_tells_minzheng(filed_world, settings):
    users = filed_world["users"]
    settlement = _closed_settlement(filed_world, settings, "civil_affairs_approved")
    # 民政's approval told the operator and 财政.
    assert any("通过民政局审核" in s for s, _ in _inbox(filed_world["operator_org"]))
    assert any("待审定" in s for s, _ in _inbox(users["caizheng"].organisation))
    with pytest.raises(ServiceError) as caught:
        settlement_services.settlement_send_back(actor=users["caizheng"], settlement=settlement, reason="")
    assert caught.value.field == "reason"
    settlement = settlement_services.settlement_send_back(
        actor=users["caizheng"], settlement=settlement, reason="5月10日人次与纸质台账不符"
    )
    assert settlement.status == "draft" and settlement.awaiting_operator
    assert any("已退回" in s and "人次与纸质台账不符" in b for s, b in _inbox(filed_world["operator_org"]))
    assert any("财政局退回" in s for s, _ in _inbox(users["minzheng"].organisation))
    # The operator's to-do, then its answer.
    assert any("被退回" in t.label for t in todos(users["operator"]))
    with pytest.raises(AccessDenied):
        settlement_services.settlement_resubmit(actor=users["caizheng"], settlement=settlement)
    settlement_services.settlement_resubmit(actor=users["operator"], settlement=settlement, note="已核对")
    assert not any("被退回" in t.label for t in todos(users["operator"]))
    assert any("重新提交" in s for s, _ in _inbox(users["minzheng"].organisation))


def test_a_locked_settlement_cannot_be_sent_back(filed_world, settings):
    users = filed_world["users"]
    settlement = _closed_settlement(filed_world, settings, "civil_affairs_approved")
    settlement = settlement_services.settlement_approve(actor=users["caizheng"], settlement=settlement)
    assert settlement.locked
    assert any("已审定" in s for s, _ in _inbox(filed_world["operator_org"]))
    with pytest.raises(ServiceError, match="已锁定"):
        settlement_services.settlement_send_back(
            actor=users["caizheng"], settlement=settlement, reason="晚了"
        )


def test_other_canteens_operator_cannot_resubmit(filed_world, settings, make_user):
    from countyhall.core.models import Organisation

    users = filed_world["users"]
    settlement = _closed_settlement(filed_world, settings)
    settlement_services.settlement_send_back(
        actor=users["minzheng"], settlement=settlement, reason="人次有误"
    )
    stranger = make_user("op-x", "canteen_operator", "village_b")
    stranger.organisation = Organisation.objects.create(
        name="别家食堂", kind="enterprise", division=filed_world["village_b"]
    )
    stranger.save()
    with pytest.raises(AccessDenied):
        settlement_services.settlement_resubmit(actor=stranger, settlement=settlement)


def test_batch_approval_answers_each(filed_world, settings):
    users = filed_world["users"]
    good = _closed_settlement(filed_world, settings)
    running = Settlement.objects.create(facility=filed_world["facility"], year=2022, month=None)
    approved, refused = settlement_services.settlement_approve_many(
        actor=users["minzheng"], settlements=[good, running]
    )
    assert [s.pk for s in approved] == [good.pk]
    assert refused[0][0].pk == running.pk and "尚未结束" in refused[0][1]


# --- Input caught kindly ------------------------------------------------------------------------


def test_the_template_example_row_imports(canteen_world, county_tree):
    from countyhall.core.models import Division

    book = load_workbook(BytesIO(elder_services.elder_import_template()))
    example = [c.value for c in list(book.active.iter_rows(min_row=2, max_row=2))[0]]
    # The template's example lives in the demo county's 河口村; this test county names its village b.
    Division.objects.filter(pk=county_tree["natural_b"].pk).update(code=example[3])
    report = elder_services.elder_import(
        actor=canteen_world["users"]["minzheng"], content=_workbook([example])
    )
    assert report.errors == [] and report.created == 1


def test_hukou_only_yes_or_no_and_phone_format(canteen_world):
    code = canteen_world["natural_b"].code
    rows = [
        [valid_id("37032219440404088"), "郑八", "Y", code, "", "", "", "", ""],
        [valid_id("37032219440404099"), "郑九", "是", code, "", "1380000", "", "", ""],
    ]
    report = elder_services.elder_import(actor=canteen_world["users"]["town"], content=_workbook(rows))
    assert [(e.row, e.field) for e in report.errors] == [(2, "高青县户籍（是/否）"), (3, "联系电话")]


def test_all_or_nothing_lists_what_valid_only_would(canteen_world):
    code = canteen_world["natural_b"].code
    rows = [
        [valid_id("37032219440404011"), "郑甲", "是", code, "", "", "C001", "", ""],  # card of 赵一
        [valid_id("37032219440404022"), "郑乙", "Y", code, "", "", "", "", ""],
    ]
    strict = elder_services.elder_import(actor=canteen_world["users"]["town"], content=_workbook(rows))
    lenient = elder_services.elder_import(
        actor=canteen_world["users"]["town"], content=_workbook(rows), mode="valid_only"
    )
    assert (
        {(e.row, e.field) for e in strict.errors}
        == {(e.row, e.field) for e in lenient.errors}
        == {(2, "就餐卡号"), (3, "高青县户籍（是/否）")}
    )
    assert strict.created == 0


def test_under_60_is_flagged_not_refused(canteen_world):
    code = canteen_world["natural_b"].code
    rows = [[valid_id("37032219800404033"), "小郑", "是", code, "", "", "", "", ""]]
    report = elder_services.elder_import(actor=canteen_world["users"]["town"], content=_workbook(rows))
    assert report.created == 1 and "未满 60 周岁" in report.warnings[0].message


# --- To-dos -------------------------------------------------------------------------------------


def test_todos_per_role(filed_world, settings):
    users = filed_world["users"]
    _closed_settlement(filed_world, settings)
    labels = {t.label: t for t in todos(users["minzheng"])}
    assert labels["待民政局审核的助餐结算单"].count == 1
    assert labels["待民政局审核的助餐结算单"].url == "/canteens/settlements/?status=draft"
    assert all(t.menu == "canteens:dashboard" for t in labels.values())
    assert todos(users["caizheng"]) == []
    town = {t.label for t in todos(users["town"])}
    assert any("未满60周岁" in label for label in town)  # 李四, born 1970


def test_operator_todo_for_next_weeks_menu(filed_world, settings):
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    items = [t for t in todos(filed_world["users"]["operator"]) if "食谱" in t.label]
    assert items and items[0].deadline == dt.date(2022, 6, 19)
    assert todos(filed_world["users"]["operator"]) and all(
        "结算" not in t.label for t in todos(filed_world["users"]["operator"])
    )


def test_lunch_refusals_are_not_written_for_typos(filed_world):
    before = Lunch.objects.count()
    with pytest.raises(ServiceError):
        lunch_check_in(
            actor=filed_world["users"]["operator"],
            facility=filed_world["facility"],
            identifier=valid_id("37032219400101001")[:-1] + "0",
            meal_date=DAY,
        )
    assert Lunch.objects.count() == before


# --- Pages ---------------------------------------------------------------------------------------


def test_elder_list_filters_and_export_of_what_is_filtered(client, canteen_world):
    client.force_login(canteen_world["users"]["town"])
    html = client.get("/canteens/elders/", {"age": "80_plus"}).content.decode()
    assert "赵一" in html and "周五" in html and "钱二" not in html and "李四" not in html
    html = client.get("/canteens/elders/", {"hukou": "no"}).content.decode()
    assert "周五" in html and "赵一" not in html
    assert client.get("/canteens/elders/", {"age": "90s"}).status_code == 400
    export = client.get(
        "/canteens/elders/", {"age": "80_plus", "export": "xlsx", "cols": ["name", "village"]}
    )
    rows = list(load_workbook(BytesIO(export.getvalue())).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "村（社区）") and {r[0] for r in rows[1:]} == {"赵一", "周五"}
    read = AuditEntry.objects.filter(action="read", note__contains="助餐老人导出").get()
    assert read.after["count"] == 2


def test_elder_edit_page_answers_400_next_to_the_field(client, canteen_world):
    elder = canteen_world["elders"]["same_80"]
    client.force_login(canteen_world["users"]["town"])
    response = client.post(
        f"/canteens/elders/{elder.pk}/edit/",
        {
            "name": "赵一",
            "division": canteen_world["natural_b"].pk,
            "gaoqing_hukou": "是",
            "phone": "12",
            "card_number": "C001",
            "reason": "更正电话",
        },
    )
    assert response.status_code == 400 and "联系电话格式不正确" in response.content.decode()
    response = client.post(
        f"/canteens/elders/{elder.pk}/edit/",
        {
            "name": "赵一",
            "division": canteen_world["natural_b"].pk,
            "gaoqing_hukou": "是",
            "phone": "13912340000",
            "card_number": "C001",
            "reason": "更正电话",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "已修改" in html and "→ 13912340000" in html and "更正电话" in html


def test_recording_a_death_asks_first(client, canteen_world):
    elder = canteen_world["elders"]["same_80"]
    client.force_login(canteen_world["users"]["town"])
    asked = client.post(f"/canteens/elders/{elder.pk}/left/", {"died_on": "2022-06-01"})
    assert asked.status_code == 200 and "请确认" in asked.content.decode()
    elder.refresh_from_db()
    assert elder.died_on is None
    client.post(f"/canteens/elders/{elder.pk}/left/", {"died_on": "2022-06-01", "confirmed": "1"})
    elder.refresh_from_db()
    assert elder.died_on == dt.date(2022, 6, 1)


def test_another_towns_officer_cannot_open_or_edit_the_elder(client, canteen_world, make_user):
    elder = canteen_world["elders"]["same_80"]
    client.force_login(make_user("town-y", "town_officer", "tianzhen"))
    assert client.get(f"/canteens/elders/{elder.pk}/").status_code == 404
    assert client.post(f"/canteens/elders/{elder.pk}/edit/", {"reason": "x"}).status_code == 404


def test_send_back_from_the_page(client, filed_world, settings):
    settlement = _closed_settlement(filed_world, settings)
    client.force_login(filed_world["users"]["minzheng"])
    html = client.post(
        settlement.get_absolute_url(), {"action": "send_back", "reason": "缺5月12日登记"}, follow=True
    ).content.decode()
    assert "已退回" in html and "缺5月12日登记" in html
    client.force_login(filed_world["users"]["operator"])
    html = client.post(
        settlement.get_absolute_url(), {"action": "resubmit", "note": "已补录"}, follow=True
    ).content.decode()
    assert "已重新提交" in html


def test_revoking_a_facility_asks_first(client, filed_world):
    facility = filed_world["facility"]
    client.force_login(filed_world["users"]["minzheng"])
    asked = client.post(
        f"/canteens/facilities/{facility.pk}/filing/", {"action": "revoke", "note": "连续两年不合格"}
    )
    assert asked.status_code == 200 and "确认取消资质" in asked.content.decode()
    facility.refresh_from_db()
    assert facility.status == "filed"
    client.post(
        f"/canteens/facilities/{facility.pk}/filing/",
        {"action": "revoke", "note": "连续两年不合格", "confirmed": "1"},
    )
    facility.refresh_from_db()
    assert facility.status == "revoked"
