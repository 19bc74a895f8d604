"""Developer and demo settings: DEBUG on unless the environment says otherwise, SQLite by default."""

import os

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
VAR_DIR.mkdir(parents=True, exist_ok=True)
