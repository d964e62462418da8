"""WSGI entry point for any WSGI server (waitress via `yikatong serve`, or gunicorn/uwsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yikatong.settings")
application = get_wsgi_application()
