from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("COUNTYHALL_CHROMIUM", "/usr/bin/chromium")
# The closed network refuses Chromium's background connections; these flags keep it quiet (see env docs).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _settle_after_clicks() -> None:
    """A click that follows a link or submits a form returns once the new page has started loading; a check right
    after it could read a document still being parsed (CI, session 19: `main` empty, no root element). Every click
    in the walks therefore waits for the page it leaves you on to be loaded. A click that does not navigate finds the
    page loaded already, so this costs it nothing."""
    from playwright.sync_api import Locator, Page

    if getattr(Page.click, "_settles", False):
        return
    page_click, locator_click = Page.click, Locator.click

    def click_page(self, *args, **kwargs):
        page_click(self, *args, **kwargs)
        self.wait_for_load_state("load")

    def click_locator(self, *args, **kwargs):
        locator_click(self, *args, **kwargs)
        self.page.wait_for_load_state("load")

    click_page._settles = click_locator._settles = True
    Page.click, Locator.click = click_page, click_locator


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    _settle_after_clicks()

    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), (
        f"Debian's chromium is required at {CHROMIUM}: `make test` installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
