"""Cross-site request forgery on residents' forms, without cookies.

Residents are not signed in, and many phones' in-app browsers (or privacy settings) refuse
cookies; Django's cookie-based CSRF token would turn their comment into an error page.  The
public forms therefore carry a signed, time-limited form token (no cookie, no session) and
are refused when the browser says the post came from another site:

- ``Sec-Fetch-Site`` (sent by every current browser) must be ``same-origin`` (or ``none``);
- ``Origin`` (sent on every cross-site POST by every browser since ~2020), or else the
  ``Referer``, must be this office's own address when present;
- the token must be ours, for this form, and younger than ``MAX_AGE`` (an old page gets its
  form back, text kept, with a fresh token and a plain message).

A page of another site can thus not make a resident's browser post in their name.  What is
left (a script posting from its own machine, with a token it fetched) is what the rate limits
and the honeypot field are for.  Staff pages keep Django's own CSRF protection.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

SALT = "kiosk.feedback.form"
MAX_AGE = 2 * 24 * 3600  # a page left open over a weekend still posts


def issue(purpose: str) -> str:
    return signing.dumps(purpose, salt=SALT, compress=False)


def token_problem(token: str, purpose: str) -> str | None:
    """None when ``token`` is a valid token for ``purpose``; else "expired" or "invalid"."""
    try:
        value = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "invalid"
    return None if value == purpose else "invalid"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def trusted_origins(request: HttpRequest) -> set[str]:
    own = f"{request.scheme}://{request.get_host()}".lower()
    return {own, *(o.lower() for o in settings.CSRF_TRUSTED_ORIGINS)}


def cross_site(request: HttpRequest) -> bool:
    """True when the browser tells us the post was made by a page of another site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == "null" or _origin(origin) not in trusted_origins(request)
    referer = request.headers.get("Referer")
    if referer:
        return _origin(referer) not in trusted_origins(request)
    return False
