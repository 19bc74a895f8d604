"""The project page's construction and acceptance part: the gates with their state, the buttons only for who may
act, a confirmation page before an irreversible act, bad input as a Chinese message naming the field (never a 500),
the history of the construction records, and the to-dos of who acts next."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from countyhall.egov import services as s
from countyhall.egov.models import Procurement
from countyhall.egov.todos import todos_for
from tests.egov.conftest import pdf

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)


def _page(client, app) -> str:
    return client.get(reverse("egov:application", args=[app.pk])).content.decode()


def test_the_page_shows_the_gates_and_the_builder_sends_the_procurement_file(client, egov_users, planned):
    app = planned()
    _login(client, egov_users["unit"])
    page = _page(client, app)
    assert "建设与验收关口" in page and 'data-gate="procurement"' in page and 'id="procurement-form"' in page
    url = reverse("egov:application", args=[app.pk])
    response = client.post(url, {"action": "procurement_submit", "file": pdf("采购文件.pdf")}, follow=True)
    assert "采购文件已报送县大数据局审核" in response.content.decode()
    assert "报送采购文件" in _page(client, app)  # the history names the act
    _login(client, egov_users["other_unit"])
    assert client.get(url).status_code == 404


def test_an_irreversible_act_asks_for_confirmation_and_bad_input_names_the_field(client, egov_users, planned):
    app = planned()
    procurement = s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf())
    url = reverse("egov:application", args=[app.pk])
    _login(client, egov_users["bigdata"])
    assert 'id="procurement-review-form"' in _page(client, app)
    first = client.post(url, {"action": "procurement_review", "approved": "yes", "opinion": "同意"})
    assert first.status_code == 200 and "请确认：审核采购文件" in first.content.decode()
    assert "是否同意：是" in first.content.decode() and "意见：同意" in first.content.decode()
    procurement.refresh_from_db()
    assert procurement.status == Procurement.Status.SUBMITTED
    done = client.post(
        url,
        {"action": "procurement_review", "approved": "yes", "opinion": "同意", "confirmed": "1"},
        follow=True,
    )
    assert "采购文件审核意见已记录" in done.content.decode()
    _login(client, egov_users["trading"])
    assert 'id="procurement-record-form"' in _page(client, app)
    bad = client.post(
        url,
        {
            "action": "procurement_record",
            "contractor": "某公司",
            "contract_amount": "1.5.0",
            "procured_on": "2022-02-07",
            "confirmed": "1",
        },
        follow=True,
    )
    assert bad.status_code == 200 and "合同金额" in bad.content.decode()
    procurement.refresh_from_db()
    assert procurement.status == Procurement.Status.REVIEWED


def test_to_dos_name_who_acts_next(egov_users, planned, settings):
    app = planned()
    s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf())
    assert any("采购文件待审核" in t.label for t in todos_for(egov_users["bigdata"]))
    s.procurement_review(
        actor=egov_users["bigdata"], procurement=app.procurement, approved=True, opinion="同意"
    )
    assert any("待组织采购" in t.label for t in todos_for(egov_users["trading"]))
    s.procurement_record(
        actor=egov_users["trading"],
        procurement=app.procurement,
        contractor="某公司",
        contract_amount="1000.00",
        procured_on=dt.date(2022, 2, 7),
    )
    s.construction_start(actor=egov_users["unit"], application=app, started_on=dt.date(2022, 2, 7))
    s.inspection_record(
        actor=egov_users["bigdata"],
        application=app,
        inspected_on=dt.date(2022, 2, 7),
        participants="县财政局",
        scope="进度",
        findings=[{"description": "进度滞后", "major": False, "rectify_by": dt.date(2022, 3, 1)}],
    )
    assert any("待整改" in t.label for t in todos_for(egov_users["unit"]))


def test_the_demo_has_projects_under_construction_a_sanction_and_a_late_acceptance(client, db, settings):
    from countyhall.core.actors import SystemActor
    from countyhall.core.demo import demo_load
    from countyhall.core.models import User
    from countyhall.egov.demo import load
    from countyhall.egov.models import Application, FinalAcceptance, Sanction
    from countyhall.egov.selectors import acceptance_clock_state

    demo_load()
    load(actor=SystemActor("demo"))
    assert Sanction.objects.get().status == Sanction.Status.IN_FORCE
    acceptance = FinalAcceptance.objects.get(
        application__name="基层卫生信息系统升级（示例）"
    )  # the overdue one
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    assert acceptance.status == FinalAcceptance.Status.RUNNING and acceptance_clock_state(acceptance).overdue
    bigdata = User.objects.get(username="dashuju")
    assert any("超过20个工作日" in t.label for t in todos_for(bigdata))
    for username in ("jiaoti", "weijian", "dashuju", "caizheng", "jiaoyi", "xianzhengfu", "shenjiju"):
        _login(client, User.objects.get(username=username))
        for application in Application.objects.filter(status="in_plan"):
            response = client.get(reverse("egov:application", args=[application.pk]))
            assert response.status_code in (200, 404), username
    _login(client, bigdata)
    page = _page(client, acceptance.application)
    assert 'id="acceptance-decide-form"' in page and "已超期" in page


def test_the_checklist_of_attachment_7_is_entered_on_the_templates_page(client, egov_users):
    from countyhall.egov.models import AcceptanceChecklistItem

    _login(client, egov_users["unit"])
    assert "尚未录入" in client.get(reverse("egov:templates")).content.decode()
    assert client.post(reverse("egov:templates"), {"action": "checklist", "name": "x"}).status_code == 403
    _login(client, egov_users["bigdata"])
    response = client.post(
        reverse("egov:templates"), {"action": "checklist", "name": "初步验收报告"}, follow=True
    )
    assert "已录入附件7验收材料清单" in response.content.decode()
    again = client.post(
        reverse("egov:templates"), {"action": "checklist", "name": "初步验收报告"}, follow=True
    )
    assert "该材料已在清单中" in again.content.decode()
    assert AcceptanceChecklistItem.objects.count() == 1


def test_the_procurement_file_downloads_within_the_project_scope(client, egov_users, planned):
    app = planned()
    procurement = s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf("采购文件.pdf"))
    url = reverse("egov:construction-file", args=["procurement", procurement.pk])
    _login(client, egov_users["unit"])
    assert url in _page(client, app)
    assert client.get(url).status_code == 200
    assert client.get(reverse("egov:construction-file", args=["nope", procurement.pk])).status_code == 404
    _login(client, egov_users["other_unit"])
    assert client.get(url).status_code == 404
