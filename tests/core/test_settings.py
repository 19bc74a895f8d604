"""Production settings refuse to start insecurely, and are what a deployment gets unless it asks otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SECURE_KEY = "k" * 50
PG = "postgres://x@127.0.0.1/x"
GOOD = {
    "DJANGO_SECRET_KEY": SECURE_KEY,
    "DATABASE_URL": PG,
    "DJANGO_ALLOWED_HOSTS": "countyhall.example.gov.cn",
}


def clean_environment() -> dict:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "COUNTYHALL_"))
    }


def run_python(code: str, env: dict, settings: str | None = "countyhall.config.settings.production"):
    base = clean_environment()
    if settings:
        base["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def load_production(env: dict) -> subprocess.CompletedProcess:
    return run_python("import django; django.setup()", env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**GOOD, "DJANGO_DEBUG": "1"}, "DEBUG"),
        ({**GOOD, "DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({**GOOD, "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({**GOOD, "DATABASE_URL": ""}, "DATABASE_URL"),
        ({**GOOD, "DATABASE_URL": "sqlite:////tmp/countyhall.sqlite3"}, "PostgreSQL"),
        ({**GOOD, "DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({**GOOD, "DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        ({**GOOD, "DJANGO_ALLOWED_HOSTS": "countyhall.example.gov.cn,*"}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_bad_configuration(env, message):
    result = load_production(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_starts_when_configured():
    result = load_production(GOOD)
    assert result.returncode == 0, result.stderr


SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SETTINGS_MODULE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
    "s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.STORAGES['staticfiles']['BACKEND'], s.MIDDLEWARE.index('whitenoise.middleware.WhiteNoiseMiddleware'))"
)


def test_production_https_defaults():
    result = run_python(SHOW, GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "countyhall.config.settings.production",
        "31536000",
        "True",
        "True",
        "None",
        "True",
        "True",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "1",
    ]


def test_production_behind_a_tls_proxy():
    env = {
        **GOOD,
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_BEHIND_TLS_PROXY": "1",
        "DJANGO_HSTS_SECONDS": "3600",
        "DJANGO_SECURE_COOKIES": "0",
    }
    result = run_python(SHOW, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:7] == [
        "3600",
        "True",
        "False",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "False",
    ]


@pytest.mark.parametrize("entry", ["countyhall.config.wsgi", "countyhall.config.asgi"])
def test_servers_default_to_production_settings(entry):
    # No DJANGO_SETTINGS_MODULE at all: the entry point must pick production, which refuses the missing key.
    result = run_python(f"import {entry}", {}, settings=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr
    result = run_python(
        f"import {entry}; from django.conf import settings; print(settings.SETTINGS_MODULE)",
        GOOD,
        settings=None,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "countyhall.config.settings.production"


def test_cli_defaults_to_production_settings():
    code = "import sys; from countyhall.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "params", "check"],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The production settings refuse the missing key, reported in the CLI's error shape (exit 2).
    assert result.returncode == 2, result.stderr
    assert '"field": "DJANGO_SETTINGS_MODULE"' in result.stdout and "DJANGO_SECRET_KEY" in result.stdout
    assert "countyhall.config.settings.local" in result.stdout  # the way out for a developer


@pytest.mark.parametrize(
    ("settings", "env"),
    [
        ("countyhall.config.settings.production", GOOD),
        (
            "countyhall.config.settings.local",
            {"DJANGO_DEBUG": "0", "COUNTYHALL_VAR_DIR": "/tmp/countyhall-demo-test"},
        ),
    ],
)
def test_demo_refuses_without_debug(settings, env):
    code = "import sys; from countyhall.cli import main; sys.exit(main(['demo']))"
    result = run_python(code, env, settings=settings)
    assert result.returncode == 2, result.stderr
    assert '"field": "demo"' in result.stdout and "演示数据" in result.stdout and settings in result.stdout


def test_local_settings_with_debug_only_report_the_policy():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY, bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY))"
    )
    result = run_python(
        code, {"COUNTYHALL_VAR_DIR": "/tmp/countyhall-demo-test"}, settings="countyhall.config.settings.local"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "True"]
