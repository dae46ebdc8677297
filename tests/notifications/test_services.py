"""The outbox without a worker: recording, payload, claiming, recording attempts, the sweep,
resend and revocation. Deliveries here go to a real local HTTP receiver, in-process."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from applications.enums import ApplicationStatus
from applications.models import Application
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from notifications.enums import NotificationsAuditAction, OnsChannel, OnsEventType, OnsNotificationStatus
from notifications.models import OnsDeliveryAttempt, OnsIncident, OnsNotification
from notifications.services import (
    ons_body,
    ons_notification_claim,
    ons_notification_deliver,
    ons_notification_due_ids,
    ons_notification_resend,
    ons_notifications_enqueue_for_access_end,
    ons_webhook_headers,
)
from panel.enums import DecisionOutcome, PanelAuditAction
from panel.services import application_revoke
from tests.factories.notifications import OnsApplicationFactory, OnsDepositFactory, decision_record_for_test

from .conftest import WEBHOOK_SECRET

Status = OnsNotificationStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def ons_settings(settings, receiver):
    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    settings.ONS_RETRY_DELAYS = [5, 300, 1800]
    settings.ONS_RETRY_JITTER = 0.2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


def test_decision_writes_one_row_per_channel_and_dispatches_only_on_commit(
    ons_settings, django_capture_on_commit_callbacks, receiver
):
    application = OnsApplicationFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = decision_record_for_test(application=application)
    rows = OnsNotification.objects.filter(decision=decision)
    assert sorted(rows.values_list("channel", flat=True)) == [OnsChannel.EMAIL, OnsChannel.WEBHOOK]
    assert set(rows.values_list("status", flat=True)) == {Status.PENDING}
    assert set(rows.values_list("sequence", flat=True)) == {1}
    assert receiver.deliveries == []  # nothing left the process before the commit
    assert len(callbacks) == 1


def test_notification_is_unique_per_decision_and_channel(ons_settings):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    row = OnsNotification.objects.get(decision=decision, channel=OnsChannel.WEBHOOK)
    with pytest.raises(IntegrityError), transaction.atomic():
        OnsNotification.objects.create(
            application=row.application,
            decision=decision,
            event_type=row.event_type,
            channel=OnsChannel.WEBHOOK,
            sequence=9,
            target=row.target,
            payload={},
        )


def test_decision_rolled_back_leaves_no_notification(ons_settings, django_capture_on_commit_callbacks):
    application = OnsApplicationFactory()

    def decide_then_fail():
        with transaction.atomic():
            decision_record_for_test(application=application)
            raise RuntimeError("the panel's transaction failed after the decision")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        decide_then_fail()
    assert OnsNotification.objects.count() == 0
    assert callbacks == []


def test_payload_carries_exactly_the_agreed_facts(ons_settings):
    deposit = OnsDepositFactory(datasets=["X1", "X2"])
    application = OnsApplicationFactory(deposits=[deposit])
    Application.objects.filter(pk=application.pk).update(ons_project_reference="2001234")
    decision = decision_record_for_test(
        application=application, outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS, conditions="No linkage."
    )
    payload = OnsNotification.objects.get(decision=decision, channel=OnsChannel.WEBHOOK).payload
    assert set(payload) == {"type", "timestamp", "schema_version", "data"}
    assert payload["type"] == "access.approved"
    assert payload["schema_version"] == "2"
    data = payload["data"]
    assert set(data) == {
        "sequence",
        "application_reference",
        "ons_project_reference",
        "grant_reference",
        "project_title",
        "outcome",
        "occurred_at",
        "conditions",
        "access_start",
        "access_end",
        "researchers",
        "deposits",
    }
    assert data["grant_reference"] == f"{decision.application.reference}-G1"  # the grant it issued
    assert data["sequence"] == 1
    assert data["application_reference"] == application.reference
    assert data["ons_project_reference"] == "2001234"
    assert data["project_title"] == application.title
    assert data["outcome"] == "approved_with_conditions"
    assert data["conditions"] == "No linkage."
    assert data["access_start"] == application.access_start.isoformat()
    assert data["access_end"] == application.access_end.isoformat()
    # The lead and the accepted co-applicant; never the invitee who has not accepted.
    assert len(data["researchers"]) == 2
    lead = data["researchers"][0]
    profile = application.lead.researcher_profile
    assert lead == {
        "name": application.lead.full_name,
        "organisation": profile.organisation,
        "role": "lead",
        "team_role": "lead",
        "accreditation_number": profile.accreditation_number,
        "accreditation_status": profile.accreditation_status,
        "accreditation_expires_on": profile.accreditation_expires_on.isoformat(),
    }
    assert data["researchers"][1]["role"] == "co_applicant"
    assert data["researchers"][1]["team_role"] == "researcher"
    assert data["deposits"] == [
        {
            "reference": deposit.reference,
            "title": deposit.title,
            "srs_dataset_ids": [f"SRS-{deposit.reference}-X1", f"SRS-{deposit.reference}-X2"],
        }
    ]
    assert "@" not in json.dumps(payload)  # no email address, in any event


def test_rejection_carries_only_what_ons_needs_to_match_its_record(ons_settings):
    decision = decision_record_for_test(application=OnsApplicationFactory(), outcome=DecisionOutcome.REJECTED)
    payload = OnsNotification.objects.filter(decision=decision).first().payload
    assert payload["type"] == "access.rejected"
    data = payload["data"]
    assert data["outcome"] == "rejected"
    assert set(data) == {
        "sequence",
        "application_reference",
        "ons_project_reference",
        "grant_reference",
        "outcome",
        "occurred_at",
        "researchers",
    }
    assert data["grant_reference"] is None  # a rejection has no grant
    team = decision.team
    assert data["researchers"] == [
        {
            "role": "lead" if m["role"] == "lead" else "co_applicant",
            "accreditation_number": m["accreditation_number"],
        }
        for m in team
    ]
    text = json.dumps(payload)
    assert "@" not in text
    for member in team:
        assert member["name"] not in text
        assert member["email"] not in text


def test_no_channel_configured_refuses_the_decision_with_a_clear_message(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = ""
    with pytest.raises(DomainError, match="no notification channel is configured"):
        decision_record_for_test(application=OnsApplicationFactory())


def test_webhook_headers_follow_standard_webhooks_and_verify_with_the_secret(ons_settings):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision, channel=OnsChannel.WEBHOOK)
    body = ons_body(notification)
    headers = ons_webhook_headers(
        notification=notification, body=body, secret=WEBHOOK_SECRET, when=timezone.now()
    )
    assert headers["webhook-id"] == f"msg_{notification.message_id.hex}"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(WEBHOOK_SECRET).verify(body, headers) == notification.payload
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==").verify(body, headers)


def test_deliver_in_process_marks_delivered_and_logs_the_attempt(ons_settings, receiver):
    ons_settings.ONS_NOTIFY_EMAIL = ""
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert notification.delivered_at is not None
    assert [d.verified for d in receiver.deliveries] == [True]
    assert receiver.deliveries[0].webhook_id == notification.webhook_id
    assert json.loads(receiver.deliveries[0].body) == notification.payload
    attempt = OnsDeliveryAttempt.objects.get(notification=notification)
    assert (attempt.number, attempt.status_code, attempt.outcome) == (1, 200, "delivered")
    # Idempotent: a delivered notification is never sent again.
    assert ons_notification_deliver(notification_id=notification.pk) is None
    assert len(receiver.deliveries) == 1


def test_email_channel_sends_plain_text_with_the_json_attached(ons_settings):
    ons_settings.ONS_WEBHOOK_URL = ""
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    assert notification.channel == OnsChannel.EMAIL
    mail.outbox.clear()
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    (message,) = mail.outbox
    assert message.to == ["srs-access@ons.example.gov.uk"]
    assert "PROVIDE ACCESS" in message.body
    assert decision.application.reference in message.subject
    assert message.extra_headers["X-Webhook-Id"] == notification.webhook_id
    (_filename, content, mimetype) = message.attachments[0]
    assert mimetype == "application/json"
    assert json.loads(content) == notification.payload


def test_retryable_answer_schedules_the_next_attempt_from_the_table(ons_settings, receiver):
    ons_settings.ONS_NOTIFY_EMAIL = ""
    receiver.script = [503]
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    before = timezone.now()
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.last_status_code == 503
    wait = (notification.next_attempt_at - before).total_seconds()
    assert 5 * 0.8 - 0.5 <= wait <= 5 * 1.2 + 0.5
    # Not due yet: a task arriving early claims nothing.
    assert ons_notification_claim(notification_id=notification.pk) is None


def test_retry_window_used_up_fails_each_and_staff_get_one_email_for_all(ons_settings, receiver):
    ons_settings.ONS_NOTIFY_EMAIL = ""
    ons_settings.ONS_RETRY_DELAYS = [0, 0]  # a window of no time: the first failure is the last
    receiver.script = [500, 502, 504]
    decisions = [decision_record_for_test(application=OnsApplicationFactory()) for _ in range(3)]
    notifications = [OnsNotification.objects.get(decision=d) for d in decisions]
    for notification in notifications:
        ons_notification_deliver(notification_id=notification.pk)
    for notification in notifications:
        notification.refresh_from_db()
        assert notification.status == Status.FAILED
        assert notification.attempts == 1
        assert notification.incident is not None
    assert [d.answered for d in receiver.deliveries] == [500, 502, 504]
    # Three failures, one incident, one email (not one per notification).
    assert OnsIncident.objects.count() == 1
    (alert,) = QueuedEmail.objects.filter(topic__startswith="notifications/ons_incident")
    assert alert.topic == "notifications/ons_incident_opened"
    assert alert.to == [ons_settings.STAFF_ALERT_EMAIL]
    assert decisions[0].application.reference in alert.body
    assert AuditEvent.objects.filter(action=NotificationsAuditAction.FAILED).count() == 3


def test_claim_skips_a_row_another_worker_holds_and_takes_over_an_expired_lease(ons_settings):
    ons_settings.ONS_NOTIFY_EMAIL = ""
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    claimed = ons_notification_claim(notification_id=notification.pk)
    assert claimed is not None
    assert ons_notification_claim(notification_id=notification.pk) is None  # leased to the first
    assert ons_notification_due_ids() == []
    OnsNotification.objects.filter(pk=notification.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert ons_notification_due_ids() == [notification.pk]
    again = ons_notification_claim(notification_id=notification.pk)
    assert again is not None
    assert again[1].number == 2
    lost = OnsDeliveryAttempt.objects.get(notification=notification, number=1)
    assert lost.outcome == "unknown"
    assert lost.get_outcome_display() == "Outcome unknown — resent with the same id"
    assert "worker stopped" in lost.error


def test_sweep_finds_due_pending_rows_after_the_grace_period(ons_settings):
    ons_settings.ONS_SWEEP_GRACE_SECONDS = 15
    decision = decision_record_for_test(application=OnsApplicationFactory())
    ids = list(OnsNotification.objects.filter(decision=decision).values_list("pk", flat=True))
    assert ons_notification_due_ids() == []  # its own dispatch is still on the way
    OnsNotification.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now() - timedelta(seconds=20))
    assert sorted(ons_notification_due_ids()) == sorted(ids)


def test_resend_only_for_failed_and_by_staff(ons_settings, staff, researcher, receiver):
    ons_settings.ONS_NOTIFY_EMAIL = ""
    receiver.script = [400]
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    with pytest.raises(InvalidTransition, match="Only a failed notification"):
        ons_notification_resend(notification=notification, actor=staff)
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    with pytest.raises(NotPermitted):
        ons_notification_resend(notification=notification, actor=researcher)
    ons_notification_resend(notification=notification, actor=staff)
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert AuditEvent.objects.filter(action=NotificationsAuditAction.RESENT, actor=staff).exists()
    ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert {d.webhook_id for d in receiver.deliveries} == {notification.webhook_id}


def test_revoke_an_approved_application_notifies_access_revoked(ons_settings, staff):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    revocation = application_revoke(application=application, actor=staff, reason="Breach of the terms.")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVOKED
    rows = OnsNotification.objects.filter(revocation=revocation)
    assert rows.count() == 2
    payload = rows.first().payload
    assert payload["type"] == "access.revoked"
    assert payload["data"]["sequence"] == 2
    assert payload["data"]["access_end"] == timezone.localdate().isoformat()
    assert "Breach" not in json.dumps(payload)
    assert AuditEvent.objects.filter(
        action=PanelAuditAction.ACCESS_REVOKED, target_id=str(application.pk)
    ).exists()


def test_revoke_is_refused_for_a_rejected_application(ons_settings, staff):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application, outcome=DecisionOutcome.REJECTED)
    with pytest.raises(InvalidTransition, match="was rejected"):
        application_revoke(application=application, actor=staff, reason="Mistake.")
    assert OnsNotification.objects.filter(event_type=OnsEventType.REVOKED).count() == 0


def test_revoke_needs_staff_and_a_reason(ons_settings, staff, chair):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    with pytest.raises(NotPermitted):
        application_revoke(application=application, actor=chair, reason="No.")
    with pytest.raises(DomainError, match="reason"):
        application_revoke(application=application, actor=staff, reason="  ")


def test_access_end_event_is_told_once(ons_settings):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    with transaction.atomic():
        rows = ons_notifications_enqueue_for_access_end(application=application)
    assert {r.payload["type"] for r in rows} == {"access.expired"}
    assert {r.sequence for r in rows} == {2}
    with pytest.raises(IntegrityError), transaction.atomic():
        ons_notifications_enqueue_for_access_end(application=application)


@pytest.mark.parametrize(("delays", "countdowns"), [([5], 1), ([300], 0), ([36000], 0)])
def test_only_short_waits_get_a_countdown_long_ones_live_in_the_row(
    ons_settings, receiver, django_capture_on_commit_callbacks, delays, countdowns
):
    ons_settings.ONS_NOTIFY_EMAIL = ""
    ons_settings.ONS_RETRY_DELAYS = delays
    receiver.script = [503]
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ons_notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.next_attempt_at > timezone.now() + timedelta(seconds=delays[0] * 0.7)
    assert len(callbacks) == countdowns
