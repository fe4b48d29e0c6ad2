from django.urls import path

from kiosk.office.authoring import views

app_name = "authoring"
urlpatterns = [
    path("", views.notices, name="notices"),
]
