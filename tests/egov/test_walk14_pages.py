"""What the walk of issue 14 found on the e-government pages, signed in as each of 1号's users: each test is one
finding, fixed (the gates' state codes on the project and portfolio pages, the templates page's title, …)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.web.test_no_developer_artefacts import VisibleText

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return VisibleText.of(response.content.decode())


def test_the_construction_gates_show_their_state_in_words_not_codes(client, egov_users, planned):
    """The project's 各环节与绩效 page and the portfolio showed "open", "n/a" and "refused" for the construction
    gates (the construction selectors' codes, which the portfolio's labels did not know)."""
    application = planned()
    for role in ("bigdata", "unit"):
        text = _text(
            _login(client, egov_users[role]).get(reverse("egov:performance-project", args=[application.pk]))
        )
        gates = text[text.index("各环节及证据") : text.index("投资")]
        assert not re.search(r"(?<![A-Za-z])(open|refused|n/a)(?![A-Za-z])", gates), gates
        assert "采购文件经县大数据局审核 待办理" in gates and "不适用" in gates
    text = _text(_login(client, egov_users["bigdata"]).get(reverse("egov:portfolio")))
    assert "采购文件经县大数据局审核：待办理" in text and not re.search(r"：(open|refused|n/a)", text)


def test_the_templates_page_title_is_its_name_only(client, egov_users):
    """The templates page's <title> held the whole 附件7 checklist section, HTML tags included (a merge left it in
    the title block as well as the content)."""
    html = _login(client, egov_users["bigdata"]).get(reverse("egov:templates")).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("申报材料模板") and "<" not in title and "checklist" not in title
    assert html.count('id="checklist-title"') == 1


def test_documents_and_the_review_carry_the_business_date_not_the_real_clock(
    client, egov_users, draft, reviewer_org, settings
):
    """In the demo (business date pinned) a 2021 application's documents read "uploaded 2026年…", and the portfolio's
    准予评审 evidence was dated the real day with "0天" — auto_now_add wrote the real clock."""
    from countyhall.egov import portfolio, services

    application = draft()  # uploaded on the pinned 2021-09-15
    from countyhall.core.clock import local

    # The county's day (Asia/Shanghai), not UTC's: business_now is the pinned date at the real local time of day.
    assert {local(d.uploaded_at).date() for d in application.documents.all()} == {settings.BUSINESS_DATE}
    text = _text(_login(client, egov_users["unit"]).get(reverse("egov:application", args=[application.pk])))
    assert re.search(r"附件1 电子政务建设项目申请文件（样稿）（第1版）\s*（2021年9月15日）", text), text
    services.application_submit(actor=egov_users["unit"], application=application)
    review = services.review_start(
        actor=egov_users["bigdata"],
        application=application,
        migration_completed_as_required=True,
        reviewer=reviewer_org,
    )
    assert local(review.started_at).date() == settings.BUSINESS_DATE
    review.refresh_from_db()
    assert local(review.started_at).date() == settings.BUSINESS_DATE
    gate = next(g for g in portfolio.gates(application) if g["code"] == "admissibility")
    assert gate["evidence_date"] == settings.BUSINESS_DATE


def test_the_plan_links_only_the_projects_the_reader_may_open(client, egov_users, in_plan):
    """The annual plan lists every unit's projects; a budget unit (or 县保密局, the reviewer) following another unit's
    project from it met a 404. The others are named, not linked."""
    own, other = in_plan["own"], in_plan["other"]
    url = reverse("egov:plan-year", args=[own.plan_year.year])
    html = _login(client, egov_users["unit"]).get(url).content.decode()
    assert reverse("egov:application", args=[own.pk]) in html and "另一单位的系统" in html
    assert reverse("egov:application", args=[other.pk]) not in html
    for role in ("secrecy", "trading"):
        html = _login(client, egov_users[role]).get(url).content.decode()
        assert "另一单位的系统" in html and reverse("egov:application", args=[other.pk]) not in html, role
    html = _login(client, egov_users["bigdata"]).get(url).content.decode()
    assert reverse("egov:application", args=[other.pk]) in html


def test_the_review_gate_decisions_ask_for_confirmation_and_name_the_reviewer(
    client, egov_users, draft, reviewer_org
):
    """准予评审审查 (4.3) and 保密审查 (3.5) end an application when they refuse it, and were one click away. They now
    pass through the confirmation page, which names the review body (not its id) and says 是 for a ticked box."""
    from countyhall.egov.models import Application
    from countyhall.egov.services import application_submit

    app = application_submit(actor=egov_users["unit"], application=draft())
    url = reverse("egov:application", args=[app.pk])
    posted = {
        "action": "review_start",
        "migration_completed_as_required": "no",
        "special_circumstance_accepted": "on",
        "special_circumstance_note": "理由",
        "mode": "",
        "reviewer": str(reviewer_org.pk),
    }
    page = _login(client, egov_users["bigdata"]).post(url, posted)
    text = _text(page)
    assert "请确认：作出准予评审审查结论" in text and "不能撤回" in text
    assert f"受托的第三方评审机构：{reviewer_org}" in text and f"：{reviewer_org.pk}" not in text
    assert "认定八类项目的特殊情况：是" in text and "：on" not in text
    assert "申报单位已按时、按要求完成迁移整合：否" in text
    app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED and not hasattr(app, "review")  # nothing done yet
    client.post(url, {**posted, "confirmed": "1"})
    app.refresh_from_db()
    assert app.status == Application.Status.INADMISSIBLE

    classified = application_submit(
        actor=egov_users["unit"], application=draft(name="涉密系统", classified=True, documents=False)
    )
    url = reverse("egov:application", args=[classified.pk])
    posted = {"action": "secrecy", "decision": "yes", "opinion": "符合保密要求"}
    text = _text(_login(client, egov_users["secrecy"]).post(url, posted))
    assert "请确认：作出保密审查结论" in text and "审查结论：确认，进入评审" in text
    classified.refresh_from_db()
    assert classified.status == Application.Status.SECRECY_REVIEW
    client.post(url, {**posted, "confirmed": "1"})
    classified.refresh_from_db()
    assert classified.status == Application.Status.SUBMITTED and classified.secrecy_opinion == "符合保密要求"


def test_a_construction_to_do_about_one_project_opens_that_project(client, egov_users, planned):
    """The construction to-dos (采购文件待审核, 待组织采购, 待整改, …) all led to the list of every in-plan project, where
    the user had to find the project concerned; with one project concerned they open it at the section to act in,
    with two the list."""
    import datetime as dt

    from countyhall.egov import services as s
    from countyhall.egov.todos import todos_for
    from tests.egov.conftest import pdf

    def todo(user, words):
        return next(t for t in todos_for(user) if words in t.label)

    app = planned()
    s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf())
    url = todo(egov_users["bigdata"], "采购文件待审核").url
    assert url == reverse("egov:application", args=[app.pk]) + "#procurement"
    assert "procurement-review-form" in _login(client, egov_users["bigdata"]).get(url).content.decode()
    s.procurement_review(
        actor=egov_users["bigdata"], procurement=app.procurement, approved=True, opinion="同意"
    )
    assert todo(egov_users["trading"], "待组织采购").url.startswith(
        reverse("egov:application", args=[app.pk])
    )
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
    assert (
        todo(egov_users["unit"], "待整改").url == reverse("egov:application", args=[app.pk]) + "#inspections"
    )
    second = planned(name="第二个项目")
    s.procurement_submit(actor=egov_users["unit"], application=second, file=pdf())
    other = planned(name="第三个项目")
    s.procurement_submit(actor=egov_users["unit"], application=other, file=pdf())
    assert todo(egov_users["bigdata"], "采购文件待审核").url.endswith("?status=in_plan")


def test_a_cloud_request_names_its_form_once(client, egov_users, planned):
    """The cloud section read "附件4 政务云资源需求审批表（新建系统）（新建系统）": the form's title already says the kind."""
    from countyhall.egov import services as s
    from tests.egov.conftest import pdf

    app = planned()
    s.cloud_request_submit(
        actor=egov_users["unit"], application=app, kind="new", resources="云主机2台", file=pdf()
    )
    text = _text(_login(client, egov_users["bigdata"]).get(reverse("egov:application", args=[app.pk])))
    assert "（新建系统）（新建系统）" not in text and "附件4 政务云资源需求审批表（新建系统）" in text


