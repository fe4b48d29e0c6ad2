"""Role and permission helpers for every app.

- ``roles_of(user, feed)``: the set of :class:`Role` a user holds on a feed.
- ``has_role(user, feed, *roles)``: True when the user holds any of ``roles`` there
  (office admins — superusers — only where they are members too: no silent super-powers).
- ``feeds_of(user, *roles)``: the feeds where the user holds any of ``roles`` (all roles if none given).
- ``@feed_view(*roles)``: a view decorator; the URL's ``feed`` name becomes the ``Feed``
  object, and people without one of ``roles`` get 404 (a feed's existence is not leaked).
  ``@feed_view()`` with no roles lets any member in (supervisors read everything).
- ``is_office_admin(user)``: may create feeds and accounts (Django superuser).
- ``person(request)``: the signed-in ``User`` (typed) of a view that requires one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from kiosk.office.accounts.models import Membership, Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kiosk.office.feeds.models import Feed


def roles_of(user: Any, feed: Feed) -> set[Role]:  # noqa: ANN401
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {Role(r) for r in Membership.objects.filter(user=user, feed=feed).values_list("role", flat=True)}


def has_role(user: Any, feed: Feed, *roles: Role) -> bool:  # noqa: ANN401
    held = roles_of(user, feed)
    return bool(held) if not roles else bool(held & set(roles))


def feeds_of(user: Any, *roles: Role) -> QuerySet[Feed]:  # noqa: ANN401
    from kiosk.office.feeds.models import Feed

    if not getattr(user, "is_authenticated", False):
        return Feed.objects.none()
    members = Membership.objects.filter(user=user)
    if roles:
        members = members.filter(role__in=[r.value for r in roles])
    return Feed.objects.filter(pk__in=members.values("feed")).order_by("name")


def person(request: HttpRequest) -> User:
    """The signed-in person of a view behind ``login_required`` / ``feed_view``."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def is_office_admin(user: Any) -> bool:  # noqa: ANN401
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


View = Callable[..., HttpResponseBase]


def feed_view(*roles: Role) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, feed: str, *args: Any, **kwargs: Any) -> HttpResponseBase:  # noqa: ANN401
            from kiosk.office.feeds.models import Feed

            obj = Feed.objects.filter(name=feed).first()
            if obj is None or not has_role(request.user, obj, *roles):
                raise Http404("no such feed, or not yours")
            return view(request, obj, *args, **kwargs)
        return wrapper
    return decorate
