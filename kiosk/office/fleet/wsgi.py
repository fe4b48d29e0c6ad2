"""The screens' API served without the console's middleware.

Requests under ``/device/`` carry a token, never a cookie; they need no session, user, CSRF check,
messages, locale, login throttling or content security policy, and at 200 requests a second the
console's middleware chain costs as much CPU as the views themselves.  :func:`with_device_api`
sends them to a Django handler whose chain is empty (Django still runs the URL resolver, the
request signals that manage database connections, and turns exceptions into 500 answers); every
other request goes to the console's full handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PREFIX = "/device/"


class DeviceHandler(WSGIHandler):
    """A WSGI handler with no middleware (the screens' API authenticates each request by its token)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]


def with_device_api(console: App) -> App:
    """``console`` for every request but those under ``/device/``, which the bare handler answers."""
    device = DeviceHandler()

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return device(environ, start_response)
        return console(environ, start_response)

    return dispatch
