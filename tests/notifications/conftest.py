"""The ONS notification tests use the shared worker, receiver, SMTP sink and private Redis fixtures
of tests/celery_support.py (registered for every folder by tests/conftest.py)."""

from tests.celery_support import (  # noqa: F401 (re-exported for the tests of this folder)
    WEBHOOK_SECRET,
    WORKER_ONS_ENV,
    Delivery,
    Receiver,
    notification_payload,
    wait_for,
)
