"""Acceptance points 1-8 of the ONS notification issue, end to end: a real ``celery worker``
subprocess on the test database, a private Redis broker, a local HTTP receiver that verifies the
Standard Webhooks signature, and an SMTP sink for the email channel. Nothing under test is patched."""

import json
import logging
import time

import pytest
from django.db import transaction
from django.urls import reverse

from notifications.enums import OnsChannel, OnsNotificationStatus
from notifications.models import OnsNotification
from notifications.tasks import ons_notification_sweep_task
from panel.enums import DecisionOutcome
from panel.services import application_revoke
from tests.factories.notifications import (
    OnsApplicationFactory,
    OnsDepositFactory,
    decision_record_for_test,
    decisions_recorded_in_threads,
)

from .conftest import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.xdist_group("celery_worker")]
Status = OnsNotificationStatus


def _status(notification_id: int) -> str:
    return OnsNotification.objects.get(pk=notification_id).status


def _wait_delivered(*ids: int, timeout: float = 30):
    wait_for(
        lambda: OnsNotification.objects.filter(pk__in=ids, status=Status.DELIVERED).count() == len(ids),
        timeout=timeout,
        message=f"notifications {ids} to be delivered",
    )


def test_approve_and_reject_each_produce_exactly_one_signed_delivery(
    live_celery, receiver, smtp_sink, settings
):
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    approved = decision_record_for_test(application=OnsApplicationFactory())
    rejected = decision_record_for_test(application=OnsApplicationFactory(), outcome=DecisionOutcome.REJECTED)
    rows = list(OnsNotification.objects.filter(decision__in=[approved, rejected]))
    assert len(rows) == 4  # webhook and email for each
    _wait_delivered(*[r.pk for r in rows])
    time.sleep(0.5)  # room for a duplicate to show up, if there were one
    for decision, event in ((approved, "access.approved"), (rejected, "access.rejected")):
        deliveries = receiver.for_reference(decision.application.reference)
        assert len(deliveries) == 1
        (delivery,) = deliveries
        assert delivery.verified  # the receiver checked the signature with the shared secret
        assert delivery.payload["type"] == event
        webhook_row = OnsNotification.objects.get(decision=decision, channel=OnsChannel.WEBHOOK)
        assert delivery.webhook_id == webhook_row.webhook_id
        assert json.loads(delivery.body) == webhook_row.payload
        emails = [
            m
            for m in smtp_sink.to("srs-access@ons.example.gov.uk")
            if decision.application.reference in m["Subject"]
        ]
        assert len(emails) == 1
        (attachment,) = list(emails[0].iter_attachments())
        assert attachment.get_content_type() == "application/json"
        assert json.loads(attachment.get_content()) == webhook_row.payload


def test_500_twice_then_200_is_delivered_on_the_third_attempt_with_the_same_id(live_celery, receiver):
    receiver.script = [500, 500]
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    _wait_delivered(notification.pk)
    notification.refresh_from_db()
    assert notification.attempts == 3
    assert [d.answered for d in receiver.deliveries] == [500, 500, 200]
    assert {d.webhook_id for d in receiver.deliveries} == {notification.webhook_id}
    assert all(d.verified for d in receiver.deliveries)
    attempts = list(notification.delivery_attempts.values_list("number", "status_code", "outcome"))
    assert attempts == [(1, 500, "retry"), (2, 500, "retry"), (3, 200, "delivered")]


def test_rolled_back_decision_sends_nothing(live_celery, receiver):
    application = OnsApplicationFactory()

    def decide_then_fail():
        with transaction.atomic():
            decision_record_for_test(application=application)
            raise RuntimeError("the chair's transaction failed")

    with pytest.raises(RuntimeError):
        decide_then_fail()
    # A decision that does commit afterwards arrives; the rolled-back one never does.
    other = decision_record_for_test(application=OnsApplicationFactory())
    _wait_delivered(*OnsNotification.objects.filter(decision=other).values_list("pk", flat=True))
    time.sleep(1)
    assert not OnsNotification.objects.filter(application=application).exists()
    assert receiver.for_reference(application.reference) == []
    assert len(receiver.deliveries) == 1


def test_broker_down_at_commit_then_the_sweep_delivers(live_celery, receiver, private_redis, caplog):
    private_redis.stop()
    try:
        started = time.monotonic()
        with caplog.at_level(logging.ERROR):
            decision = decision_record_for_test(application=OnsApplicationFactory())
        commit_seconds = time.monotonic() - started
        notification = OnsNotification.objects.get(decision=decision)
        assert notification.status == Status.PENDING  # recorded, dispatch lost, nothing raised
        assert commit_seconds < 10
        print(f"broker down: the decision committed in {commit_seconds:.2f} s, dispatch error logged")
        assert "on_commit" in caplog.text or "Error calling" in caplog.text
        time.sleep(1)
        assert receiver.deliveries == []
    finally:
        private_redis.start()
    # The worker reconnects by itself; beat's sweep (sent here rather than waiting a minute) finds it.
    wait_for(
        lambda: (
            (ons_notification_sweep_task.delay(), time.sleep(1.5), _status(notification.pk))[2]
            == Status.DELIVERED
        ),
        timeout=60,
        interval=0,
        message="the sweep to deliver after Redis came back",
    )
    assert [d.webhook_id for d in receiver.deliveries] == [notification.webhook_id]


