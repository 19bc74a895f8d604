"""A thin layer over the pages: they render in Chinese, respect roles, and serve nothing from a CDN."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.gazette.models import Document


@pytest.mark.django_db
def test_login_page_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert client.get("/").status_code == 302  # home needs a login


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "sees", "hidden"),
    [
        ("auditor", ["审计日志", "人员信息"], ["系统管理"]),
        ("civil_affairs", ["人员信息"], ["审计日志"]),
        ("housing", ["清洁取暖改造台账", "人员信息"], ["审计日志"]),
        ("emergency", ["生产安全事故报告与应急响应"], ["人员信息</a>", "审计日志"]),
    ],
)
def test_home_and_navigation_by_role(client, make_user, role, sees, hidden):
    client.force_login(make_user(f"home-{role}", role))
    html = client.get("/").content.decode()
    for text in sees:
        assert text in html
    for text in hidden:
        assert text not in html


@pytest.mark.django_db
def test_audit_page_only_for_auditors(client, make_user):
    client.force_login(make_user("nonauditor", "finance"))
    assert client.get("/audit/").status_code == 403
    client.force_login(make_user("auditor1", "auditor"))
    html = client.get("/audit/?action=ingest").content.decode()
    assert "高政办发〔2021〕2号" in html


@pytest.mark.django_db
def test_person_pages_mask_and_audit(client, make_user, people):
    client.force_login(make_user("op-web", "canteen_operator", "village_b"))
    html = client.get("/people/").content.decode()
    assert "王*明" in html and "王德明" not in html and "张" not in html
    before = AuditEntry.objects.filter(action="read").count()
    assert "王*明" in client.get(f"/people/{people['b'].pk}/").content.decode()
    assert AuditEntry.objects.filter(action="read").count() == before + 1
    assert client.get(f"/people/{people['a'].pk}/").status_code == 404
    client.force_login(make_user("emergency-web", "emergency"))
    assert client.get("/people/").status_code == 403


@pytest.mark.django_db
def test_document_page_has_clause_anchors(client):
    document = Document.objects.get(number="高政办发〔2021〕2号")
    html = client.get(document.get_absolute_url()).content.decode()
    assert 'id="c-5-1-1"' in html and "GQDR-2021-0020002" in html and "2023年12月31日" in html


@pytest.mark.django_db
def test_citation_link_resolves_to_the_clause(client):
    html = client.get("/policy/parameters/calendar.statutory_day_basis/").content.decode()
    href = re.search(r'<a class="citation" href="([^"]+)"', html).group(1)
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 302
    document = Document.objects.get(number="高政办发〔2021〕3号")
    # issue 15: the document by its URI, the clause by its eId (二、（四） → sec_2__subsec_4)
    assert response["Location"] == f"{document.get_absolute_url()}?highlight=sec_2__subsec_4#sec_2__subsec_4"
    query = urllib.parse.urlencode({"doc": "高政办字〔2021〕34号", "clause": "9.3", "line": 4487})
    assert client.get(f"/gazette/cite/?{query}")["Location"].endswith("#sec_9__subsec_3")
    assert client.get("/gazette/cite/?doc=无此文号").status_code == 404


@pytest.mark.django_db
def test_gazette_search_page(client):
    html = client.get("/gazette/?q=助餐补贴").content.decode()
    assert "关于加快推进“长者食堂”建设的实施意见" in html and "五、（一）" in html
    assert "杨凡" in client.get("/gazette/personnel/?person=杨凡").content.decode()


@pytest.mark.django_db
def test_parameter_pages_and_api(client):
    assert "工作日" in client.get("/policy/parameters/").content.decode()
    assert "C3" in client.get("/policy/readings/").content.decode()
    assert client.get("/policy/parameters/no.such/").status_code == 404
    data = client.get("/api/v1/parameters").json()
    basis = next(p for p in data["parameters"] if p["name"] == "calendar.statutory_day_basis")
    assert basis["values"][0]["citation"]["line"] == 1720 and basis["values"][0]["reading"]["id"] == "C3"
    assert client.get("/api/v1/parameters/no.such").status_code == 404


@pytest.mark.django_db
def test_calc_page_shows_result_and_errors(client, make_user):
    # The working-day rule is a staff tool (not marked public): citizens get the public rules only.
    client.force_login(make_user("calc-staff", "approval"))
    html = client.post(
        "/calc/", {"rule": "calendar.add_working_days", "input": '{"start": "2021-09-29", "days": 5}'}
    ).content.decode()
    assert "2021-10-12" in html and "高政办发〔2021〕3号" in html and "C3" in html
    html = client.post(
        "/calc/", {"rule": "calendar.add_working_days", "input": '{"start": "x", "days": 5}'}
    ).content.decode()
    assert "输入有误" in html and "start" in html


@pytest.mark.django_db
def test_calendar_pages(client, make_user):
    client.force_login(make_user("cal-admin", "system_admin"))
    html = client.get("/calendar/2021/10/").content.decode()
    assert "调休上班" in html and "国庆节" in html
    assert client.get("/calendar/2031/1/").status_code == 404
    response = client.post(
        "/calendar/2021/10/", {"date": "2021-10-08", "kind": "holiday", "holiday_name": "", "note": "测试"}
    )
    assert response.status_code == 302
    client.force_login(make_user("cal-user", "finance"))
    client.post("/calendar/2021/10/", {"date": "2021-10-11", "kind": "holiday", "note": "x"})
    assert "工作日" in client.get("/api/v1/calendar/2021/10").json()["days"][10]["kind"].replace(
        "workday", "工作日"
    )


@pytest.mark.django_db
def test_api_docs_and_schema_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/calc/{rule}" in schema.content
    html = client.get("/api/docs/").content.decode()
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not src.startswith(("http://", "https://", "//")), src
    for page in ("/", "/gazette/", "/policy/parameters/", "/accounts/login/"):
        body = client.get(page, follow=True).content.decode()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', body), page


@pytest.mark.django_db
def test_documents_api(client):
    documents = client.get("/api/v1/gazette/documents?kind=personnel").json()
    assert [d["number"] for d in documents] == ["高政任〔2021〕5号", "高政任〔2021〕6号"]
    detail = client.get(f"/api/v1/gazette/documents/{documents[0]['id']}").json()
    assert len(detail["personnel_decisions"]) == 16


def test_site_stylesheet_is_found_by_staticfiles():
    from django.contrib.staticfiles import finders

    assert finders.find("countyhall/site.css")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_home_page_opens_for_every_role(client, make_user, role):
    client.force_login(make_user(f"home-{role}", role))
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_openapi_schema_is_valid_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.django_db
def test_notices_page_shows_what_the_outbox_delivered_to_my_organisation(client, make_user):
    from countyhall.core.notifications import notify

    mine, other = make_user("n-mine", "emergency"), make_user("n-other", "emergency")
    notify(
        channel="in_app",
        recipient="我",
        organisation=mine.organisation,
        subject="超期督办",
        body="示例事项已超期",
    )
    notify(channel="in_app", recipient="他", organisation=other.organisation, subject="别人的通知", body="x")
    client.force_login(mine)
    html = client.get("/notices/").content.decode()
    assert "示例事项已超期" in html and "别人的通知" not in html


@pytest.mark.django_db
def test_yes_no_parameters_read_as_shi_fou(client):
    html = client.get("/policy/parameters/canteen.one_subsidised_lunch_per_day/").content.decode()
    assert "是" in html and "True" not in html