def test_downloads_are_named_for_what_they_are(client, egov_users, draft):
    """A document downloaded as storage had named it ("附件1示例_cGrUxMn.pdf"); it is saved under the project's name
    and the attachment's."""
    from urllib.parse import unquote

    application = draft()
    document = application.documents.get(attachment=1)
    response = _login(client, egov_users["unit"]).get(reverse("egov:document", args=[document.pk]))
    disposition = unquote(response["Content-Disposition"])
    assert response.status_code == 200
    assert "智慧社区平台-附件1 电子政务建设项目申请文件（样稿）（第1版）.pdf" in disposition, disposition


def test_the_basis_names_each_clause_once(client, egov_users, in_plan):
    """The plan's 依据 listed 《…》（高政办发〔2021〕1号）三、（二）3 three times (three sentences of one clause)."""
    html = (
        _login(client, egov_users["unit"])
        .get(reverse("egov:plan-year", args=[in_plan["own"].plan_year.year]))
        .content.decode()
    )
    for basis in re.findall(r'<details class="basis">(.*?)</details>', html, re.S):
        links = re.findall(r'<a class="citation"[^>]*>(.*?)</a>', basis)
        assert len(links) == len(set(links)), links
    assert "三、（二）3" in html


def test_a_refused_signature_keeps_what_was_typed(client, egov_users, draft, reviewer_org):
    """财政局 signing with a bad amount ("25万") came back to a blank form: the opinion and the choice were lost."""
    from countyhall.egov import services as s
    from tests.egov.conftest import pdf

    app = s.application_submit(actor=egov_users["unit"], application=draft())
    review = s.review_start(
        actor=egov_users["bigdata"],
        application=app,
        migration_completed_as_required=True,
        reviewer=reviewer_org,
    )
    s.report_upload(actor=egov_users["reviewer"], review=review, file=pdf(), conclusion="建议支持")
    url = reverse("egov:application", args=[app.pk])
    posted = {
        "action": "sign_fiscal",
        "supported": "yes",
        "opinion": "投资测算基本合理",
        "approved_investment": "25万",
        "confirm": "on",
    }
    page = _login(client, egov_users["finance"]).post(url, posted, follow=True)
    html = page.content.decode()
    assert "审核确定的投资须为以元为单位、最多两位小数的金额。" in html
    form = html[html.index('id="fiscal-form"') :]
    form = form[: form.index("</form>")]
    assert "投资测算基本合理" in form and 'value="25万"' in form
    assert re.search(r'value="yes"[^>]*checked', form)
    assert not re.search(r'name="confirm"[^>]*checked', form)  # ticked again by the person
    html = client.get(url).content.decode()  # once: a later visit starts blank
    form = html[html.index('id="fiscal-form"') :]
    assert "投资测算基本合理" not in form[: form.index("</form>")]
