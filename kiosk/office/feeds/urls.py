from django.urls import path

from kiosk.office.accounts import manage
from kiosk.office.feeds import boards, views

app_name = "feeds"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("people/", manage.members, name="people"),
    path("export.zip", views.export_zip, name="export"),
    path("import/", views.import_zip, name="import"),
    path("led/", boards.led_boards, name="led"),
]
