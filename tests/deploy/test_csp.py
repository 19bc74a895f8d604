"""Every page is served with the Content-Security-Policy and contains nothing the policy would block."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import countyhall

from .csp import POLICY, directives, inline_code

PACKAGE = Path(countyhall.__file__).parent
# Rendered by WeasyPrint into PDFs, never served as HTML, so no browser applies the policy to them.
PDF_TEMPLATES = {
    "reports/base_print.html",
    "reports/gazette_document.html",
    "emergency/report_pdf.html",
    "permits/report_pdf.html",
    "egov/plan_pdf.html",
    "egov/review_pdf.html",
    "egov/acceptance_pdf.html",
    "canteens/settlement_print.html",
    "canteens/settlement_annex_print.html",
}


def parameterless_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every URL of the site that takes no parameter: the main pages of every program, found, not listed."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            found += parameterless_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append("/" + prefix + route)
    return sorted(set(found))


def test_policy_is_the_agreed_one(client):
    response = client.get("/accounts/login/")
    assert directives(response.headers["Content-Security-Policy"]) == directives(POLICY)


@pytest.mark.django_db
def test_every_page_satisfies_the_policy(client, make_user):
    user = make_user("csp-admin", "system_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    checked, problems = 0, {}
    for path in parameterless_paths():
        if path.startswith(("/api/v1/", "/api/schema/", "/accounts/logout/")) or path.endswith(
            (".xlsx", ".pdf")
        ):
            continue
        response = client.get(path)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        assert directives(response.headers.get("Content-Security-Policy")) == directives(POLICY), path
        found = inline_code(response.content.decode())
        if found:
            problems[path] = found
    assert checked >= 40, checked  # the walk really reached the programs' pages
    assert not problems, problems


@pytest.mark.django_db
def test_error_pages_and_api_docs_satisfy_the_policy(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and not inline_code(response.content.decode())
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and not inline_code(docs.content.decode())
    assert directives(docs.headers["Content-Security-Policy"]) == directives(POLICY)
    # The start-up script comes from the same view as a file, which script-src 'self' allows.
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_holds_inline_code():
    problems = {}
    for template in sorted(PACKAGE.glob("**/templates/**/*.html")):
        name = template.relative_to(next(p for p in template.parents if p.name == "templates")).as_posix()
        if name in PDF_TEMPLATES:
            continue
        found = inline_code(template.read_text(encoding="utf-8"))
        if found:
            problems[name] = found
    # A script that builds markup with onclick="…" or style="…" would break the policy at run time.
    for script in PACKAGE.glob("**/static/**/*.js"):
        text = script.read_text(encoding="utf-8")
        if "onclick=" in text or 'style=\\"' in text or "javascript:" in text:
            problems[script.name] = ["inline handler, style or javascript: URL written by a script"]
    assert not problems, problems
