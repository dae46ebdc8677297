"""Settings for scripts/bench (web side and the Celery worker it starts): the shared base settings
as production would run them (DEBUG off, Redis broker and cache, every middleware), on the
benchmark's own database, with the benchmark's URLconf (the portal's URLs plus a private admin site
and a bare ListView used as baselines). The environment (DATABASE_URL, REDIS_URL, ONS_*) is set by
scripts/bench.py before Django starts."""

import os

from archive_portal.settings.base import *  # noqa: F403 (settings modules extend the shared base)

DEBUG = False
SECRET_KEY = "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105 (benchmark only)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "bench_urls"
# Outbox emails are sent by the worker, as in production, but kept in memory (no SMTP server here).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = os.environ.get("BENCH_MEDIA_ROOT", "/tmp/bench-private")  # noqa: S108 (throwaway)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BENCH_LOG_LEVEL", "WARNING")},
}

# scripts/bench --db-reuse-max N: Celery's Django fix-up closes the worker's database connection
# before and after every task (whatever CONN_MAX_AGE says) unless this is set; the benchmark can
# measure what keeping it for N tasks would save.
if os.environ.get("BENCH_DB_REUSE_MAX"):
    CELERY_DB_REUSE_MAX = int(os.environ["BENCH_DB_REUSE_MAX"])

# The read API (step 1 counts /api/v1/grants, /grants/{reference} and /events; step 2 times them):
# the per-client rate limit (120 calls a minute by default) is lifted so that it never answers the
# benchmark 429, and the events list does not hold back rows younger than its settling time
# (10 s by default: the rows the benchmark has just written would be missing from the first page).
RATE_LIMITS = {**RATE_LIMITS, "api": {"client": (1_000_000, 60)}}  # noqa: F405 (from the base settings)
API_EVENTS_SETTLE_SECONDS = 0
