"""Issue 13, B11 (高政办字〔2021〕37号 五、（四）) as the town does it, at desktop and phone width: the town officer
(qingcheng) sees the equipment inspection owed by the town, records it on the inspections page, and the to-do
goes. The village plan conditions (三、（一）（二）) are walked in test_heating_village_plan_walk.py."""

from __future__ import annotations

import pytest

from tests.browser.test_heating_roles_walk import heating_world  # noqa: F401  (the fixture)
from tests.browser.walk import check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODO = "设备设施全面检查维护的镇（街道）"


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_town_records_the_b11_inspection(browser, live_server, heating_world, phone):  # noqa: F811
    from countyhall.heating.models import EquipmentInspection

    tag = "phone" if phone else "desktop"
    page = open_as(browser, live_server.url, "qingcheng", phone=phone)
    assert TODO in page.inner_text(".todos")
    page.locator(".todos a", has_text=TODO).first.click()
    assert "青城镇" in page.inner_text("#inspections")
    check_page(page, f"heating-inspections-due-{tag}")
    form = page.locator("#inspection-form")
    form.locator("select[name=town]").select_option(label="青城镇")
    form.locator("input[name=done_on]").fill("2021-10-15")
    form.locator("input[name=households_checked]").fill("4")
    form.locator("textarea[name=findings]").fill("燃气壁挂炉均已检查，更换两处软管")
    form.locator("button").click()
    assert "已记录设备设施全面检查维护" in page.inner_text("main")
    assert "已完成" in page.inner_text("#inspections")
    assert EquipmentInspection.objects.filter(town=heating_world["qingcheng"]).exists()
    check_page(page, f"heating-inspections-done-{tag}")
    page.goto(f"{live_server.url}/")
    assert TODO not in page.inner_text("main")
    page.context.close()
