import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
# Import every view now, while the worker boots and before it accepts a connection: otherwise the
# first request each gunicorn worker serves waits for the URLconf's imports (WeasyPrint and the
# rest, 1.5 s or more), and under load so does every request queued behind it.
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