def test_worker_killed_mid_delivery_is_delivered_after_restart_under_one_id(
    live_celery, receiver, client_for, staff
):
    worker = live_celery
    receiver.hold_next = True
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    assert receiver.holding.wait(30), "the first attempt never reached the receiver"
    assert _status(notification.pk) == Status.SENDING
    worker.kill()  # SIGKILL, in the middle of the HTTP request
    receiver.release.set()
    worker.start()
    wait_for(
        lambda: (
            (ons_notification_sweep_task.delay(), time.sleep(1), _status(notification.pk))[2]
            == Status.DELIVERED
        ),
        timeout=60,
        interval=0,
        message="the sweep to deliver once the dead worker's lease expired",
    )
    ids = [d.webhook_id for d in receiver.for_reference(decision.application.reference)]
    assert set(ids) == {notification.webhook_id}  # one distinct id, however many copies
    lost = notification.delivery_attempts.get(number=1)
    assert lost.outcome == "unknown"
    assert "worker stopped" in lost.error
    # Issue 16, acceptance 2: the staff log says what happened to the attempt ONS may have had.
    page = client_for(staff).get(reverse("notifications:detail", args=[notification.pk])).content.decode()
    assert "Outcome unknown — resent with the same id" in page


def test_400_fails_at_once_alerts_staff_and_resend_delivers(
    live_celery, receiver, smtp_sink, client_for, staff
):
    receiver.script = [400]
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    wait_for(lambda: _status(notification.pk) == Status.FAILED, message="the notification to fail")
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.last_status_code == 400
    alerts = wait_for(lambda: smtp_sink.to("archive-staff@example.org"), message="the staff alert email")
    assert decision.application.reference in alerts[0]["Subject"]
    client = client_for(staff)
    assert 'id="ons-failed-banner"' in client.get("/").content.decode()
    response = client.post(reverse("notifications:resend", args=[notification.pk]))
    assert response.status_code == 302
    _wait_delivered(notification.pk)
    assert [d.answered for d in receiver.deliveries] == [400, 200]
    assert {d.webhook_id for d in receiver.deliveries} == {notification.webhook_id}
    assert 'id="ons-failed-banner"' not in client.get("/").content.decode()


def test_200_concurrent_decisions_are_all_delivered_once(live_celery, receiver):
    deposit = OnsDepositFactory()
    applications = [OnsApplicationFactory(team=False, deposits=[deposit]) for _ in range(200)]
    started = time.monotonic()
    decisions_recorded_in_threads(applications)
    ids = list(OnsNotification.objects.values_list("pk", flat=True))
    assert len(ids) == 200
    _wait_delivered(*ids, timeout=120)
    elapsed = time.monotonic() - started
    time.sleep(0.5)
    received = receiver.ids
    assert len(set(received)) == 200
    assert set(received) == {n.webhook_id for n in OnsNotification.objects.all()}
    lost = 200 - len(set(received))
    print(f"200 decisions: delivered in {elapsed:.1f} s, {len(received)} requests, {lost} lost")


def test_revocation_sends_access_revoked_and_is_refused_for_a_rejected_application(
    live_celery, receiver, staff
):
    approved = OnsApplicationFactory()
    decision_record_for_test(application=approved)
    rejected = OnsApplicationFactory()
    decision_record_for_test(application=rejected, outcome=DecisionOutcome.REJECTED)
    revocation = application_revoke(application=approved, actor=staff, reason="Terms breached.")
    revoked_row = OnsNotification.objects.get(revocation=revocation)
    _wait_delivered(*OnsNotification.objects.values_list("pk", flat=True))
    events = [
        (d.payload["type"], d.payload["data"]["sequence"]) for d in receiver.for_reference(approved.reference)
    ]
    assert sorted(events) == [("access.approved", 1), ("access.revoked", 2)]
    assert revoked_row.webhook_id in receiver.ids
    from core.errors import InvalidTransition

    with pytest.raises(InvalidTransition, match="was rejected"):
        application_revoke(application=rejected, actor=staff, reason="Mistake.")
    time.sleep(0.5)
    assert [d.payload["type"] for d in receiver.for_reference(rejected.reference)] == ["access.rejected"]
