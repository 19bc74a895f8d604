"""Production settings: refuse to start when misconfigured rather than run insecurely.

This is what `countyhall`, wsgi.py and asgi.py load unless DJANGO_SETTINGS_MODULE names another module, so a
deployment that forgets to choose gets the strict settings, never the developer ones.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import ALLOWED_HOSTS, DATABASES, DEFAULT_SECRET_KEY, SECRET_KEY


def _flag(name: str, default: str) -> bool:
    return os.environ.get(name, default) == "1"


if _flag("DJANGO_DEBUG", "0"):
    raise ImproperlyConfigured("生产环境不得开启 DEBUG（DJANGO_DEBUG=1）。")
DEBUG = False
if not SECRET_KEY or SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "生产环境必须通过 DJANGO_SECRET_KEY 设置至少 32 个字符的密钥，不能使用默认密钥。"
    )
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("生产环境必须设置 DATABASE_URL（PostgreSQL）。")
# The statutory clocks, the set-based settlements and the concurrency guards are tested on PostgreSQL; SQLite
# serialises every write and would make the county wait at the canteen counters.
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"生产环境的 DATABASE_URL 必须指向 PostgreSQL（postgres://…），当前为 {DATABASES['default']['ENGINE']}。"
    )
# The base default (127.0.0.1,localhost) suits a developer; a server must name the host names it answers to,
# and "*" would let any Host header through (password-reset links and absolute URLs are built from it).
if not os.environ.get("DJANGO_ALLOWED_HOSTS", "").strip(","):
    raise ImproperlyConfigured("生产环境必须通过 DJANGO_ALLOWED_HOSTS 列出本站的域名（逗号分隔），不能为空。")
if "*" in ALLOWED_HOSTS or any(host.strip() in ("*", "") for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured("生产环境的 DJANGO_ALLOWED_HOSTS 不得包含“*”：请逐个列出本站的域名。")

if os.environ.get("COUNTYHALL_BUSINESS_DATE"):
    raise ImproperlyConfigured("生产环境不得固定业务日期（COUNTYHALL_BUSINESS_DATE 仅用于演示和培训环境）。")

# HTTPS. nginx (deploy/nginx/countyhall.conf) terminates TLS and forwards X-Forwarded-Proto; Django trusts
# that header only when told it sits behind such a proxy, because a client could send it directly otherwise.
SECURE_SSL_REDIRECT = _flag("DJANGO_SSL_REDIRECT", "1")
if _flag("DJANGO_BEHIND_TLS_PROXY", "0"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The monitoring probe asks over plain HTTP on the machine itself; a redirect would hide the answer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = _flag("DJANGO_SECURE_COOKIES", "1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Static files: WhiteNoise (in MIDDLEWARE from base) serves the collected, hashed and pre-compressed files
# from STATIC_ROOT, so the hashed names can be cached for a year and nginx needs no static location.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps (a few MB each, fetched only by a browser's developer tools) are served as they are: compressing
# them would triple the time `collectstatic` takes on every upgrade. The unhashed copies are dropped: every
# page links the hashed names through {% static %}.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "swf",
    "flv",
    "woff",
    "woff2",
    "3gp",
    "3gpp",
    "asf",
    "avi",
    "m4v",
    "mov",
    "mp4",
    "mpeg",
    "mpg",
    "webm",
    "wmv",
    "map",
)
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Logs as JSON lines in production (one object per record, for the county's log collector), unless the
# environment asks for text.
_log_format = os.environ.get("COUNTYHALL_LOG_FORMAT", "json")
if _log_format not in ("json", "text"):
    raise ImproperlyConfigured("COUNTYHALL_LOG_FORMAT 应为 json 或 text。")
LOGGING["handlers"]["console"]["formatter"] = _log_format  # noqa: F405
