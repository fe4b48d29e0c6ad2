"""Django settings, read from the office data folder (``KIOSK_OFFICE_DIR``, see datadir.py).

``kiosk office serve DIR`` sets ``KIOSK_OFFICE_DIR``; without it (tests, ``manage`` checks)
the office runs unconfigured: an in-memory SQLite database, a random secret key and no
data folder (``kiosk.office.paths.data_dir()`` then raises).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kiosk.office.datadir import ENV_DATABASE_URL, ENV_DIR, DataDir, OfficeSettings

_dir = os.environ.get(ENV_DIR)
OFFICE_DIR: Path | None = Path(_dir).resolve() if _dir else None
OFFICE: OfficeSettings = DataDir(OFFICE_DIR).settings() if OFFICE_DIR else OfficeSettings()
KIOSK_PUBLIC_URL = OFFICE.public_url

SECRET_KEY = DataDir(OFFICE_DIR).secret_key() if OFFICE_DIR else secrets.token_urlsafe(50)
DEBUG = OFFICE.debug
BASE = Path(__file__).resolve().parent


def _allowed_hosts() -> list[str]:
    from urllib.parse import urlsplit

    host = urlsplit(OFFICE.public_url).hostname or "127.0.0.1"
    return sorted({host, "127.0.0.1", "localhost", "[::1]", *OFFICE.allowed_hosts})


ALLOWED_HOSTS = _allowed_hosts()


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


CSRF_TRUSTED_ORIGINS = [_origin(OFFICE.public_url)]

# Apps by domain.  feedback (issue 14) and fleet (issue 15) add themselves to OFFICE_APPS.
OFFICE_APPS = [
    "kiosk.office.console",
    "kiosk.office.accounts",
    "kiosk.office.history",
    "kiosk.office.feeds",
    "kiosk.office.authoring",
    "kiosk.office.approval",
    "kiosk.office.feedback",
    "kiosk.office.fleet",
]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    *OFFICE_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kiosk.office.console.secondfactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kiosk.office.urls"
WSGI_APPLICATION = "kiosk.office.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "kiosk.office.console.context.office",
    ]},
}]


def _database() -> dict[str, object]:
    url = os.environ.get(ENV_DATABASE_URL) or OFFICE.database_url
    if url:
        import dj_database_url

        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DataDir(OFFICE_DIR).database) if OFFICE_DIR else ":memory:",
        # WAL: readers never wait for the writer; IMMEDIATE: a writing transaction takes the
        # lock at BEGIN, so two publishers queue instead of failing with "database is locked"
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    "transaction_mode": "IMMEDIATE", "timeout": 20},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"

# django-axes: five wrong passwords for one account from one address lock it for 15 minutes
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_SECURE = OFFICE.cookies_secure
CSRF_COOKIE_SECURE = OFFICE.cookies_secure
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = OFFICE.session_hours * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "kiosk_office_session"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if OFFICE.https:
    SECURE_HSTS_SECONDS = 180 * 24 * 3600
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Restrictive CSP: nothing but our own files; no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
}}

# Uploads: images up to 20 MB (the screen's decoder refuses larger), forms up to 2 MB.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000
FILE_UPLOAD_PERMISSIONS = 0o600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = OFFICE.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE / "static"]
STATIC_ROOT = None  # nothing collected: whitenoise serves the package's own files
WHITENOISE_USE_FINDERS = True  # no collectstatic step: files come from the installed package
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "kiosk.office.console.views.csrf_failure"
