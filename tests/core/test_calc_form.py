"""The form-based calculator: generated from the rule's input schema, errors next to the field, result in Chinese."""

from __future__ import annotations

import re

import pytest

from countyhall.core.rules import RULES
from countyhall.core.rules.forms import RuleForm
from countyhall.core.rules.present import result_rows

pytestmark = pytest.mark.django_db


def _lunch_post(**changes):
    data = {
        "rule": "canteen.lunch",
        "birth_date": "1941-09-02",
        "meal_date": "2021-09-02",
        "gaoqing_hukou": "true",
        "tekun": "false",
        "facility.type": "canteen",
        "facility.setting": "rural",
        "facility.operator": "care_org",
        "facility.same_village": "false",
        "price": "8.00",
    }
    data.update(changes)
    return data


def test_form_fields_follow_the_schema():
    form = RuleForm(RULES["canteen.lunch"].input_schema)
    kinds = {name: type(field.widget).__name__ for name, field in form.fields.items()}
    assert kinds["birth_date"] == "DateInput" and kinds["gaoqing_hukou"] == "RadioSelect"
    assert kinds["facility.type"] == "Select"
    # Every label is Chinese: the property keys never show as labels.
    assert all(not re.search(r"[a-z]{3}", str(field.label)) for field in form.fields.values())
    assert form.fields["gaoqing_hukou"].choices == [("true", "是"), ("false", "否")]


def test_citizen_calculates_a_lunch_in_chinese(client):
    response = client.post("/calc/", _lunch_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert "每餐补贴合计（元）" in html and "3.00" in html and "老人自付（元）" in html and "5.00" in html
    assert "为什么" in html and 'class="citation"' in html and "《" in html
    visible = re.sub(
        r"<[^>]+>", " ", re.sub(r'<details class="tech-info">.*?</details>', "", html, flags=re.S)
    )
    assert "age_80_plus" not in visible and "birth_date" not in visible


def test_errors_appear_next_to_the_field(client):
    response = client.post("/calc/", _lunch_post(birth_date="", price="8.123"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_birth_date-error"' in html and "该字段是必填项" in html
    assert 'id="id_price-error"' in html
    assert "aria-describedby" in html


def test_citizens_see_only_public_rules(client, make_user):
    html = client.get("/calc/").content.decode()
    assert "长者食堂午餐" in html and "工作日后的日期" not in html
    assert client.get("/calc/?rule=calendar.add_working_days").status_code == 404
    client.force_login(make_user("calc-clerk", "approval"))
    assert client.get("/calc/?rule=calendar.add_working_days").status_code == 200


def test_result_rows_keep_codes_out():
    rows = result_rows({"eligible": True, "age_band": "age_80_plus", "subsidy": {"total": "3.00"}})
    assert rows == [
        {"label": "是否符合条件", "value": "是", "key": "eligible"},
        {"label": "每餐补贴合计（元）", "value": "3.00", "key": "subsidy.total"},
    ]


def test_subsidies_page_is_public(client):
    html = client.get("/subsidies/").content.decode()
    assert "我能享受哪些补贴" in html and "/calc/?rule=canteen.lunch" in html


def test_citation_link_shows_title_and_clause_words():
    from countyhall.core.templatetags.countyhall import citation_link

    html = citation_link({"document": "高政办发〔2021〕2号", "clause": "五、（一）1", "line": 1211})
    assert (
        "《关于" in html
        and "五、（一）1" in html
        and "title=" in html
        and "1211" not in html.split(">", 1)[1]
    )


def test_money_fields_are_explained_in_plain_chinese(client):
    """The help text read "数字字符串（最多 2 位小数，如 "12.50"）或整数，不能是浮点数": jargon for a citizen."""
    html = client.get("/calc/").content.decode()
    assert "金额，最多两位小数，如 12.50" in html
    assert "数字字符串" not in html and "浮点数" not in html
