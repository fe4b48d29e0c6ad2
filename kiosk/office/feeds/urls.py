from django.urls import path

from kiosk.office.feeds import views

app_name = "feeds"
urlpatterns = [
    path("", views.detail, name="detail"),
]
