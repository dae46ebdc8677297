"""The test suite: always real PostgreSQL (never SQLite), fast hashing, tasks in-process unless a
test starts a real worker."""

from .base import *  # noqa: F403 (settings modules extend the shared base)
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105 (test-only)
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/archive_portal")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("The test suite runs on PostgreSQL only; set DATABASE_URL to a postgres:// URL.")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
ONS_NOTIFY_EMAIL = env.str("ONS_NOTIFY_EMAIL", default="srs-access@ons.example.gov.uk")
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
# Each test starts with empty rate-limit counters (tests/conftest.py clears this cache); a test of the
# Redis cache itself configures it explicitly.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# That memory cache is per process, which core.checks refuses with DEBUG off; one test process is
# all there is here (tests/core/test_settings.py runs the check itself).
SILENCED_SYSTEM_CHECKS = ["core.E001"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
