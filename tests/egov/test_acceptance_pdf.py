"""The 竣工验收报告 PDF (1号 三、（四）): who gets it (the project detail's scope: the unit its own, 大数据局, 财政局, 审计局
and 县政府 every project; a role outside the program 403; a project out of scope or not yet decided 404), what it
prints (preliminary acceptance and trial run, the application, the 20-working-day clock with its stop, the outcome
and the settlement review, each figure with its clause and gazette line), the audited read, the links to it."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.urls import reverse

from countyhall.core.models import AuditEntry
from countyhall.egov import services as s
from tests.egov.test_construction import _checklist, _preliminary, _started

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def decided(egov_users, planned, settings):
    """A project accepted on its second application (the first found the materials incomplete), then settled."""
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    items = _checklist(egov_users)
    _preliminary(app, egov_users, settings, trial=D(2022, 3, 1), on=D(2022, 6, 1))
    settings.BUSINESS_DATE = D(2022, 6, 6)
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items[:3])
    settings.BUSINESS_DATE = D(2022, 6, 8)
    acceptance = s.final_acceptance_materials(
        actor=egov_users["bigdata"], acceptance=acceptance, received=items
    )
    settings.BUSINESS_DATE = D(2022, 6, 20)
    s.final_acceptance_decide(
        actor=egov_users["bigdata"],
        acceptance=acceptance,
        key_params_match_plan=True,
        catalogue_on_sharing_platform=True,
        report_number="高青大数据验〔2022〕3号",
    )
    return app


def _text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_who_gets_the_acceptance_report(client, egov_users, make_user, decided, draft):
    url = reverse("egov:acceptance-pdf", args=[decided.pk])
    table = {
        "unit": 200,
        "bigdata": 200,
        "finance": 200,
        "audit_office": 200,
        "government": 200,
        "other_unit": 404,  # another unit's project
        "reviewer": 404,  # not the reviewer of this project
        "secrecy": 404,  # not a classified project
    }
    for role, status in table.items():
        client.force_login(egov_users[role])
        assert client.get(url).status_code == status, role
    client.force_login(make_user("egov-minzheng", "civil_affairs"))
    assert client.get(url).status_code == 403
    # a project of the unit's own without a decided final acceptance has no report
    client.force_login(egov_users["unit"])
    assert client.get(reverse("egov:acceptance-pdf", args=[draft().pk])).status_code == 404


def test_the_report_prints_each_step_with_its_clause_and_the_read_is_audited(
    client, egov_users, decided, settings
):
    url = reverse("egov:acceptance-pdf", args=[decided.pk])
    client.force_login(egov_users["finance"])
    before = AuditEntry.objects.filter(action=AuditEntry.Action.READ).count()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for words in (
        "电子政务建设项目竣工验收报告",
        "智慧社区平台",
        "800,000.00",
        "山东某软件评测中心",
        "2022年3月1日",  # trial run from
        "2022年6月1日",  # the earliest preliminary acceptance after three months
        "已满足",
        "2022年6月6日",  # applied, materials incomplete: the clock stops
        "停止计时",
        "2022年6月8日",  # materials complete
        "20个工作日",
        "竣工验收合格",
        "高青大数据验〔2022〕3号",
        "尚未进行结算评审",
        # each figure's clause with its gazette line (citation_source): 6.5's limit, 6.3's trial run, 6.6's fail
        # conditions, 4.6's approved investment
        "公报第 819 行",
        "公报第 801 行",
        "公报第 825 行",
        "公报第 654 行",
    ):
        assert words.replace(" ", "") in text.replace(" ", "").replace("\n", ""), words
    acceptance = decided.final_acceptances.get()
    assert f"{acceptance.due_on.year}年{acceptance.due_on.month}月{acceptance.due_on.day}日" in text
    read = AuditEntry.objects.filter(action=AuditEntry.Action.READ).order_by("-pk").first()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.READ).count() == before + 1
    assert read.object_type == "egov.FinalAcceptance" and read.actor == egov_users["finance"]
    # after the settlement review the report shows it
    s.settlement_review_record(
        actor=egov_users["finance"],
        application=decided,
        reviewer="山东某会计师事务所",
        commissioned_on=D(2022, 6, 20),
        completed_on=D(2022, 6, 20),
        settled_amount="760000.00",
    )
    text = _text(client.get(url).content)
    assert "山东某会计师事务所" in text and "760,000.00" in text and "公报第 847 行" in text


def test_the_project_page_and_the_portfolio_link_the_report(client, egov_users, decided):
    link = reverse("egov:acceptance-pdf", args=[decided.pk])
    client.force_login(egov_users["unit"])
    assert link in client.get(reverse("egov:application", args=[decided.pk])).content.decode()
    client.force_login(egov_users["bigdata"])
    assert link in client.get(reverse("egov:performance-project", args=[decided.pk])).content.decode()
    assert link in client.get(reverse("egov:portfolio")).content.decode()
