"""Settings shared by every environment. The environment is read here and nowhere else.

Without any variable set, the portal runs on an embedded default: a SQLite file in the project
folder and Celery tasks executed in-process. With DATABASE_URL and REDIS_URL set it uses
PostgreSQL and a Redis broker with separate worker and beat processes.
"""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = "Archive Access Portal"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "simple_history",
    "csp",
    "core",
    "accounts",
    "deposits",
    "applications",
    "panel",
    "notifications",
    "transparency",
    "api",  # the read API for ONS (django-ninja): above every app it reads
    "archive_portal",  # composes the apps above: the demo_data and run_periodic_tasks commands, /healthz
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "core.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RequestContextMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "archive_portal.urls"
WSGI_APPLICATION = "archive_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.context_processors.portal",
            ],
        },
    },
    {
        # Plain-text emails: no HTML escaping (a title with "&" or an apostrophe must read as typed).
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has two writers (the web server and run_periodic_tasks): a write waits up
    # to 20 s for the other's lock instead of failing with "database is locked", and a transaction
    # takes the write lock when it begins, so it never fails halfway when upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# Persistent connections with a health check: a web process or worker reuses its connection for a
# minute instead of paying a new one per request or task (the benchmark measured 16 ms a task).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, passwords, sign-in ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
EMAIL_CONFIRMATION_MAX_AGE = timedelta(days=3)

# Sessions expire after 30 idle minutes; panel and staff sessions also have an absolute lifetime.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
PRIVILEGED_SESSION_MAX_AGE = timedelta(hours=8)
# Changing how one signs in (second factor, email) needs the password entered this recently.
REAUTHENTICATION_MAX_AGE = timedelta(minutes=10)

# django-guardian: no anonymous user row (the custom user model logs in by email).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock the account at this address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"  # renders accounts/locked_out.html with status 429
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"  # every spelling of an address is one account
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "core.middleware.request_client_ip"
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: use REMOTE_ADDR).
# The lockout, the rate limits and the audit log's addresses depend on it being right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Rate limits (core.ratelimit): scope -> {"ip" | "address": (attempts, window in seconds)}.
RATE_LIMITS = {
    "login": {"ip": (30, 15 * 60)},
    "sign_up": {"ip": (10, 60 * 60), "address": (3, 60 * 60)},
    "password_reset": {"ip": (10, 60 * 60), "address": (3, 60 * 60)},
    # the read API, per client (api.endpoints.ClientToken): 429 with Retry-After beyond it
    "api": {"client": (env.int("API_RATE_LIMIT_PER_MINUTE", default=120), 60)},
}
# /api/v1/events holds back rows younger than this, so that one still committing is not stepped over.
API_EVENTS_SETTLE_SECONDS = env.int("API_EVENTS_SETTLE_SECONDS", default=10)

