"""Issue 13, 高政办发〔2021〕2号: the obligations on the database (services, pages, hooks), each naming its clause."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhall.canteens.models import Facility, FundUseReport, Lunch, NoticeCheck, Settlement
from countyhall.canteens.policy import policy_impact, policy_locks
from countyhall.canteens.services.duties import fund_report_upload, notice_check_record
from countyhall.canteens.services.elders import tekun_status_add
from countyhall.canteens.services.evaluations import evaluation_record
from countyhall.canteens.services.lunches import lunch_check_in
from countyhall.canteens.services.prices import price_set
from countyhall.canteens.services.settlements import settlement_approve, settlement_compute
from countyhall.canteens.todos import todos
from countyhall.core.errors import ServiceError
from countyhall.core.models import PolicyChange
from countyhall.core.policy import governed
from countyhall.core.policy.governed import GovernedEntry
from countyhall.core.services.policy import policy_change_impact, policy_change_propose

pytestmark = pytest.mark.django_db
M = Decimal
D = dt.date


def check_in(world, key, day, **kwargs):
    elder = world["elders"][key]
    return lunch_check_in(
        actor=world["users"]["operator"],
        facility=world["facility"],
        identifier=elder.person.id_number,
        meal_date=day,
        **kwargs,
    ).lunch


@pytest.fixture
def admins(make_user):
    return make_user("admin_a", "system_admin"), make_user("admin_b", "system_admin")


def approve(*, key, value, valid_from, kind="reading", change_id=4242):
    """An approved change in force, as governed_refresh installs it after the second administrator's approval.
    (Installed directly: core.services.policy has its own tests of propose/approve; on PostgreSQL their audit
    action names are longer than AuditEntry.action allows — reported, not mine to change.)"""
    # On top of what is installed: the fixture's approved back-dating window (canteen.backdate_days) stays in force.
    governed.install(
        governed.current().with_entry(
            kind, key, GovernedEntry(valid_from=valid_from, value=value, change_id=change_id)
        )
    )
    return change_id


def unsaved_change(*, key, value, valid_from, kind="reading"):
    """A proposal as the impact preview sees it: the preview needs no saved row."""
    return PolicyChange(kind=kind, key=key, value=value, valid_from=valid_from, reason="测试：影响预览")


@pytest.fixture
def higher_meal(filed_world):
    price_set(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        price=M("6.00"),
        valid_from=D(2021, 9, 2),
        kind="higher",
        label="高标准套餐",
    )
    return filed_world


# 五、（一）2, L1221 (餐标4元) and L1249 (另行收费): stored lunch, counter page and settlement add up.
TEKUN_COUNTER_CASES = [
    # (elder, 特困 support, extra, price (served lunch), care fund, city, extra charge, elder pays in all)
    ("other_70", "dispersed", "", "4.00", "4.00", "0.00", "0.00", "0.00"),
    ("other_70", "dispersed", "高标准套餐", "4.00", "4.00", "0.00", "6.00", "6.00"),
    ("other_70", "centralised", "", "8.00", "0.00", "1.00", "0.00", "6.00"),  # L1219: 分散 only
    ("other_70", "centralised", "高标准套餐", "8.00", "0.00", "1.00", "6.00", "12.00"),
    ("same_65", None, "高标准套餐", "8.00", "0.00", "1.00", "6.00", "11.00"),
]


@pytest.mark.parametrize(
    ("key", "support", "extra", "price", "care", "city", "charge", "pays"), TEKUN_COUNTER_CASES
)
def test_tekun_standard_and_separate_charge_at_the_counter(
    higher_meal, client, key, support, extra, price, care, city, charge, pays
):
    world = higher_meal
    if support:
        tekun_status_add(
            actor=world["users"]["town"],
            elder=world["elders"][key],
            source="青民救〔2021〕12号",
            valid_from=D(2021, 1, 1),
            support=support,
        )
    lunch = check_in(world, key, D(2022, 6, 1), extra_label=extra)
    assert (
        lunch.price,
        lunch.care_fund,
        lunch.city,
        lunch.extra_charge,
        lunch.elder_pays + lunch.extra_charge,
    ) == (M(price), M(care), M(city), M(charge), M(pays))
    assert (
        lunch.city
        + lunch.county
        + lunch.care_fund
        + lunch.operator_discount
        + lunch.elder_pays
        + lunch.unfunded
    ) == lunch.price
    assert lunch.extra_label == (extra if M(charge) else "")
    # The counter shows both: the standard meal's split and the separate charge.
    client.force_login(world["users"]["operator"])
    html = client.post(
        f"/canteens/facilities/{world['facility'].pk}/counter/",
        {
            "identifier": world["elders"][key].person.id_number,
            "meal_date": "2022-06-02",
            "extra_label": extra,
        },
    ).content.decode()
    assert "已登记" in html and "为什么是这个金额" in html
    assert ("特困人员午餐（餐标）" in html) is (support == "dispersed")
    assert ("另行收费：高标准套餐" in html) is bool(extra)


def test_unknown_extra_meal_is_a_message_not_a_lunch(higher_meal):
    with pytest.raises(ServiceError) as error:
        check_in(higher_meal, "same_65", D(2022, 6, 1), extra_label="海鲜套餐")
    assert error.value.field == "extra_label" and not Lunch.objects.exists()


def test_settlement_columns_add_up_to_what_was_served(higher_meal, client):
    # 五、（一）2, L1221 and L1249; 五、（三）1, L1281
    world = higher_meal
    tekun_status_add(
        actor=world["users"]["town"],
        elder=world["elders"]["other_70"],
        source="青民救〔2021〕12号",
        valid_from=D(2021, 1, 1),
        support="dispersed",
    )
    for day in (2, 3):
        check_in(world, "other_70", D(2022, 5, day), extra_label="高标准套餐")
        check_in(world, "same_65", D(2022, 5, day))
    settlement = settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    assert settlement.care_fund == M("8.00") and settlement.extra_charges == M("12.00")
    assert settlement.lunch_value == M("8.00") + M("16.00")  # 2 standard meals + 2 lunches at 8.00
    assert settlement.served_total == M("36.00")
    assert set(settlement.policy_basis["readings"]) >= {"A10", "A13"}
    assert settlement.policy_basis["readings"]["A13"] == ["adopted"]
    client.force_login(world["users"]["minzheng"])
    html = client.get(f"/canteens/settlements/{settlement.pk}/").content.decode()
    assert "供餐合计" in html and "¥36.00" in html and "另行收费" in html and "为什么是这个金额" in html
    assert "同一老人同一天在长者食堂多次就餐" in html  # A13's question, with the answer applied
    assert "A13" not in html.split("技术信息")[0]


# 六、（四）, L1376: two failed years in a row revoke, by evaluation year, whatever order they are entered in.
EVALUATION_ORDER_CASES = [
    # (entries in the order entered: (year, passed, evaluated on)), revoked, revoked on
    ([(2022, False, D(2022, 6, 1)), (2021, False, D(2022, 3, 1))], True, D(2022, 6, 1)),
    ([(2021, False, D(2022, 3, 1)), (2022, False, D(2022, 6, 1))], True, D(2022, 6, 1)),
    ([(2022, True, D(2022, 6, 1)), (2021, False, D(2022, 3, 1))], False, None),
    ([(2022, False, D(2022, 6, 1)), (2021, True, D(2022, 3, 1))], False, None),
]


@pytest.mark.parametrize(("entries", "revoked", "on"), EVALUATION_ORDER_CASES)
def test_two_failed_years_revoke_whatever_the_entry_order(filed_world, entries, revoked, on):
    world = filed_world
    for year, passed, evaluated_on in entries:
        evaluation_record(
            actor=world["users"]["minzheng"],
            facility=world["facility"],
            year=year,
            passed=passed,
            evaluator="淄博某评估中心",
            evaluated_on=evaluated_on,
        )
    facility = Facility.objects.get(pk=world["facility"].pk)
    assert (facility.status == Facility.Status.REVOKED) is revoked
    assert facility.revoked_on == on
    if revoked:
        assert "2021—2022年" in facility.revoke_reason


def test_lunch_keeps_the_answers_and_the_page_says_why(filed_world, client):
    # 五、（一）2, L1231 (A8) switched by an approved change: the lunch keeps the answer and the change.
    world = filed_world
    before = check_in(world, "same_80", D(2022, 5, 31))
    change_id = approve(key="A8", value="alternative", valid_from=D(2022, 6, 1))
    after = check_in(world, "same_80", D(2022, 6, 1))
    assert before.policy_basis["readings"]["A8"] == "adopted" and before.policy_basis["changes"] == []
    assert after.policy_basis["readings"]["A8"] == "alternative"
    assert after.policy_basis["changes"] == [change_id]
    assert (after.city, after.county, after.operator_discount) == (M("0.00"), M("0.00"), M("8.00"))
    client.force_login(world["users"]["minzheng"])
    html = client.get(f"/canteens/lunches/{after.pk}/").content.decode()
    assert "为什么是这个金额" in html and "另一种理解" in html and "由照护服务组织承担全部餐费" in html
    assert "市、县每餐助餐补贴是否照常计给运营方" in html and "经两位管理员审核的政策变更" in html


def test_locks_follow_the_latest_approved_settlement(filed_world, admins):
    world = filed_world
    check_in(world, "same_65", D(2022, 5, 2))
    assert policy_locks(kind="reading", key="A8") == []
    settlement = settlement_compute(
        actor=world["users"]["minzheng"], facility=world["facility"], year=2022, month=5
    )
    settlement_approve(actor=world["users"]["minzheng"], settlement=settlement)
    [lock] = policy_locks(kind="reading", key="A8")
    assert lock.through == D(2022, 5, 31) and "2022年5月" in lock.what
    assert policy_locks(kind="reading", key="B6") == []  # not a canteen key
    with pytest.raises(ServiceError) as error:
        policy_change_propose(
            actor=admins[0],
            kind="reading",
            key="A8",
            value="alternative",
            valid_from=D(2022, 5, 15),
            reason="测试：锁定期内",
        )
    assert error.value.field == "valid_from" and "2022年6月1日" in error.value.message
    assert lock.through < D(2022, 6, 1)  # a change from 2022-06-01 on is allowed


def test_impact_of_a8_moves_the_80_plus_lunches_from_the_budgets_to_the_operator(
    filed_world, admins, django_assert_max_num_queries
):
    world = filed_world
    for day in (1, 2, 3):
        for key in ("same_80", "same_65", "other_70"):
            check_in(world, key, D(2022, 6, day))
    change = unsaved_change(key="A8", value="alternative", valid_from=D(2022, 6, 2))
    with django_assert_max_num_queries(12):
        tables = policy_change_impact(change=change)
    budgets, towns = tables[0], tables[1]
    rows = {row[0]: row[1:] for row in budgets["rows"]}
    # Two 80+ lunches from 2022-06-02: 2 × (2.00 city, 1.00 county) move to the operator.
    # Per day: city 2 + 1 + 1, county 1 + 1 + 1, operator 5 + 1, elder 0 + 5 + 6.
    assert rows["市财政补贴"] == ["8.00", "4.00", "-4.00"]
    assert rows["县财政补贴"] == ["6.00", "4.00", "-2.00"]
    assert rows["运营方优惠"] == ["12.00", "18.00", "6.00"]
    assert rows["老人自付"] == ["22.00", "22.00", "0.00"]
    assert "6 人次" in budgets["note"]
    assert any(row[0] == "青城镇" and row[1] == "市财政补贴" for row in towns["rows"])
    assert (
        policy_impact(
            change=type("C", (), {"kind": "reading", "key": "B6", "valid_from": D(2022, 6, 1)})(),
            proposal=None,
        )
        == []
    )


def test_impact_of_a18_on_the_operating_subsidy(filed_world, admins):
    from countyhall.canteens.models import OperatingSubsidy

    world = filed_world
    OperatingSubsidy.objects.create(
        facility=world["facility"],
        year=2021,
        lunches=4500,
        evaluation_passed=True,
        eligible=True,
        amount=M("20000.00"),
        city=M("1000.00"),
        county=M("19000.00"),
    )
    Facility.objects.filter(pk=world["facility"].pk).update(service_start=D(2020, 1, 1))
    change = unsaved_change(key="A18", value="alternative", valid_from=D(2021, 9, 2))
    tables = policy_change_impact(change=change)
    [operating] = [t for t in tables if "运营补贴" in t["title"]]
    assert operating["rows"] == [
        ["2021", "青城镇", "青城镇乙村长者食堂", "1000.00 / 19000.00", "0.00 / 0.00", "-20000.00"]
    ]


def test_fund_use_report_is_a_tracked_duty(filed_world, client):
    # 四、（二）5, L1197–1199: 补贴资金单独设立账目，每年委托专业机构出具资金使用报告
    world = filed_world
    users = world["users"]
    titles = [t.label for t in todos(users["operator"])]
    assert any("年度资金使用报告" in t for t in titles)  # 2021 has ended without a report
    assert any("年度资金使用报告" in t.label for t in todos(users["minzheng"]))
    assert any("年度资金使用报告" in t.label for t in todos(users["town"]))
    with pytest.raises(ServiceError) as error:
        fund_report_upload(
            actor=users["operator"],
            facility=world["facility"],
            year=2021,
            agency="",
            report_date=D(2022, 3, 1),
            separate_account=True,
            file=SimpleUploadedFile("r.pdf", b"%PDF-1.4"),
        )
    assert error.value.field == "agency"
    report = fund_report_upload(
        actor=users["operator"],
        facility=world["facility"],
        year=2021,
        agency="淄博某会计师事务所",
        report_date=D(2022, 3, 1),
        separate_account=True,
        account_note="农商行 尾号1234",
        file=SimpleUploadedFile("r.pdf", b"%PDF-1.4"),
    )
    assert FundUseReport.objects.get().uploaded_by == users["operator"]
    assert not any("年度资金使用报告" in t.label for t in todos(users["operator"]))
    client.force_login(users["town"])
    html = client.get(f"/canteens/facilities/{world['facility'].pk}/").content.decode()
    assert "淄博某会计师事务所" in html and "单独设立账目" in html
    assert client.get(f"/canteens/fund-reports/{report.pk}/").status_code == 200
    listed = client.get("/canteens/facilities/?duty=fund_report").content.decode()
    assert "青城镇乙村长者食堂" not in listed


def test_five_public_is_a_checklist_the_town_verifies(filed_world, client):
    # 四、（二）4, L1179–1185: 消洗管理制度、配餐间管理规范、食品留样管理制度、安全应急预案、举报电话上墙
    world = filed_world
    users = world["users"]
    assert any("五公开" in t.label for t in todos(users["town"]))
    with pytest.raises(ServiceError):  # the operator does not verify itself
        notice_check_record(
            actor=users["operator"], facility=world["facility"], checked_on=D(2022, 6, 1), posted=[]
        )
    with pytest.raises(ServiceError) as error:
        notice_check_record(
            actor=users["town"], facility=world["facility"], checked_on=D(2022, 6, 1), posted=["消洗管理制度"]
        )
    assert error.value.field == "note"
    check = notice_check_record(
        actor=users["town"],
        facility=world["facility"],
        checked_on=D(2022, 6, 1),
        posted=["消洗管理制度", "配餐间管理规范", "食品留样管理制度", "安全应急预案"],
        note="举报电话未上墙，限一周内整改",
    )
    assert not check.all_posted and check.items["举报电话"] is False and check.verified_by == users["town"]
    assert any("五公开" in t.label and t.urgent for t in todos(users["operator"]))
    client.force_login(users["town"])
    response = client.post(
        f"/canteens/facilities/{world['facility'].pk}/notice-check/",
        {
            "checked_on": "2022-06-10",
            "posted": ["消洗管理制度", "配餐间管理规范", "食品留样管理制度", "安全应急预案", "举报电话"],
        },
    )
    assert response.status_code == 302
    assert NoticeCheck.objects.filter(all_posted=True).count() == 1
    assert not any("五公开" in t.label for t in todos(users["town"]))
    html = client.get(f"/canteens/facilities/{world['facility'].pk}/").content.decode()
    assert "全部上墙" in html and "举报电话" in html


def test_settlement_statuses_lock_only_when_approved(filed_world):
    check_in(filed_world, "same_65", D(2022, 5, 2))
    settlement_compute(
        actor=filed_world["users"]["minzheng"], facility=filed_world["facility"], year=2022, month=5
    )
    assert Settlement.objects.get().status == Settlement.Status.DRAFT
    assert policy_locks(kind="parameter", key="canteen.tekun.meal_standard") == []


def test_api_check_in_names_the_separately_charged_meal(higher_meal, client):
    # 五、（一）2, L1249: the API records the extra meal like the counter, and answers the stored answers
    world = higher_meal
    client.force_login(world["users"]["operator"])
    response = client.post(
        "/api/v1/canteens/lunches",
        {
            "facility": world["facility"].pk,
            "identifier": world["elders"]["same_65"].person.id_number,
            "meal_date": "2022-06-01",
            "extra_label": "高标准套餐",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["extra_charge"] == "6.00" and body["extra_label"] == "高标准套餐"
    assert body["policy_basis"]["readings"]["A10"] == "adopted"
    response = client.post(
        "/api/v1/canteens/lunches",
        {
            "facility": world["facility"].pk,
            "identifier": world["elders"]["other_70"].person.id_number,
            "meal_date": "2022-06-01",
            "extra_label": "不存在的套餐",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "extra_label"


def test_pages_read_their_figures_from_the_parameter_file(filed_world, client):
    # 五、（二）1–3, L1261–1275; 三、（一）L1015; 二、L981: no figure written into a template or a label
    from countyhall.core.policy.parameters import parameters_override

    client.force_login(filed_world["users"]["minzheng"])
    html = client.get("/canteens/subsidies/").content.decode()
    assert "达到4000、7000、10000人次的分别补助2万、3万、4万元" in html and "市级承担5%、县级95%" in html
    with parameters_override(
        {
            "canteen.operating_subsidy.canteen.tier_1_lunches": 5000,
            "canteen.eligibility.min_age": 65,
            "canteen.facility.min_area_m2": 160,
        }
    ):
        assert "达到5000、7000" in client.get("/canteens/subsidies/").content.decode()
        assert "未满65周岁" in client.get("/canteens/elders/").content.decode()
        assert "不少于160平方米" in client.get("/canteens/facilities/new/").content.decode()


def test_why_names_each_clause_once():
    """Walk (issue 13): the lunch page listed 五、（一）1 and 五、（一）2 twice each, one per line of the clause."""
    from countyhall.canteens.why import why

    doc = "高政办发〔2021〕2号"
    citations = [
        {"document": doc, "clause": "五、（一）1", "line": 1213},
        {"document": doc, "clause": "二、", "line": 1190},
        {"document": doc, "clause": "五、（一）1", "line": 1211},
        {"document": doc, "clause": "五、（一）2", "line": 1220},
        {"document": doc, "clause": "五、（一）2", "line": 1222},
    ]
    shown = why(citations=citations, basis=None)["citations"]
    assert [(c["clause"], c["line"]) for c in shown] == [
        ("二、", 1190),
        ("五、（一）1", 1211),
        ("五、（一）2", 1220),
    ]


@pytest.mark.parametrize(
    "name, content, rule",
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "扩展名与内容不符"),  # a renamed program
        ("report.pdf", b"<html><script>alert(1)</script>", "扩展名与内容不符"),
        ("report.xlsx", b"%PDF-1.4", "扩展名与内容不符"),
        ("report.png", b"", "空的"),
        ("report.exe", b"MZ\x90\x00", "PDF、图片"),
    ],
)
def test_a_fund_report_file_is_what_its_name_says(filed_world, name, content, rule):
    """Only the name's suffix was checked: a program renamed report.pdf was stored and offered for download."""
    with pytest.raises(ServiceError) as error:
        fund_report_upload(
            actor=filed_world["users"]["operator"],
            facility=filed_world["facility"],
            year=2021,
            agency="淄博某会计师事务所",
            report_date=D(2022, 3, 1),
            separate_account=True,
            file=SimpleUploadedFile(name, content),
        )
    assert error.value.field == "file" and rule in error.value.message
    assert not FundUseReport.objects.exists()


