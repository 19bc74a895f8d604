"""The production path end to end: a fresh PostgreSQL database, the `countyhall` CLI on production settings,
gunicorn, and a client that logs in and walks one page per program, the static files, the API docs, the error
pages and /healthz — what a county IT office does from the README, minus nginx and TLS.

Runs in the PostgreSQL run of `make test` (it needs a server to create a database on); skipped on SQLite.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SERVER_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER_URL.startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (DATABASE_URL=postgres://…): runs in the PostgreSQL run of make test",
)

PASSWORD = "smoke-Test-password-2021"


def admin_url(database: str) -> str:
    parts = urllib.parse.urlsplit(SERVER_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def fresh_database():
    import psycopg

    name = f"countyhall_smoke_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url("postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin_url(name)
    with psycopg.connect(admin_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, no redirects followed implicitly unless asked, Accept-Encoding."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, *, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def login(self, username: str):
        status, _, page = self.request("/accounts/login/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _, page = self.request(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        assert status == 200 and "退出".encode() in page, page.decode()[:500]


def test_production_path(fresh_database, tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "COUNTYHALL_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.production",
            "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": fresh_database,
            # Plain HTTP in the test: no redirect to HTTPS, cookies without Secure.
            "DJANGO_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "COUNTYHALL_VAR_DIR": str(tmp_path),
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
    )
    countyhall = str(BIN / "countyhall")

    def run(*argv):
        result = subprocess.run([countyhall, *argv], env=env, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, (argv, result.stdout, result.stderr)
        return result.stdout

    # migrate and collectstatic do not depend on each other: run them side by side to keep the test short.
    static = subprocess.Popen(
        [countyhall, "manage", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run("manage", "migrate", "--noinput", "--verbosity", "0")
    run("calendar", "seed")
    run("manage", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.gov.cn")
    run(
        "manage",
        "shell",
        "-c",
        (
            "from countyhall.core.models import RoleGrant, User; "
            "RoleGrant.objects.create(user=User.objects.get(username='admin'), role='system_admin'); "
            f"firm = User.objects.create_user(username='firm', password='{PASSWORD}'); "
            "RoleGrant.objects.create(user=firm, role='applicant_firm')"
        ),
    )
    _, errors = static.communicate(timeout=180)
    assert static.returncode == 0, errors

    port = free_port()
    server = subprocess.Popen(
        # The unit's configuration file (deploy/gunicorn.conf.py); the command line overrides its bind and workers.
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                status, headers, body = browser.request("/healthz")
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer")

        # /healthz: the database and migrations are fine; the calendar verdict depends on today's date and on
        # which years the installed chinese-calendar knows, so only its presence is asserted.
        report = json.loads(body)
        assert headers["Content-Type"].startswith("application/json")
        assert report["checks"]["database"]["status"] == "ok"
        assert report["checks"]["migrations"]["status"] == "ok"
        # No `countyhall worker` is started here: /healthz says so (warn), without failing the instance.
        assert report["checks"]["worker"]["status"] == "warn"
        assert status == (503 if report["status"] == "fail" else 200)

        # Security headers from the production settings.
        status, headers, page = browser.request("/accounts/login/")
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"

        # The stylesheet: a hashed name, compressed by WhiteNoise, cached for long.
        stylesheet = (
            re.search(rb'href="(/static/countyhall/site\.[0-9a-f]{12}\.css)"', page).group(1).decode()
        )
        for encoding in ("br", "gzip"):
            status, headers, _ = browser.request(stylesheet, headers={"Accept-Encoding": encoding})
            assert status == 200 and headers.get("Content-Encoding") == encoding, (encoding, headers)
        assert "max-age=315360000" in headers["Cache-Control"]

        browser.login("admin")
        for path, title in [
            ("/canteens/", "长者食堂"),
            ("/heating/", "清洁取暖"),
            ("/permits/", "项目"),
            ("/emergency/", "事故"),
            ("/gazette/", "公报"),
        ]:
            status, _, page = browser.request(path)
            assert status == 200 and title.encode() in page, (path, status)

        # The API docs, styled: every stylesheet and script the page links loads.
        status, _, page = browser.request("/api/docs/")
        assert status == 200
        linked = [u.decode().replace("&amp;", "&") for u in re.findall(rb'(?:href|src)="([^"]+)"', page)]
        assert any(u.endswith(".css") and "swagger-ui" in u for u in linked), linked
        assert any("script=" in u for u in linked), linked
        for url in linked:
            status, headers, _ = browser.request(url)
            assert status == 200, url

        # A 404: the Chinese page, no URL list (DEBUG is off).
        status, _, page = browser.request("/no-such-page/")
        text = page.decode()
        assert status == 404 and "该页面或记录不存在" in text, text[:300]
        assert "URLconf" not in text and "Using the" not in text

        # A 403: the Chinese page for a signed-in user without the role.
        firm = Browser(browser.base)
        firm.login("firm")
        status, _, page = firm.request("/audit/")
        assert status == 403 and "审计员" in page.decode()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        print(output)  # shown by pytest when an assertion above failed
    assert "Internal Server Error" not in output, output
    # Each worker froze the application's objects once it had loaded it (post_worker_init).
    assert output.count("gc frozen after start-up") == 2, output
