"""What every role walk needs: sign in at a given width, check the page fits, run axe-core, keep a screenshot.

The walks assert what the person sees (names, to-dos, notices, totals); these helpers add the checks every page
must pass: no horizontal scrolling at phone width, no serious or critical accessibility violation (axe-core,
vendored in tests/browser/vendor — county networks have no CDN, and neither do the tests), and a screenshot in
test-results/ for the run's artefacts.
"""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "pw-for-tests-1"  # make_user's password
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_as(browser, base: str, username: str, *, phone: bool = False, password: str = PASSWORD):
    """A new page signed in as `username` at desktop or phone width. `bypass_csp` only lets the test inject
    axe-core; the pages' own scripts are still what the CSP allows."""
    context = browser.new_context(viewport=PHONE if phone else DESKTOP, bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    if username:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
    return page


def assert_fits(page) -> None:
    """No horizontal scrolling: the document is no wider than the viewport (a wide table scrolls inside its own
    wrapper, not the page)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the {page.viewport_size['width']}px screen"


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: " + "; ".join(bad)


def shot(page, name: str) -> Path:
    """A full-page screenshot kept in test-results/ (CI keeps the folder as the run's artefacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page) -> None:
    """Wait until the page a click led to has loaded. A click on a link returns before the navigation ends; a
    check run in between met a document with no root element yet (CI, session 19)."""
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement !== null && document.readyState === 'complete'")


def check_page(page, name: str) -> None:
    """The three checks every main page of a walk gets, once the page has loaded."""
    settle(page)
    assert_fits(page)
    assert_accessible(page)
    shot(page, name)


def visible_text(page) -> str:
    """The page's text as a person sees it, without the folded 技术信息 parts."""
    return page.evaluate(
        """() => { const copy = document.body.cloneNode(true);
                   copy.querySelectorAll('details.tech-info, script, style').forEach(e => e.remove());
                   return copy.innerText; }"""
    )


def assert_no_developer_artefacts(page) -> None:
    """No reading id, seed line, parameter key, model label, env var name or leaked English word outside 技术信息
    (the same check as tests/web/test_no_developer_artefacts.py, on the page as rendered)."""
    from tests.web.test_no_developer_artefacts import artefacts

    found = artefacts(" ".join(visible_text(page).split()))
    assert not found, f"{page.url}: " + "; ".join(found[:5])
