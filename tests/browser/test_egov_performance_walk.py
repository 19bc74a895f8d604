"""The portfolio and the performance pages in the browser, at desktop and at phone width (375 px): 大数据局 reads
the portfolio, opens a project, records a poor evaluation; the re-evaluation after rectification raises the
next-year recommendation, which it confirms on its confirmation page; the ranking shows its formula; the unit sees
its own project only. Every main page fits the screen, passes axe-core and is kept as a screenshot."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.walk import (
    PASSWORD,
    assert_accessible,
    assert_fits,
    check_page,
    settle,
    shot,
    visible_text,
)
from tests.egov.conftest import draft, egov_users, plan_year, reviewer_org  # noqa: F401  (fixtures)
from tests.egov.performance_fixtures import figures, in_plan  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ASPECTS = {"progress": "按计划", "funds": "规范", "operation": "平稳", "effect": "良好"}
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 812}}


def _open(browser, base, username, viewport):
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_portfolio_and_performance_walk(browser, live_server, egov_users, in_plan, figures, width):  # noqa: F811
    from countyhall.egov.models import NextYearDecision
    from countyhall.egov.performance import evaluation_record, supplier_rate

    base, own, other = live_server.url, in_plan["own"], in_plan["other"]
    viewport = WIDTHS[width]
    for app, score in ((own, "90"), (other, "70")):
        supplier_rate(
            actor=egov_users["bigdata"],
            application=app,
            kind="contractor",
            supplier="甲公司",
            score=score,
            rated_on=dt.date(2022, 6, 1),
            note="按合同履约",
        )

    page = _open(browser, base, "egov-bigdata", viewport)
    page.goto(f"{base}/egov/portfolio/")
    check_page(page, f"egov-portfolio-{width}")
    text = visible_text(page)
    assert "2022年度电子政务项目总览" in text and "智慧社区平台" in text and "另一单位的系统" in text
    page.click("text=智慧社区平台")
    check_page(page, f"egov-project-{width}")
    assert "各环节及证据" in visible_text(page) and "投资基线的全部版本" in visible_text(page)

    # A poor evaluation through the form.
    page.click("#evaluation-form summary")
    page.fill("#id_evaluated_on", "2022-03-01")
    page.fill("#id_score", "50")
    for field, value in ASPECTS.items():
        page.fill(f"#id_{field}", value)
    page.check("input[name=verdict][value=poor]")
    page.fill("#id_rectification_due", "2022-05-31")
    page.click("#evaluation-form button[type=submit]")
    settle(page)
    assert "已登记绩效评估" in visible_text(page) and "50.00/100" in visible_text(page)
    assert_fits(page)

    # Still poor after rectification: the recommendation waits for a person.
    evaluation_record(
        actor=egov_users["bigdata"],
        application=own,
        evaluated_on=dt.date(2022, 6, 10),
        score="55",
        verdict="poor",
        round="after_rectification",
        **ASPECTS,
    )
    page.goto(f"{base}/egov/performance/")
    check_page(page, f"egov-performance-{width}")
    assert "整改后仍达不到应有绩效" in visible_text(page)
    page.click("#recommendations a.button")
    check_page(page, f"egov-next-year-{width}")
    page.check("input[name=decision][value=reduce]")
    page.fill("#id_note", "整改后仍未达到应有绩效，压缩2023年度项目")
    page.check("#id_confirm")
    page.click("#next-year-form button[type=submit]")
    settle(page)
    assert "已记录对下一年度项目安排的处理决定" in visible_text(page)
    assert NextYearDecision.objects.get().decision == "reduce"

    page.goto(f"{base}/egov/ratings/")
    check_page(page, f"egov-ratings-{width}")
    assert "第1名" in visible_text(page) and "÷" in visible_text(page)
    page.context.close()

    # The unit: its own project's page, not the other unit's, and no portfolio.
    unit = _open(browser, base, "egov-unit", viewport)
    unit.goto(f"{base}/egov/a/{own.pk}/performance/")
    settle(unit)
    assert_fits(unit)
    assert_accessible(unit)
    shot(unit, f"egov-unit-project-{width}")
    assert "压缩下一年度电子政务建设项目" in visible_text(unit)
    assert unit.goto(f"{base}/egov/a/{other.pk}/performance/").status == 404
    assert unit.goto(f"{base}/egov/portfolio/").status == 403
    unit.context.close()
