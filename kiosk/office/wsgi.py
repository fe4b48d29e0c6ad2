"""WSGI entry point (``kiosk office serve`` runs it under waitress)."""

import os

from django.core.wsgi import get_wsgi_application

from kiosk.office.fleet.wsgi import with_device_api

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosk.office.settings")
# the screens' API (/device/) answered without the console's middleware; everything else by the console
application = with_device_api(get_wsgi_application())
