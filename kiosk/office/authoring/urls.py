from django.urls import path

from kiosk.office.authoring import views

app_name = "authoring"
urlpatterns = [
    path("", views.notices, name="notices"),
    path("new/", views.edit, name="new"),
    path("n/<str:item_id>/", views.edit, name="edit"),
    path("n/<str:item_id>/preview/", views.preview, name="preview"),
    path("n/<str:item_id>/submit/", views.submit_notice, name="submit"),
    path("previews/<str:key>/<str:name>", views.preview_png, name="preview-png"),
    path("images/<str:name>", views.image, name="image"),
]
