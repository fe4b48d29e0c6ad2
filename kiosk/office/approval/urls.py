from django.urls import path

from kiosk.office.approval import views

app_name = "approval"
urlpatterns = [
    path("", views.queue, name="queue"),
]
