"""The ONS notification outbox: one row per channel per event (a decision, a revocation, the end of
an access period), written in the transaction that records the event, and its delivery log."""

import json
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from applications.models import Application
from core.models import TimeStampedModel

from .enums import (
    ONCE_PER_APPLICATION,
    ONCE_PER_GRANT,
    OnsAttemptOutcome,
    OnsChannel,
    OnsEventType,
    OnsNotificationStatus,
)
from .signing.models import OnsSigningKey  # noqa: F401 (the signing keys live in notifications/signing/)


class OnsEndpoint(TimeStampedModel):
    """One place ONS is told (a webhook URL or an email address) and its health: ONS answering 410
    Gone disables it until staff re-enable it; the sweep probes it while it is failing."""

    channel = models.CharField(max_length=10, choices=OnsChannel.choices)
    target = models.CharField(max_length=500)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_detail = models.TextField(blank=True, help_text="What ONS said when it answered 410 Gone.")
    last_failure_at = models.DateTimeField(
        null=True, blank=True, help_text="The last attempt that failed (the probe waits from here)."
    )

    class Meta:
        ordering = ["channel", "target"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "target"], name="uniq_ons_endpoint_channel_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.target}"

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


class OnsIncident(models.Model):
    """A spell when ONS was not being told in time: a row waiting too long, a failed notification, or
    a disabled endpoint. Staff are emailed once when it opens and once, with a digest, when it
    closes; everything that fails meanwhile joins it instead of sending its own email."""

    opened_at = models.DateTimeField(default=timezone.now)
    opened_because = models.TextField()
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="The closing digest's figures.")

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # At most one open incident: the sweep and the workers join it rather than open another.
            models.UniqueConstraint(
                fields=["closed_at"], condition=Q(closed_at__isnull=True), name="uniq_ons_incident_open"
            ),
        ]

    def __str__(self) -> str:
        return f"ONS incident {self.pk} opened {self.opened_at:%Y-%m-%d %H:%M}"


class OnsNotification(TimeStampedModel):
    """One message to ONS on one channel. ``message_id`` is the Standard Webhooks ``webhook-id``:
    the same on every retry and resend, so ONS can drop duplicates; ``payload`` is the body exactly
    as sent, fixed when the event is recorded."""

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="ons_notifications")
    decision = models.ForeignKey(
        "panel.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="ons_notifications"
    )
    revocation = models.ForeignKey(
        "panel.Revocation", null=True, blank=True, on_delete=models.PROTECT, related_name="ons_notifications"
    )
    grant = models.ForeignKey(
        "applications.Grant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ons_notifications",
        help_text="The grant an amendment, extension or resumption issued (it names the grant it "
        "supersedes), or the grant suspended.",
    )
    event_type = models.CharField(max_length=30, choices=OnsEventType.choices)
    channel = models.CharField(max_length=10, choices=OnsChannel.choices)
    sequence = models.PositiveIntegerField(help_text="Per application: ONS applies the highest it has seen.")
    target = models.CharField(max_length=500, help_text="The webhook URL or the email address.")
    endpoint = models.ForeignKey(
        OnsEndpoint, null=True, on_delete=models.PROTECT, related_name="notifications"
    )
    incident = models.ForeignKey(
        OnsIncident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="failed_notifications",
        help_text="The incident its failure was reported with.",
    )
    payload = models.JSONField(help_text="The JSON body, exactly as sent.")
    status = models.CharField(
        max_length=20,
        choices=OnsNotificationStatus.choices,
        default=OnsNotificationStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Every attempt, resends included.")
    attempts_at_resend = models.PositiveIntegerField(
        default=0, help_text="Attempts made before the last resend; the backoff counts from here."
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "channel"],
                condition=Q(decision__isnull=False),
                name="uniq_ons_notification_decision_channel",
            ),
            models.UniqueConstraint(
                fields=["revocation", "channel"],
                condition=Q(revocation__isnull=False),
                name="uniq_ons_notification_revocation_channel",
            ),
            # One approval, rejection, revocation and end of access per application: each event is
            # told once per channel, whatever its source row; an amendment or extension once per grant.
            models.UniqueConstraint(
                fields=["application", "event_type", "channel"],
                condition=Q(event_type__in=sorted(str(e) for e in ONCE_PER_APPLICATION)),
                name="uniq_ons_notification_event_channel",
            ),
            models.UniqueConstraint(
                fields=["grant", "event_type", "channel"],
                condition=Q(grant__isnull=False),
                name="uniq_ons_notification_grant_event_channel",
            ),
            models.UniqueConstraint(
                fields=["application", "sequence", "channel"], name="uniq_ons_notification_sequence"
            ),
            models.CheckConstraint(
                condition=~Q(event_type__in=[OnsEventType.APPROVED, OnsEventType.REJECTED])
                | Q(decision__isnull=False),
                name="ons_notification_decision_event_has_decision",
            ),
            models.CheckConstraint(
                condition=~Q(event_type=OnsEventType.REVOKED) | Q(revocation__isnull=False),
                name="ons_notification_revoked_event_has_revocation",
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=sorted(str(e) for e in ONCE_PER_GRANT), grant__isnull=False)
                | (~Q(event_type__in=sorted(str(e) for e in ONCE_PER_GRANT)) & Q(grant__isnull=True)),
                name="ons_notification_grant_event_has_grant",
            ),
            models.CheckConstraint(
                condition=~Q(status=OnsNotificationStatus.SENDING) | Q(lease_until__isnull=False),
                name="ons_notification_sending_has_lease",
            ),
        ]
        indexes = [
            # The sweep: due pending rows and sending rows whose lease expired.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=OnsNotificationStatus.PENDING),
                name="ons_notification_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=Q(status=OnsNotificationStatus.SENDING),
                name="ons_notification_leased",
            ),
            # Recovery: the waiting rows of one endpoint, soonest first.
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=Q(status=OnsNotificationStatus.PENDING),
                name="ons_notification_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.sequence} for {self.application.reference} by {self.channel}"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.message_id.hex}"

    @property
    def payload_pretty(self) -> str:
        return json.dumps(self.payload, indent=2, sort_keys=True, ensure_ascii=False)

    @property
    def is_resendable(self) -> bool:
        return self.status == OnsNotificationStatus.FAILED


class OnsDeliveryAttempt(models.Model):
    """One try at delivering a notification: when, what came back, how long it took."""

    notification = models.ForeignKey(
        OnsNotification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_body = models.TextField(
        blank=True, help_text="What ONS said with a 4xx or 5xx answer, cut to the first 2,000 characters."
    )
    retry_after_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="ONS's Retry-After, when it sent one (429, 503)."
    )
    outcome = models.CharField(max_length=20, choices=OnsAttemptOutcome.choices)

    class Meta:
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "number"], name="uniq_ons_delivery_attempt_number"
            ),
        ]

    def __str__(self) -> str:
        result = self.status_code or self.error[:60]
        return f"Attempt {self.number} of {self.notification_id}: {result}"
