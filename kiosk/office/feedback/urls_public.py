"""Residents' pages, mounted at ``/p/`` (every feed's QR codes lead to ``/p/<feed>/<item>/?d=<device>``).

``s`` and ``request`` come first: a feed with one of those names would be shadowed (the office
refuses them as feed names).
"""

from django.urls import path

from kiosk.office.feedback import public

app_name = "feedback-public"
urlpatterns = [
    path("s/", public.lookup, name="lookup"),
    path("s/<str:code>/", public.status, name="status"),
    path("request/", public.choose_office, name="choose"),
    path("<str:feed>/", public.feed_home, name="feed"),
    path("<str:feed>/request/", public.request_form, name="request"),
    path("<str:feed>/img/<str:name>", public.image, name="image"),
    path("<str:feed>/<str:item>/", public.notice, name="notice"),
]
