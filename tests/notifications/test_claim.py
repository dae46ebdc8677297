"""The claim and the record of a delivery, rule by rule (issue 19): the claim is one conditional
UPDATE ... RETURNING, the record of a success one statement, and the endpoint's waiting rows are
only asked for after a failure recent enough for any to be waiting."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.enums import OnsAttemptOutcome, OnsNotificationStatus
from notifications.models import OnsDeliveryAttempt, OnsEndpoint, OnsNotification
from notifications.services import (
    UNKNOWN_OUTCOME_TEXT,
    AttemptResult,
    delivery,
    ons_notification_claim,
    ons_notification_record_attempt,
    recording,
)
from notifications.services.delivery import _longest_wait
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

from .conftest import WEBHOOK_SECRET

Status = OnsNotificationStatus


@pytest.fixture
def ons(settings, monkeypatch):
    """One webhook channel; nothing is dispatched to a worker (these tests claim the rows themselves)."""
    settings.ONS_WEBHOOK_URL = "http://127.0.0.1:9/ons"
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = ""
    monkeypatch.setattr(recording, "ons_notifications_dispatch_on_commit", lambda *, ids: None)
    monkeypatch.setattr(delivery, "ons_notifications_dispatch_on_commit", lambda *, ids: None)
    return settings


def _row() -> OnsNotification:
    decision = decision_record_for_test(application=OnsApplicationFactory(team=False))
    return OnsNotification.objects.get(decision=decision)


def _ok(status_code: int = 200) -> AttemptResult:
    return AttemptResult(started_at=timezone.now(), duration_ms=7, status_code=status_code)


@pytest.mark.django_db
def test_a_claim_is_one_statement_and_the_record_of_a_success_one_more(ons, django_assert_num_queries):
    row = _row()
    with django_assert_num_queries(1):
        notification, claim = ons_notification_claim(notification_id=row.pk)
    assert (notification.status, notification.attempts, claim.number) == (Status.SENDING, 1, 1)
    assert notification.lease_token == claim.token
    assert notification.payload == row.payload  # everything the send needs, as stored
    with django_assert_num_queries(1):  # the endpoint never failed: nothing can be waiting on it
        delivered = ons_notification_record_attempt(claim=claim, result=_ok())
    assert (delivered.status, delivered.lease_token, delivered.lease_until) == (Status.DELIVERED, None, None)
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert row.delivered_at is not None
    assert row.last_status_code == 200
    attempt = OnsDeliveryAttempt.objects.get(notification=row)
    assert (attempt.number, attempt.outcome, attempt.status_code, attempt.duration_ms) == (
        1,
        "delivered",
        200,
        7,
    )


@pytest.mark.django_db
def test_a_countdown_a_hair_early_is_claimed_a_later_one_and_finished_rows_are_not(ons):
    row = _row()
    now = timezone.now()
    OnsNotification.objects.filter(pk=row.pk).update(next_attempt_at=now + timedelta(seconds=3))
    assert ons_notification_claim(notification_id=row.pk) is None  # not due yet
    OnsNotification.objects.filter(pk=row.pk).update(next_attempt_at=now + timedelta(milliseconds=500))
    assert ons_notification_claim(notification_id=row.pk) is not None  # due within the second
    for finished in (Status.DELIVERED, Status.FAILED):
        OnsNotification.objects.filter(pk=row.pk).update(
            status=finished, lease_until=None, next_attempt_at=None
        )
        assert ons_notification_claim(notification_id=row.pk) is None
    assert ons_notification_claim(notification_id=0) is None


@pytest.mark.django_db
def test_a_disabled_endpoint_holds_its_row_untouched(ons):
    row = _row()
    OnsEndpoint.objects.filter(pk=row.endpoint_id).update(disabled_at=timezone.now())
    assert ons_notification_claim(notification_id=row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.attempts, row.lease_until) == (Status.PENDING, 0, None)
    OnsEndpoint.objects.filter(pk=row.endpoint_id).update(disabled_at=None)
    assert ons_notification_claim(notification_id=row.pk) is not None


@pytest.mark.django_db
def test_an_expired_lease_is_taken_over_and_the_lost_attempt_logged_as_unknown(ons, settings):
    row = _row()
    _, first = ons_notification_claim(notification_id=row.pk)
    assert ons_notification_claim(notification_id=row.pk) is None  # leased to the first worker
    expired = timezone.now() - timedelta(seconds=1)
    OnsNotification.objects.filter(pk=row.pk).update(lease_until=expired)
    notification, second = ons_notification_claim(notification_id=row.pk)
    assert (second.number, notification.attempts) == (2, 2)
    assert second.token != first.token
    lost = OnsDeliveryAttempt.objects.get(notification=row, number=1)
    assert (lost.outcome, lost.error, lost.duration_ms) == (
        OnsAttemptOutcome.UNKNOWN,
        UNKNOWN_OUTCOME_TEXT,
        0,
    )
    assert lost.started_at == expired - timedelta(seconds=settings.ONS_LEASE_SECONDS)
    # The slow first worker's success comes in late: it replaces the "unknown" row and wins.
    delivered = ons_notification_record_attempt(claim=first, result=_ok())
    assert delivered.status == Status.DELIVERED
    assert OnsDeliveryAttempt.objects.get(notification=row, number=1).outcome == OnsAttemptOutcome.DELIVERED
    # The second worker's own success then only logs its attempt: the row stays delivered once.
    again = ons_notification_record_attempt(claim=second, result=_ok())
    assert again.status == Status.DELIVERED
    assert again.delivered_at == delivered.delivered_at
    assert OnsDeliveryAttempt.objects.filter(notification=row).count() == 2


@pytest.mark.django_db
def test_a_takeover_keeps_the_result_the_stopped_worker_did_record(ons):
    row = _row()
    assert ons_notification_claim(notification_id=row.pk) is not None
    OnsDeliveryAttempt.objects.create(
        notification=row,
        number=1,
        started_at=timezone.now(),
        duration_ms=30000,
        error="ReadTimeout",
        outcome="retry",
    )
    OnsNotification.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert ons_notification_claim(notification_id=row.pk) is not None
    assert OnsDeliveryAttempt.objects.get(notification=row, number=1).error == "ReadTimeout"


@pytest.mark.django_db
def test_a_success_releases_waiting_rows_only_after_a_failure_recent_enough_to_leave_any(
    ons, django_assert_num_queries
):
    waiting, fresh = _row(), _row()
    later = timezone.now() + timedelta(minutes=5)
    OnsNotification.objects.filter(pk=waiting.pk).update(next_attempt_at=later)
    endpoint = OnsEndpoint.objects.get(pk=fresh.endpoint_id)
    assert waiting.endpoint_id == endpoint.pk

    # A failure longer ago than the longest wait a failure can set: nothing can still be waiting.
    long_ago = timezone.now() - _longest_wait() - timedelta(minutes=2)
    OnsEndpoint.objects.filter(pk=endpoint.pk).update(last_failure_at=long_ago)
    _, claim = ons_notification_claim(notification_id=fresh.pk)
    with django_assert_num_queries(1):
        ons_notification_record_attempt(claim=claim, result=_ok())
    assert OnsNotification.objects.get(pk=waiting.pk).next_attempt_at == later

    # A recent failure: the first success sends everything waiting on the endpoint at once.
    third = _row()
    OnsEndpoint.objects.filter(pk=endpoint.pk).update(last_failure_at=timezone.now() - timedelta(seconds=30))
    _, claim = ons_notification_claim(notification_id=third.pk)
    with django_assert_num_queries(2):  # the record, then the release (one UPDATE ... RETURNING)
        ons_notification_record_attempt(claim=claim, result=_ok())
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING
    assert waiting.next_attempt_at <= timezone.now()


def _in_threads(count: int, work) -> list:
    """Run ``work()`` in ``count`` threads at once (each its own database connection)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # raised below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_only_one_wins(ons):
    rows = [_row() for _ in range(5)]
    for row in rows:
        results = _in_threads(4, lambda pk=row.pk: ons_notification_claim(notification_id=pk))
        winners = [result for result in results if result is not None]
        assert len(winners) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts, row.lease_token) == (Status.SENDING, 1, winners[0][1].token)
    assert not OnsDeliveryAttempt.objects.exists()  # nobody took a lease over


@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_holds_is_skipped_not_waited_for(ons):
    row = _row()
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                OnsNotification.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        assert ons_notification_claim(notification_id=row.pk) is None  # at once, without waiting
    finally:
        release.set()
        holder.join()
    assert ons_notification_claim(notification_id=row.pk) is not None