def test_a_fund_report_of_a_word_package_is_accepted(filed_world):
    report = fund_report_upload(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        year=2021,
        agency="淄博某会计师事务所",
        report_date=D(2022, 3, 1),
        separate_account=True,
        file=SimpleUploadedFile("报告.docx", b"PK\x03\x04" + b"\x00" * 30),
    )
    assert report.pk


def test_another_town_or_operator_cannot_record_duties(filed_world, make_user, client):
    from countyhall.core.access import AccessDenied

    other_town = make_user("town-tz", "town_officer", "tianzhen")
    other_operator = make_user("op-tz", "canteen_operator", "village_a")
    facility = filed_world["facility"]
    with pytest.raises(AccessDenied):
        notice_check_record(
            actor=other_town, facility=facility, checked_on=D(2022, 6, 1), posted=[], note="未上墙"
        )
    for actor in (other_town, other_operator):
        with pytest.raises(AccessDenied):
            fund_report_upload(
                actor=actor,
                facility=facility,
                year=2021,
                agency="淄博某会计师事务所",
                report_date=D(2022, 3, 1),
                separate_account=True,
                file=SimpleUploadedFile("r.pdf", b"%PDF-1.4"),
            )
        client.force_login(actor)
        response = client.post(
            f"/canteens/facilities/{facility.pk}/notice-check/",
            {"checked_on": "2022-06-10", "posted": ["举报电话"], "note": "伪造的核查"},
        )
        assert response.status_code in (403, 404)
    assert not NoticeCheck.objects.exists() and not FundUseReport.objects.exists()


