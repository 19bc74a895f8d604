"""What the Content-Security-Policy refuses, found in HTML: shared by the page test and the template scan."""

from __future__ import annotations

from html.parser import HTMLParser

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# <script type="application/json"> (json_script) is data, not code: the policy does not apply to it.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data"}


class InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag} line {self.getpos()[0]}>"
        if (
            tag == "script"
            and not attributes.get("src")
            and (attributes.get("type") or "").lower() not in DATA_SCRIPT_TYPES
        ):
            self.violations.append(f"{where} inline script")
        if tag == "style":
            self.violations.append(f"{where} <style> block")
        for name, value in attrs:
            if name.startswith("on"):
                self.violations.append(f"{where} event handler {name}=")
            if name == "style":
                self.violations.append(f"{where} style= attribute")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.violations.append(f"{where} javascript: URL")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.violations


def directives(header: str | None) -> set[str]:
    """A policy as a set of directives: django-csp does not keep their order."""
    return {part.strip() for part in (header or "").split(";") if part.strip()}
