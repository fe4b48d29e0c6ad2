"""Home, sign-in and sign-out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kiosk.office.accounts.models import Membership
from kiosk.office.accounts.roles import person


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass  # POST only (Django 5): a link or an image cannot sign anyone out


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=person(request)).select_related("feed").order_by("feed__name", "role")
    by_feed: dict[str, dict[str, object]] = {}
    for m in memberships:
        entry = by_feed.setdefault(m.feed.name, {"feed": m.feed, "roles": []})
        entry["roles"].append(m.get_role_display())  # type: ignore[attr-defined]
    return render(request, "console/home.html", {"feeds": list(by_feed.values())})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "console/csrf.html", status=403)
