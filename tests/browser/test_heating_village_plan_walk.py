"""Issue 13, 高政办字〔2021〕37号 三、（一）（二） on the village plan, as 住建局 does it, at desktop and phone width: a gas
conversion needs no demolition planned within 5 years (L5414) and the gas expert review passed (L5416); biomass goes
to villages due for demolition in 3–5 years (L5420). A contradiction is refused naming the field; the conditions are
shown with each plan."""

from __future__ import annotations

import pytest

from tests.browser.walk import check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_plan(page, *, division, method, households, demolition="", review="", basis=""):
    form = page.locator("#plan-form form")
    if page.locator("#plan-form").get_attribute("open") is None:
        page.locator("#plan-form summary").click()
    form.locator("select[name=plan-division]").select_option(str(division.pk))
    form.locator("select[name=plan-method]").select_option(method)
    form.locator("input[name=plan-planned_households]").fill(str(households))
    form.locator("input[name=plan-demolition_year]").fill(demolition)
    form.locator("input[name=plan-gas_review_passed_on]").fill(review)
    form.locator("select[name=plan-biomass_basis]").select_option(basis)
    form.locator("button").click()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_village_plan_conditions_37_san_yi_er(browser, live_server, county_tree, make_user, phone):
    from countyhall.core.services.divisions import division_upsert
    from countyhall.heating.models import VillagePlan

    tag = "phone" if phone else "desktop"
    make_user("zhujian", "housing")
    natural_a = division_upsert(
        actor="test",
        code="370322001201001",
        name="丙庄",
        kind="natural_village",
        parent=county_tree["village_a"],
    )
    page = open_as(browser, live_server.url, "zhujian", phone=phone)
    page.goto(f"{live_server.url}/heating/setup/")
    check_page(page, f"heating-plan-empty-{tag}")

    # 三、（一）: demolition planned in 2024 (3 years ahead) — gas is refused, the field named, nothing saved.
    _fill_plan(page, division=county_tree["natural_b"], method="gas", households=3, demolition="2024")
    error = page.inner_text("main")
    assert "5年内有拆迁计划的村居不实施气代煤" in error and "列入拆迁计划的年份" in error
    assert not VillagePlan.objects.exists()
    check_page(page, f"heating-plan-refused-{tag}")

    # No demolition planned, the expert review passed: both conditions met.
    _fill_plan(page, division=county_tree["natural_b"], method="gas", households=3, review="2021-07-01")
    assert "已保存" in page.inner_text("main")
    row = page.locator("#village-plans tr", has_text="乙庄").inner_text()
    assert "5年内无拆迁计划：符合" in row and "燃气专家评审通过：符合（2021-07-01）" in row

    # 三、（二）: biomass for a village due for demolition in 2025 (4 years ahead): within 3–5 years.
    _fill_plan(
        page, division=natural_a, method="biomass", households=2, demolition="2025", basis="demolition"
    )
    assert "已保存" in page.inner_text("main")
    row = page.locator("#village-plans tr", has_text="丙庄").inner_text()
    assert "符合（3-5年内列入拆迁计划的村居）" in row
    plan = VillagePlan.objects.get(division=natural_a)
    assert plan.conditions.data["met"] and plan.demolition_year == 2025
    check_page(page, f"heating-plan-conditions-{tag}")
    page.context.close()
