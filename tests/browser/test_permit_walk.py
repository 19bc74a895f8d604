"""A social_industrial project from 立项 to completion acceptance, in the browser: the firm applies with its
materials, the lead accepts, departments review in parallel (one asks for 补正), the lead decides."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_canteen_walk import login
from tests.browser.test_citation_click import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAGES = [
    ("立项用地规划许可", "resources", ["development"], "项目申请表\n用地红线图"),
    ("工程建设许可", "housing", ["resources"], "用地红线图\n设计方案"),
    ("施工许可", "approval", ["housing"], "施工合同"),
    ("竣工验收", "housing", ["resources"], "竣工验收报告"),
]


@pytest.fixture
def county(county_tree, make_user):
    from countyhall.core.models import Organisation
    from countyhall.core.services.calendar import calendar_seed_year
    from tests.permits.conftest import configure_stage

    calendar_seed_year(year=2022, actor="browser-test")  # a transactional test starts from an empty database
    users = {
        key: make_user(f"u-{key}", role)
        for key, role in (
            ("approval", "approval"),
            ("resources", "natural_resources"),
            ("housing", "housing"),
            ("development", "development"),
        )
    }
    firm_org = Organisation.objects.create(
        name="示例新材料有限公司", kind="enterprise", division=county_tree["county"]
    )
    firm = make_user("firm", "applicant_firm")
    firm.organisation = firm_org
    firm.save()
    admin = make_user("admin-w", "system_admin")
    for stage, lead, participants, materials in STAGES:
        configure_stage(
            actor=admin,
            category="social_industrial",
            stage=stage,
            working_days=10,
            lead=users[lead].organisation,
            participants=[users[p].organisation for p in participants],
            basis="流程图（测试）",
            materials=materials,
        )
    return {"users": users, "firm": firm, "firm_org": firm_org, "site": county_tree["village_a"]}


def _pages(browser, base, names):
    pages = {}
    for name in names:
        page = browser.new_context().new_page()
        login(page, base, name)
        pages[name] = page
    return pages


def _upload(page, files: dict[str, str], tmp_path):
    for label, content in files.items():
        path = tmp_path / f"{label}.pdf"
        path.write_bytes(b"%PDF-1.4 " + content.encode())
        page.get_by_label(label, exact=True).set_input_files(str(path))


def _opinion(page, url, opinion="approve", reasons=""):
    page.goto(url)
    form = page.locator("form:has(input[name=action][value=opinion])")
    form.locator("select[name=opinion]").select_option(opinion)
    form.locator("input[name=reasons]").fill(reasons)
    form.locator("button").click()
    assert "已出具意见" in page.content()


def _accept(page, url):
    page.goto(url)
    page.get_by_role("button", name="受理（各部门同步审查）").click()
    assert "已受理" in page.content()


def _decide(page, url):
    # No outcome is pre-selected; the choice is confirmed on its own page before it is written.
    page.goto(url)
    page.get_by_label("准予许可").check()
    page.get_by_role("button", name="下一步：确认决定").click()
    assert "确认作出统一决定" in page.content()
    page.get_by_role("button", name="确认作出统一决定").click()
    assert "已作出决定" in page.content()


def test_social_industrial_from_registration_to_completion_acceptance(browser, live_server, county, tmp_path):
    from countyhall.permits.models import Case, Project
    from countyhall.permits.services import assessment_record

    base = live_server.url
    pages = _pages(browser, base, ["u-approval", "u-resources", "u-housing", "u-development", "firm"])
    window, resources, housing, development, firm = (
        pages[n] for n in ("u-approval", "u-resources", "u-housing", "u-development", "firm")
    )
    # 立项: the window registers the project with its unified code (C5).
    window.goto(f"{base}/permits/new/")
    window.fill("#id_code", "2022-370322-26-03-000777")
    window.fill("#id_name", "新材料厂房（浏览器测试）")
    window.select_option("#id_category", "social_industrial")
    window.select_option("#id_site", str(county["site"].pk))
    window.select_option("#id_applicant", str(county["firm_org"].pk))
    window.click("form button.primary")
    assert "已登记项目 2022-370322-26-03-000777" in window.content()
    project = Project.objects.get(code="2022-370322-26-03-000777")
    url = f"{base}/permits/p/{project.pk}/"

    # Stage 1: the firm applies with one set of materials; the lead accepts; one department asks for 补正.
    firm.goto(url)
    _upload(firm, {"项目申请表": "申请表", "用地红线图": "红线图 v1"}, tmp_path)
    firm.get_by_role("button", name="提交申报").click()
    assert "已申报，等待牵头部门受理" in firm.content()
    _accept(resources, url)
    _opinion(resources, url)
    _opinion(development, url, "request_correction", "红线图坐标有误")
    firm.goto(url)
    assert "待申请人补正（停止计时）" in firm.content() and "红线图坐标有误" in firm.content()
    _upload(firm, {"用地红线图": "红线图 v2"}, tmp_path)
    firm.get_by_role("button", name="补正完毕，恢复计时").click()
    assert "恢复计时" in firm.content()
    _opinion(development, url)
    _decide(resources, url)

    # Stage 2 needs the seismic assessment (C5), and the red-line map is not asked for again (C9).
    window.goto(url)
    window.locator("details:has-text('登记评估评价') summary").click()
    form = window.locator("form:has(input[name=action][value=assessment])")
    form.locator("select[name=kind]").select_option("地震安全性评价")
    form.locator("input[name=completed_on]").fill("2022-06-01")
    form.locator("input[name=reference]").fill("震评〔2022〕7号")
    form.locator("button").click()
    assert "已登记评估评价" in window.content()
    firm.goto(url)
    assert "已在前一阶段提交，共享使用" in firm.content()
    _upload(firm, {"设计方案": "方案"}, tmp_path)
    firm.get_by_role("button", name="提交申报").click()
    _accept(housing, url)
    _opinion(housing, url)
    _opinion(resources, url, "approve_with_conditions", "按审查意见调整消防车道")
    _decide(housing, url)

    # Stage 3, the construction permit: refused until the building fees are paid (C4).
    for kind in ("环境影响评价", "文物影响评价", "节能评价", "水土保持方案"):
        assessment_record(
            actor=county["users"]["approval"],
            project=project,
            kind=kind,
            completed_on=dt.date(2022, 6, 1),
            reference="测试",
        )  # the window records them
    firm.goto(url)
    _upload(firm, {"施工合同": "合同"}, tmp_path)
    firm.get_by_role("button", name="提交申报").click()
    assert "建设规费须在施工许可前缴清" in firm.content()
    window.goto(url)
    window.locator("details:has-text('登记建设规费缴清') summary").click()
    form = window.locator("form:has(input[name=action][value=fees])")
    form.locator("input[name=paid_on]").fill("2022-06-10")
    form.locator("input[name=proof]").fill("JF2022-0777")
    form.locator("button").click()
    firm.goto(url)
    _upload(firm, {"施工合同": "合同"}, tmp_path)
    firm.get_by_role("button", name="提交申报").click()
    _accept(window, url)
    _opinion(window, url)
    _opinion(housing, url)
    _decide(window, url)

    # Stage 4: joint completion acceptance with one combined opinion (C6).
    firm.goto(url)
    _upload(firm, {"竣工验收报告": "报告"}, tmp_path)
    firm.get_by_role("button", name="提交申报").click()
    _accept(housing, url)
    _opinion(housing, url)
    _opinion(resources, url)
    _decide(housing, url)

    statuses = list(
        Case.objects.filter(project=project).order_by("stage_order").values_list("stage", "status")
    )
    assert statuses == [(s[0], "approved") for s in STAGES]
    assert project.materials.filter(name="用地红线图").count() == 2  # v1 and the 补正 version, never re-asked
    firm.goto(url)
    assert "竣工验收 · 准予许可" in firm.content()
    firm.screenshot(path=str(ARTIFACTS / "permit-walk.png"), full_page=True)
    for page in pages.values():
        page.context.close()
