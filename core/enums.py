from django.db import models


class QueuedEmailStatus(models.TextChoices):
    """pending → sending (claimed with a lease) → sent, or back to pending with the next attempt
    time, or failed for good (core.services.email_attempt_outcome and email_retry_delay)."""

    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailAttemptOutcome(models.TextChoices):
    """What one send attempt leads to (core.services.email_attempt_outcome)."""

    SENT = "sent", "Sent"
    RETRY = "retry", "Will be retried"
    FAILED = "failed", "Failed"


class CoreAuditAction:
    EMAIL_FAILED = "core.email.failed"
    REQUEST_RATE_LIMITED = "core.request.rate_limited"
    RATE_LIMIT_UNAVAILABLE = "core.request.rate_limit_unavailable"
    AUDIT_LOG_EXPORTED = "core.audit_log.exported"
