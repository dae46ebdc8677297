"""Writes that every app shares: the audit log and the email outbox."""

import json
import logging
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.template import engines
from django.utils import timezone

from .context import client_ip
from .enums import CoreAuditAction, EmailAttemptOutcome, QueuedEmailStatus
from .models import AuditEvent, Heartbeat, QueuedEmail, ReferenceCounter
from .text import one_line_clean

logger = logging.getLogger(__name__)


#: The events recorded inside the open ``audit_batch`` block (None outside one).
_audit_batch: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batch", default=None)


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    data: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log. Call it inside the transaction that makes the change.
    Inside an ``audit_batch`` block the event is written when the block ends (its ``pk`` is set then)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        actor=actor_obj,
        actor_email=getattr(actor_obj, "email", "") or "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        data=data or {},
        ip_address=ip_address or client_ip(),
    )
    batch = _audit_batch.get()
    if batch is not None:
        batch.append(event)
    else:
        event.save(force_insert=True)
    return event


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the events ``audit_record`` records inside the block in one INSERT when the block ends,
    instead of one INSERT each: for a transaction that records several (``decision_record``: the
    decision, grant 1, the ONS notifications queued). The same rows in the same order (their ids
    follow the order recorded); each one's ``created_at`` is when the block ends, a moment later.

    Open it inside the transaction, around code that reads no audit event back and never rolls back
    a savepoint to carry on after it (an event recorded inside that savepoint would still be
    written). A block opened inside another joins it; an exception discards the events (the
    transaction they belong to is rolled back with it)."""
    if _audit_batch.get() is not None:
        yield
        return
    events: list[AuditEvent] = []
    token = _audit_batch.set(events)
    try:
        yield
    finally:
        _audit_batch.reset(token)
    if events:  # not reached when the block raised
        AuditEvent.objects.bulk_create(events)


def heartbeat_record(*, name: str, at: datetime | None = None) -> None:
    """Note that the periodic job ``name`` ran now: one upsert, no audit row (it runs every few seconds)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": at or timezone.now()})


def reference_next(*, prefix: str, year: int) -> str:
    """The next ``<prefix>-<year>-<4 digits>``: one atomic upsert on the year's counter, so two
    records created at the same moment never share a number (and the first of a year needs no lock)."""
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last_number) VALUES (%s, %s, 1) "  # noqa: S608 (table name from the model, values bound)
            f"ON CONFLICT (prefix, year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [prefix, year],
        )
        (number,) = cursor.fetchone()
    return f"{prefix}-{year}-{number:04d}"


def render_text_email(*, template: str, context: dict | None = None) -> tuple[str, str]:
    """Render ``templates/emails/<template>.txt`` with the plain-text engine (no HTML escaping).
    The first line is the subject; the rest is the body. The subject is put under the one-line text
    policy (a title that holds a CR or a bidi control cannot break the header or disguise the mail)."""
    rendered = (
        engines["text"]
        .get_template(f"emails/{template}.txt")
        .render({"site_name": settings.SITE_NAME, **(context or {})})
    )
    subject, _, body = rendered.strip().partition("\n")
    return one_line_clean(subject)[:300], body.strip() + "\n"


