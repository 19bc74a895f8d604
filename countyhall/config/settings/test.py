"""Test settings: the database comes from DATABASE_URL (PostgreSQL run) or an in-memory SQLite."""

import os

import dj_database_url

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://:memory:")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the background-job tests start a real worker process on the same database
    # (tests/core/test_jobs.py). WAL lets the test's requests read while the worker writes.
    if not os.environ.get("DATABASE_URL"):
        _test_file = os.path.join(__import__("tempfile").mkdtemp(prefix="countyhall-db-"), "test.sqlite3")
        # NAME too, not only TEST NAME: with NAME ":memory:" a live server started before the test database
        # (pytest-django's session-scoped live_server) takes the connection as in-memory and shares it with its
        # request threads; a request thread then closed it while the test used it (a segfault in sqlite3).
        DATABASES["default"]["NAME"] = _test_file
        DATABASES["default"]["TEST"] = {"NAME": _test_file}
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
        "timeout": 20,
    }
ALLOWED_HOSTS = ["*"]

# Tests run on a fixed business date inside the canteen opinion's validity (2021-09-02 … 2023-12-31).
BUSINESS_DATE = __import__("datetime").date(2022, 6, 15)

# Uploads go to a throwaway directory per test run.
# A worker process started by a test is told the same directory through COUNTYHALL_MEDIA_ROOT.
MEDIA_ROOT = os.environ.get("COUNTYHALL_MEDIA_ROOT") or __import__("tempfile").mkdtemp(
    prefix="countyhall-media-"
)

# WhiteNoise finds the files in the apps' static folders (no collectstatic before a test run), so the tests can
# fetch a stylesheet or the API docs' scripts through the test client.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = __import__("tempfile").mkdtemp(prefix="countyhall-static-")
