"""WSGI entry point for gunicorn (deploy/systemd/countyhall-web.service).

Production settings unless DJANGO_SETTINGS_MODULE says otherwise: a server started without choosing must not
run with DEBUG and the development key (`make serve` and `make demo` choose the local settings explicitly).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhall.config.settings.production")
application = get_wsgi_application()
