"""Production: refuses to start without a real secret, hosts and HTTPS settings."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403 (settings modules extend the shared base)
from .base import (
    _CACHE_URL,
    LOGGING,
    MAX_REQUEST_BYTES,
    MAX_UPLOAD_BYTES,
    ONS_NOTIFY_EMAIL,
    SECRET_KEY,
    TRUSTED_PROXY_COUNT,
    env,
)

DEBUG = env.bool("DEBUG", default=False)

_INSECURE_MARKERS = ("insecure", "change-me", "changeme", "dev-only", "secret")
if not SECRET_KEY or len(SECRET_KEY) < 50 or any(m in SECRET_KEY.lower() for m in _INSECURE_MARKERS):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if not env.list("ALLOWED_HOSTS", default=[]):
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the portal's host names in production.")
if MAX_REQUEST_BYTES <= MAX_UPLOAD_BYTES:
    raise ImproperlyConfigured(
        "MAX_REQUEST_BYTES must be larger than MAX_UPLOAD_BYTES: a request carries one file and the form "
        "around it (leave MAX_REQUEST_BYTES unset for MAX_UPLOAD_BYTES + 1 MB)."
    )

#: Domains reserved for examples and tests (RFC 2606, RFC 6761): mail to them never reaches ONS.
_RESERVED_DOMAINS = ("example", "example.com", "example.net", "example.org", "invalid", "test", "localhost")
_ons_domain = ONS_NOTIFY_EMAIL.rpartition("@")[2].lower().rstrip(".")
if ONS_NOTIFY_EMAIL and (
    "@" not in ONS_NOTIFY_EMAIL
    or any(_ons_domain == d or _ons_domain.endswith("." + d) for d in _RESERVED_DOMAINS)
    or ".example." in f".{_ons_domain}."
):
    raise ImproperlyConfigured(
        f"ONS_NOTIFY_EMAIL is {ONS_NOTIFY_EMAIL!r}, a placeholder that can never reach ONS: set it to the "
        "address ONS gave for access instructions, or leave it empty and use ONS_WEBHOOK_URL."
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if TRUSTED_PROXY_COUNT > 0:
    # The proxy in front (deploy/nginx.conf.template) says whether it was reached over HTTPS. With no
    # proxy configured the header could only come from the client, which must not declare itself secure.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
if not _CACHE_URL:
    # No Redis: the rate limits count in PostgreSQL, shared by every web process (a per-process
    # memory cache let three gunicorn workers pass three times the limit). The table comes from
    # core's migration 0004. Expired counters are deleted only once MAX_ENTRIES is passed.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.DatabaseCache",
            "LOCATION": "portal_cache",
            "KEY_PREFIX": "portal",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
STORAGES = {
    **STORAGES,  # noqa: F405 (defined in base)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Server errors go to ADMINS by email. Stated here rather than left to Django's default logging, which
# also mails every django.security error (a forged Host header, a body over the size limit: the
# client's fault, and many) and prints django's messages a second time: django.request's errors (the
# 500s) are mailed, once, and everything else goes to the console through the root logger.
LOGGING = {
    **LOGGING,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        **LOGGING["handlers"],
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "loggers": {
        **LOGGING["loggers"],
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"handlers": ["mail_admins"], "propagate": True},
    },
}
