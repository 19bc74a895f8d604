"""Issue 12, the approval system as its people use it, at desktop and phone width: the window sees what waits
for it, returns an application with a reason (confirmed first); the firm is told, reads why and applies again;
the lead department accepts and decides (no outcome pre-selected, confirmed); the firm reads the decision and
downloads the decision document; the window corrects a project and the history shows old → new."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tests.browser.test_permit_walk import county  # noqa: F401  (the fixture)
from tests.browser.walk import check_page, open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _upload(page, names, tmp_path):
    for label in names:
        path = tmp_path / f"{label}.pdf"
        path.write_bytes(b"%PDF-1.4 test")
        page.get_by_label(label, exact=True).set_input_files(str(path))


def test_window_firm_and_department_do_their_jobs(browser, live_server, county, tmp_path):  # noqa: F811
    from countyhall.core.clock import business_date
    from countyhall.permits.models import Case
    from countyhall.permits.services import permit_stage_apply, project_register, review_give

    base = live_server.url
    users = county["users"]
    project = project_register(
        actor=users["approval"],
        code="2022-370322-26-03-000888",
        name="示例新材料厂房",
        category="social_industrial",
        site=county["site"],
        applicant=county["firm_org"],
        project_manager="孙立华",
    )
    files = {name: ContentFile(b"%PDF-1.4 v1", name=f"{name}.pdf") for name in ("项目申请表", "用地红线图")}
    permit_stage_apply(
        actor=county["firm"], project=project, stage="立项用地规划许可", on=business_date(), files=files
    )
    url = f"{base}/permits/p/{project.pk}/"

    # The window: its home page says what waits, most urgent first; the to-do opens the filtered case list.
    window = open_as(browser, base, "u-approval")
    assert "待受理的申请" in window.inner_text(".todos")
    check_page(window, "permits-window-home")
    window.get_by_role("link", name="待受理的申请").click()
    assert "示例新材料厂房" in window.inner_text("#cases") and "待受理" in window.inner_text("#cases")
    check_page(window, "permits-window-cases")
    window.get_by_role("link", name="2022-370322-26-03-000888").click()
    window.locator("details:has-text('退回或不予受理') summary").first.click()
    window.get_by_label("理由（必填，将告知建设单位）").fill("用地红线图未盖章")
    window.get_by_role("button", name="退回申请（补齐材料）").click()
    assert "确认退回申请" in window.content() and "用地红线图未盖章" in window.content()
    check_page(window, "permits-window-confirm")
    assert Case.objects.get(project=project).status == "submitted"  # nothing written before the confirmation
    window.get_by_role("button", name="确认退回申请").click()
    assert "已退回申请" in window.content(), window.inner_text(".messages")
    assert Case.objects.get(project=project).status == "returned"

    # The firm, on its phone: the to-do and the notice say what happened and why; it applies again.
    firm = open_as(browser, base, "firm", phone=True)
    assert "退回或不予受理的申请" in firm.inner_text(".todos")
    check_page(firm, "permits-firm-home")
    firm.goto(f"{base}/notices/")
    assert "申请已退回，请补齐材料" in firm.content() and "用地红线图未盖章" in firm.content()
    firm.goto(url)
    assert "用地红线图未盖章" in firm.content()
    check_page(firm, "permits-firm-project")
    _upload(firm, ["用地红线图"], tmp_path)
    firm.get_by_role("button", name="提交申报").click()
    assert "已申报，等待牵头部门受理" in firm.content()
    assert project.materials.filter(name="用地红线图").count() == 2  # the new version beside the first
    firm.goto(f"{base}/permits/cases/")
    assert "示例新材料厂房" in firm.inner_text("#cases") and "已申报待受理" in firm.inner_text("#cases")
    check_page(firm, "permits-firm-cases")

    # The lead department accepts; when every opinion is in, it decides: no outcome is pre-selected.
    dept = open_as(browser, base, "u-resources")
    assert "待受理的申请" in dept.inner_text(".todos")
    dept.goto(url)
    dept.get_by_role("button", name="受理（各部门同步审查）").click()
    assert "已受理" in dept.content()
    case = Case.objects.get(project=project)
    review_give(actor=users["development"], case=case, opinion="approve")
    dept.goto(f"{base}/permits/desk/")
    assert "示例新材料厂房" in dept.inner_text("#desk-reviews") and "剩 " in dept.inner_text("#desk-reviews")
    check_page(dept, "permits-department-desk")
    dept.goto(url)
    form = dept.locator("form:has(input[name=action][value=opinion])")
    form.locator("select[name=opinion]").select_option("approve")
    form.locator("button").click()
    assert "已出具意见" in dept.content()
    assert (
        not dept.get_by_role("radio", name="准予许可").is_checked()
        and not dept.get_by_role("radio", name="不予许可").is_checked()
    )
    dept.get_by_label("准予许可").check()
    dept.get_by_role("button", name="下一步：确认决定").click()
    assert "准予许可" in dept.inner_text("#confirm-decision")
    check_page(dept, "permits-department-confirm")
    dept.get_by_role("button", name="确认作出统一决定").click()
    assert "已作出决定：准予许可" in dept.content()
    dept_phone = open_as(browser, base, "u-resources", phone=True)
    dept_phone.goto(f"{base}/permits/desk/")
    check_page(dept_phone, "permits-department-desk")

    # The firm reads the decision (in-app and on the page) and downloads the decision document.
    firm.goto(f"{base}/notices/")
    assert "审批决定：准予许可" in firm.content()
    firm.goto(url)
    assert "准予许可" in firm.inner_text(f"#decision-{case.pk}")
    pdf = firm.request.get(f"{base}/permits/cases/{case.pk}/decision/")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    firm_desktop = open_as(browser, base, "firm")
    firm_desktop.goto(f"{base}/permits/cases/")
    assert "示例新材料厂房" in firm_desktop.inner_text("#cases") and "决定书" in firm_desktop.inner_text(
        "#cases"
    )
    check_page(firm_desktop, "permits-firm-cases")

    # The window corrects the project: a reason is required, and the history keeps the old value.
    window_phone = open_as(browser, base, "u-approval", phone=True)
    window_phone.goto(f"{base}/permits/p/{project.pk}/edit/")
    window_phone.fill("#id_project_manager", "孙立新")
    window_phone.get_by_role("button", name="保存更正").click()
    assert "此字段是必填项" in window_phone.content() or "reason-error" in window_phone.content()
    window_phone.fill("#id_project_manager", "孙立新")
    window_phone.fill("#id_reason", "按备案证更正")
    window_phone.get_by_role("button", name="保存更正").click()
    history = window_phone.inner_text("#history + table")
    assert "孙立华" in history and "孙立新" in history and "按备案证更正" in history
    check_page(window_phone, "permits-window-project")
    for page in (window, firm, dept, dept_phone, firm_desktop, window_phone):
        page.context.close()
