from django.db import models


class OnsEventType(models.TextChoices):
    """What ONS is told. An approval (with or without conditions) means *provide access*."""

    APPROVED = "access.approved", "Access approved"
    REJECTED = "access.rejected", "Access rejected"
    REVOKED = "access.revoked", "Access revoked"
    EXPIRED = "access.expired", "Access period ended"
    #: A change request on a live grant was approved: the new grant supersedes the one before.
    AMENDED = "access.amended", "Access amended"
    EXTENDED = "access.extended", "Access extended"
    #: The lead closed the project before its access period ended.
    CLOSED = "access.closed", "Access closed early"
    #: A deposit's conditions changed and the grant now breaks them (the re-screen suspended it).
    SUSPENDED = "access.suspended", "Access suspended"
    #: Staff lifted a suspension once nothing kept it: the new grant supersedes the suspended one.
    RESUMED = "access.resumed", "Access resumed"


#: The events told once per application (an approval or rejection, and the one way access ends).
ONCE_PER_APPLICATION = frozenset(
    {
        OnsEventType.APPROVED,
        OnsEventType.REJECTED,
        OnsEventType.REVOKED,
        OnsEventType.EXPIRED,
        OnsEventType.CLOSED,
    }
)
#: The events told once per grant: the change that issued it (an approved change request, the
#: archive's own amendment, a lifted suspension), its suspension.
ONCE_PER_GRANT = frozenset(
    {OnsEventType.AMENDED, OnsEventType.EXTENDED, OnsEventType.SUSPENDED, OnsEventType.RESUMED}
)


class OnsChannel(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    EMAIL = "email", "Email"


class OnsNotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class OnsAttemptOutcome(models.TextChoices):
    """What one delivery attempt leads to (the retry table)."""

    DELIVERED = "delivered", "Delivered"
    RETRY = "retry", "Will be retried"
    FAILED = "failed", "Failed"
    #: The worker stopped, or its database connection was cut, after it may have sent: ONS may
    #: have the message, and gets it again under the same webhook-id.
    UNKNOWN = "unknown", "Outcome unknown — resent with the same id"
    #: ONS answered 410 Gone: the endpoint is disabled and this row waits until staff re-enable it.
    ENDPOINT_GONE = "endpoint_gone", "Endpoint gone (410) — held until staff re-enable it"


class NotificationsAuditAction:
    QUEUED = "notifications.ons_notification.queued"
    FAILED = "notifications.ons_notification.failed"
    RESENT = "notifications.ons_notification.resent"
    ENDPOINT_DISABLED = "notifications.ons_endpoint.disabled"
    ENDPOINT_ENABLED = "notifications.ons_endpoint.enabled"
    INCIDENT_OPENED = "notifications.ons_incident.opened"
    INCIDENT_CLOSED = "notifications.ons_incident.closed"
