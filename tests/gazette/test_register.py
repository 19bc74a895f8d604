"""The gazette as a living register (issue 15), on this gazette: 2号's life in time and the figures its expiry
affects, an amendment of a heating ratio, 60号's review (the retained list of 18, the not-retained wording), and
5号 and 6号 as post memberships."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.gazette import register, selectors, services
from countyhall.gazette.models import Document, DocumentEvent, PostMembership

pytestmark = pytest.mark.django_db

CANTEENS = "高政办发〔2021〕2号"
HEATING = "高政办字〔2021〕37号"
# Eighteen 文号 as an administrator would copy them from the website's attachment (made up for the test: the
# attachment is not printed, R2); 2号 and 3号 of the office are on it, 1号 of the office is not.
RETAINED = [CANTEENS, "高政办发〔2021〕3号", "高政字〔2021〕35号", "高政发〔2021〕1号"] + [
    f"高政办发〔20{year}〕{serial}号" for year in (19, 20) for serial in range(11, 18)
]


@pytest.fixture
def admin(make_user):
    return make_user("register-admin", Role.SYSTEM_ADMIN)


def _document(number):
    return Document.objects.get(number=number)


# ---- life in time ----------------------------------------------------------------------------------------------


def test_2hao_events_are_derived_from_its_validity_sentence():
    events = {e.kind: e for e in _document(CANTEENS).events.all()}
    assert events["issued"].date == dt.date(2021, 8, 3)
    assert events["in_force"].date == dt.date(2021, 9, 2)
    assert events["expires"].date == dt.date(2023, 12, 31)
    assert events["expires"].cause_number == CANTEENS and events["expires"].cause_line == 1380  # L1380–1382
    assert all(e.origin == DocumentEvent.Origin.DERIVED for e in events.values())


@pytest.mark.parametrize(
    ("on", "code"),
    [
        (dt.date(2021, 8, 20), "not_yet"),  # issued 2021-08-03, in force from 2021-09-02
        (dt.date(2021, 9, 2), "in_force"),
        (dt.date(2023, 12, 31), "in_force"),  # the last day of its validity
        (dt.date(2024, 1, 1), "expired"),
    ],
)
def test_2hao_as_in_force_on_a_day(on, code):
    assert selectors.document_standing(_document(CANTEENS), on).code == code


def test_point_in_time_names_what_changed_later():
    point = selectors.document_as_of(_document(CANTEENS), dt.date(2022, 6, 15))
    assert point.standing.in_force and point.version.version == 1
    assert [e.kind for e in point.later] == ["expires"]


def test_2hao_expiry_lists_every_canteen_figure_and_open_item_from_2024():
    [(change, rows)] = selectors.document_affected(_document(CANTEENS))
    assert change["from"] == dt.date(2024, 1, 1)
    kinds = {r.kind for r in rows}
    assert {"参数", "代码引用", "在办事项"} <= kinds
    figures = {r.key for r in rows if r.kind == "参数"}
    assert {"canteen.subsidy.city_per_meal", "canteen.operating_subsidy.per_lunch"} & figures or len(
        figures
    ) >= 5
    assert all(r.program == "长者食堂" or r.program for r in rows)
    open_items = [r for r in rows if r.kind == "在办事项"]
    labels = " ".join(r.name for r in open_items)
    assert (
        "2024年1月1日起的午餐补贴" in labels
        and "2024年1月起的结算" in labels
        and "2024年度起的运营补贴" in labels
    )
    assert "1月1日起" in open_items[0].change
    # the canteen parameters only: 37号's heating figures are not 2号's
    assert not any(r.key.startswith("heating.") for r in rows)


def test_the_hooks_count_the_periods_from_the_day(county_tree):
    from countyhall.canteens.models import Facility, Settlement
    from countyhall.core.models import Organisation

    operator = Organisation.objects.create(
        name="测试运营方", kind="enterprise", division=county_tree["county"]
    )
    facility = Facility.objects.create(
        name="测试长者食堂", division=county_tree["village_b"], lunch_price="8.00", operator=operator
    )
    Settlement.objects.create(facility=facility, year=2023, month=12)
    Settlement.objects.create(facility=facility, year=2024, month=1)
    Settlement.objects.create(facility=facility, year=2024, month=2, status=Settlement.Status.LOCKED)
    from countyhall.canteens.policy import cited_open_items

    items = {i["key"]: i for i in cited_open_items(number=CANTEENS, from_date=dt.date(2024, 1, 1))}
    assert items["canteens.Settlement"]["count"] == 2
    assert "其中未锁定 1 份" in items["canteens.Settlement"]["label"]
    assert cited_open_items(number="高政字〔2021〕60号", from_date=dt.date(2024, 1, 1)) == []


def test_an_amendment_of_a_heating_ratio_reaches_that_clause_only(admin):
    event = services.event_record(
        actor=admin,
        number=HEATING,
        kind="amended",
        date=dt.date(2021, 11, 1),
        cause_number="高政办字〔2021〕99号",
        clauses=["四、（一）2"],
        note="壁挂炉分担比例调整",
    )
    assert (
        event.document == _document(HEATING) and event.cause is None
    )  # the amending document is not printed
    [(change, rows)] = selectors.document_affected(_document(HEATING))
    assert change["from"] == dt.date(2021, 11, 1) and change["clauses"] == ["四、（一）2"]
    keys = {r.key for r in rows if r.kind == "参数"}
    assert (
        "heating.gas_boiler.split" in keys and "heating.general.split" not in keys
    )  # 四、 is not 四、（一）2
    [item] = [r for r in rows if r.kind == "在办事项"]
    assert item.program == "清洁取暖" and "2021年11月1日起" in item.change
    assert AuditEntry.objects.filter(object_type="gazette.DocumentEvent", action="create").exists()
    # the amended clause shows as changed later when the document is read as on an earlier day
    point = selectors.document_as_of(_document(HEATING), dt.date(2021, 10, 1))
    assert "四、（一）2" in point.amended_clauses


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "issued"}, "kind"),  # derived from the text, not recorded
        ({"number": "不是文号"}, "number"),
        ({"cause_number": ""}, "cause_number"),
        ({"kind": "amended", "clauses": []}, "clauses"),
        ({"kind": "amended", "clauses": ["九、（九）"]}, "clauses"),
        ({"date": dt.date(2021, 1, 1)}, "date"),  # before the document's own date
        ({"cause_number": CANTEENS, "cause_line": 5}, "cause_line"),  # not a line of 2号
    ],
)
def test_event_record_refuses_bad_input_naming_the_field(admin, fields, field):
    data = {
        "number": CANTEENS,
        "kind": "repealed",
        "date": dt.date(2022, 1, 1),
        "cause_number": "高政字〔2022〕1号",
    }
    with pytest.raises(ServiceError) as refused:
        services.event_record(actor=admin, **{**data, **fields})
    assert refused.value.field == field
    assert not DocumentEvent.objects.filter(origin=DocumentEvent.Origin.ADMINISTERED).exists()


def test_a_repeal_ends_the_document_and_cites_its_cause(admin):
    services.event_record(
        actor=admin,
        number=CANTEENS,
        kind="repealed",
        date=dt.date(2023, 6, 1),
        cause_number="高政办发〔2021〕3号",
        cause_line=1500,
    )
    document = _document(CANTEENS)
    assert selectors.document_standing(document, dt.date(2023, 5, 31)).code == "in_force"
    standing = selectors.document_standing(document, dt.date(2023, 6, 1))
    assert standing.code == "repealed" and "2023年6月1日" in standing.label
    froms = sorted(c["from"] for c in selectors.document_changes(document))
    assert froms == [dt.date(2023, 6, 1), dt.date(2024, 1, 1)]


def test_only_the_register_keepers_record_events(make_user):
    officer = make_user("register-officer", Role.CIVIL_AFFAIRS)
    with pytest.raises(AccessDenied):
        services.event_record(
            actor=officer,
            number=CANTEENS,
            kind="repealed",
            date=dt.date(2023, 6, 1),
            cause_number="高政办发〔2021〕3号",
        )
    with pytest.raises(AccessDenied):
        services.retained_list_enter(actor=officer, text="\n".join(RETAINED))


def test_permission_table_agrees_with_the_predicate(make_user):
    from countyhall.gazette import access

    for role in Role.values:
        user = make_user(f"perm-{role}", role)
        for permission in access.PERMISSIONS:
            assert (permission.scope_for(role) is not None) == access.can_administer_register(user), (
                role,
                permission,
            )


# ---- 60号: the review of 2021 ------------------------------------------------------------------------------------


def test_retained_list_count_is_checked_against_18(admin):
    with pytest.raises(ServiceError) as refused:
        services.retained_list_enter(actor=admin, text="\n".join(RETAINED[:17]))
    assert (
        refused.value.field == "text"
        and "18 件" in refused.value.message
        and "17 件" in refused.value.message
    )
    with pytest.raises(ServiceError, match="文号重复"):
        services.retained_list_enter(actor=admin, text="\n".join(RETAINED[:17] + [CANTEENS]))
    with pytest.raises(ServiceError, match="不是文号"):
        services.retained_list_enter(actor=admin, text="\n".join(RETAINED[:17] + ["长者食堂"]))
    assert selectors.retained_list()["count"] == 0


def test_retained_list_marks_the_not_retained_as_to_be_confirmed(admin):
    office_1 = _document("高政办发〔2021〕1号")  # 2021-07-20, the county government office's, not on the list
    before = selectors.document_standing(office_1, dt.date(2021, 10, 1))
    assert before.code == "in_force"  # the list is not entered yet: nothing is said
    events = services.retained_list_enter(
        actor=admin, text="\n".join(f"{i}. {n}" for i, n in enumerate(RETAINED, 1))
    )
    assert len(events) == register.REVIEW_2021_RETAINED_COUNT == 18
    assert all(e.cause_number == "高政字〔2021〕60号" and e.date == dt.date(2021, 9, 26) for e in events)
    assert {e.number for e in events if e.document is None} >= {
        "高政发〔2021〕1号"
    }  # R4: not 高政办发〔2021〕1号
    standing = selectors.document_standing(office_1, dt.date(2021, 10, 1))
    assert standing.code == "not_retained" and standing.label == "未列入2021年清理保留目录（待确认）"
    assert selectors.document_standing(office_1, dt.date(2021, 9, 25)).code == "in_force"  # before the review
    assert selectors.document_standing(_document(CANTEENS), dt.date(2021, 10, 1)).code == "in_force"
    # out of the review's scope: after its date (61号), a personnel decision (5号), the review itself
    for number in ("高政字〔2021〕61号", "高政任〔2021〕5号", "高政字〔2021〕60号"):
        assert selectors.document_standing(_document(number), dt.date(2022, 1, 1)).code == "in_force", number
    entry = AuditEntry.objects.get(object_type="gazette.retained_list")
    assert len(entry.after["numbers"]) == 18
    # entered again: replaced, the old list kept in the audit
    services.retained_list_enter(actor=admin, text="\n".join(RETAINED))
    assert selectors.retained_list()["count"] == 18
    assert AuditEntry.objects.filter(object_type="gazette.retained_list", action="update").exists()


# ---- 5号 and 6号: memberships ----------------------------------------------------------------------------------


def test_5hao_and_6hao_open_and_close_memberships():
    assert PostMembership.objects.filter(opened_by__document__number="高政任〔2021〕5号").count() == 11
    assert PostMembership.objects.filter(closed_by__document__number="高政任〔2021〕5号").count() == 5
    assert PostMembership.objects.filter(opened_by__document__number="高政任〔2021〕6号").count() == 2
    probations = PostMembership.objects.exclude(probation_end=None)
    assert sorted(probations.values_list("person", flat=True)) == sorted(
        ["杨凡", "张延新", "武海峰", "唐荣奇", "王卫平"]
    )
    assert set(probations.values_list("probation_end", flat=True)) == {dt.date(2022, 8, 24)}  # P2


def test_yang_fan_posts_over_time():
    posts = selectors.person_posts("杨凡")
    assert [(m.post, m.start, m.end, m.secondment) for m in posts] == [
        (
            "县新型工业发展服务中心副主任",
            None,
            dt.date(2021, 8, 25),
            True,
        ),  # removed; its start is not printed
        ("县工业和信息化局副局长", dt.date(2021, 8, 25), None, False),
    ]
    assert posts[1].opened_by.document.number == "高政任〔2021〕5号" and posts[1].opened_by.line == 5706


def test_who_held_a_post_on_a_day():
    post = "县工业和信息化局副局长"
    [before] = selectors.memberships_on(post=post, on=dt.date(2021, 8, 24))
    assert before.person == "张学英" and before.closed_by.line == 5746
    [after] = selectors.memberships_on(post=post, on=dt.date(2021, 8, 25))
    assert after.person == "杨凡"
    # P5: 县畜牧渔业服务中心副主任 is several seats: 武海峰 appointed, 樊国平 removed, 任文兵 seconded
    holders = {
        m.person for m in selectors.memberships_on(post="县畜牧渔业服务中心副主任", on=dt.date(2021, 9, 1))
    }
    assert holders == {"武海峰", "任文兵"}


def test_secondments_of_6hao_end_after_a_year():
    for person in ("徐凤", "任文兵"):
        [membership] = selectors.person_posts(person)
        assert membership.secondment and membership.term_end == dt.date(2022, 8, 24)


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (dt.date(2021, 8, 25), dt.date(2022, 8, 24)),
        (dt.date(2021, 1, 31), dt.date(2022, 1, 30)),
        (dt.date(2020, 2, 29), dt.date(2021, 2, 27)),
    ],
)
def test_period_end(low, high):
    assert register.period_end(low, 12) == high


def test_memberships_are_rebuilt_on_reingest(gazette_path):
    before = sorted(PostMembership.objects.values_list("person", "post", "start", "end"))
    services.gazette_ingest(path=gazette_path, actor="test")
    assert sorted(PostMembership.objects.values_list("person", "post", "start", "end")) == before


# ---- to-dos ------------------------------------------------------------------------------------------------------


def test_expiry_within_90_days_is_on_the_responsible_departments_list(settings, make_user):
    from countyhall.gazette.todos import todos

    civil_affairs = make_user("todo-civil", Role.CIVIL_AFFAIRS)
    housing = make_user("todo-housing", Role.HOUSING)
    settings.BUSINESS_DATE = dt.date(2023, 10, 15)
    [item] = [t for t in todos(civil_affairs) if CANTEENS in t.label]
    assert item.deadline == dt.date(2023, 12, 31) and "2023年12月31日" in item.label
    assert item.url.startswith("/gazette/affected/")
    assert not [t for t in todos(housing) if CANTEENS in t.label]  # heating does not cite 2号
    settings.BUSINESS_DATE = dt.date(2023, 9, 1)  # 121 days ahead
    assert not [t for t in todos(civil_affairs) if CANTEENS in t.label]


def test_probation_and_secondment_ends_are_dated_todos(settings, admin, make_user):
    from countyhall.gazette.todos import todos

    settings.BUSINESS_DATE = dt.date(2022, 8, 1)
    items = [t for t in todos(admin) if "期满" in t.label]
    labels = " ".join(t.label for t in items)
    assert "杨凡 县工业和信息化局副局长 试用期满" in labels and "徐凤 县农业农村局副局长 挂职期满" in labels
    assert {t.deadline for t in items} == {dt.date(2022, 8, 24)}
    assert not [t for t in todos(make_user("todo-finance", Role.FINANCE)) if "期满" in t.label]


@pytest.mark.parametrize(
    ("path", "ancestor", "within"),
    [
        ("五、（一）2", "五、（一）", True),
        ("五、（一）", "五、（一）", True),
        ("五、（一）2", "五、", True),
        ("一、10", "一、1", False),
        ("1.10", "1.1", False),
        ("1.1.2", "1.1", True),
        ("2.1.1（1）", "2.1.1", True),
        ("五、（二）1", "五、（一）", False),
    ],
)
def test_clause_within(path, ancestor, within):
    assert register.clause_within(path, ancestor) is within
