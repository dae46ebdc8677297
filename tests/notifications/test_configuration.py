"""Configuration: the beat sweep is scheduled, and the checks refuse a portal that cannot tell ONS."""

from django.conf import settings as django_settings

from notifications.checks import ons_channels_check
from notifications.tasks import ons_notification_deliver_task, ons_notification_sweep_task


def test_the_sweep_runs_every_five_seconds_from_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["ons-notification-sweep"]
    assert entry["task"] == ons_notification_sweep_task.name
    assert entry["schedule"] == django_settings.ONS_SWEEP_SECONDS == 5.0


def test_ons_delivery_email_and_housekeeping_have_their_own_queues():
    from archive_portal.celery import app
    from core.tasks import queued_email_send_task, queued_email_sweep_task

    router = app.amqp.router
    route = lambda task: router.route({}, task.name)["queue"].name  # noqa: E731 (a one-line lookup)
    assert route(ons_notification_deliver_task) == "ons"
    assert route(queued_email_send_task) == "email"
    assert route(ons_notification_sweep_task) == "housekeeping"
    assert route(queued_email_sweep_task) == "housekeeping"
    assert set(django_settings.WORKER_QUEUES) == {"ons", "email", "housekeeping"}


def test_the_timeout_waits_thirty_seconds_for_ons_and_the_lease_outlasts_an_attempt():
    s = django_settings
    assert s.ONS_WEBHOOK_TIMEOUT == 30.0  # Standard Webhooks: receivers answer within 15 to 30 s
    assert (
        ons_notification_deliver_task.soft_time_limit > s.ONS_WEBHOOK_CONNECT_TIMEOUT + s.ONS_WEBHOOK_TIMEOUT
    )
    assert ons_notification_deliver_task.time_limit < s.ONS_LEASE_SECONDS


def test_celery_is_configured_for_at_least_once_delivery():
    s = django_settings
    assert s.CELERY_TASK_ACKS_LATE
    assert s.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert s.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    options = s.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > s.CELERY_TASK_TIME_LIMIT > s.CELERY_TASK_SOFT_TIME_LIMIT
    assert options["socket_timeout"]
    assert options["socket_connect_timeout"]
    # The delivery task ends before its lease does, so no second worker takes a row still being sent.
    assert ons_notification_deliver_task.time_limit < s.ONS_LEASE_SECONDS
    # Countdowns stay far below the visibility timeout (long waits live in next_attempt_at).
    assert options["visibility_timeout"] > s.ONS_COUNTDOWN_MAX_SECONDS * 10


def test_no_channel_is_an_error(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = ""
    assert [e.id for e in ons_channels_check(None)] == ["notifications.E001"]


def test_webhook_without_a_secret_is_an_error(settings):
    settings.ONS_WEBHOOK_URL = "https://ons.example.gov.uk/hook"
    settings.ONS_WEBHOOK_SECRET = ""
    assert "notifications.E002" in [e.id for e in ons_channels_check(None)]


def test_the_default_email_channel_passes(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    assert ons_channels_check(None) == []


def test_the_worker_keeps_its_database_connection_between_tasks_but_drops_broken_ones():
    """Celery's Django fix-up would close the connection around every task without
    CELERY_DB_REUSE_MAX; our task_prerun/postrun handler closes only unusable or expired ones."""
    from celery.fixups.django import DjangoWorkerFixup
    from celery.signals import task_postrun, task_prerun

    from archive_portal.celery import app, close_old_database_connections

    assert DjangoWorkerFixup(app).db_reuse_max >= 100
    receivers = [r[1]() for r in task_prerun.receivers] + [r[1]() for r in task_postrun.receivers]
    assert receivers.count(close_old_database_connections) == 2