def test_a_queued_higher_standard_meal_keeps_its_charge_in_a_batch(higher_meal, client):
    """The batch items had no extra_label: a terminal's queued 高标准套餐 was silently recorded as a standard,
    subsidised lunch."""
    world = higher_meal
    client.force_login(world["users"]["operator"])
    response = client.post(
        "/api/v1/canteens/lunches/batch",
        {
            "facility": world["facility"].pk,
            "lunches": [
                {
                    "identifier": world["elders"]["same_65"].person.id_number,
                    "meal_date": "2022-06-01",
                    "extra_label": "高标准套餐",
                    "idempotency_key": "q-1",
                }
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    lunch = response.json()["results"][0]["lunch"]
    assert lunch["extra_charge"] == "6.00" and lunch["extra_label"] == "高标准套餐"


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/canteens/lunches", {"support": "centralised"}, "support"),
        ("/api/v1/canteens/lunches", {"tekun": True}, "tekun"),
        ("/api/v1/canteens/lunches", {"city": "100.00"}, "city"),
        ("/api/v1/canteens/lunches/batch", {"lunches": [{"free": True}]}, "lunches[0].free"),
        ("/api/v1/canteens/lunches/batch", {"elder_pays": "0.00"}, "elder_pays"),
    ],
)
def test_a_check_in_refuses_what_the_server_decides(higher_meal, client, path, body, field):
    """Fields a terminal sent about the subsidy or the 特困 support kind were ignored without a word."""
    world = higher_meal
    client.force_login(world["users"]["operator"])
    item = {"identifier": world["elders"]["same_65"].person.id_number, "meal_date": "2022-06-01"}
    if path.endswith("batch"):
        payload = (
            {"facility": world["facility"].pk, "lunches": [{**item, **body["lunches"][0]}]}
            if "lunches" in body
            else {"facility": world["facility"].pk, "lunches": [item], **body}
        )
    else:
        payload = {"facility": world["facility"].pk, **item, **body}
    response = client.post(path, payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field and "由系统" in response.json()["error"]["message"]
    assert not Lunch.objects.exists()


def test_a_fund_report_with_a_very_long_file_name_is_stored(filed_world):
    """Attack: a 300-character file name (the FileField holds 100 with its folder) failed the save with a 500."""
    report = fund_report_upload(
        actor=filed_world["users"]["operator"],
        facility=filed_world["facility"],
        year=2021,
        agency="淄博某会计师事务所",
        report_date=D(2022, 3, 1),
        separate_account=True,
        file=SimpleUploadedFile("报" * 300 + ".pdf", b"%PDF-1.4 body"),
    )
    assert report.file.name.endswith(".pdf") and len(report.file.name) <= 100


@pytest.mark.parametrize("report_date", [D(1900, 1, 1), D(2020, 12, 31)])
def test_a_fund_report_dated_before_its_year_names_the_date(filed_world, report_date):
    """Attack: the 2021 report of a professional agency dated 1900 (or in 2020, before the year it reports on
    began) was accepted."""
    with pytest.raises(ServiceError) as error:
        fund_report_upload(
            actor=filed_world["users"]["operator"],
            facility=filed_world["facility"],
            year=2021,
            agency="淄博某会计师事务所",
            report_date=report_date,
            separate_account=True,
            file=SimpleUploadedFile("r.pdf", b"%PDF-1.4"),
        )
    assert error.value.field == "report_date"
    assert not FundUseReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_one_year_at_once_keep_one_report(filed_world, make_user):
    """Attack (PostgreSQL): the operator and the town uploading the same year's report at the same moment both
    passed the "already uploaded" check; the second failed the database's one-per-year constraint with a 500.
    Now the second gets the "already uploaded" message and its file is not left behind."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the two writers itself")
    from tests.concurrency import run_concurrently

    actors = filed_world["users"]["operator"], filed_world["users"]["town"]
    results = run_concurrently(
        2,
        lambda i: fund_report_upload(
            actor=actors[i],
            facility=filed_world["facility"],
            year=2021,
            agency="淄博某会计师事务所",
            report_date=D(2022, 3, 1),
            separate_account=True,
            file=SimpleUploadedFile(f"r{i}.pdf", b"%PDF-1.4"),
        ),
    )
    outcomes = sorted(
        r.field if isinstance(r, ServiceError) else repr(r) if isinstance(r, Exception) else "ok"
        for r in results
    )
    assert outcomes == ["ok", "year"]
    assert FundUseReport.objects.count() == 1


def test_a_lunch_amount_change_starts_after_the_last_recorded_lunch_and_its_preview_is_an_estimate(
    filed_world, admins
):
    """attack13: the preview recomputed recorded lunches under the proposal, the approval did not (each lunch's
    amounts were charged at the counter). A change of what a lunch costs now starts after the last recorded lunch,
    and its preview recomputes the 30 days before its start as if it had applied: an estimate, said so."""
    world = filed_world
    for day in (1, 2, 3):
        for key in ("same_80", "same_65", "other_70"):
            check_in(world, key, D(2022, 6, day))
    with pytest.raises(ServiceError) as refused:
        policy_change_propose(
            actor=admins[0],
            kind="reading",
            key="A8",
            value="alternative",
            valid_from=D(2022, 6, 2),
            reason="测试：追溯到已登记的午餐",
        )
    assert refused.value.field == "valid_from" and "2022年6月4日" in refused.value.message
    change = unsaved_change(key="A8", value="alternative", valid_from=D(2022, 6, 4))
    budgets = policy_change_impact(change=change)[0]
    rows = {row[0]: row[1:] for row in budgets["rows"]}
    # All three days' 80+ lunches, as if A8's alternative had applied: 3 × (2.00 city, 1.00 county) to the operator.
    assert rows["市财政补贴"] == ["12.00", "6.00", "-6.00"]
    assert rows["县财政补贴"] == ["9.00", "6.00", "-3.00"]
    assert "不重新计算" in budgets["note"] and "估算" in budgets["note"] and "9 人次" in budgets["note"]
    assert Lunch.objects.filter(meal_date__gte=D(2022, 6, 1)).count() == 9  # nothing written by the preview
