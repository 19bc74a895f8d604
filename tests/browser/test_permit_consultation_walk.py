"""Issue 13, 35号 一、（一）1 as the window does it, at desktop and phone width: a residential project's design
scheme review (工程建设许可) waits for the written consultation of 县民政部门 and the town; the window sees the
to-do, opens the project's consultation table, records both consultations, and the to-do goes."""

from __future__ import annotations

import pytest

from tests.browser.test_permit_walk import county  # noqa: F401  (the fixture)
from tests.browser.walk import check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODO = "住宅项目设计方案审查前须书面征求县民政部门、镇办意见"


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_window_records_the_consultations_of_a_residential_scheme(
    browser,
    live_server,
    county,  # noqa: F811
    county_tree,
    phone,
):
    from countyhall.core.clock import business_date
    from countyhall.core.models import Organisation
    from countyhall.permits.models import Case, ElderlyCareStep
    from countyhall.permits.services import project_register

    users = county["users"]
    Organisation.objects.create(name="县民政局", kind="department", division=county_tree["county"])
    Organisation.objects.create(name="田镇人民政府", kind="town_office", division=county_tree["tianzhen"])
    project = project_register(
        actor=users["approval"],
        code="2022-370322-70-03-000777",
        name="示例住宅小区",
        category="social_civil",
        site=county["site"],
        applicant=county["firm_org"],
    )
    project.households = 300
    project.save(update_fields=["households"])
    Case.objects.create(
        project=project,
        stage="工程建设许可",
        stage_order=1,
        lead=users["approval"].organisation,
        working_days=10,
        applied_on=business_date(),
        status=Case.Status.SUBMITTED,
    )
    tag = "phone" if phone else "desktop"
    window = open_as(browser, live_server.url, "u-approval", phone=phone)
    assert TODO in window.inner_text(".todos")
    window.click(f"text={TODO}")
    assert "示例住宅小区" in window.inner_text("main")
    assert "尚未记录" in window.inner_text("#elderly-care ~ table")
    check_page(window, f"permits-consultation-due-{tag}")
    for party, reference in (("civil_affairs", "高青住建函〔2022〕1号"), ("town", "高青住建函〔2022〕2号")):
        window.locator("summary:has-text('记录征求意见或验收邀请')").click()
        form = window.locator("form:has(input[name=action][value=elderly_care_step])")
        form.locator("select[name=kind]").select_option("scheme_consultation")
        form.locator("select[name=party]").select_option(party)
        form.locator("input[name=sent_on]").fill(business_date().isoformat())
        form.locator("input[name=reference]").fill(reference)
        if party == "town":
            check_page(window, f"permits-consultation-form-{tag}")
        form.locator("button").click()
        window.wait_for_load_state()
    assert ElderlyCareStep.objects.filter(project=project, kind="scheme_consultation").count() == 2
    assert "高青住建函〔2022〕2号" in window.inner_text("main")
    window.goto(f"{live_server.url}/")
    assert TODO not in window.inner_text("main")
    window.context.close()
