from django.urls import path

from kiosk.office.console import secondfactor, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/otp/", secondfactor.verify, name="otp"),
]
