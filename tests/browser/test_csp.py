"""Chromium loads pages under the Content-Security-Policy and reports no violation: the pages, the calc page's
self-submitting select (a script file instead of onchange=) and the Swagger UI of /api/docs/."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script: every violation the browser raises lands in window.__csp.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber);
});
"""


def test_pages_run_under_the_policy(browser, live_server, make_user):
    from countyhall.core.services.calendar import calendar_seed_year

    calendar_seed_year(year=2022, actor="browser-test")
    make_user("csp", "system_admin", password="pw-browser-1")
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)

    def visit(path: str):
        response = page.goto(f"{live_server.url}{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"], path

    def violations() -> list[str]:
        return page.evaluate("window.__csp") + [t for t in console if "Content Security Policy" in t]

    visit("/accounts/login/")
    page.fill("#id_username", "csp")
    page.fill("#id_password", "pw-browser-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert not violations()

    # The stylesheet applies (a blocked stylesheet would leave the header unstyled).
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") != "inline"

    # The rule picker submits itself through static/countyhall/autosubmit.js.
    visit("/calc/")
    options = page.locator("select[name=rule] option")
    assert options.count() > 1
    second = options.nth(1).get_attribute("value")
    with page.expect_navigation():
        page.select_option("select[name=rule]", second)
    assert f"rule={second}" in page.url
    assert not violations()

    for path in ("/canteens/", "/permits/", "/emergency/", "/gazette/", "/calendar/", "/no-such-page/"):
        visit(path)
        assert not violations(), (path, violations())

    # Swagger UI renders the API (its script is a file; its style rules are in static/countyhall/swagger.css).
    visit("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert "countyhall API" in page.inner_text(".swagger-ui .info .title")
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # swagger.css applied
    assert not violations(), violations()
    context.close()
