from django.urls import path

from kiosk.office.accounts import manage, views

app_name = "accounts"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("people/", manage.people, name="people"),
    path("people/<int:pk>/reset/", manage.reset_password, name="reset"),
    path("people/<int:pk>/active/", manage.set_active, name="active"),
    path("feeds/new/", manage.new_feed, name="new-feed"),
]
