"""Writes that every app shares: the audit log and the email outbox."""

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.template import engines
from django.utils import timezone

from .context import client_ip
from .enums import QueuedEmailStatus
from .models import AuditEvent, QueuedEmail, ReferenceCounter
from .text import one_line_clean

logger = logging.getLogger(__name__)

EMAIL_RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    data: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log. Call it inside the transaction that makes the change."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_email=getattr(actor_obj, "email", "") or "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        data=data or {},
        ip_address=ip_address or client_ip(),
    )


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
        subject=subject[:300],
        body=body,
        attachments=attachments or [],
        topic=template,
    )
    from .tasks import queued_email_send_task

    transaction.on_commit(lambda: queued_email_send_task.delay(email.pk), robust=True)
    return email


def queued_email_send(*, email_id: int) -> QueuedEmail | None:
    """Send one queued email unless it was sent already. Safe to call twice."""
    with transaction.atomic():
        email = QueuedEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None or email.status != QueuedEmailStatus.PENDING:
            return email
        if email.next_attempt_at and email.next_attempt_at > timezone.now():
            return email
        message = EmailMessage(
            subject=email.subject,
            body=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to,
        )
        for attachment in email.attachments:
            message.attach(attachment["filename"], attachment["content"], attachment.get("mimetype"))
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # the backend's errors are many and all mean "try later"
            logger.warning("email %s failed: %s", email.pk, exc)
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts > len(EMAIL_RETRY_DELAYS):
                email.status = QueuedEmailStatus.FAILED
                email.next_attempt_at = None
            else:
                email.next_attempt_at = timezone.now() + EMAIL_RETRY_DELAYS[email.attempts - 1]
        else:
            email.status = QueuedEmailStatus.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.next_attempt_at = None
        email.save(
            update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at", "updated_at"]
        )
        return email


def queued_email_due_ids(*, older_than: timedelta = timedelta(seconds=30)) -> list[int]:
    now = timezone.now()
    return list(
        QueuedEmail.objects.filter(status=QueuedEmailStatus.PENDING, created_at__lte=now - older_than)
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)[:500]
    )


def audit_log_export(*, actor: Any, events: models.QuerySet, filters: dict) -> Iterable[list[str]]:
    """Record that ``actor`` exported these events (the export is itself an event), then yield the
    CSV rows: a header, then one row per event (``core.csv`` guards the cells as it writes them)."""
    import json

    from .enums import CoreAuditAction

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