# django-otp: TOTP apps plus single-use recovery codes. Wrong codes slow further tries down
# (1, 2, 4 ... seconds); django-otp keeps the last accepted time step, so a code works once.
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Cache: Redis when REDIS_URL is set (rate-limit counts shared by every process), memory otherwise
# (production.py then uses the database; core.checks refuses a per-process cache with DEBUG off).
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "portal",
            # An unreachable Redis fails a cache call within a second (the rate limiter then lets
            # the request through) instead of holding the request for the system's TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}
    )
}

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files and private documents ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents live outside any URL space; a permission-checking view streams them.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# The largest request body the portal reads (one file of MAX_UPLOAD_BYTES and the form's other fields):
# core.middleware.RequestBodyLimitMiddleware answers 413 to a larger Content-Length before anything
# reads the body, and core.uploads.RequestBodyLimitUploadHandler stops an upload at this many bytes.
# The reverse proxy in front (deploy/nginx.conf.template) has the same limit.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=MAX_UPLOAD_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "core.uploads.RequestBodyLimitUploadHandler",  # first: it sees each chunk before it is stored
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Where uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE are spooled while a request is read (None: the
# system's temporary folder).
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None

# --- Forms ----------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers -----------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Permissions-Policy (core.middleware.PermissionsPolicyMiddleware; Django has no setting for it): the
# portal is forms and documents, so every powerful browser feature is off for it and anything it
# frames. browsing-topics replaces the withdrawn interest-cohort (FLoC).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Email ----------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connect or reply may take before the send fails (and the outbox retries later);
# without it a stalled relay holds the process that sends (a worker, or a web process for error mail).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Archive Access Portal <portal@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
STAFF_ALERT_EMAIL = env.str("STAFF_ALERT_EMAIL", default="archive-staff@example.org")
# Who is sent server errors (Django's mail_admins handler, with DEBUG off): ADMINS is a comma-separated
# list of addresses, each "address" or "Name <address>"; none by default, and then the 500 page does
# not say that anyone has been told.
ADMINS = []
for _entry in env.list("ADMINS", default=[]):
    _name, _address = parseaddr(_entry)
    if "@" not in _address:
        raise ImproperlyConfigured(f"ADMINS: {_entry!r} is not an email address.")
    ADMINS.append((_name or _address, _address))
EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.PortalExceptionReporterFilter"

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# No broker configured: run tasks in-process so the first command needs no server.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env.str("CELERY_BROKER_URL", default=""))
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# At-least-once delivery: acknowledge after the task ran, requeue when the worker dies, one at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose broker connection drops is cancelled: with acks_late its message comes back anyway, so
# letting it run on would only do the work twice (and Celery 6 makes this the default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes the database connection before and after every task unless this is
# set; archive_portal.celery instead closes only unusable or expired connections (CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# A worker keeps trying to reach Redis for as long as it is away (the default gives up after 100 tries
# and the process exits; nothing in the compose file would restart it).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,  # longer than the longest task (time limit 120 s); no task uses an ETA
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
    # Publishing (a web request's on_commit dispatch) tries to connect this many times, then gives up
    # and leaves the work to the outbox sweeps instead of holding the request.
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# A publish that fails is retried briefly, then raised (on_commit(robust=True) logs it; sweeps resend).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Three queues, each with its own workers (docker-compose.yml): a slow or absent ONS fills only
# "ons"; the team's email and the periodic sweeps never wait behind it.
CELERY_TASK_DEFAULT_QUEUE = "housekeeping"
CELERY_TASK_ROUTES = {
    "notifications.tasks.ons_notification_deliver_task": {"queue": "ons"},
    "core.tasks.queued_email_send_task": {"queue": "email"},
}
#: Every queue, for a worker that takes them all (the tests, a small install).
WORKER_QUEUES = ("ons", "email", "housekeeping")

# --- After approval ---------------------------------------------------------------------------------
# The closing report is due this many days after a project's access ends (at its end date or early).
CLOSING_REPORT_DAYS = env.int("CLOSING_REPORT_DAYS", default=90)

# --- ONS ------------------------------------------------------------------------------------------
ONS_WEBHOOK_URL = env.str("ONS_WEBHOOK_URL", default="")
ONS_WEBHOOK_SECRET = env.str("ONS_WEBHOOK_SECRET", default="")  # "whsec_" + base64, Standard Webhooks
# Where ONS is emailed a readable copy of each event with its JSON. No default is guessed: the
# address comes from ONS (production refuses a reserved example address).
ONS_NOTIFY_EMAIL = env.str("ONS_NOTIFY_EMAIL", default="")
# Seconds to connect, and to wait for ONS's answer (Standard Webhooks asks receivers to answer within
# 15 to 30 s): a slow answer is waited for rather than sent twice.
ONS_WEBHOOK_CONNECT_TIMEOUT = env.float("ONS_WEBHOOK_CONNECT_TIMEOUT", default=5.0)
ONS_WEBHOOK_TIMEOUT = env.float("ONS_WEBHOOK_TIMEOUT", default=30.0)
# Seconds before each retry of a failed delivery, with +/- jitter; past the end of the table its last
# entry repeats, and a notification fails once the table's total (about 27.6 h) has passed since it
# was first sent or resent.
ONS_RETRY_DELAYS = env.list(
    "ONS_RETRY_DELAYS", cast=float, default=[5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
)
ONS_RETRY_JITTER = env.float("ONS_RETRY_JITTER", default=0.2)
# The longest ONS's Retry-After (on 429 or 503) is believed.
ONS_RETRY_AFTER_MAX_SECONDS = env.float("ONS_RETRY_AFTER_MAX_SECONDS", default=6 * 3600.0)
# A claimed notification belongs to its worker this long (more than one attempt can take: the
# delivery task's hard time limit is connect + read timeout + 10 s); after it the sweep resends it,
# marking the attempt "outcome unknown".
ONS_LEASE_SECONDS = env.float(
    "ONS_LEASE_SECONDS", default=ONS_WEBHOOK_CONNECT_TIMEOUT + ONS_WEBHOOK_TIMEOUT + 30.0
)
# How often beat runs the ONS sweep (lost dispatches, backoffs falling due, probes, the heartbeat).
ONS_SWEEP_SECONDS = env.float("ONS_SWEEP_SECONDS", default=5.0)
# The sweep leaves a due row this long to its own dispatch before dispatching it again.
ONS_SWEEP_GRACE_SECONDS = env.float("ONS_SWEEP_GRACE_SECONDS", default=15.0)
# Retries due within this many seconds get a Celery countdown of their own (far below the
# visibility timeout); the sweep dispatches longer waits, with a countdown, as they fall due.
ONS_COUNTDOWN_MAX_SECONDS = env.float("ONS_COUNTDOWN_MAX_SECONDS", default=30.0)
# While an endpoint is failing, the sweep retries one of its waiting rows this often (the probe).
ONS_PROBE_SECONDS = env.float("ONS_PROBE_SECONDS", default=10.0)
# Staff are told (banner, one email) when a notification has waited longer than this.
ONS_DELAY_ALERT_SECONDS = env.float("ONS_DELAY_ALERT_SECONDS", default=600.0)
# /healthz says the scheduler is stale when the sweep has not run for this long.
ONS_SCHEDULER_STALE_SECONDS = env.float("ONS_SCHEDULER_STALE_SECONDS", default=180.0)
# An incident closes (one digest email) after delivery has been healthy for this long.
ONS_INCIDENT_QUIET_SECONDS = env.float("ONS_INCIDENT_QUIET_SECONDS", default=300.0)

# The v1a (Ed25519) signing keys' rotation (docs/ons-signatures.md): a new key is in the JWK set this
# long before it signs, signs beside the old one this long, and a retired key stays published this long.
ONS_SIGNING_PUBLISH_AHEAD_HOURS = env.float("ONS_SIGNING_PUBLISH_AHEAD_HOURS", default=24.0)
ONS_SIGNING_OVERLAP_HOURS = env.float("ONS_SIGNING_OVERLAP_HOURS", default=24.0)
ONS_SIGNING_RETENTION_DAYS = env.float("ONS_SIGNING_RETENTION_DAYS", default=30.0)
# How long a receiver may cache /.well-known/jwks.json (far below the publish-ahead period).
ONS_JWKS_MAX_AGE_SECONDS = env.int("ONS_JWKS_MAX_AGE_SECONDS", default=300)

CELERY_BEAT_SCHEDULE = {
    "queued-email-sweep": {"task": "core.tasks.queued_email_sweep_task", "schedule": 60.0},
    "ons-notification-sweep": {
        "task": "notifications.tasks.ons_notification_sweep_task",
        "schedule": ONS_SWEEP_SECONDS,
    },
    "panel-vote-reminders": {"task": "panel.tasks.vote_reminders_task", "schedule": 60.0 * 60},
    "transparency-access-periods": {"task": "transparency.tasks.access_periods_task", "schedule": 60.0 * 60},
    "applications-terms-acceptance-requests": {
        "task": "applications.tasks.terms_acceptance_requests_task",
        "schedule": 60.0 * 60,
    },
    "applications-reports": {"task": "applications.tasks.reports_process_task", "schedule": 60.0 * 60},
    "applications-grants-rescreen": {
        "task": "applications.tasks.grants_rescreen_all_task",
        "schedule": 60.0 * 60,
    },
    "applications-accreditation-reminders": {
        "task": "applications.tasks.accreditation_reminders_task",
        "schedule": 60.0 * 60,
    },
}

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
