from django.conf import settings
from django.db import models

from .enums import QueuedEmailStatus


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyModel(models.Model):
    """A row written once: the model refuses to save it again or to delete it. Pair it with
    ``core.migration_operations.append_only_trigger`` so the database refuses too."""

    #: What ``save()`` after creation and ``delete()`` raise (RuntimeError), in the model's words.
    append_only_update_message = "These records are append-only."
    append_only_delete_message = "These records are append-only."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError(self.append_only_update_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(self.append_only_delete_message)


class AuditEvent(AppendOnlyModel):
    """One append-only record of something that happened. PostgreSQL refuses UPDATE and DELETE on
    this table (a trigger installed by migration 0002); the model refuses them too."""

    append_only_update_message = append_only_delete_message = "Audit events are append-only."

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for events by the system.",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who} {self.action} {self.target_repr}"


class QueuedEmail(TimeStampedModel):
    """The email outbox: a row is written in the transaction that causes the email; a Celery task
    sends it after commit, and a periodic sweep sends whatever a lost dispatch or a dead worker left
    behind. A worker claims the row (status *sending*, ``lease_until``) and sends outside any
    transaction, so no row lock is held while the SMTP relay is talked to."""

    to = models.JSONField(help_text="List of recipient addresses.")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    attachments = models.JSONField(default=list, blank=True, help_text="[{filename, content, mimetype}]")
    status = models.CharField(
        max_length=20, choices=QueuedEmailStatus.choices, default=QueuedEmailStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Claims so far, a lost one included.")
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="While sending: after this the worker is presumed dead."
    )
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="While pending: not before this (empty: at once)."
    )
    topic = models.CharField(
        max_length=100, blank=True, help_text="What the email is about, e.g. a template."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=QueuedEmailStatus.SENDING) | models.Q(lease_until__isnull=False),
                name="queued_email_sending_has_lease",
            ),
        ]
        indexes = [
            # The sweep: pending rows by their next attempt, sending rows by their lease.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status=QueuedEmailStatus.PENDING),
                name="queued_email_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status=QueuedEmailStatus.SENDING),
                name="queued_email_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class ReferenceCounter(models.Model):
    """The last number issued for a kind of reference (``APP``, ``DEP``) in a year. Incremented with
    one atomic upsert (core.services.reference_next), so concurrent creations never share a number."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_reference_counter_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Heartbeat(models.Model):
    """When a periodic job last ran, by name (the ONS sweep writes ``scheduler`` every time celery
    beat, or ``manage.py run_periodic_tasks``, has it run). /healthz and the staff banner read it."""

    name = models.CharField(max_length=60, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
