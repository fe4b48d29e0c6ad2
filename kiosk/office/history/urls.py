from django.urls import path

from kiosk.office.history import views

app_name = "history"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("export.csv", views.export_csv, name="export"),
]
