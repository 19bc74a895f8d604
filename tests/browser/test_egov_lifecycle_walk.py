"""One e-government project through its whole life under 高政办发〔2021〕1号, in the browser and through the pages only:
the unit applies (form, three documents, submission), 大数据局 records the consulting firm and admits the project to an
on-site review (2.5 million yuan: 三、（二）1), the third party records its report after the five on-site steps,
大数据局 and 财政局 co-sign, 大数据局 compiles the annual plan and 县政府 approves it; then the procurement file is
reviewed and the trading centre procures; the unit's construction start is refused (the supervisor is not filed,
5.3) and passes once filed; preliminary acceptance after three months of trial run, the final acceptance on its
20-working-day clock, 财政局's settlement review, and 大数据局's performance evaluation and assessment, with the
rating shown. At desktop width and at 375 px; each irreversible act passes its confirmation page (the acts of the
yearly cycle confirm on their form: 提交申报, 会签, 审定)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.walk import assert_accessible, assert_fits, open_as, settle, shot, visible_text
from tests.egov.performance_fixtures import figures  # noqa: F401  (the administered scale, entered and approved)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def people(county_tree, make_user, settings):
    from countyhall.core.services.calendar import calendar_seed_year
    from countyhall.egov import services

    for year in (2021, 2022):
        calendar_seed_year(
            year=year, actor="browser-test"
        )  # a transactional test starts from an empty database
    users = {
        key: make_user(f"l-{key}", role)
        for key, role in (
            ("unit", "budget_unit"),
            ("bigdata", "big_data"),
            ("finance", "finance"),
            ("reviewer", "egov_reviewer"),
            ("government", "county_government"),
            ("trading", "trading_centre"),
        )
    }
    settings.BUSINESS_DATE = dt.date(2021, 9, 10)
    services.plan_year_open(actor=users["bigdata"], year=2022)
    # 附件7's materials list is administered (entered from the published attachment on the templates page).
    for name in ("竣工验收申请报告", "初步验收报告", "软件测试报告"):
        services.checklist_item_add(actor=users["bigdata"], name=name)
    return users


def _confirm(page):
    """The confirmation page of an irreversible act: it names the act, then the person confirms."""
    settle(page)
    assert "请确认" in page.content()
    page.click("#confirm-yes")
    settle(page)


def _radio(page, form: str, name: str, value: str = "yes"):
    page.locator(f"{form} input[name={name}][value={value}]").check()


def _open(browser, base, username, phone):
    page = open_as(browser, base, username, phone=phone)
    if phone:
        page.set_viewport_size(PHONE)
    return page


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_project_from_application_to_its_performance_rating(
    browser,
    live_server,
    people,
    figures,  # noqa: F811
    settings,
    tmp_path,
    phone,
):
    from countyhall.core.models import Organisation
    from countyhall.egov.models import AnnualPlan, Application, FinalAcceptance, PerformanceEvaluation

    base = live_server.url
    width = "phone" if phone else "desktop"
    file = tmp_path / "材料.pdf"
    file.write_bytes(b"%PDF-1.4 browser")
    unit, bigdata, finance, reviewer, government, trading = (
        _open(browser, base, f"l-{k}", phone)
        for k in ("unit", "bigdata", "finance", "reviewer", "government", "trading")
    )

    # 三、（一） the unit applies through the form, uploads attachments 1–3 and submits before 30 September.
    unit.goto(f"{base}/egov/new/")
    settle(unit)
    assert_fits(unit)
    unit.fill("#id_name", "智慧城管平台（全流程）")
    unit.check("#id_has_engineering")
    unit.fill("#id_planned_investment", "2500000.00")
    unit.select_option("#id_funding", "fiscal_full")
    unit.select_option("#id_migration_status", "completed")
    for name in ("supports_sharing_platform", "provides_info_per_rules", "sharing_needs_specified"):
        _radio(unit, "#application-form", name, "yes")
    _radio(unit, "#application-form", "violates_sharing_rules", "no")
    for kind in range(1, 9):
        _radio(unit, "#application-form", f"kind_{kind}", "no")
    unit.click("#application-form button[type=submit]")
    settle(unit)
    assert "已保存草稿" in visible_text(unit)
    app = Application.objects.get(name="智慧城管平台（全流程）")
    url = f"{base}/egov/a/{app.pk}/"
    for number in (1, 2, 3):
        unit.select_option("#document-form select[name=attachment]", str(number))
        unit.locator("#document-form input[name=file]").set_input_files(str(file))
        unit.click("#document-form button")
        settle(unit)
        assert "材料已上传" in visible_text(unit)
    unit.check("#submit-form input[name=confirm]")
    unit.click("#submit-form button")
    settle(unit)
    assert "已提交" in visible_text(unit)
    assert_accessible(unit)
    shot(unit, f"egov-life-submitted-{width}")

    # 三、（二）1 大数据局: the consulting firm (≥ 1 million yuan, 3.4), then the admissibility review; 2.5 million
    # yuan means an on-site review, its five steps recorded one by one.
    bigdata.goto(url)
    settle(bigdata)
    bigdata.fill("#assess input[name=consulting_firm]", "山东示例工程咨询公司")
    bigdata.fill("#assess input[name=consulting_review_on]", "2021-09-10")
    bigdata.fill("#assess input[name=consulting_procured_on]", "2021-09-10")
    bigdata.click("#assess button")
    settle(bigdata)
    assert "已记录" in visible_text(bigdata)
    _radio(bigdata, "#review-start-form", "migration_completed_as_required", "yes")
    reviewer_org = Organisation.objects.get(pk=people["reviewer"].organisation_id)
    bigdata.select_option("#review-start-form select[name=reviewer]", str(reviewer_org.pk))
    bigdata.click("#review-start-form button")
    _confirm(bigdata)  # the gate decision passes its confirmation page (walk14)
    assert "准予评审：现场评审" in visible_text(bigdata)
    for step in range(1, 6):
        bigdata.fill("#step-form input[name=held_on]", "2021-09-10")
        bigdata.fill("#step-form input[name=speakers]", "评审专家组")
        bigdata.fill("#step-form textarea[name=summary]", f"第{step}步记录")
        bigdata.click("#step-form button")
        settle(bigdata)
        assert "现场评审步骤已记录" in visible_text(bigdata)

    # 4.6 the third party's report, then the co-signature of 财政局 and 大数据局.
    reviewer.goto(url)
    settle(reviewer)
    reviewer.locator("#report-form input[name=report]").set_input_files(str(file))
    reviewer.fill("#report-form textarea[name=conclusion]", "建议支持")
    reviewer.click("#report-form button")
    settle(reviewer)
    assert "评审报告已上传" in visible_text(reviewer)
    finance.goto(url)
    settle(finance)
    _radio(finance, "#fiscal-form", "supported", "yes")
    finance.fill("#fiscal-form textarea[name=opinion]", "资金来源明确，投资合理")
    finance.fill("#fiscal-form input[name=approved_investment]", "2500000.00")
    finance.check("#fiscal-form input[name=confirm]")
    finance.click("#fiscal-form button")
    settle(finance)
    assert "财政审核意见已会签" in visible_text(finance)
    bigdata.goto(url)
    settle(bigdata)
    _radio(bigdata, "#technical-form", "supported", "yes")
    bigdata.fill("#technical-form textarea[name=opinion]", "技术方案可行")
    bigdata.check("#technical-form input[name=confirm]")
    bigdata.click("#technical-form button")
    settle(bigdata)
    assert "技术审核意见已会签" in visible_text(bigdata)
    app.refresh_from_db()
    assert app.status == Application.Status.REVIEWED

    # 4.7 the annual plan: compiled by 大数据局 before the end of December, approved by 县政府.
    settings.BUSINESS_DATE = dt.date(2021, 12, 20)
    bigdata.goto(f"{base}/egov/plan/2022/")
    settle(bigdata)
    bigdata.click("#compile-form button")
    settle(bigdata)
    assert "年度建设计划已编制" in visible_text(bigdata)
    government.goto(f"{base}/egov/plan/2022/")
    settle(government)
    assert_fits(government)
    government.fill("#approve-form input[name=reference]", "高政字〔2021〕70号")
    government.check("#approve-form input[name=confirm]")
    government.click("#approve-form button")
    settle(government)
    assert "已审定" in visible_text(government)
    assert AnnualPlan.objects.get().status == AnnualPlan.Status.APPROVED
    app.refresh_from_db()
    assert app.status == Application.Status.IN_PLAN

    # 5.1 the procurement file: sent by the unit, reviewed by 大数据局, procured by the trading centre.
    settings.BUSINESS_DATE = dt.date(2022, 2, 7)
    unit.goto(url)
    settle(unit)
    assert "列入2022年度电子政务项目年度建设计划" in visible_text(unit)
    unit.locator("#procurement-form input[name=file]").set_input_files(str(file))
    unit.click("#procurement-form button")
    settle(unit)
    assert "采购文件已报送县大数据局审核" in unit.content()
    bigdata.goto(url)
    settle(bigdata)
    _radio(bigdata, "#procurement-review-form", "approved")
    bigdata.fill("#procurement-review-form input[name=opinion]", "同意采购")
    bigdata.click("#procurement-review-form button")
    _confirm(bigdata)
    assert "采购文件审核意见已记录" in bigdata.content()
    trading.goto(url)
    settle(trading)
    trading.fill("#procurement-record-form input[name=contractor]", "淄博示例信息公司")
    trading.fill("#procurement-record-form input[name=contract_amount]", "2400000.00")
    trading.fill("#procurement-record-form input[name=procured_on]", "2022-02-07")
    trading.click("#procurement-record-form button")
    _confirm(trading)
    assert "采购结果已登记" in trading.content()

    # 5.3 the gate refused on the way: no start without the supervisor's filing (2.5 million with engineering).
    unit.goto(url)
    settle(unit)
    unit.fill("#start-form input[name=started_on]", "2022-02-07")
    unit.click("#start-form button")
    _confirm(unit)
    assert "原则上实行监理制" in unit.content()
    assert "待办理" in unit.locator("tr[data-gate=supervision]").inner_text()
    shot(unit, f"egov-life-start-refused-{width}")
    unit.locator("details:has(#supervision-form) summary").click()
    unit.fill("#supervision-form input[name=supervisor]", "山东示例监理公司")
    unit.fill("#supervision-form input[name=qualification]", "信息系统工程监理甲级")
    unit.fill("#supervision-form input[name=certificate]", "监理证 2022-001")
    unit.click("#supervision-form button")
    settle(unit)
    assert "监理单位已备案" in unit.content()
    unit.fill("#start-form input[name=started_on]", "2022-02-07")
    unit.click("#start-form button")
    _confirm(unit)
    assert "已登记开工" in unit.content()

    # 6.2–6.3 preliminary acceptance after three months of trial run.
    settings.BUSINESS_DATE = dt.date(2022, 6, 1)
    unit.goto(url)
    settle(unit)
    unit.locator("details:has(#preliminary-form) summary").click()
    unit.fill("#preliminary-form input[name=trial_start_on]", "2022-03-01")
    unit.fill("#preliminary-form input[name=accepted_on]", "2022-06-01")
    unit.fill("#preliminary-form input[name=testing_body]", "山东示例软件评测中心")
    unit.locator("#preliminary-form input[name=test_report]").set_input_files(str(file))
    unit.locator("#preliminary-form input[name=security_assessment]").set_input_files(str(file))
    unit.click("#preliminary-form button")
    settle(unit)
    assert "初步验收已登记" in unit.content()

    # 6.4–6.6 final acceptance on its clock: applied with every material of 附件7, decided within 20 working days.
    unit.click("#acceptance-apply-form button")
    settle(unit)
    assert "验收中（计时）" in unit.content()
    settings.BUSINESS_DATE = dt.date(2022, 6, 10)
    bigdata.goto(url)
    settle(bigdata)
    assert "剩余" in bigdata.locator("#clock").inner_text()
    _radio(bigdata, "#acceptance-decide-form", "key_params_match_plan")
    _radio(bigdata, "#acceptance-decide-form", "catalogue_on_sharing_platform")
    bigdata.fill("#acceptance-decide-form input[name=report_number]", "高青大数据验〔2022〕5号")
    bigdata.click("#acceptance-decide-form button")
    _confirm(bigdata)
    assert "竣工验收结论：竣工验收合格" in bigdata.content()
    acceptance = FinalAcceptance.objects.get(application=app)
    assert acceptance.on_time is True and acceptance.decided_on <= acceptance.due_on
    assert bigdata.locator("#acceptance-pdf").count() == 1  # the 竣工验收报告 is now printable

    # 6.10 财政局's settlement review.
    finance.goto(url)
    settle(finance)
    finance.fill("#settlement-form input[name=reviewer]", "山东示例会计师事务所")
    finance.fill("#settlement-form input[name=commissioned_on]", "2022-06-10")
    finance.fill("#settlement-form input[name=completed_on]", "2022-06-10")
    finance.fill("#settlement-form input[name=settled_amount]", "2380000.00")
    finance.click("#settlement-form button")
    _confirm(finance)
    assert "结算评审已登记" in finance.content()
    assert "已通过" in finance.locator("tr[data-gate=settlement]").inner_text()
    assert_fits(finance)

    # 四、 大数据局's performance evaluation and the contractor's assessment; the rating is shown.
    settings.BUSINESS_DATE = dt.date(2022, 6, 15)
    bigdata.goto(f"{base}/egov/a/{app.pk}/performance/")
    settle(bigdata)
    bigdata.click("#evaluation-form summary")
    bigdata.fill("#evaluation-form input[name=evaluated_on]", "2022-06-15")
    bigdata.fill("#evaluation-form input[name=score]", "92")
    for field, value in {
        "progress": "按计划",
        "funds": "规范",
        "operation": "平稳",
        "effect": "良好",
    }.items():
        bigdata.fill(f"#evaluation-form [name={field}]", value)
    bigdata.check("#evaluation-form input[name=verdict][value=adequate]")
    bigdata.click("#evaluation-form button[type=submit]")
    settle(bigdata)
    assert "已登记绩效评估" in visible_text(bigdata)
    assert "92.00/100" in visible_text(bigdata) and "达到应有绩效" in visible_text(bigdata)
    assert PerformanceEvaluation.objects.get(application=app).verdict == "adequate"
    bigdata.click("#rating-form summary")
    bigdata.select_option("#rating-form select[name=kind]", "contractor")
    bigdata.fill("#rating-form input[name=supplier]", "淄博示例信息公司")
    bigdata.fill("#rating-form input[name=score]", "88")
    bigdata.fill("#rating-form input[name=rated_on]", "2022-06-15")
    bigdata.fill("#rating-form input[name=note]", "按合同履约")
    bigdata.click("#rating-form button[type=submit]")
    settle(bigdata)
    assert "已登记评估考核" in visible_text(bigdata)
    assert_fits(bigdata)
    assert_accessible(bigdata)
    shot(bigdata, f"egov-life-performance-{width}")
    bigdata.goto(f"{base}/egov/ratings/")
    settle(bigdata)
    assert "淄博示例信息公司" in visible_text(bigdata) and "88" in visible_text(bigdata)
    assert_fits(bigdata)
    shot(bigdata, f"egov-life-ratings-{width}")
    for page in (unit, bigdata, finance, reviewer, government, trading):
        page.context.close()
