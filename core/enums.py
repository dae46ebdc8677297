from django.db import models


class QueuedEmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class CoreAuditAction:
    EMAIL_FAILED = "core.email.failed"
    REQUEST_RATE_LIMITED = "core.request.rate_limited"
    RATE_LIMIT_UNAVAILABLE = "core.request.rate_limit_unavailable"
    AUDIT_LOG_EXPORTED = "core.audit_log.exported"
