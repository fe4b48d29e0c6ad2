"""URL map of the office.

Reserved prefixes (other apps own them):

- ``/p/``      residents' public pages behind the QR codes (feedback app, issue 14):
               ``/p/<feed>/<item>/?d=<device>`` is every feed's ``feedback_url``
- ``/device/`` the screens' API: enrolment, heartbeats, proof of display (fleet app, issue 15)
- ``/feeds/<feed>/…``  the signed feed trees, read-only (feeds app)

A new app adds one ``path(...)`` line below (console pages under ``/f/<feed>/<app>/`` when they
belong to one feed, else ``/<app>/``) and its label to ``settings.OFFICE_APPS``.
"""

from django.urls import include, path

from kiosk.office.feedback.urls import overview_patterns
from kiosk.office.feeds.serve import serve_feed_file

urlpatterns = [
    path("feeds/<str:feed>/<path:path>", serve_feed_file, name="feed-file"),
    path("", include("kiosk.office.console.urls")),
    path("account/", include("kiosk.office.accounts.urls")),
    path("history/", include("kiosk.office.history.urls")),
    path("f/<str:feed>/", include("kiosk.office.feeds.urls")),
    path("f/<str:feed>/notices/", include("kiosk.office.authoring.urls")),
    path("f/<str:feed>/approval/", include("kiosk.office.approval.urls")),
    path("f/<str:feed>/feedback/", include("kiosk.office.feedback.urls")),
    path("feedback/", include(overview_patterns)),
    path("p/", include("kiosk.office.feedback.urls_public")),
    path("fleet/", include("kiosk.office.fleet.urls")),
    path("device/", include("kiosk.office.fleet.urls_device")),
]
