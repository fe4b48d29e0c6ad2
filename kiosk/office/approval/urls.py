from django.urls import path

from kiosk.office.approval import views

app_name = "approval"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("keys/", views.keys, name="keys"),
    path("keys/propose/", views.propose_keys, name="keys-propose"),
    path("keys/<int:pk>/sign/", views.sign_keys, name="keys-sign"),
]
