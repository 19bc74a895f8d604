"""The e-government pages and their scope: the unit's form and list, 大数据局's inbox, the application page with the
step its reader acts on, the plan page; refusals shown next to the field; another unit's application is a 404; the
demo loads at every stage and every page of it opens for every role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from countyhall.core.models import User
from countyhall.core.policy import Citation
from countyhall.egov.models import AnnualPlan, Application, PlanYear
from countyhall.egov.services import application_submit
from tests.egov.conftest import pdf

pytestmark = pytest.mark.django_db
S = Application.Status


def _login(client, user):
    client.force_login(user)
    return client


def _form(**overrides):
    data = {
        "name": "网上办事大厅",
        "planned_investment": "500000.00",
        "funding": "fiscal_full",
        "has_engineering": "on",
        "migration_status": "completed",
        "supports_sharing_platform": "yes",
        "provides_info_per_rules": "yes",
        "sharing_needs_specified": "yes",
        "violates_sharing_rules": "no",
        **{f"kind_{k}": "no" for k in range(1, 9)},
    }
    data.update(overrides)
    return data


def test_a_unit_applies_through_the_form_uploads_and_submits(client, egov_users, plan_year):
    _login(client, egov_users["unit"])
    page = client.get(reverse("egov:application-new"))
    assert page.status_code == 200 and "八类项目声明" in page.content.decode()
    response = client.post(reverse("egov:application-new"), _form(planned_investment="五十万"))
    assert response.status_code == 200 and "最多两位小数" in response.content.decode()
    response = client.post(reverse("egov:application-new"), _form(kind_3=""))
    assert response.status_code == 200 and not Application.objects.exists()
    response = client.post(reverse("egov:application-new"), _form())
    app = Application.objects.get()
    assert response.status_code == 302 and app.declaration == {str(k): False for k in range(1, 9)}
    url = reverse("egov:application", args=[app.pk])
    response = client.post(url, {"action": "submit", "late": "refuse", "confirm": "on"}, follow=True)
    assert "附件1" in response.content.decode()
    for number in (1, 2, 3):
        client.post(url, {"action": "document", "attachment": str(number), "file": pdf(f"附件{number}.pdf")})
    response = client.post(url, {"action": "submit", "late": "refuse"}, follow=True)
    assert "请勾选确认" in response.content.decode()
    response = client.post(url, {"action": "submit", "late": "refuse", "confirm": "on"}, follow=True)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and "按时申报" in response.content.decode()
    assert "2021年9月30日" in response.content.decode()


def test_another_units_application_is_not_found_and_the_list_is_scoped(client, egov_users, draft):
    app = draft()
    _login(client, egov_users["other_unit"])
    assert client.get(reverse("egov:application", args=[app.pk])).status_code == 404
    assert client.get(reverse("egov:application-edit", args=[app.pk])).status_code == 404
    assert app.name not in client.get(reverse("egov:applications")).content.decode()
    _login(client, egov_users["unit"])
    assert app.name in client.get(reverse("egov:applications")).content.decode()


@pytest.mark.parametrize("role", ["permit_reviewer", "applicant_firm", "canteen_operator"])
def test_roles_outside_the_cycle_are_refused(client, make_user, role):
    _login(client, make_user(f"x-{role}", role))
    assert client.get(reverse("egov:applications")).status_code == 403


def test_the_inbox_filters_what_waits_and_bad_filters_are_400(client, egov_users, draft):
    application_submit(actor=egov_users["unit"], application=draft())
    _login(client, egov_users["bigdata"])
    page = client.get(reverse("egov:applications") + "?waiting=to_review").content.decode()
    assert "待准予评审审查" in page and "智慧社区平台" in page
    assert client.get(reverse("egov:applications") + "?waiting=nope").status_code == 400
    assert client.get(reverse("egov:applications") + "?status=nope").status_code == 400
    assert client.get(reverse("egov:applications") + "?year=abc").status_code == 400
    export = client.get(reverse("egov:applications") + "?export=csv")
    assert export.status_code == 200 and "智慧社区平台" in b"".join(export.streaming_content).decode(
        "utf-8-sig"
    )


def test_review_co_signature_and_plan_through_the_pages(client, egov_users, draft, reviewer_org, settings):
    app = application_submit(actor=egov_users["unit"], application=draft())
    url = reverse("egov:application", args=[app.pk])
    _login(client, egov_users["bigdata"])
    client.post(
        url,
        {
            "action": "review_start",
            "migration_completed_as_required": "yes",
            "mode": "",
            "reviewer": str(reviewer_org.pk),
            "confirmed": "1",
        },
    )
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW and app.review.mode == "written"
    _login(client, egov_users["reviewer"])
    assert "上传评审报告" in client.get(url).content.decode()
    client.post(url, {"action": "report", "report": pdf("报告.pdf"), "conclusion": "建议支持"})
    _login(client, egov_users["finance"])
    page = client.post(
        url,
        {
            "action": "sign_fiscal",
            "supported": "yes",
            "opinion": "合理",
            "confirm": "on",
            "approved_investment": "",
        },
        follow=True,
    ).content.decode()
    assert "审核确定的投资须大于0" in page or "金额" in page
    client.post(
        url,
        {
            "action": "sign_fiscal",
            "supported": "yes",
            "opinion": "合理",
            "confirm": "on",
            "approved_investment": "780000.00",
        },
    )
    _login(client, egov_users["bigdata"])
    client.post(url, {"action": "sign_technical", "supported": "yes", "opinion": "可行", "confirm": "on"})
    app.refresh_from_db()
    assert app.status == S.REVIEWED
    settings.BUSINESS_DATE = dt.date(2021, 12, 20)
    plan_url = reverse("egov:plan-year", args=[2022])
    client.post(plan_url, {"action": "compile"})
    assert AnnualPlan.objects.get().status == AnnualPlan.Status.DRAFT
    _login(client, egov_users["government"])
    assert "审定第1版" in client.get(plan_url).content.decode()
    client.post(plan_url, {"action": "approve", "reference": "高政字〔2021〕60号", "confirm": "on"})
    _login(client, egov_users["unit"])
    page = client.get(url).content.decode()
    assert "列入2022年度电子政务项目年度建设计划" in page and "780,000.00" in page
    home = client.get(reverse("home")).content.decode()
    assert "电子政务项目" in home


def test_the_demo_loads_and_every_page_opens_for_every_role(client, db, settings):
    from countyhall.core.actors import SystemActor
    from countyhall.core.demo import demo_load
    from countyhall.egov.demo import load

    demo_load()
    messages = load(actor=SystemActor("demo"))
    assert "2023" in messages[0]
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {
        S.DRAFT,
        S.SUBMITTED,
        S.SECRECY_REVIEW,
        S.UNDER_REVIEW,
        S.REVIEWED,
        S.IN_PLAN,
        S.INADMISSIBLE,
        S.REFUSED_LATE,
    } <= statuses
    assert PlanYear.objects.count() == 2 and AnnualPlan.objects.get().status == AnnualPlan.Status.APPROVED
    for username in (
        "jiaoti",
        "weijian",
        "dashuju",
        "caizheng",
        "baomi",
        "xianzhengfu",
        "pingshen",
        "shenjiju",
        "fagai",
        "auditor",
    ):
        user = User.objects.get(username=username)
        _login(client, user)
        pages = [
            reverse("egov:applications"),
            reverse("egov:plan"),
            reverse("egov:templates"),
            reverse("home"),
        ]
        for application in Application.objects.all():
            pages.append(reverse("egov:application", args=[application.pk]))
        for page in pages:
            assert client.get(page).status_code in (200, 404), (username, page)


def test_citations_of_the_cycle_are_citations():
    from countyhall.egov import citations

    assert all(
        isinstance(value, Citation)
        for name, value in vars(citations).items()
        if name.isupper() and name != "DOCUMENT"
    )
