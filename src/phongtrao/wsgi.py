"""WSGI entry point for `phongtrao serve` and any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
application = get_wsgi_application()
