"""Every staff read of personal data leaves one audit row, and the audit log itself keeps names masked."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.core.services.people import person_register
from tests.conftest import valid_id


def list_reads(user):
    return AuditEntry.objects.filter(action="read", actor=user, object_type="core.Person", object_id="")


# ---- the people list and search page -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_people_list_page_is_audited(client, make_user, people):
    # transaction=True: audit_record refuses to run outside a transaction, which the test's own would hide.
    officer = make_user("list-reader", Role.TOWN_OFFICER, "qingcheng")
    client.force_login(officer)
    assert client.get("/people/").status_code == 200
    entry = list_reads(officer).get()
    assert entry.after == {"filters": {"page": 1}, "count": 1}
    assert entry.note == "人员列表（未脱敏）"


@pytest.mark.django_db
def test_people_search_is_audited_with_query_and_division(client, make_user, people, county_tree):
    officer = make_user("search-reader", Role.CIVIL_AFFAIRS, "county")
    client.force_login(officer)
    village = county_tree["village_a"]
    html = client.get("/people/", {"q": "张秀英", "division": village.pk}).content.decode()
    assert "张秀英" in html
    entry = list_reads(officer).get()
    assert entry.after == {"filters": {"q": "张秀英", "division": village.pk, "page": 1}, "count": 1}
    assert entry.note.startswith("人员查询")
    # the audit row itself does not repeat what was searched for in its name
    assert "张秀英" not in entry.object_repr


@pytest.mark.django_db
def test_masked_role_list_read_is_marked_masked(client, make_user, people):
    operator = make_user("masked-reader", Role.CANTEEN_OPERATOR, "county")
    client.force_login(operator)
    client.get("/people/")
    assert list_reads(operator).get().note == "人员列表（脱敏）"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "1 OR 1=1"])
def test_people_list_refuses_a_division_that_is_not_a_number(client, make_user, people, value):
    client.force_login(make_user("div-bad", Role.CIVIL_AFFAIRS))
    response = client.get("/people/", {"division": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "区划" in html and "division" in html and "整数" in html


@pytest.mark.django_db
def test_people_list_refuses_a_division_outside_scope(client, make_user, people, county_tree):
    officer = make_user("div-out", Role.TOWN_OFFICER, "tianzhen")
    client.force_login(officer)
    for pk in (county_tree["village_b"].pk, 999999):
        response = client.get("/people/", {"division": pk})
        assert response.status_code == 400
        assert "不在您的数据范围内" in response.content.decode()
        assert "王德明" not in response.content.decode()
    assert not list_reads(officer).exists()  # nothing was shown, nothing is logged as read


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999", "1e9", ""])
def test_people_list_page_number_that_does_not_parse_shows_a_page_and_logs_it(
    client, make_user, people, page
):
    # One page of people here: a page number that does not parse, or lies past the end, shows page 1.
    officer = make_user("page-bad", Role.CIVIL_AFFAIRS)
    client.force_login(officer)
    response = client.get("/people/", {"page": page})
    assert response.status_code == 200
    assert "张秀英" in response.content.decode()
    assert list_reads(officer).get().after["filters"]["page"] == 1


# ---- GET /api/v1/people ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_people_api_list_is_audited(client, make_user, people, county_tree):
    officer = make_user("api-reader", Role.CIVIL_AFFAIRS, "county")
    client.force_login(officer)
    data = client.get("/api/v1/people", {"q": "王德明"}).json()
    assert [row["name"] for row in data] == ["王德明"]
    entry = list_reads(officer).get()
    assert entry.after == {"filters": {"q": "王德明"}, "count": 1}
    assert entry.note == "接口人员列表（未脱敏）"
    client.get("/api/v1/people", {"division": county_tree["qingcheng"].pk})
    assert list_reads(officer).latest("id").after == {
        "filters": {"division": county_tree["qingcheng"].pk},
        "count": 1,
    }


@pytest.mark.django_db
def test_people_api_validates_division(client, make_user, people, county_tree):
    client.force_login(make_user("api-div", Role.TOWN_OFFICER, "tianzhen"))
    response = client.get("/api/v1/people", {"division": "abc"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "division"
    assert "整数" in response.json()["error"]["message"]
    response = client.get("/api/v1/people", {"division": county_tree["qingcheng"].pk})
    assert response.status_code == 400
    assert "不在您的数据范围内" in response.json()["error"]["message"]
    response = client.get("/api/v1/people", {"division": county_tree["village_a"].pk})
    assert response.status_code == 200 and [row["pk"] for row in response.json()] == [people["a"].pk]


# ---- the audit log keeps personal data masked -----------------------------------------------------------------


@pytest.mark.django_db
def test_person_registration_is_stored_masked_in_the_audit_log(make_user, county_tree):
    officer = make_user("reg-officer", Role.TOWN_OFFICER, "tianzhen")
    person = person_register(
        actor=officer,
        id_number=valid_id("37032219480512003"),
        name="欧阳明华",
        division=county_tree["village_a"],
        address="甲村3号",
        phone="13900002222",
    )
    entry = AuditEntry.objects.get(object_type="core.Person", object_id=str(person.pk), action="create")
    assert entry.after["name"] == "欧阳**"
    assert entry.after["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert entry.after["address"] == "（已脱敏）"
    assert entry.after["phone"] == "139****2222"
    assert entry.after["birth_date"] == "1948年"
    assert entry.object_repr == f"人员 #{person.pk}（欧阳**）"
    stored = str(entry.after) + entry.object_repr + entry.note
    for secret in ("欧阳明华", person.id_number, "甲村3号", "13900002222", "1948-05-12"):
        assert secret not in stored


@pytest.mark.django_db
def test_auditor_sees_masked_names_on_the_audit_page_and_export(client, make_user, people):
    auditor = make_user("auditor-mask", Role.AUDITOR)
    client.force_login(auditor)
    html = client.get("/audit/", {"object_type": "core.Person"}).content.decode()
    assert "张*英" in html and "王*明" in html
    for secret in ("张秀英", "王德明", people["a"].id_number, "甲村1号", "13800001111"):
        assert secret not in html
    response = client.get("/audit/", {"object_type": "core.Person", "format": "xlsx"})
    cells = [
        str(c)
        for row in load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    text = "\n".join(cells)
    assert "张*英" in text
    for secret in ("张秀英", "王德明", people["a"].id_number, "13800001111"):
        assert secret not in text
    # the export itself is logged, with the filter used and how many rows it held
    entry = AuditEntry.objects.filter(actor=auditor, object_type="core.AuditEntry").get()
    assert entry.after == {"filters": {"object_type": "core.Person"}, "count": 2}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"), [("date_from", "2022-13-01"), ("date_to", "yesterday"), ("action", "drop")]
)
def test_audit_filters_that_do_not_parse_answer_400(client, make_user, field, value):
    client.force_login(make_user("auditor-bad", Role.AUDITOR))
    response = client.get("/audit/", {field: value})
    assert response.status_code == 400
    assert field in response.content.decode()


@pytest.mark.django_db
def test_audit_page_links_keep_the_filters(client, make_user):
    from countyhall.core.services.audit import audit_personal_read

    auditor = make_user("auditor-pages", Role.AUDITOR)
    for _ in range(51):
        audit_personal_read(actor=auditor, what="测试", object_type="core.Person", count=1)
    client.force_login(auditor)
    html = client.get("/audit/", {"action": "read", "actor": "auditor-pages"}).content.decode()
    # core.tables' pager (capped count, keyset beyond the cap) puts the page after the filters.
    assert "?action=read&amp;actor=auditor-pages&amp;page=2" in html
