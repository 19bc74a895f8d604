"""Issue 13, the rest (canteens): the 供养方式 column of the elder import and the correction page (L1219: only
分散供养 特困人员 get the rural free lunch), the figures shown with their clause, the 五公开 check storing its
citation, and every canteen_param sentence naming the clause of the figure it shows."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from openpyxl import Workbook

from countyhall.canteens.models import ElderCorrection, TekunStatus
from countyhall.canteens.services.duties import notice_check_record
from countyhall.canteens.services.elders import (
    IMPORT_COLUMNS,
    SUPPORT_COLUMN,
    elder_import,
    elder_update,
    tekun_status_add,
)
from countyhall.core.errors import ServiceError
from countyhall.core.policy import parameters
from tests.conftest import valid_id

pytestmark = pytest.mark.django_db
D = dt.date
NATURAL_B = "370322101201001"


def workbook(rows) -> bytes:
    book = Workbook()
    book.active.append([c[1] for c in IMPORT_COLUMNS])
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(id_number, name, support, *, tekun=True):
    return [
        id_number,
        name,
        "是",
        NATURAL_B,
        "",
        "",
        "",
        "青民救〔2021〕8号" if tekun else "",
        "2021-01-01" if tekun else "",
        support,
    ]


def test_the_template_has_the_support_column():
    assert SUPPORT_COLUMN in [c[1] for c in IMPORT_COLUMNS]


def test_import_stores_the_support_of_each_tekun(canteen_world):
    officer = canteen_world["users"]["town"]
    report = elder_import(
        actor=officer,
        mode="valid_only",
        content=workbook(
            [
                row(valid_id("37032219400303201"), "分散甲", "分散"),
                row(valid_id("37032219400303202"), "集中乙", "集中供养"),
            ]
        ),
    )
    assert report.created == 2 and not report.errors
    supports = dict(TekunStatus.objects.values_list("elder__person__name", "support"))
    assert supports == {"分散甲": "dispersed", "集中乙": "centralised"}


@pytest.mark.parametrize(
    ("support", "tekun", "message"),
    [
        ("", True, "特困人员须填写供养方式"),
        ("散居", True, "只能填“分散”或“集中”（收到“散居”）"),
        ("集中", False, "未填写特困认定时不填供养方式"),
    ],
)
def test_import_refuses_a_bad_support_naming_the_column(canteen_world, support, tekun, message):
    report = elder_import(
        actor=canteen_world["users"]["town"],
        mode="valid_only",
        content=workbook([row(valid_id("37032219400303203"), "某某", support, tekun=tekun)]),
    )
    assert report.created == 0
    [error] = report.errors
    assert error.field == SUPPORT_COLUMN and message in error.message


def test_correction_page_changes_the_support_with_reason_and_history(canteen_world, client):
    users, elder = canteen_world["users"], canteen_world["elders"]["same_80"]
    tekun_status_add(actor=users["town"], elder=elder, source="青民救〔2021〕8号", valid_from=D(2021, 1, 1))
    person = elder.person
    base = {"name": person.name, "division": person.division, "gaoqing_hukou": True, "card_number": "C001"}
    elder_update(
        actor=users["town"], elder=elder, reason="经核实为集中供养", tekun_support="centralised", **base
    )
    assert elder.tekun_periods.get().support == "centralised"
    correction = ElderCorrection.objects.filter(elder=elder).latest("pk")
    assert (
        correction.changes == [["特困供养方式", "分散供养", "集中供养"]]
        and correction.reason == "经核实为集中供养"
    )
    with pytest.raises(ServiceError) as error:  # no 特困 period: nothing to set
        elder_update(
            actor=users["town"],
            elder=canteen_world["elders"]["same_65"],
            reason="x",
            tekun_support="dispersed",
            name="钱二",
            division=person.division,
            gaoqing_hukou=True,
        )
    assert error.value.field == "tekun_support"
    client.force_login(users["town"])
    page = client.get(elder.get_absolute_url()).content.decode()
    assert "特困供养方式" in page and "经核实为集中供养" in page
    response = client.post(
        f"{elder.get_absolute_url()}edit/",
        {
            "name": person.name,
            "division": person.division_id,
            "gaoqing_hukou": "是",
            "card_number": "C001",
            "tekun_support": "dispersed",
            "reason": "复核为分散供养",
        },
    )
    assert response.status_code == 302
    assert elder.tekun_periods.get().support == "dispersed"


def test_five_public_check_stores_its_citation(filed_world):
    check = notice_check_record(
        actor=filed_world["users"]["town"],
        facility=filed_world["facility"],
        checked_on=D(2022, 6, 1),
        posted=list(parameters().at("canteen.five_public.items", D(2022, 6, 1)).value),
    )
    assert check.citation["document"] == "高政办发〔2021〕2号" and check.citation["clause"] == "四、（二）4"


def test_every_canteen_param_sentence_names_the_clause_of_its_figure():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "countyhall"
    uses = 0
    for path in root.glob("*/templates/**/*.html"):
        for paragraph in re.findall(r"<p[^>]*>.*?</p>", path.read_text(encoding="utf-8"), flags=re.S):
            for name in re.findall(r'canteen_param "([\w.]+)"', paragraph):
                uses += 1
                parameter = parameters().get(name)
                cited = parameter.values[-1].citation
                assert cited.document in paragraph, (path.name, name)
                clauses = re.findall(r"[一二三四五六七八九十]+、(?:（[一二三四五六七八九十]+）)?", paragraph)
                assert any(cited.clause.startswith(c) for c in clauses), (path.name, name, cited.clause)
    assert uses >= 5


def test_an_update_import_changing_only_the_support_says_so(canteen_world):
    """Attack: a file in update mode that changes a known elder's 供养方式 only (same 特困 date) reported the
    elder as unchanged and left the support as it was — a 集中供养 elder the file says is 分散 kept paying
    (only 分散供养 eat free, L1219), with no word to the importer. The difference is now a change of the row,
    shown in the preview and applied with its audit row (or, in all-or-nothing mode, shown as existing)."""
    officer = canteen_world["users"]["town"]
    id_number = valid_id("37032219400303204")
    assert (
        elder_import(
            actor=officer, mode="valid_only", content=workbook([row(id_number, "集中丙", "集中")])
        ).created
        == 1
    )
    preview = elder_import(actor=officer, mode="update", content=workbook([row(id_number, "集中丙", "分散")]))
    [change] = preview.changes
    assert ["特困供养方式", "集中供养", "分散供养"] in [list(c) for c in change.changes]
    report = elder_import(
        actor=officer, mode="update", confirm=True, content=workbook([row(id_number, "集中丙", "分散")])
    )
    assert report.updated == 1
    assert TekunStatus.objects.get(elder__person__id_number=id_number).support == "dispersed"
