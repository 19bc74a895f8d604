"""ASGI entry point (for an ASGI server such as uvicorn); production settings unless told otherwise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhall.config.settings.production")
application = get_asgi_application()
