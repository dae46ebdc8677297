from django.db import models


class OnsEventType(models.TextChoices):
    """What ONS is told. An approval (with or without conditions) means *provide access*."""

    APPROVED = "access.approved", "Access approved"
    REJECTED = "access.rejected", "Access rejected"
    REVOKED = "access.revoked", "Access revoked"
    EXPIRED = "access.expired", "Access period ended"


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


class NotificationsAuditAction:
    QUEUED = "notifications.ons_notification.queued"
    FAILED = "notifications.ons_notification.failed"
    RESENT = "notifications.ons_notification.resent"
