"""Production settings refuse to start insecurely."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SECURE_KEY = "k" * 50


def load_production(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.production", **env},
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": SECURE_KEY, "DATABASE_URL": "postgres://x@127.0.0.1/x"}, "DEBUG"),
        ({"DATABASE_URL": "postgres://x@127.0.0.1/x"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short", "DATABASE_URL": "postgres://x@127.0.0.1/x"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": SECURE_KEY}, "DATABASE_URL"),
    ],
)
def test_production_refuses_bad_configuration(env, message):
    result = load_production(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_starts_when_configured():
    result = load_production({"DJANGO_SECRET_KEY": SECURE_KEY, "DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert result.returncode == 0, result.stderr
