"""The screens' API under ``/device/`` (see kiosk.office.fleet.api)."""

from django.urls import path

from kiosk.office.fleet import api

app_name = "device"
urlpatterns = [
    path("v1/enrol", api.enrol, name="enrol"),
    path("v1/heartbeat", api.heartbeat, name="heartbeat"),
    path("v1/screenshot", api.screenshot, name="screenshot"),
    path("v1/audit", api.audit, name="audit"),
]
