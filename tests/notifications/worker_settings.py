"""Settings for the Celery worker the ONS tests start: the test settings, except that email goes
where EMAIL_URL says (the tests' SMTP sink) instead of the in-memory backend, which a separate
worker process could not share with the test."""

from archive_portal.settings.base import EMAIL_CONFIG
from archive_portal.settings.test import *  # noqa: F403 (extends the test settings)

EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]

# Beat started by the tests sends only the two outbox sweeps: the hourly reminders and the end of
# access periods would act on the other tests' rows.
CELERY_BEAT_SCHEDULE = {
    name: entry
    for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405 (from the test settings)
    if name in {"ons-notification-sweep", "queued-email-sweep"}
}
