"""Issue 13, emergency (高政办字〔2021〕34号): readings E1 and E2 an administrator governs, the units a level
involves from the parameter file, the stored level's policy basis and the impact preview of a change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from countyhall.core.models import Organisation, PolicyChange
from countyhall.core.policy import parameters
from countyhall.core.policy.governed import readings_answered
from countyhall.core.rules import calc
from countyhall.core.services.divisions import division_upsert
from countyhall.core.services.policy import policy_change_impact
from countyhall.emergency.services import _involved, enterprise_register, incident_report

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2022, 3, 1, 9, 0, tzinfo=BJ)
COUNTY = ["县委值班室", "县委办公室信息调研科", "县政府值班室", "县应急局"]
CITY = ["市政府总值班室", "市应急局"]


# 34号 4.1, L3931–3967 (reading E1): missing persons count as possible deaths; the alternative leaves them out.
@pytest.mark.parametrize(
    ("deaths", "missing", "injured", "answer", "level"),
    [
        (1, 2, 0, "adopted", "III"),  # 1 + 2 missing = 3: III (L3961)
        (1, 2, 0, "alternative", "IV"),
        (8, 2, 0, "adopted", "II"),  # 10: II (L3951)
        (8, 2, 0, "alternative", "III"),
        (0, 5, 10, "alternative", "III"),  # the injured still decide (L3963)
        (0, 0, 0, "adopted", "IV"),
    ],
)
def test_e1_missing_persons_under_each_answer(deaths, missing, injured, answer, level):
    with readings_answered({"E1": answer}):
        out = calc("emergency.response_level", {"deaths": deaths, "missing": missing, "injured": injured})
    assert out["level"] == level and out["reading_answers"]["E1"] == answer


# 34号 3.3 (after its six items), L3927 (reading E2): "按上述程序逐级上报" — the written reports go to the county's recipients (who
# report on to the city), or to the county's and the city's as the phone reports do.
@pytest.mark.parametrize(("answer", "written"), [("adopted", COUNTY), ("alternative", COUNTY + CITY)])
def test_e2_written_report_recipients_under_each_answer(answer, written):
    with readings_answered({"E2": answer}):
        out = calc("emergency.report_deadlines", {"occurred_at": "2021-08-01T10:00:00+08:00"})
    by_kind = {d["kind"]: d for d in out["deadlines"]}
    assert by_kind["phone_county"]["recipients"] == COUNTY and by_kind["phone_city"]["recipients"] == CITY
    assert by_kind["written_initial"]["recipients"] == written
    assert by_kind["written_accident"]["recipients"] == written
    # Each deadline cites its own figure's clause, whatever the order of the lookups.
    assert by_kind["written_initial"]["citation"]["line"] == 4024
    assert by_kind["written_accident"]["citation"]["line"] == 3925
    assert out["reading_answers"]["E2"] == answer


def test_an_incident_stores_the_recipients_and_the_answers_it_was_computed_under(plant):
    with readings_answered({"E1": "alternative", "E2": "alternative"}):
        incident = incident_report(
            actor=plant["users"]["hq"],
            enterprise=plant["enterprises"]["huaneng"],
            kind="fire",
            occurred_at=T0,
            place="锅炉房",
            deaths=1,
            missing=2,
            reported_at=T0 + dt.timedelta(minutes=5),
        )
    assert incident.level == "IV"
    figures = incident.figures.get()
    assert figures.policy_basis["readings"]["E1"] == "alternative"
    assert incident.deadlines.get(kind="written_accident").recipients == COUNTY + CITY


def test_the_incident_page_says_why_the_level(client, plant):
    incident = incident_report(
        actor=plant["users"]["hq"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=T0,
        place="锅炉房",
        deaths=1,
        missing=2,
        reported_at=T0 + dt.timedelta(minutes=5),
    )
    client.force_login(plant["users"]["hq"])
    page = client.get(f"/emergency/i/{incident.pk}/").content.decode()
    assert "为什么是这个等级" in page and parameters().reading("E1").question in page
    assert "失踪人员按可能死亡计入" in page


# 34号 4.1 and 4.2.2: who each level involves, from emergency.yaml; the town office, or the development zone's.
@pytest.mark.parametrize(
    ("level", "has", "has_not"),
    [
        ("IV", ["县应急局"], ["应急救援指挥部办公室", "市应急局"]),
        ("III", ["县应急局", "应急救援指挥部办公室", "县委值班室", "县政府值班室"], ["市应急局"]),
        ("II", ["应急救援指挥部办公室", "市政府总值班室", "市应急局"], []),
        ("I", ["市政府总值班室", "市应急局"], []),
    ],
)
def test_units_a_level_involves(plant, county_tree, level, has, has_not):
    zone = division_upsert(
        actor="test",
        code="370322400000",
        name="高青经济开发区",
        kind="development_zone",
        parent=county_tree["county"],
    )
    office = Organisation.objects.create(name="高青经济开发区管委会", kind="town_office", division=zone)
    site = division_upsert(actor="test", code="370322400201", name="园区村", kind="village", parent=zone)
    enterprise = enterprise_register(
        actor="test",
        organisation=Organisation.objects.create(
            name="开发区示例电厂", kind="enterprise", division=county_tree["county"]
        ),
        division=site,
    )
    incident = incident_report(
        actor=plant["users"]["hq"],
        enterprise=enterprise,
        kind="fire",
        occurred_at=T0,
        place="厂区",
        injured=1,
        reported_at=T0 + dt.timedelta(minutes=5),
    )
    names = _involved(incident, level)
    assert names[:2] == [
        "开发区示例电厂",
        office.name,
    ]  # the development zone's office is found (not only 镇/街道)
    assert set(has) <= set(names) and not set(has_not) & set(names)


def test_emergency_readings_have_questions_and_effects():
    registry = parameters()
    for reading_id in ("E1", "E2"):
        reading = registry.reading(reading_id)
        assert reading.question.endswith("？") and reading.source_file == "emergency.yaml"
        assert set(reading.effects) == {"adopted", "alternative"}


def _change(key: str, valid_from: dt.date) -> PolicyChange:
    # The change as proposed (not saved: the preview reads only its key, answer and date).
    return PolicyChange(kind="reading", key=key, value="alternative", valid_from=valid_from, reason="调整")


def test_impact_preview_of_e1_lists_the_open_incidents_whose_level_moves(plant):
    incident = incident_report(
        actor=plant["users"]["hq"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=T0,
        place="锅炉房",
        deaths=1,
        missing=2,
        reported_at=T0 + dt.timedelta(minutes=5),
    )
    incident_report(
        actor=plant["users"]["hq"],
        enterprise=plant["enterprises"]["other"],
        kind="fire",
        occurred_at=T0,
        place="料场",
        deaths=1,
        reported_at=T0 + dt.timedelta(minutes=5),
    )  # no missing
    change = _change("E1", dt.date(2022, 1, 1))
    tables = [t for t in policy_change_impact(change=change) if "响应等级" in t["title"]]
    assert len(tables) == 1 and len(tables[0]["rows"]) == 1
    row = tables[0]["rows"][0]
    assert (
        row[0] == str(incident)
        and row[1] == "田镇街道"
        and row[2:] == ["1/2/0", "较大（III级）", "一般（IV级）"]
    )
    assert (
        policy_change_impact(change=_change("E1", dt.date(2022, 3, 2)))[0]["rows"] == []
    )  # earlier incidents keep


def test_impact_preview_of_e2_lists_the_written_reports_not_yet_made(plant):
    incident = incident_report(
        actor=plant["users"]["hq"],
        enterprise=plant["enterprises"]["huaneng"],
        kind="fire",
        occurred_at=T0,
        place="锅炉房",
        injured=1,
        reported_at=T0 + dt.timedelta(minutes=5),
    )
    change = _change("E2", dt.date(2022, 1, 1))
    table = next(t for t in policy_change_impact(change=change) if "书面报告" in t["title"])
    assert {row[2] for row in table["rows"]} == {"书面报告初步核实概况", "事故书面报告"}
    assert all(
        row[0] == str(incident) and "市应急局" in row[4] and "市应急局" not in row[3] for row in table["rows"]
    )
