"""The register's pages and API (issue 15): documents and clauses by URI and eId, as in force on a day, the
affected figures, the administrator's entries (with their Chinese refusals), who held a post and a person's posts."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.urls import reverse

from countyhall.core.roles import Role
from countyhall.gazette.models import Clause, Document, DocumentEvent
from tests.gazette.test_register import RETAINED

pytestmark = pytest.mark.django_db

CANTEENS = "高政办发〔2021〕2号"


def _uri(number: str) -> str:
    return Document.objects.get(number=number).uri.lstrip("/")


def test_document_by_uri_and_old_address(client):
    document = Document.objects.get(number=CANTEENS)
    url = reverse("gazette:by-uri", args=[_uri(CANTEENS)])
    assert urllib.parse.unquote(url) == "/gazette/u/cn-sd-gaoqing/高政办发/2021/2/"
    html = client.get(url).content.decode()
    assert document.title in html and 'id="sec_5__subsec_1__para_2"' in html and 'id="c-5-1-2"' in html
    assert "有效期届满" in html and "受影响的数值与事项" in html
    assert client.get(f"/gazette/d/{document.pk}/").status_code == 200  # the old address keeps working
    assert client.get(reverse("gazette:by-uri", args=["cn-sd-gaoqing/高政办发/2099/1"])).status_code == 404


def test_clause_page_by_eid(client):
    clause = Clause.objects.get(document__number=CANTEENS, path="五、（一）2")
    response = client.get(clause.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200 and "五、（一）2" in html and "引用此条的数值与规则" in html
    assert "~sec_5__subsec_1__para_2" in urllib.parse.unquote(clause.get_absolute_url())
    missing = reverse("gazette:by-uri", args=[_uri(CANTEENS) + "/~sec_99"])
    assert client.get(missing).status_code == 404


def test_expression_uri_opens_the_version(client):
    url = reverse("gazette:by-uri", args=[_uri(CANTEENS) + "/zho@v1"])
    assert client.get(url).status_code == 200
    assert client.get(reverse("gazette:by-uri", args=[_uri(CANTEENS) + "/zho@v9"])).status_code == 404


@pytest.mark.parametrize(
    ("on", "words"),
    [("2021-08-20", "尚未施行"), ("2022-06-15", "现行有效"), ("2024-03-01", "有效期已于2023年12月31日届满")],
)
def test_document_as_in_force_on_a_day(client, on, words):
    html = client.get(reverse("gazette:by-uri", args=[_uri(CANTEENS)]) + f"?on={on}").content.decode()
    assert 'id="point-in-time"' in html and words in html
    if on == "2022-06-15":
        assert "此后的变化" in html and "2023年12月31日 有效期届满" in html


def test_bad_date_is_a_chinese_400(client):
    response = client.get(reverse("gazette:by-uri", args=[_uri(CANTEENS)]) + "?on=2021-13-01")
    assert response.status_code == 400 and "日期" in response.content.decode()
    api = client.get(f"/api/v1/gazette/uri/{_uri(CANTEENS)}?on=tomorrow")
    assert api.status_code == 400 and api.json()["error"]["field"] == "on"


def test_affected_page_lists_2hao_figures_from_2024(client, make_user):
    client.force_login(make_user("affected-officer", Role.CIVIL_AFFAIRS))  # open items are for staff (walk15)
    html = client.get(reverse("gazette:affected", args=[_uri(CANTEENS)])).content.decode()
    assert "自2024年1月1日起" in html and "长者食堂" in html and "在办事项" in html
    assert "2024年1月1日起没有数值" in html


def test_register_page_lists_events_filters_and_exports(client):
    html = client.get(reverse("gazette:register") + "?kind=expires").content.decode()
    assert CANTEENS in html and "有效期届满" in html and "已录入 0／18 件" in html
    assert client.get(reverse("gazette:register") + "?kind=nonsense").status_code == 400
    export = client.get(reverse("gazette:register") + "?kind=expires&export=csv")
    assert export.status_code == 200
    body = (
        b"".join(export.streaming_content).decode("utf-8-sig")
        if export.streaming
        else export.content.decode("utf-8-sig")
    )
    assert CANTEENS in body and "有效期届满" in body


def test_the_administrator_records_a_repeal_and_the_retained_list(client, make_user):
    admin = make_user("pages-admin", Role.SYSTEM_ADMIN)
    client.force_login(admin)
    html = client.get(reverse("gazette:register")).content.decode()
    assert 'id="event-new"' in html and 'id="retained-enter"' in html
    data = {
        "number": CANTEENS,
        "kind": "repealed",
        "date": "2023-06-01",
        "cause_number": "高政办发〔2021〕3号",
        "note": "县政府决定废止",
    }
    preview = client.post(reverse("gazette:event-new"), data)  # the confirmation page first
    assert 'id="confirm-box"' in preview.content.decode()
    assert preview.status_code == 200 and not DocumentEvent.objects.filter(kind="repealed").exists()
    wrong = client.post(reverse("gazette:event-new"), {**data, "cause_number": "某文件", "confirmed": "1"})
    assert "依据文件" in wrong.content.decode() and not DocumentEvent.objects.filter(kind="repealed").exists()
    done = client.post(reverse("gazette:event-new"), {**data, "confirmed": "1"})
    assert done.status_code == 302 and DocumentEvent.objects.filter(kind="repealed", number=CANTEENS).exists()
    short = client.post(reverse("gazette:retained"), {"text": "\n".join(RETAINED[:3]), "confirm": "on"})
    assert "录入的是 3 件" in short.content.decode()
    entered = client.post(reverse("gazette:retained"), {"text": "\n".join(RETAINED), "confirm": "on"})
    assert entered.status_code == 302
    html = client.get(reverse("gazette:by-uri", args=[_uri("高政办发〔2021〕1号")])).content.decode()
    assert "未列入2021年清理保留目录（待确认）" in html
    listed = client.get(reverse("gazette:list")).content.decode()  # the list shows each document's standing
    assert (
        "未列入2021年清理保留目录（待确认）" in listed and "已废止" not in listed
    )  # the repeal is after today


def test_register_entry_pages_are_for_administrators_only(client, make_user):
    assert client.get(reverse("gazette:event-new")).status_code in (302, 403)
    client.force_login(make_user("pages-officer", Role.CIVIL_AFFAIRS))
    assert client.get(reverse("gazette:event-new")).status_code == 403
    assert client.get(reverse("gazette:retained")).status_code == 403
    assert 'id="event-new"' not in client.get(reverse("gazette:register")).content.decode()


def test_posts_page_who_held_a_post_on_a_day(client):
    query = urllib.parse.urlencode({"post": "县工业和信息化局副局长", "on": "2021-08-24"})
    html = client.get(reverse("gazette:posts") + "?" + query).content.decode()
    assert "张学英" in html and "杨凡" not in html
    query = urllib.parse.urlencode({"post": "县工业和信息化局副局长", "on": "2021-08-25"})
    html = client.get(reverse("gazette:posts") + "?" + query).content.decode()
    assert "杨凡" in html and "张学英" not in html and "高政任〔2021〕5号" in html


def test_person_page_lists_posts_over_time(client):
    html = client.get(reverse("gazette:person", args=["杨凡"])).content.decode()
    assert html.index("县新型工业发展服务中心副主任") < html.index("县工业和信息化局副局长")
    assert "试用期至2022年8月24日" in html
    assert client.get(reverse("gazette:person", args=["无此人"])).status_code == 404


def test_api_by_uri_eid_and_on(client):
    data = client.get(f"/api/v1/gazette/uri/{_uri(CANTEENS)}?on=2024-01-01").json()
    assert data["uri"] == "/cn-sd-gaoqing/高政办发/2021/2" and data["standing"]["code"] == "expired"
    assert data["expression_uri"].endswith("/zho@v1")
    clause = client.get(f"/api/v1/gazette/uri/{_uri(CANTEENS)}/~sec_5__subsec_1__para_2").json()["clause"]
    assert clause["path"] == "五、（一）2" and clause["eid"] == "sec_5__subsec_1__para_2"
    assert client.get(f"/api/v1/gazette/uri/{_uri(CANTEENS)}/~sec_99").status_code == 404
    listed = client.get("/api/v1/gazette/documents").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["uri"].startswith("/cn-sd-gaoqing/")


def test_api_affected_and_memberships(client, make_user):
    client.force_login(
        make_user("affected-api-officer", Role.CIVIL_AFFAIRS)
    )  # open items are for staff (walk15)
    [change] = client.get(f"/api/v1/gazette/affected/{_uri(CANTEENS)}").json()
    assert change["from"] == "2024-01-01" and any(r["kind"] == "在办事项" for r in change["affected"])
    held = client.get(
        "/api/v1/gazette/memberships", {"post": "县工业和信息化局副局长", "on": "2021-08-25"}
    ).json()
    assert [(m["person"], m["opened_by"]["document"]) for m in held] == [("杨凡", "高政任〔2021〕5号")]
    posts = client.get("/api/v1/gazette/memberships", {"person": "杨凡"}).json()
    assert [m["end"] for m in posts] == ["2021-08-25", None]
    refused = client.get("/api/v1/gazette/memberships")
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "post"
    assert dt.date.fromisoformat(posts[1]["probation_end"]) == dt.date(2022, 8, 24)
