"""An e-government project from the annual plan to the settlement review, in the browser (1号 三、（三）—（四）): the
unit sends the procurement file, 大数据局 reviews it, the trading centre procures; the unit's start is refused until
the supervisor is filed (a project of 2.5 million yuan with an engineering part, 5.3); then preliminary acceptance,
the final acceptance on its clock, and 财政局's settlement review before the post-acceptance payment. At desktop and
phone width; each irreversible act passes its confirmation page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.browser.walk import assert_accessible, assert_fits, open_as, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(county_tree, make_user, settings):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.egov import services
    from countyhall.egov.models import Application, Review

    for year in (2021, 2022):
        calendar_seed_year(
            year=year, actor="browser-test"
        )  # a transactional test starts from an empty database
    users = {
        key: make_user(f"w-{key}", role)
        for key, role in (
            ("unit", "budget_unit"),
            ("bigdata", "big_data"),
            ("trading", "trading_centre"),
            ("finance", "finance"),
        )
    }
    settings.BUSINESS_DATE = dt.date(2021, 9, 15)
    plan_year = services.plan_year_open(actor=users["bigdata"], year=2022)
    for name in ("竣工验收申请报告", "初步验收报告", "软件测试报告"):
        services.checklist_item_add(actor=users["bigdata"], name=name)
    application = Application.objects.create(
        plan_year=plan_year,
        unit_id=users["unit"].organisation_id,
        name="智慧城管平台（浏览器测试）",
        has_engineering=True,
        planned_investment=Decimal("2500000.00"),
        funding="fiscal_full",
        declaration={str(k): False for k in range(1, 9)},
        migration_status="completed",
        supports_sharing_platform=True,
        provides_info_per_rules=True,
        sharing_needs_specified=True,
        status=Application.Status.IN_PLAN,
        submitted_on=dt.date(2021, 9, 15),
    )
    Review.objects.create(application=application, approved_investment=Decimal("2500000.00"))
    settings.BUSINESS_DATE = dt.date(2022, 2, 7)
    return {"users": users, "application": application}


def _confirm(page):
    assert "请确认" in page.content()
    page.click("#confirm-yes")


def _radio(page, form: str, name: str, value: str = "yes"):
    page.locator(f"{form} input[name={name}][value={value}]").check()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_project_from_procurement_to_the_settlement_review(
    browser, live_server, project, settings, tmp_path, phone
):
    from countyhall.egov.models import FinalAcceptance, Payment

    base, app = live_server.url, project["application"]
    url = f"{base}/egov/a/{app.pk}/"
    file = tmp_path / "文件.pdf"
    file.write_bytes(b"%PDF-1.4 browser")
    unit, bigdata, trading, finance = (
        open_as(browser, base, f"w-{k}", phone=phone) for k in ("unit", "bigdata", "trading", "finance")
    )

    # 5.1 the procurement file: sent by the unit, reviewed by 大数据局, then procured by the trading centre.
    unit.goto(url)
    assert "建设与验收关口" in unit.content()
    assert_fits(unit)
    unit.locator("#procurement-form input[name=file]").set_input_files(str(file))
    unit.click("#procurement-form button")
    assert "采购文件已报送县大数据局审核" in unit.content()
    bigdata.goto(url)
    assert_accessible(bigdata)
    _radio(bigdata, "#procurement-review-form", "approved")
    bigdata.fill("#procurement-review-form input[name=opinion]", "同意采购")
    bigdata.click("#procurement-review-form button")
    _confirm(bigdata)
    assert "采购文件审核意见已记录" in bigdata.content()
    trading.goto(url)
    trading.fill("#procurement-record-form input[name=contractor]", "淄博示例信息公司")
    trading.fill("#procurement-record-form input[name=contract_amount]", "2400000.00")
    trading.fill("#procurement-record-form input[name=procured_on]", "2022-02-07")
    trading.click("#procurement-record-form button")
    _confirm(trading)
    assert "采购结果已登记" in trading.content()

    # 5.3 the start is refused without the supervisor's filing, then passes once filed.
    unit.goto(url)
    unit.fill("#start-form input[name=started_on]", "2022-02-07")
    unit.click("#start-form button")
    _confirm(unit)
    assert "原则上实行监理制" in unit.content()
    assert unit.locator("tr[data-gate=supervision]").inner_text().count("待办理") == 1
    shot(unit, f"egov-start-refused-{'phone' if phone else 'desktop'}")
    unit.locator("details:has(#supervision-form) summary").click()
    unit.fill("#supervision-form input[name=supervisor]", "山东示例监理公司")
    unit.fill("#supervision-form input[name=qualification]", "信息系统工程监理甲级")
    unit.fill("#supervision-form input[name=certificate]", "监理证 2022-001")
    unit.click("#supervision-form button")
    assert "监理单位已备案" in unit.content()
    unit.fill("#start-form input[name=started_on]", "2022-02-07")
    unit.click("#start-form button")
    _confirm(unit)
    assert "已登记开工" in unit.content()

    # 6.2–6.3 preliminary acceptance after three months of trial run.
    settings.BUSINESS_DATE = dt.date(2022, 6, 1)
    unit.goto(url)
    unit.locator("details:has(#preliminary-form) summary").click()
    unit.fill("#preliminary-form input[name=trial_start_on]", "2022-03-01")
    unit.fill("#preliminary-form input[name=accepted_on]", "2022-06-01")
    unit.fill("#preliminary-form input[name=testing_body]", "山东示例软件评测中心")
    unit.locator("#preliminary-form input[name=test_report]").set_input_files(str(file))
    unit.locator("#preliminary-form input[name=security_assessment]").set_input_files(str(file))
    unit.click("#preliminary-form button")
    assert "初步验收已登记" in unit.content()

    # 6.4–6.6 final acceptance: applied with every material of 附件7, the clock runs, 大数据局 accepts.
    unit.click("#acceptance-apply-form button")
    assert "验收中（计时）" in unit.content()
    bigdata.goto(url)
    assert "剩余20个工作日" in bigdata.content()
    assert_accessible(bigdata)
    _radio(bigdata, "#acceptance-decide-form", "key_params_match_plan")
    _radio(bigdata, "#acceptance-decide-form", "catalogue_on_sharing_platform")
    bigdata.fill("#acceptance-decide-form input[name=report_number]", "高青大数据验〔2022〕1号")
    bigdata.click("#acceptance-decide-form button")
    _confirm(bigdata)
    assert "竣工验收结论：竣工验收合格" in bigdata.content()
    assert FinalAcceptance.objects.get(application=app).on_time is True

    # 6.10 the settlement review, then the post-acceptance payment within it.
    finance.goto(url)
    finance.fill("#settlement-form input[name=reviewer]", "山东示例会计师事务所")
    finance.fill("#settlement-form input[name=commissioned_on]", "2022-06-01")
    finance.fill("#settlement-form input[name=completed_on]", "2022-06-01")
    finance.fill("#settlement-form input[name=settled_amount]", "2380000.00")
    finance.click("#settlement-form button")
    _confirm(finance)
    assert "结算评审已登记" in finance.content()
    finance.locator("details:has(#payment-form) summary").click()
    finance.select_option("#payment-form select[name=kind]", "post_acceptance")
    finance.fill("#payment-form input[name=amount]", "2380000.00")
    finance.fill("#payment-form input[name=paid_on]", "2022-06-01")
    finance.click("#payment-form button")
    _confirm(finance)
    assert "已登记验收后拨款" in finance.content()
    assert Payment.objects.get(application=app).amount == Decimal("2380000.00")
    assert "已通过" in finance.locator("tr[data-gate=settlement]").inner_text()
    assert_fits(finance)
    shot(finance, f"egov-settled-{'phone' if phone else 'desktop'}")
