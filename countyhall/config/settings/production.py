"""Production settings: refuse to start when misconfigured rather than run insecurely."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DEFAULT_SECRET_KEY, SECRET_KEY

if os.environ.get("DJANGO_DEBUG", "0") == "1":
    raise ImproperlyConfigured("生产环境不得开启 DEBUG（DJANGO_DEBUG=1）。")
DEBUG = False
if not SECRET_KEY or SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("生产环境必须通过 DJANGO_SECRET_KEY 设置至少 32 个字符的密钥，不能使用默认密钥。")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("生产环境必须设置 DATABASE_URL（PostgreSQL）。")

if os.environ.get("COUNTYHALL_BUSINESS_DATE"):
    raise ImproperlyConfigured("生产环境不得固定业务日期（COUNTYHALL_BUSINESS_DATE 仅用于演示和培训环境）。")

SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
