"""The email outbox has the ONS outbox's shape: claim with a lease (skip_locked), send outside any
transaction, record the result with a retry table, and a sweep for what a lost dispatch or a dead
worker left behind. The SMTP tests talk to a real relay (the aiosmtpd sink of tests/celery_support.py)."""

import smtplib
import threading
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import BadHeaderError
from django.db import connection, transaction
from django.utils import timezone

from core import services
from core.enums import CoreAuditAction, EmailAttemptOutcome, QueuedEmailStatus
from core.models import AuditEvent, QueuedEmail
from core.tasks import queued_email_send_task, queued_email_sweep_task

Status = QueuedEmailStatus


@pytest.fixture
def relay(smtp_sink, settings):
    """Send through the real SMTP backend to the local sink (EMAIL_TIMEOUT still applies)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    smtp_sink.clear()
    yield smtp_sink
    smtp_sink.release.set()
    smtp_sink.clear()


def _queued(**fields) -> QueuedEmail:
    """A pending row whose dispatch was lost (no task was sent for it)."""
    defaults = {
        "to": [f"{uuid.uuid4().hex[:12]}@example.org"],
        "subject": "Your application was submitted",
        "body": "Hello.\n",
        "topic": "tests/outbox",
    }
    return QueuedEmail.objects.create(**{**defaults, **fields})


def _in_thread(target, *args) -> tuple[threading.Thread, dict]:
    """Run ``target`` in a thread of its own, with its own database connection."""
    result = {}

    def run():
        try:
            result["value"] = target(*args)
        except Exception as exc:  # reported by the test
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


# --- The rules: two pure tables -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
        (5, timedelta(hours=6)),
        (6, None),  # failed for good
        (7, None),
        (0, None),
    ],
)
def test_email_retry_delay_follows_the_table(failures, delay):
    assert services.email_retry_delay(failures=failures) == delay


SENT, RETRY, FAILED = EmailAttemptOutcome.SENT, EmailAttemptOutcome.RETRY, EmailAttemptOutcome.FAILED


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, SENT),
        # the message cannot be built: failed at once
        (BadHeaderError("Header values can't contain newlines"), FAILED),
        (ValueError('Invalid address "a@@b"'), FAILED),
        # the relay refuses every recipient for good: failed at once
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"No such user")}), FAILED),
        # some refusals are only for now: retry
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"Mailbox busy")}), RETRY),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.org": (550, b"No such user"), "b@example.org": (451, b"Later")}
            ),
            RETRY,
        ),
        # the relay refuses this message for good: failed at once; for now: retry
        (smtplib.SMTPDataError(554, b"Message refused"), FAILED),
        (smtplib.SMTPDataError(451, b"Try again later"), RETRY),
        # the relay or the network: retry
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), RETRY),
        (ConnectionRefusedError(111, "Connection refused"), RETRY),
        (TimeoutError("timed out"), RETRY),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), RETRY),
        (smtplib.SMTPSenderRefused(550, b"Sender refused", "portal@example.org"), RETRY),
    ],
)
def test_email_attempt_outcome_follows_the_table(error, outcome):
    assert services.email_attempt_outcome(error=error) == outcome


def test_the_lease_outlasts_the_send_task_so_no_second_worker_starts_while_one_sends():
    hard_limit = queued_email_send_task.time_limit or django_settings.CELERY_TASK_TIME_LIMIT
    assert services.EMAIL_LEASE.total_seconds() > hard_limit


# --- Claim, send, record ----------------------------------------------------------------------------


def test_a_claim_skips_a_row_another_claim_has_locked(transactional_db):
    email = _queued()
    with transaction.atomic():
        QueuedEmail.objects.select_for_update().get(pk=email.pk)  # another worker, mid-claim
        thread, result = _in_thread(lambda: services.queued_email_claim(email_id=email.pk))
        thread.join(5)
        assert not thread.is_alive(), "the claim waited for the lock instead of skipping the row"
    assert result == {"value": None}
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.PENDING, 0)


def test_two_workers_sending_the_same_row_one_sends_and_one_gets_none(transactional_db, relay):
    email = _queued()
    relay.hold_next = True
    first, first_result = _in_thread(lambda: services.queued_email_send(email_id=email.pk))
    assert relay.holding.wait(5), "the first worker never reached the relay"
    second, second_result = _in_thread(lambda: services.queued_email_send(email_id=email.pk))
    second.join(5)
    assert not second.is_alive(), "the second worker waited for the first"
    assert second_result == {"value": None}
    relay.release.set()
    first.join(10)
    assert first_result["value"].status == Status.SENT
    assert len(relay.to(email.to[0])) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.lease_until) == (Status.SENT, 1, None)


def test_no_row_lock_is_held_while_sending(transactional_db, relay):
    """While the relay stalls, another connection can lock the row at once: the claim committed
    before the send, and the send runs outside any transaction."""
    email = _queued()
    relay.hold_next = True
    worker, result = _in_thread(lambda: services.queued_email_send(email_id=email.pk))
    try:
        assert relay.holding.wait(5), "the worker never reached the relay"
        with transaction.atomic():
            row = QueuedEmail.objects.select_for_update(nowait=True).get(pk=email.pk)  # must not raise
        assert row.status == Status.SENDING
        assert row.lease_until > timezone.now()
    finally:
        relay.release.set()
        worker.join(10)
    assert result["value"].status == Status.SENT


def test_a_refusing_relay_leaves_the_row_pending_with_the_error_and_the_next_attempt(db, relay):
    email = _queued()
    relay.script = ["451 4.3.0 Try again later", "451 4.3.0 Still busy"]
    before = timezone.now()
    services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == Status.PENDING
    assert email.attempts == 1
    assert email.lease_until is None
    assert "SMTPDataError" in email.last_error
    assert "Try again later" in email.last_error
    assert before + timedelta(minutes=1) <= email.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    assert relay.to(email.to[0]) == []
    assert services.queued_email_send(email_id=email.pk) is None  # not due yet
    assert email.pk not in services.queued_email_due_ids()

    QueuedEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.PENDING, 2)
    assert email.next_attempt_at >= timezone.now() + timedelta(minutes=4)  # the second wait: 5 minutes

    QueuedEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error, email.next_attempt_at) == (
        Status.SENT,
        3,
        "",
        None,
    )
    assert len(relay.to(email.to[0])) == 1


def test_an_email_fails_for_good_after_six_attempts_and_the_failure_is_audited(db, relay):
    email = _queued()
    relay.script = ["451 4.3.0 Try again later"] * 6
    for _ in range(6):
        QueuedEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.FAILED, 6, None)
    event = AuditEvent.objects.get(action=CoreAuditAction.EMAIL_FAILED)
    assert (event.target_type, event.target_id) == ("core.queuedemail", str(email.pk))
    assert event.data["attempts"] == 6
    assert services.queued_email_send(email_id=email.pk) is None
    assert email.pk not in services.queued_email_due_ids(grace=timedelta(0))


def test_an_expired_lease_is_picked_up_by_the_sweep(db):
    """A worker claimed the row and died mid-send: once its lease expires, the sweep sends it."""
    email = _queued()
    assert services.queued_email_claim(email_id=email.pk) is not None  # ...and the worker stops
    assert services.queued_email_due_ids(grace=timedelta(0)) == []  # leased to the dead worker
    assert services.queued_email_send(email_id=email.pk) is None
    QueuedEmail.objects.filter(pk=email.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert services.queued_email_due_ids() == [email.pk]
    queued_email_sweep_task.apply()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.lease_until) == (Status.SENT, 2, None)
    assert [m.to for m in mail.outbox] == [email.to]


def test_a_late_result_from_the_dead_worker_does_not_undo_the_takeover(db):
    email = _queued()
    _, dead_claim = services.queued_email_claim(email_id=email.pk)
    QueuedEmail.objects.filter(pk=email.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    _, live_claim = services.queued_email_claim(email_id=email.pk)
    services.queued_email_record_attempt(claim=dead_claim, error=TimeoutError("timed out"))
    email.refresh_from_db()
    assert (email.status, email.last_error) == (Status.SENDING, "")  # the live worker still holds it
    services.queued_email_record_attempt(claim=live_claim, error=None)
    email.refresh_from_db()
    assert email.status == Status.SENT


def test_a_late_success_from_the_dead_worker_counts_and_is_never_undone(db):
    email = _queued()
    _, slow_claim = services.queued_email_claim(email_id=email.pk)
    QueuedEmail.objects.filter(pk=email.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    _, live_claim = services.queued_email_claim(email_id=email.pk)
    services.queued_email_record_attempt(claim=slow_claim, error=None)  # its send did go out
    email.refresh_from_db()
    assert (email.status, email.lease_until) == (Status.SENT, None)
    services.queued_email_record_attempt(claim=live_claim, error=TimeoutError("timed out"))
    email.refresh_from_db()
    assert (email.status, email.last_error) == (Status.SENT, "")


def test_a_new_row_is_left_to_its_own_dispatch_for_the_grace_period(db):
    email = _queued()
    assert services.queued_email_due_ids() == []
    QueuedEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(seconds=31))
    assert services.queued_email_due_ids() == [email.pk]


def test_a_header_with_a_newline_fails_at_once_and_is_not_retried(db):
    """A subject stored before the one-line policy (or by a path that skipped it) can never be sent."""
    email = _queued(subject="Submitted\nBcc: someone@evil.example")
    services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.FAILED, 1, None)
    assert email.last_error.startswith("BadHeaderError")
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action=CoreAuditAction.EMAIL_FAILED, target_id=str(email.pk)).exists()
    assert email.pk not in services.queued_email_due_ids(grace=timedelta(0))


def test_an_invalid_address_fails_at_once_at_the_relay(db, relay):
    email = _queued(to=["someone@@example.org"])
    services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 1)
    assert "Invalid address" in email.last_error


def test_a_relay_refusing_the_message_for_good_fails_it_at_once(db, relay):
    email = _queued()
    relay.script = ["554 5.7.1 Message refused"]
    services.queued_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 1)
    assert "Message refused" in email.last_error
