"""The portfolio, operation and performance pages: who opens what (the portfolio for 大数据局 and 财政局, a project's
page within the application's scope, the ranking for the county's readers), gates with evidence and stale flags,
baselines, filters and export, the forms with refusals named, the confirmation before a next-year decision, the
to-dos, and the PDFs of the 审核意见 and the annual plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from countyhall.egov import portfolio
from countyhall.egov.models import NextYearDecision, PerformanceEvaluation

pytestmark = pytest.mark.django_db
D = dt.date
ASPECTS = {"progress": "按计划", "funds": "规范", "operation": "平稳", "effect": "良好"}


def _login(client, user):
    client.force_login(user)
    return client


def test_the_portfolio_opens_for_big_data_and_finance_only(client, egov_users, in_plan):
    url = reverse("egov:portfolio")
    for role in ("unit", "government", "reviewer"):
        assert _login(client, egov_users[role]).get(url).status_code == 403, role
    for role in ("bigdata", "finance"):
        page = _login(client, egov_users[role]).get(url)
        text = page.content.decode()
        assert page.status_code == 200, role
        assert "智慧社区平台" in text and "另一单位的系统" in text and "列入年度建设计划：已通过" in text
        assert "750,000.00" in text or "750000.00" in text


def test_stale_evidence_is_flagged_filtered_and_exported(client, egov_users, in_plan, settings):
    _login(client, egov_users["bigdata"])
    url = reverse("egov:portfolio")
    assert (
        "证据过期</strong>" not in client.get(url).content.decode()
    )  # a plan approved in September, read in June
    settings.COUNTYHALL_EGOV_STALE_DAYS = 30
    text = client.get(url, {"stale": "1"}).content.decode()
    assert "证据过期</strong>" not in text  # the plan is the last gate: nothing waits after it yet
    settings.BUSINESS_DATE = D(2021, 12, 1)
    in_plan["plan"].entries.filter(application=in_plan["other"]).delete()  # the other waits for the plan
    text = client.get(url, {"stale": "1"}).content.decode()
    assert "另一单位的系统" in text and "智慧社区平台" not in text
    export = client.get(url, {"export": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert export.status_code == 200 and "各环节" in body and "证据过期" in body


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "20x2"}, "计划年度"),
        ({"unit": "abc"}, "申报单位"),
        ({"status": "nope"}, "状态"),
        ({"stale": "2"}, "只看"),
    ],
)
def test_bad_portfolio_filters_are_a_400_naming_the_field(client, egov_users, in_plan, params, field):
    response = _login(client, egov_users["finance"]).get(reverse("egov:portfolio"), params)
    assert response.status_code == 400 and field in response.content.decode()


def test_a_project_page_within_scope_with_gates_baselines_and_the_forms(client, egov_users, in_plan, figures):
    own = in_plan["own"]
    url = reverse("egov:performance-project", args=[own.pk])
    assert _login(client, egov_users["other_unit"]).get(url).status_code == 404
    page = _login(client, egov_users["unit"]).get(url).content.decode()
    assert "各环节及证据" in page and "投资基线的全部版本" in page and "第1版" in page
    assert (
        'value="evaluation"' not in page and 'value="operation"' in page
    )  # the unit maintains its own system
    _login(client, egov_users["bigdata"])
    response = client.post(
        url,
        {
            "action": "evaluation",
            "round": "regular",
            "evaluated_on": "2022-06-01",
            "score": "120",
            "verdict": "adequate",
            **ASPECTS,
        },
        follow=True,
    )
    assert "0到100分" in response.content.decode() and not PerformanceEvaluation.objects.exists()
    response = client.post(
        url,
        {
            "action": "evaluation",
            "round": "regular",
            "evaluated_on": "2022-06-01",
            "score": "86",
            "verdict": "poor",
            "rectification_due": "2022-08-31",
            **ASPECTS,
        },
        follow=True,
    )
    assert "已登记绩效评估" in response.content.decode()
    assert "86.00/100" in response.content.decode() and "2022年8月31日" in response.content.decode()
    response = client.post(
        url,
        {
            "action": "rating",
            "kind": "contractor",
            "supplier": "甲公司",
            "score": "90",
            "rated_on": "2022-06-01",
            "note": "按合同履约",
        },
        follow=True,
    )
    assert "已登记评估考核" in response.content.decode()


def test_the_scale_missing_is_said_instead_of_a_form(client, egov_users, in_plan):
    page = _login(client, egov_users["bigdata"]).get(
        reverse("egov:performance-project", args=[in_plan["own"].pk])
    )
    assert "评分量表的满分尚未录入" in page.content.decode()


def _poor_twice(bigdata, application):
    from countyhall.egov.performance import evaluation_record

    evaluation_record(
        actor=bigdata,
        application=application,
        evaluated_on=D(2022, 3, 1),
        score="50",
        verdict="poor",
        rectification_due=D(2022, 5, 31),
        **ASPECTS,
    )
    evaluation_record(
        actor=bigdata,
        application=application,
        evaluated_on=D(2022, 6, 10),
        score="55",
        verdict="poor",
        round="after_rectification",
        **ASPECTS,
    )


def test_the_next_year_flag_is_confirmed_on_its_own_page(client, egov_users, in_plan, figures):
    own, bigdata = in_plan["own"], egov_users["bigdata"]
    _poor_twice(bigdata, own)
    _login(client, bigdata)
    home = client.get(reverse("home")).content.decode()
    assert "压缩或不予安排下一年度项目的提示待确认" in home
    listing = client.get(reverse("egov:performance")).content.decode()
    assert "整改后仍达不到应有绩效" in listing and reverse("egov:next-year", args=[own.pk]) in listing
    url = reverse("egov:next-year", args=[own.pk])
    page = client.get(url).content.decode()
    assert "2023 计划年度" in page and "决定一经作出不能修改" in page
    response = client.post(url, {"decision": "reduce", "note": "整改后仍未达标"})
    assert response.status_code == 200 and "请勾选确认" in response.content.decode()
    assert not NextYearDecision.objects.exists()
    response = client.post(url, {"decision": "reduce", "note": "整改后仍未达标", "confirm": "on"})
    assert response.status_code == 302 and NextYearDecision.objects.get().decision == "reduce"
    assert _login(client, egov_users["finance"]).get(url).status_code == 403
    unit_home = _login(client, egov_users["unit"]).get(reverse("egov:performance")).content.decode()
    assert "压缩下一年度电子政务建设项目" in unit_home and "另一单位的系统" not in unit_home


def test_the_performance_list_is_scoped_filtered_and_exported(client, egov_users, in_plan, figures):
    from countyhall.egov.performance import evaluation_record

    for app in (in_plan["own"], in_plan["other"]):
        evaluation_record(
            actor=egov_users["bigdata"],
            application=app,
            evaluated_on=D(2022, 6, 1),
            score="80",
            verdict="adequate",
            **ASPECTS,
        )
    url = reverse("egov:performance")
    text = _login(client, egov_users["unit"]).get(url).content.decode()
    assert "智慧社区平台" in text and "另一单位的系统" not in text
    text = (
        _login(client, egov_users["bigdata"])
        .get(url, {"verdict": "adequate", "sort": "-score"})
        .content.decode()
    )
    assert "另一单位的系统" in text
    assert client.get(url, {"verdict": "bad"}).status_code == 400
    export = client.get(url, {"export": "csv"})
    assert "另一单位的系统" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_the_ranking_page_formula_as_of_and_export(client, egov_users, in_plan, figures):
    from countyhall.egov.performance import supplier_rate

    for app, score in ((in_plan["own"], "90"), (in_plan["other"], "70")):
        supplier_rate(
            actor=egov_users["bigdata"],
            application=app,
            kind="contractor",
            supplier="甲公司",
            score=score,
            rated_on=D(2022, 6, 1),
            note="按合同履约",
        )
    url = reverse("egov:ratings")
    assert _login(client, egov_users["unit"]).get(url).status_code == 403
    text = _login(client, egov_users["finance"]).get(url).content.decode()
    assert "第1名" in text and "÷" in text and "2022年6月15日" in text and "不少于 2 个" in text
    text = client.get(url, {"as_of": "2022-05-01"}).content.decode()
    assert "截至该日尚无评估考核" in text
    assert client.get(url, {"as_of": "2022-13-01"}).status_code == 400
    assert client.get(url, {"as_of": "2022-07-01"}).status_code == 400
    export = client.get(url, {"export": "csv"})
    assert "甲公司" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_the_review_and_plan_pdfs(client, egov_users, in_plan):
    own = in_plan["own"]
    _login(client, egov_users["unit"])
    response = client.get(reverse("egov:review-pdf", args=[own.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("egov:review-pdf", args=[in_plan["other"].pk])).status_code == 404
    response = client.get(reverse("egov:plan-pdf", args=[2022, 1]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("egov:plan-pdf", args=[2022, 9])).status_code == 404


def test_the_demo_has_performance_and_every_new_page_opens_for_every_role(client, db):
    from countyhall.core.actors import SystemActor
    from countyhall.core.demo import demo_load
    from countyhall.core.models import User
    from countyhall.egov.demo import load
    from countyhall.egov.models import Application, OperationArrangement, SupplierRating

    demo_load()
    messages = load(actor=SystemActor("demo"))
    assert any("绩效评估" in line for line in messages)
    assert OperationArrangement.objects.count() == 2 and SupplierRating.objects.count() == 6
    [waiting] = portfolio.next_year_recommendations()
    assert waiting["application"].name == "基层卫生信息系统升级（示例）"
    pages = [reverse("egov:portfolio"), reverse("egov:performance"), reverse("egov:ratings")]
    for application in Application.objects.filter(status=Application.Status.IN_PLAN):
        pages += [
            reverse("egov:performance-project", args=[application.pk]),
            reverse("egov:next-year", args=[application.pk]),
        ]
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
    ):
        _login(client, User.objects.get(username=username))
        for page in pages:
            assert client.get(page).status_code in (200, 403, 404), (username, page)
    _login(client, User.objects.get(username="dashuju"))
    assert "基层卫生信息系统升级（示例）" in client.get(reverse("egov:performance")).content.decode()


def test_the_to_dos_of_rectification(client, egov_users, in_plan, figures, settings):
    from countyhall.egov.performance import evaluation_record

    evaluation_record(
        actor=egov_users["bigdata"],
        application=in_plan["own"],
        evaluated_on=D(2022, 6, 1),
        score="50",
        verdict="poor",
        rectification_due=D(2022, 6, 30),
        **ASPECTS,
    )
    assert "绩效低下，限期整改" in _login(client, egov_users["unit"]).get(reverse("home")).content.decode()
    assert "绩效低下" not in _login(client, egov_users["other_unit"]).get(reverse("home")).content.decode()
    assert "待整改后复评" not in _login(client, egov_users["bigdata"]).get(reverse("home")).content.decode()
    settings.BUSINESS_DATE = D(2022, 7, 1)
    assert "待整改后复评" in _login(client, egov_users["bigdata"]).get(reverse("home")).content.decode()
