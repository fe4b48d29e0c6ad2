"""Console pages under ``/fleet/``."""

from django.urls import path

from kiosk.office.fleet import views

app_name = "fleet"
urlpatterns = [
    path("", views.fleet, name="list"),
    path("add/", views.add, name="add"),
    path("s/<str:device_id>/", views.detail, name="screen"),
    path("s/<str:device_id>/code/", views.new_code, name="code"),
    path("s/<str:device_id>/retire/", views.retire, name="retire"),
    path("s/<str:device_id>/screenshot/", views.request_shot, name="request-shot"),
    path("s/<str:device_id>/screenshot.png", views.shot_png, name="shot"),
    path("s/<str:device_id>/events/<int:event_id>/review/", views.review, name="review"),
    path("s/<str:device_id>/proof.zip", views.proof_zip, name="proof"),
    path("coverage/", views.coverage_home, name="coverage"),
    path("coverage/<str:feed>/", views.coverage_feed, name="coverage-feed"),
    path("coverage/<str:feed>/<str:item>/", views.coverage_report, name="coverage-report"),
]
