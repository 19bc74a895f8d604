"""What walking the gazette register as its users found (walk15), one test per fix: a mistaken event entry is
withdrawn with its reason (kept, marked, counted nowhere), the affected page links each clause and stacks at phone
width, the event form's refusals write dates in Chinese, the filter forms are labelled, the personnel list links each
person, and a probation's to-do leads to what the keeper does next."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.gazette.models import Document, DocumentEvent
from countyhall.gazette.selectors import document_affected, document_standing
from countyhall.gazette.services import event_record, event_withdraw

pytestmark = pytest.mark.django_db

CANTEENS = "高政办发〔2021〕2号"


def _uri(number: str) -> str:
    return Document.objects.get(number=number).uri.lstrip("/")


@pytest.fixture
def admin(make_user):
    return make_user("walk15-admin", Role.SYSTEM_ADMIN)


def _mistaken_repeal(admin) -> DocumentEvent:
    return event_record(
        actor=admin,
        number=CANTEENS,
        kind="repealed",
        date=dt.date(2022, 3, 1),
        cause_number="高政办发〔2021〕3号",
    )


def test_a_mistaken_repeal_is_withdrawn_with_its_reason_and_counts_nowhere(admin):
    document = Document.objects.get(number=CANTEENS)
    event = _mistaken_repeal(admin)
    assert document_standing(document, dt.date(2022, 6, 15)).code == "repealed"
    with pytest.raises(ServiceError) as short:
        event_withdraw(actor=admin, event_id=event.pk, reason="错")
    assert short.value.field == "reason"
    event_withdraw(actor=admin, event_id=event.pk, reason="依据文件录错，3号并未废止2号")
    assert document_standing(document, dt.date(2022, 6, 15)).code == "in_force"
    assert not any(change["event"].pk == event.pk for change, _ in document_affected(document))
    kept = DocumentEvent.with_withdrawn.get(pk=event.pk)  # kept, with who and why
    assert kept.withdrawn_at and kept.withdrawn_by == admin and "3号并未废止" in kept.withdrawn_reason
    audit = AuditEntry.objects.filter(object_id=str(event.pk), action=AuditEntry.Action.UPDATE).get()
    assert "理由" in audit.note and audit.after["withdrawn"] is True
    with pytest.raises(ServiceError) as again:
        event_withdraw(actor=admin, event_id=event.pk, reason="再撤销一次试试")
    assert "已于" in again.value.message


def test_only_administered_entries_are_withdrawn_and_only_by_the_register_keepers(admin, make_user):
    derived = DocumentEvent.objects.get(number=CANTEENS, kind="expires")
    with pytest.raises(ServiceError) as refused:
        event_withdraw(actor=admin, event_id=derived.pk, reason="有效期录错了吧")
    assert "重新导入原文" in refused.value.message
    event = _mistaken_repeal(admin)
    officer = make_user("walk15-officer", Role.CIVIL_AFFAIRS)
    with pytest.raises(ServiceError):
        event_withdraw(actor=officer, event_id=event.pk, reason="民政局想撤销")
    assert DocumentEvent.objects.filter(pk=event.pk).exists()


def test_the_withdraw_page_confirms_then_the_register_shows_the_entry_as_withdrawn(client, admin, make_user):
    event = _mistaken_repeal(admin)
    client.force_login(make_user("walk15-reader", Role.CIVIL_AFFAIRS))
    assert client.get(reverse("gazette:event-withdraw", args=[event.pk])).status_code == 403
    client.force_login(admin)
    document_page = client.get(reverse("gazette:by-uri", args=[_uri(CANTEENS)])).content.decode()
    url = reverse("gazette:event-withdraw", args=[event.pk])
    assert url in document_page  # the entry offers its correction where the administrator sees it
    confirm = client.get(url).content.decode()
    assert "撤销文件事件登记" in confirm and "2022年3月1日" in confirm and "高政办发〔2021〕3号" in confirm
    unticked = client.post(url, {"reason": "依据文件录错"})
    assert unticked.status_code == 200 and DocumentEvent.objects.filter(pk=event.pk).exists()
    done = client.post(url, {"reason": "依据文件录错", "confirm": "on"})
    assert done.status_code == 302 and not DocumentEvent.objects.filter(pk=event.pk).exists()
    register = client.get(reverse("gazette:register")).content.decode()
    assert "已撤销" in register and "依据文件录错" in register
    page = client.get(reverse("gazette:by-uri", args=[_uri(CANTEENS)])).content.decode()
    assert "已废止" not in page and "现行有效" in page


def test_the_event_forms_refusal_writes_the_dates_in_chinese(client, admin):
    client.force_login(admin)
    data = {
        "number": CANTEENS,
        "kind": "lapsed",
        "date": "2020-01-01",
        "cause_number": "高政办发〔2021〕3号",
        "note": "测试",
    }
    html = client.post(reverse("gazette:event-new"), data).content.decode()
    assert "成文于2021年8月3日" in html and "2021-08-03" not in html


def test_the_affected_page_links_each_clause_and_stacks_at_phone_width(client, admin):
    html = client.get(reverse("gazette:affected", args=[_uri(CANTEENS)])).content.decode()
    assert 'table class="stacked"' in html and "<thead>" in html
    assert 'class="clause-link" href="/gazette/cite/?doc=' in html
    link = html.split('class="clause-link" href="')[1].split('"')[0].replace("&amp;", "&")
    target = client.get(link)
    assert target.status_code == 302 and "#sec_" in target["Location"]  # the clause in its document


def test_the_list_filters_are_labelled_and_the_personnel_list_links_each_person(client):
    listed = client.get(reverse("gazette:list")).content.decode()
    assert "<label>文种 <select" in listed and "<label>关键词 <input" in listed
    personnel = client.get(reverse("gazette:personnel")).content.decode()
    assert "<label>类别 <select" in personnel
    assert f'href="{reverse("gazette:person", args=["杨凡"])}"' in personnel


def test_a_probation_to_do_leads_to_the_next_step(client, admin, settings):
    from countyhall.gazette.todos import todos

    settings.BUSINESS_DATE = dt.date(2022, 7, 15)
    items = [t for t in todos(admin) if "杨凡" in t.label]
    assert items and "核对后续任免文件" in items[0].label and items[0].url.endswith("#next-step")
    html = client.get(items[0].url.split("#")[0]).content.decode()
    assert 'id="next-step"' in html and "以县政府此后印发的任免文件为准" in html


def test_the_expiry_to_do_is_for_the_departments_not_the_auditor_or_the_operators(make_user, settings):
    from countyhall.gazette.todos import todos

    settings.BUSINESS_DATE = dt.date(2023, 10, 15)  # 2号 ends on 2023-12-31: within 90 days

    def expiry(role):
        return [t.label for t in todos(make_user(f"walk15-{role}", role)) if CANTEENS in t.label]

    assert expiry(Role.CIVIL_AFFAIRS) and expiry(Role.FINANCE)
    assert not expiry(Role.AUDITOR) and not expiry(Role.CANTEEN_OPERATOR)


def test_the_register_excel_gives_the_standing_the_pages_give(client, admin):
    from io import BytesIO

    from openpyxl import load_workbook

    _mistaken_repeal(
        admin
    )  # a repeal the register holds: the export said "有效期内" from the printed dates alone
    response = client.get("/gazette/export.xlsx", {"kind": "opinion"})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[CANTEENS][10] == "已废止（2022年3月1日起）"
    page = client.get(reverse("gazette:by-uri", args=[_uri(CANTEENS)])).content.decode()
    assert "已废止（2022年3月1日起）" in page
    search = client.get(reverse("gazette:search"), {"q": CANTEENS, "export": "xlsx"})
    rows = list(
        load_workbook(
            BytesIO(search.content if not search.streaming else b"".join(search.streaming_content))
        ).active.values
    )
    assert rows[1][7] == "已废止（2022年3月1日起）"


def test_search_in_force_on_a_day_leaves_out_a_repealed_document_unless_the_repeal_was_withdrawn(admin):
    from countyhall.gazette.search import search

    def found(on):
        return CANTEENS in {hit.document.number for hit in search(query="助餐补贴", in_force_on=on).hits}

    event = _mistaken_repeal(admin)
    assert found(dt.date(2022, 2, 28)) and not found(dt.date(2022, 6, 15))
    event_withdraw(actor=admin, event_id=event.pk, reason="依据文件录错，3号并未废止2号")
    assert found(dt.date(2022, 6, 15))


def test_the_register_csv_marks_a_withdrawn_entry(client, admin):
    event = _mistaken_repeal(admin)
    event_withdraw(actor=admin, event_id=event.pk, reason="依据文件录错，3号并未废止2号")
    export = client.get(reverse("gazette:register") + "?kind=repealed&export=csv")
    body = (
        b"".join(export.streaming_content).decode("utf-8-sig")
        if export.streaming
        else export.content.decode("utf-8-sig")
    )
    assert "撤销" in body.splitlines()[0] and "已撤销" in body and "3号并未废止2号" in body


@pytest.mark.parametrize(
    ("url", "table"),
    [
        ("gazette:register", 'id="events" class="stacked"'),
        ("gazette:posts", 'id="memberships" class="stacked"'),
        ("gazette:list", 'id="documents" class="stacked"'),
    ],
)
def test_the_register_posts_and_list_tables_stack_at_phone_width(client, url, table):
    html = client.get(reverse(url)).content.decode()
    assert table in html and "<thead><tr>" in html and "</tbody></table>" in html


def test_a_visitor_reads_the_affected_figures_but_not_the_departments_open_items(client, make_user):
    url = reverse("gazette:affected", args=[_uri(CANTEENS)])
    visitor = client.get(url).content.decode()
    assert "五、（一）1" in visitor and "在办事项" not in visitor.split("</h1>")[1].split("登录后显示")[1]
    assert "/canteens/settlements/" not in visitor  # no link that ends at the login page
    api = client.get(f"/api/v1/gazette/affected/{_uri(CANTEENS)}").json()
    assert api and not any(r["kind"] == "在办事项" for change in api for r in change["affected"])
    client.force_login(make_user("walk15-finance", Role.FINANCE))
    staff = client.get(url).content.decode()
    assert "在办事项" in staff and "/canteens/settlements/" in staff and "登录后显示" not in staff
