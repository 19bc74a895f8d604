"""Test settings: the database comes from DATABASE_URL (PostgreSQL run) or an in-memory SQLite."""

import os

import dj_database_url

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://:memory:")}
ALLOWED_HOSTS = ["*"]

# Tests run on a fixed business date inside the canteen opinion's validity (2021-09-02 … 2023-12-31).
BUSINESS_DATE = __import__("datetime").date(2022, 6, 15)

# Uploads go to a throwaway directory per test run.
MEDIA_ROOT = __import__("tempfile").mkdtemp(prefix="countyhall-media-")

# WhiteNoise finds the files in the apps' static folders (no collectstatic before a test run), so the tests can
# fetch a stylesheet or the API docs' scripts through the test client.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = __import__("tempfile").mkdtemp(prefix="countyhall-static-")