def email_queue(
    *,
    to: Iterable[str],
    template: str,
    context: dict | None = None,
    attachments: list[dict] | None = None,
) -> QueuedEmail | None:
    """Render ``templates/emails/<template>.txt`` (first line is the subject) into an outbox row and
    send it after the surrounding transaction commits."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    subject, body = render_text_email(template=template, context=context)
    email = QueuedEmail.objects.create(
        to=recipients,
        subject=subject,  # render_text_email keeps it to the column's 300 characters
        body=body,
        attachments=attachments or [],
        topic=template,
    )
    from .tasks import queued_email_send_task  # inline: core.tasks imports this module

    transaction.on_commit(lambda: queued_email_send_task.delay(email.pk), robust=True)
    return email


# --- The email outbox: claim with a lease, send outside any transaction, record -------------------
#
# The same shape as the ONS outbox (notifications.services: ons_notification_claim, _send,
# _record_attempt, ons_retry_delay, ons_notification_due_ids).

#: How long a claim holds a row. It outlasts the send task's hard time limit (Celery's
#: CELERY_TASK_TIME_LIMIT, 120 s; each SMTP step also stops after EMAIL_TIMEOUT), so the sweep never
#: hands a row to a second worker while the first is still sending it.
EMAIL_LEASE = timedelta(minutes=5)

#: The wait after the n-th failed attempt (see ``email_retry_delay``).
EMAIL_RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)

#: A pending row is left to its own on-commit dispatch this long before the sweep sends it.
EMAIL_SWEEP_GRACE = timedelta(seconds=30)


def email_attempt_outcome(*, error: Exception | None) -> str:
    """What one attempt leads to.

    ==========================================================  ===========================
    The attempt                                                 Outcome
    ==========================================================  ===========================
    no error                                                    sent
    ``ValueError``: the message cannot be built (a header       failed at once
    holds a newline: ``BadHeaderError``; an invalid address)
    ``SMTPRecipientsRefused`` with a 5xx code for every         failed at once
    recipient (the relay will never take them)
    ``SMTPDataError`` with a 5xx code (the relay refuses this   failed at once
    message)
    anything else: a 4xx answer, a refused or reset             retry (``email_retry_delay``)
    connection, a timeout, a refused login or sender (the
    relay's settings, the same for every message)
    ==========================================================  ===========================
    """
    if error is None:
        return EmailAttemptOutcome.SENT
    if isinstance(error, ValueError):
        return EmailAttemptOutcome.FAILED
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return EmailAttemptOutcome.FAILED
        return EmailAttemptOutcome.RETRY
    if isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600:
        return EmailAttemptOutcome.FAILED
    return EmailAttemptOutcome.RETRY


def email_retry_delay(*, failures: int) -> timedelta | None:
    """The wait after the ``failures``-th failed attempt (1-based); None: the email has failed.

    ========  =========================
    Failures  Next attempt after
    ========  =========================
    1         1 minute
    2         5 minutes
    3         30 minutes
    4         2 hours
    5         6 hours
    6         none: failed for good
    ========  =========================
    """
    if failures < 1 or failures > len(EMAIL_RETRY_DELAYS):
        return None
    return EMAIL_RETRY_DELAYS[failures - 1]


@dataclass(frozen=True)
class EmailClaim:
    """One worker's hold on a row: the attempt number it claimed. The row's ``attempts`` stays equal
    to it until another worker takes the row over after the lease expired."""

    email_id: int
    number: int


def queued_email_claim(*, email_id: int) -> tuple[QueuedEmail, EmailClaim] | None:
    """Take a due email for one attempt: lock it (skipping a row another worker holds), mark it
    sending with a lease, commit. None when it is not due, held elsewhere, or already done."""
    with transaction.atomic():
        email = QueuedEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None:
            return None
        now = timezone.now()
        if email.status == QueuedEmailStatus.PENDING:
            if email.next_attempt_at and email.next_attempt_at > now:
                return None
        elif email.status == QueuedEmailStatus.SENDING:
            if email.lease_until and email.lease_until > now:
                return None  # another worker is sending it
            logger.warning(
                "email %s: the worker sending attempt %s stopped; taking over", email.pk, email.attempts
            )
        else:
            return None  # sent or failed: never sent again
        email.status = QueuedEmailStatus.SENDING
        email.attempts += 1
        email.lease_until = now + EMAIL_LEASE
        email.save(update_fields=["status", "attempts", "lease_until", "updated_at"])
    return email, EmailClaim(email_id=email.pk, number=email.attempts)


def queued_email_message(email: QueuedEmail) -> EmailMessage:
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
    )
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment.get("mimetype"))
    return message


def queued_email_transmit(email: QueuedEmail) -> Exception | None:
    """One attempt through the configured backend (SMTP stops after EMAIL_TIMEOUT per step). Makes
    no database writes and raises nothing: returns the error, if any. Call it outside any transaction."""
    try:
        queued_email_message(email).send()
    except Exception as exc:  # every failure is judged by email_attempt_outcome
        return exc
    return None


def queued_email_record_attempt(*, claim: EmailClaim, error: Exception | None) -> QueuedEmail:
    """Record one attempt: sent, or the error and what the retry table says next. A success is never
    undone, and counts even when another worker took the row over meanwhile; a failure then is
    ignored (the other worker's own result decides)."""
    if error is None:
        # The common case in one conditional statement: no transaction to open, no lock to wait for.
        now = timezone.now()
        QueuedEmail.objects.filter(pk=claim.email_id).exclude(status=QueuedEmailStatus.SENT).update(
            status=QueuedEmailStatus.SENT,
            sent_at=now,
            last_error="",
            next_attempt_at=None,
            lease_until=None,
            updated_at=now,
        )
        return QueuedEmail.objects.get(pk=claim.email_id)
    return _queued_email_record_failure(claim=claim, error=error)


@transaction.atomic
def _queued_email_record_failure(*, claim: EmailClaim, error: Exception) -> QueuedEmail:
    email = QueuedEmail.objects.select_for_update().get(pk=claim.email_id)
    if email.status != QueuedEmailStatus.SENDING or email.attempts != claim.number:
        return email  # sent meanwhile, or taken over after the lease expired
    outcome = email_attempt_outcome(error=error)
    now = timezone.now()
    email.lease_until = None
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    delay = email_retry_delay(failures=email.attempts) if outcome == EmailAttemptOutcome.RETRY else None
    if delay is None:
        logger.error("email %s failed for good: %s", email.pk, email.last_error)
        email.status = QueuedEmailStatus.FAILED
        email.next_attempt_at = None
        audit_record(
            actor=None,
            action=CoreAuditAction.EMAIL_FAILED,
            target=email,
            data={"attempts": email.attempts, "topic": email.topic, "error": email.last_error[:500]},
        )
    else:
        logger.warning("email %s attempt %s failed: %s", email.pk, email.attempts, email.last_error)
        email.status = QueuedEmailStatus.PENDING
        email.next_attempt_at = now + delay
    email.save(update_fields=["status", "lease_until", "last_error", "next_attempt_at", "updated_at"])
    return email


def queued_email_send(*, email_id: int) -> QueuedEmail | None:
    """Claim, send outside any transaction, record. Safe to call any number of times: a sent or
    failed email, one not due yet, or one another worker holds is left alone (None)."""
    claimed = queued_email_claim(email_id=email_id)
    if claimed is None:
        return None
    email, claim = claimed
    error = queued_email_transmit(email)
    return queued_email_record_attempt(claim=claim, error=error)


def queued_email_due_ids(*, grace: timedelta = EMAIL_SWEEP_GRACE, limit: int = 500) -> list[int]:
    """Rows a lost dispatch or a dead worker left behind: pending and due (a new row after a grace
    period for its own dispatch), or sending with an expired lease."""
    now = timezone.now()
    return list(
        QueuedEmail.objects.filter(
            models.Q(
                models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now),
                status=QueuedEmailStatus.PENDING,
                created_at__lte=now - grace,
            )
            | models.Q(status=QueuedEmailStatus.SENDING, lease_until__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def queued_emails_sweep() -> list[int]:
    """Dispatch every due row to the send task (called every minute by celery beat)."""
    from .tasks import queued_email_send_task  # inline: core.tasks imports this module

    ids = queued_email_due_ids()
    for email_id in ids:
        queued_email_send_task.delay(email_id)
    return ids


def audit_log_export(*, actor: Any, events: models.QuerySet, filters: dict) -> Iterable[list[str]]:
    """Record that ``actor`` exported these events (the export is itself an event), then yield the
    CSV rows: a header, then one row per event (``core.csv`` guards the cells as it writes them)."""
    with transaction.atomic():
        count = events.count()
        audit_record(
            actor=actor,
            action=CoreAuditAction.AUDIT_LOG_EXPORTED,
            data={"filters": {k: v for k, v in filters.items() if v}, "rows": count},
        )

    def rows():
        yield ["time", "actor", "action", "target_type", "target_id", "target", "data", "ip_address"]
        for event in events.iterator(chunk_size=2000):
            yield [
                event.created_at.isoformat(),
                event.actor_email,
                event.action,
                event.target_type,
                event.target_id,
                event.target_repr,
                json.dumps(event.data, sort_keys=True, ensure_ascii=False),
                event.ip_address or "",
            ]

    return rows()
