"""Developer and demo settings: DEBUG on unless the environment says otherwise, SQLite by default."""

import os

from .base import *  # noqa: F401,F403
from .base import CONTENT_SECURITY_POLICY, VAR_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
VAR_DIR.mkdir(parents=True, exist_ok=True)

if DEBUG:
    # Django's own debug pages (the yellow traceback, the URL list) are written with inline script and style:
    # with DEBUG the policy is only reported (browser console), so a developer still sees a traceback.
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None
