"""Issue 16, one rule at a time, in process against the local receiver (the worker tests in
test_delivery_recovery.py show the same end to end): Retry-After, ONS's reason for a refusal, 410
Gone, the release of waiting rows on the first success, the probe, a long backoff dispatched when it
falls due, incidents (one email when one opens, one digest when it closes), the scheduler's health."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Heartbeat, QueuedEmail
from notifications.enums import NotificationsAuditAction, OnsAttemptOutcome, OnsNotificationStatus
from notifications.models import OnsDeliveryAttempt, OnsEndpoint, OnsIncident, OnsNotification
from notifications.selectors import SCHEDULER_HEARTBEAT, scheduler_state
from notifications.services import (
    ons_endpoint_enable,
    ons_endpoints_probe,
    ons_incidents_review,
    ons_notification_claim,
    ons_notification_deliver,
    ons_notification_due_ids,
    ons_notification_due_soon,
    ons_notifications_sweep,
)
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
Status = OnsNotificationStatus


@pytest.fixture
def ons(settings, receiver):
    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = ""
    settings.ONS_RETRY_JITTER = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


def _notification() -> OnsNotification:
    decision = decision_record_for_test(application=OnsApplicationFactory())
    return OnsNotification.objects.get(decision=decision)


def _staff_alerts():
    return list(QueuedEmail.objects.filter(topic__startswith="notifications/ons_incident").order_by("pk"))


def test_429_with_retry_after_waits_as_long_as_ons_asks(ons, receiver):
    receiver.script = [429]
    receiver.answer_headers = {"Retry-After": "120"}
    notification = _notification()
    before = timezone.now()
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    attempt = OnsDeliveryAttempt.objects.get(notification=notification)
    assert attempt.retry_after_seconds == 120
    assert attempt.outcome == OnsAttemptOutcome.RETRY
    wait = (notification.next_attempt_at - before).total_seconds()
    assert 119 <= wait <= 125  # not the table's 5 s


def test_a_refusal_keeps_what_ons_said_cut_to_2000_characters(ons, receiver, client_for, staff):
    receiver.script = [422]
    receiver.error_body = (
        "Field data.researchers[0].accreditation_number is unknown to ONS. " * 100
    ).encode()
    notification = _notification()
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    attempt = OnsDeliveryAttempt.objects.get(notification=notification)
    assert attempt.response_body.startswith("Field data.researchers[0].accreditation_number is unknown")
    assert len(attempt.response_body) == 2000
    assert notification.last_error.startswith("HTTP 422: Field data.researchers")
    page = client_for(staff).get(reverse("notifications:detail", args=[notification.pk])).content.decode()
    assert "What ONS said" in page
    assert "is unknown to ONS" in page


def test_410_disables_the_endpoint_holds_its_rows_and_staff_re_enable_it(ons, receiver, client_for, staff):
    receiver.script = [410]
    first, second = _notification(), _notification()
    ons_notification_deliver(notification_id=first.pk)
    first.refresh_from_db()
    endpoint = OnsEndpoint.objects.get(pk=first.endpoint_id)
    assert endpoint.is_disabled
    assert first.status == Status.PENDING  # held, not failed
    assert ons_notification_claim(notification_id=second.pk) is None  # nothing goes to a gone endpoint
    assert ons_notification_due_ids() == []
    assert [d.answered for d in receiver.deliveries] == [410]
    assert AuditEvent.objects.filter(action=NotificationsAuditAction.ENDPOINT_DISABLED).count() == 1
    (alert,) = _staff_alerts()
    assert "410" in alert.subject
    client = client_for(staff)
    assert 'id="ons-endpoint-disabled-banner"' in client.get("/").content.decode()
    response = client.post(reverse("notifications:endpoint_enable", args=[endpoint.pk]))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_disabled
    assert AuditEvent.objects.filter(action=NotificationsAuditAction.ENDPOINT_ENABLED).count() == 1
    for row in (first, second):
        ons_notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        assert row.status == Status.DELIVERED
    assert [d.answered for d in receiver.deliveries] == [410, 200, 200]
    assert 'id="ons-endpoint-disabled-banner"' not in client.get("/").content.decode()
    with pytest.raises(Exception, match="not disabled"):
        ons_endpoint_enable(endpoint=endpoint, actor=staff)


def test_the_first_success_releases_every_row_waiting_on_that_endpoint(ons, receiver):
    receiver.script = [500, 500]
    waiting = [_notification(), _notification()]
    for row in waiting:
        ons_notification_deliver(notification_id=row.pk)
    later = timezone.now() + timedelta(seconds=3)
    assert all(OnsNotification.objects.get(pk=r.pk).next_attempt_at > later for r in waiting)
    fresh = _notification()
    ons_notification_deliver(notification_id=fresh.pk)  # ONS is back: 200
    now = timezone.now()
    for row in waiting:
        row.refresh_from_db()
        assert row.status == Status.PENDING
        assert row.next_attempt_at <= now  # due at once, not in 5 s or 5 min
    for row in waiting:
        ons_notification_deliver(notification_id=row.pk)
    assert OnsNotification.objects.filter(status=Status.DELIVERED).count() == 3


def test_the_probe_brings_one_waiting_row_forward_only_when_the_endpoint_is_quiet(ons, receiver):
    ons.ONS_PROBE_SECONDS = 10
    receiver.script = [503, 503]
    rows = [_notification(), _notification()]
    for row in rows:
        ons_notification_deliver(notification_id=row.pk)
    now = timezone.now()
    assert ons_endpoints_probe(now=now) == []  # it failed a moment ago
    endpoint = OnsEndpoint.objects.get()
    OnsEndpoint.objects.filter(pk=endpoint.pk).update(last_failure_at=now - timedelta(seconds=11))
    soonest = min(rows, key=lambda r: OnsNotification.objects.get(pk=r.pk).next_attempt_at)
    assert ons_endpoints_probe(now=now) == [soonest.pk]
    assert OnsNotification.objects.get(pk=soonest.pk).next_attempt_at == now
    assert ons_endpoints_probe(now=now) == []  # one probe at a time: a row is due now


def test_a_long_backoff_is_dispatched_when_it_falls_due_not_at_a_later_sweep(ons):
    ons.ONS_SWEEP_SECONDS = 5
    ons.ONS_COUNTDOWN_MAX_SECONDS = 30
    own_countdown, long_wait = _notification(), _notification()
    now = timezone.now()
    OnsNotification.objects.filter(pk=own_countdown.pk).update(next_attempt_at=now + timedelta(seconds=3))
    OnsNotification.objects.filter(pk=long_wait.pk).update(
        next_attempt_at=now + timedelta(seconds=3), updated_at=now - timedelta(minutes=5)
    )
    soon = ons_notification_due_soon(now=now)
    assert [pk for pk, _ in soon] == [long_wait.pk]  # the other has its own countdown already
    assert soon[0][1] == now + timedelta(seconds=3)


def test_one_email_when_an_incident_opens_none_for_more_failures_and_one_digest_when_it_closes(ons, receiver):
    ons.ONS_RETRY_DELAYS = [0]
    receiver.script = [500, 500, 500]
    rows = [_notification() for _ in range(3)]
    for row in rows:
        ons_notification_deliver(notification_id=row.pk)
    assert OnsNotification.objects.filter(status=Status.FAILED).count() == 3
    (opened,) = _staff_alerts()
    incident = OnsIncident.objects.get()
    assert incident.failed_notifications.count() == 3
    ons.ONS_INCIDENT_QUIET_SECONDS = 300
    assert ons_incidents_review() == incident  # failures a moment ago: still open
    ons.ONS_INCIDENT_QUIET_SECONDS = 0
    assert ons_incidents_review() is None
    incident.refresh_from_db()
    assert incident.closed_at is not None
    assert incident.summary["failed"] == [r.pk for r in rows]
    opened_email, closed_email = _staff_alerts()
    assert opened_email == opened
    assert closed_email.topic == "notifications/ons_incident_closed"
    assert "Failed during it (not retried again):    3" in closed_email.body
    assert AuditEvent.objects.filter(action=NotificationsAuditAction.INCIDENT_CLOSED).count() == 1


def test_a_row_waiting_longer_than_ten_minutes_opens_one_incident_and_shows_a_banner(ons, client_for, staff):
    row = _notification()
    OnsNotification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    ons_notifications_sweep()
    ons_notifications_sweep()
    (alert,) = _staff_alerts()
    assert "waited longer than 10 minutes" in alert.body
    page = client_for(staff).get("/").content.decode()
    assert page.count('id="ons-delayed-banner"') == 1


def test_the_scheduler_is_stale_after_three_minutes_and_not_before_its_first_run_with_nothing_waiting(
    ons, client
):
    Heartbeat.objects.all().delete()  # a fresh install: the sweep has never run
    assert scheduler_state() == scheduler_state()  # a value, not a side effect
    assert scheduler_state().stale is False
    assert client.get(reverse("healthz")).json()["scheduler"] == "not yet run"
    ons_notifications_sweep()
    assert client.get(reverse("healthz")).json()["scheduler"] == "ok"
    Heartbeat.objects.filter(name=SCHEDULER_HEARTBEAT).update(beat_at=timezone.now() - timedelta(minutes=2))
    assert client.get(reverse("healthz")).status_code == 200
    Heartbeat.objects.filter(name=SCHEDULER_HEARTBEAT).update(beat_at=timezone.now() - timedelta(minutes=4))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["scheduler"] == "stale"
    # Never run, but a row has waited 4 minutes for it: stale too.
    Heartbeat.objects.all().delete()
    row = _notification()
    OnsNotification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=4))
    assert client.get(reverse("healthz")).json()["scheduler"] == "stale"


def test_the_banner_costs_researchers_no_query(ons, client_for, django_assert_num_queries, researcher):
    from notifications.selectors import ons_staff_banner_for

    with django_assert_num_queries(0):
        assert ons_staff_banner_for(researcher) is None
