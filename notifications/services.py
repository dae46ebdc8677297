"""Every write to the ONS notification outbox, and its delivery.

An event (a decision, a revocation, the end of an access period) writes one ``OnsNotification`` row
per configured channel in the transaction that records it; the delivery task gets the row's id only
through ``transaction.on_commit``. Delivery claims the row with a short lease, sends outside any
transaction, then records the attempt and what follows from the retry table. The beat sweep
re-dispatches what a lost dispatch or a dead worker left behind.
"""

import json
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from applications.models import Application
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_staff_member
from core.services import audit_record, email_queue, render_text_email
from core.text import one_line_clean

from .enums import (
    NotificationsAuditAction,
    OnsAttemptOutcome,
    OnsChannel,
    OnsEventType,
    OnsNotificationStatus,
)
from .models import OnsDeliveryAttempt, OnsNotification

logger = logging.getLogger(__name__)

Status = OnsNotificationStatus

#: Decision outcomes (panel.enums.DecisionOutcome values) and the event ONS is sent for each.
DECISION_EVENTS = {
    "approved": OnsEventType.APPROVED,
    "approved_with_conditions": OnsEventType.APPROVED,
    "rejected": OnsEventType.REJECTED,
}


# --- Recording events: one row per channel, in the caller's transaction ------------------------------


def ons_channels_configured() -> list[tuple[str, str]]:
    """The channels ONS is told on, each with its target, from settings."""
    channels = []
    if settings.ONS_WEBHOOK_URL:
        channels.append((OnsChannel.WEBHOOK, settings.ONS_WEBHOOK_URL))
    if settings.ONS_NOTIFY_EMAIL:
        channels.append((OnsChannel.EMAIL, settings.ONS_NOTIFY_EMAIL))
    return channels


def ons_payload_build(
    *,
    application: Application,
    team: list[dict],
    event_type: str,
    sequence: int,
    outcome: str,
    decided_at: datetime,
    conditions: str,
    access_start,
    access_end,
) -> dict:
    """The JSON body ONS receives, and nothing else about the application. The researchers are the
    decision's ``team`` (``panel.Decision.team``, frozen when it was made), never the live profiles,
    each text value cleaned to one line."""
    researchers = [
        {
            "name": one_line_clean(member.get("name")),
            "email": one_line_clean(member.get("email")),
            "organisation": one_line_clean(member.get("organisation")),
            "accreditation_number": one_line_clean(member.get("accreditation_number")),
            "accreditation_expires_on": one_line_clean(member.get("accreditation_expires_on")) or None,
            "role": one_line_clean(member.get("role")),
        }
        for member in team
    ]
    deposits = [
        {
            "reference": deposit.reference,
            "title": deposit.title,
            "srs_dataset_ids": [dataset.dataset_id for dataset in deposit.srs_datasets.all()],
        }
        for deposit in application.deposits.order_by("reference").prefetch_related("srs_datasets")
    ]
    return {
        "type": event_type,
        "timestamp": decided_at.astimezone(UTC).isoformat(),
        "data": {
            "sequence": sequence,
            "application_reference": application.reference,
            "outcome": outcome,
            "decided_at": decided_at.astimezone(UTC).isoformat(),
            "conditions": conditions,
            "access_start": access_start.isoformat() if access_start else None,
            "access_end": access_end.isoformat() if access_end else None,
            "researchers": researchers,
            "deposits": deposits,
        },
    }


def _enqueue(
    *,
    application: Application,
    team: list[dict],
    event_type: str,
    outcome: str,
    occurred_at: datetime,
    conditions: str = "",
    access_start=None,
    access_end=None,
    decision=None,
    revocation=None,
) -> list[OnsNotification]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ONS notifications are recorded inside the transaction of their event.")
    channels = ons_channels_configured()
    if not channels:
        raise DomainError(
            "ONS cannot be told: no notification channel is configured (set ONS_WEBHOOK_URL and "
            "ONS_WEBHOOK_SECRET, or ONS_NOTIFY_EMAIL). Nothing was recorded."
        )
    # Every event of an application locks it first, so sequence numbers never collide.
    app = Application.objects.select_for_update().get(pk=application.pk)
    last = app.ons_notifications.aggregate(last=Max("sequence"))["last"] or 0
    payload = ons_payload_build(
        application=app,
        team=team,
        event_type=event_type,
        sequence=last + 1,
        outcome=outcome,
        decided_at=occurred_at,
        conditions=conditions,
        access_start=access_start,
        access_end=access_end,
    )
    now = timezone.now()
    notifications = [
        OnsNotification.objects.create(
            application=app,
            decision=decision,
            revocation=revocation,
            event_type=event_type,
            channel=channel,
            sequence=last + 1,
            target=target,
            payload=payload,
            next_attempt_at=now,
        )
        for channel, target in channels
    ]
    audit_record(
        actor=None,
        action=NotificationsAuditAction.QUEUED,
        target=app,
        data={"event": event_type, "sequence": last + 1, "notifications": [n.pk for n in notifications]},
    )
    ons_notifications_dispatch_on_commit(ids=[n.pk for n in notifications])
    return notifications


def ons_notifications_dispatch_on_commit(*, ids: list[int]) -> None:
    """Hand the ids to the delivery task once the transaction commits. A broker error then is
    logged, not raised: the rows stay pending and the sweep sends them."""
    from .tasks import ons_notification_deliver_task  # inline: tasks imports this module

    def dispatch():
        for notification_id in ids:
            ons_notification_deliver_task.delay(notification_id)

    transaction.on_commit(dispatch, robust=True)


def ons_notifications_enqueue_for_decision(*, decision) -> list[OnsNotification]:
    """Write one OnsNotification row per configured channel for ``decision`` inside the caller's
    transaction, and dispatch delivery only on commit."""
    event_type = DECISION_EVENTS[decision.outcome]
    return _enqueue(
        application=decision.application,
        team=decision.team,
        event_type=event_type,
        outcome=decision.outcome,
        occurred_at=decision.decided_at,
        conditions=decision.conditions if event_type == OnsEventType.APPROVED else "",
        access_start=decision.access_start if event_type == OnsEventType.APPROVED else None,
        access_end=decision.access_end if event_type == OnsEventType.APPROVED else None,
        decision=decision,
    )


def ons_notifications_enqueue_for_access_end(*, application: Application) -> list[OnsNotification]:
    """Tell ONS that an approved application's access period has ended (``access.expired``). The
    caller moves the application to *access ended* in the same transaction. The researchers are
    the team the decision recorded."""
    decision = application.decision
    return _enqueue(
        application=application,
        team=decision.team,
        event_type=OnsEventType.EXPIRED,
        outcome="expired",
        occurred_at=timezone.now(),
        access_start=decision.access_start,
        access_end=decision.access_end or timezone.localdate(),
        decision=None,
    )


def ons_notifications_enqueue_for_revocation(*, revocation) -> list[OnsNotification]:
    """Tell ONS that an approved application's access was revoked (``access.revoked``), in the
    panel's revocation transaction (notifications/receivers.py). The researchers are the team the
    decision recorded."""
    app = revocation.application
    decision = getattr(app, "decision", None)
    return _enqueue(
        application=app,
        team=decision.team if decision is not None else [],
        event_type=OnsEventType.REVOKED,
        outcome="revoked",
        occurred_at=revocation.revoked_at,
        access_start=getattr(decision, "access_start", None),
        access_end=timezone.localdate(),
        revocation=revocation,
    )


# --- The retry table -----------------------------------------------------------------------------

#: Answers that mean "try again later"; every other non-2xx answer fails at once.
RETRYABLE_STATUS = frozenset({408, 429})


def ons_attempt_outcome(*, status_code: int | None = None, error: Exception | None = None) -> str:
    """2xx: delivered. 408, 429, 5xx, timeouts and connection errors: retry. Anything else
    (another 4xx, a redirect, a malformed URL, a missing secret): failed at once."""
    if error is not None:
        if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return OnsAttemptOutcome.FAILED
        if isinstance(error, requests.exceptions.InvalidSchema | _NotConfigured):
            return OnsAttemptOutcome.FAILED
        return OnsAttemptOutcome.RETRY  # timeouts, refused or reset connections, SMTP trouble
    if status_code is None:
        raise ValueError("An attempt has a status code or an error.")
    if 200 <= status_code < 300:
        return OnsAttemptOutcome.DELIVERED
    if status_code in RETRYABLE_STATUS or 500 <= status_code < 600:
        return OnsAttemptOutcome.RETRY
    return OnsAttemptOutcome.FAILED


def ons_retry_delay(*, failures: int, rng: random.Random | None = None) -> timedelta | None:
    """The wait after the ``failures``-th failed attempt (1-based), with jitter; None when the
    schedule is used up and the notification fails."""
    delays = settings.ONS_RETRY_DELAYS
    if failures < 1 or failures > len(delays):
        return None
    jitter = settings.ONS_RETRY_JITTER
    factor = (rng or random).uniform(1 - jitter, 1 + jitter)
    return timedelta(seconds=float(delays[failures - 1]) * factor)


# --- Delivery --------------------------------------------------------------------------------------


class _NotConfigured(Exception):
    """The channel cannot be used as configured (fails at once; fix the settings and resend)."""


@dataclass(frozen=True)
class Claim:
    notification_id: int
    token: uuid.UUID
    number: int


@dataclass(frozen=True)
class AttemptResult:
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: Exception | None = None

    @property
    def outcome(self) -> str:
        return ons_attempt_outcome(status_code=self.status_code, error=self.error)

    @property
    def error_text(self) -> str:
        if self.error is None:
            return ""
        return f"{type(self.error).__name__}: {self.error}"[:2000]


def ons_notification_claim(*, notification_id: int) -> tuple[OnsNotification, Claim] | None:
    """Take a due notification for one attempt: lock it (skipping a row another worker holds), mark
    it sending with a lease, commit. None when it is not due, held elsewhere, or already done."""
    with transaction.atomic():
        notification = (
            OnsNotification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        )
        if notification is None:
            return None
        now = timezone.now()
        if notification.status == Status.PENDING:
            # A countdown can fire a hair early; anything due within a second is due.
            if notification.next_attempt_at and notification.next_attempt_at > now + timedelta(seconds=1):
                return None
        elif notification.status == Status.SENDING:
            if notification.lease_until and notification.lease_until > now:
                return None  # another worker is sending it
            # The worker holding it stopped mid-attempt: log that attempt as lost, then take over.
            OnsDeliveryAttempt.objects.get_or_create(
                notification=notification,
                number=notification.attempts,
                defaults={
                    "started_at": notification.lease_until - timedelta(seconds=settings.ONS_LEASE_SECONDS),
                    "duration_ms": 0,
                    "error": "No result: the worker stopped during the attempt (its lease expired).",
                    "outcome": OnsAttemptOutcome.RETRY,
                },
            )
        else:
            return None  # delivered or failed: never sent again by the task
        token = uuid.uuid4()
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.lease_token = token
        notification.lease_until = now + timedelta(seconds=settings.ONS_LEASE_SECONDS)
        notification.save(update_fields=["status", "attempts", "lease_token", "lease_until", "updated_at"])
    return notification, Claim(notification.pk, token, notification.attempts)


def ons_body(notification: OnsNotification) -> str:
    """The exact bytes (as text) sent: the stored payload, serialised the same way every time."""
    return json.dumps(notification.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def ons_webhook_headers(*, notification: OnsNotification, body: str, secret: str, when: datetime) -> dict:
    """Standard Webhooks headers: the id is the notification's, identical on every retry."""
    signature = Webhook(secret).sign(msg_id=notification.webhook_id, timestamp=when, data=body)
    return {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} ONS notifier",
        "webhook-id": notification.webhook_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }


_sessions: dict[int, requests.Session] = {}


def _session() -> requests.Session:
    """One HTTP session (kept-alive connections) per process; a forked worker makes its own."""
    pid = os.getpid()
    if pid not in _sessions:
        _sessions.clear()
        _sessions[pid] = requests.Session()
    return _sessions[pid]


def _send_webhook(notification: OnsNotification) -> int:
    if not settings.ONS_WEBHOOK_SECRET:
        raise _NotConfigured("ONS_WEBHOOK_SECRET is not set, so the webhook cannot be signed.")
    body = ons_body(notification)
    headers = ons_webhook_headers(
        notification=notification, body=body, secret=settings.ONS_WEBHOOK_SECRET, when=datetime.now(UTC)
    )
    timeout = settings.ONS_WEBHOOK_TIMEOUT
    response = _session().post(
        notification.target,
        data=body.encode(),
        headers=headers,
        timeout=(timeout, timeout),
        allow_redirects=False,
    )
    response.close()
    return response.status_code


def _send_email(notification: OnsNotification) -> int:
    data = notification.payload["data"]
    subject, body = render_text_email(
        template="notifications/ons_notification",
        context={"n": notification, "data": data, "event": notification.get_event_type_display()},
    )
    backend_is_smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.target],
        headers={"X-Webhook-Id": notification.webhook_id},
        connection=get_connection(timeout=settings.ONS_WEBHOOK_TIMEOUT) if backend_is_smtp else None,
    )
    message.attach(
        f"ons-{notification.payload['type']}-{data['application_reference']}-{data['sequence']}.json",
        ons_body(notification),
        "application/json",
    )
    message.send()
    return 250  # SMTP "requested mail action okay, completed"


def ons_notification_send(notification: OnsNotification) -> AttemptResult:
    """One attempt on the notification's channel. Makes no database writes; raises nothing."""
    started = timezone.now()
    clock = time.monotonic()
    status_code, error = None, None
    try:
        if notification.channel == OnsChannel.WEBHOOK:
            status_code = _send_webhook(notification)
        else:
            status_code = _send_email(notification)
    except Exception as exc:  # every failure is recorded with the attempt and judged by the retry table
        error = exc
    duration = int((time.monotonic() - clock) * 1000)
    return AttemptResult(started_at=started, duration_ms=duration, status_code=status_code, error=error)


@transaction.atomic
def ons_notification_record_attempt(*, claim: Claim, result: AttemptResult) -> OnsNotification:
    """Log the attempt and apply the retry table, unless another worker took the row over meanwhile
    (its own result decides then; a success is never undone)."""
    notification = OnsNotification.objects.select_for_update().get(pk=claim.notification_id)
    outcome = result.outcome
    # One statement: a slow worker's late result replaces the "lost" row written when it was taken over.
    OnsDeliveryAttempt.objects.bulk_create(
        [
            OnsDeliveryAttempt(
                notification=notification,
                number=claim.number,
                started_at=result.started_at,
                duration_ms=result.duration_ms,
                status_code=result.status_code,
                error=result.error_text,
                outcome=outcome,
            )
        ],
        update_conflicts=True,
        unique_fields=["notification", "number"],
        update_fields=["started_at", "duration_ms", "status_code", "error", "outcome"],
    )
    now = timezone.now()
    owns = notification.status == Status.SENDING and notification.lease_token == claim.token
    if notification.status == Status.DELIVERED or not (owns or outcome == OnsAttemptOutcome.DELIVERED):
        return notification
    notification.last_status_code = result.status_code
    notification.lease_until = None
    notification.lease_token = None
    fields = ["status", "last_status_code", "last_error", "lease_until", "lease_token", "next_attempt_at"]
    if outcome == OnsAttemptOutcome.DELIVERED:
        notification.status = Status.DELIVERED
        notification.delivered_at = now
        notification.next_attempt_at = None
        notification.last_error = ""
        fields.append("delivered_at")  # the attempt log records the delivery (no audit row per send)
    else:
        notification.last_error = result.error_text or f"HTTP {result.status_code}"
        delay = None
        if outcome == OnsAttemptOutcome.RETRY:
            delay = ons_retry_delay(failures=notification.attempts - notification.attempts_at_resend)
        if delay is None:
            notification.status = Status.FAILED
            notification.failed_at = now
            notification.next_attempt_at = None
            fields.append("failed_at")
            _alert_staff(notification)
        else:
            notification.status = Status.PENDING
            notification.next_attempt_at = now + delay
            if delay.total_seconds() <= settings.ONS_COUNTDOWN_MAX_SECONDS:
                _dispatch_at(notification.pk, notification.next_attempt_at)
    notification.save(update_fields=[*fields, "updated_at"])
    return notification


def _dispatch_at(notification_id: int, when: datetime) -> None:
    """A short wait as a countdown (the row's next_attempt_at stays the truth for the sweep)."""
    from .tasks import ons_notification_deliver_task  # inline: tasks imports this module

    def dispatch():
        countdown = max(0.0, (when - timezone.now()).total_seconds())
        ons_notification_deliver_task.apply_async((notification_id,), countdown=countdown)

    transaction.on_commit(dispatch, robust=True)


def _alert_staff(notification: OnsNotification) -> None:
    audit_record(
        actor=None,
        action=NotificationsAuditAction.FAILED,
        target=notification,
        data={"attempts": notification.attempts, "error": notification.last_error[:500]},
    )
    email_queue(
        to=[settings.STAFF_ALERT_EMAIL],
        template="notifications/ons_failed",
        context={
            "notification": notification,
            "application": notification.application,
            "url": absolute_url("notifications:detail", pk=notification.pk),
        },
    )


def ons_notification_deliver(*, notification_id: int) -> OnsNotification | None:
    """Claim, send outside any transaction, record. Safe to call any number of times: a delivered
    or failed notification, or one another worker holds, is left alone."""
    claimed = ons_notification_claim(notification_id=notification_id)
    if claimed is None:
        return None
    notification, claim = claimed
    result = ons_notification_send(notification)
    return ons_notification_record_attempt(claim=claim, result=result)


def ons_notification_due_ids(*, limit: int = 500) -> list[int]:
    """Rows a lost dispatch or a dead worker left behind: pending and due (after a grace period for
    their own dispatch), or sending with an expired lease."""
    now = timezone.now()
    grace = timedelta(seconds=settings.ONS_SWEEP_GRACE_SECONDS)
    return list(
        OnsNotification.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now - grace)
            | Q(status=Status.SENDING, lease_until__lte=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def ons_notifications_sweep() -> list[int]:
    """Re-dispatch every due row (called every minute by celery beat)."""
    from .tasks import ons_notification_deliver_task  # inline: tasks imports this module

    ids = ons_notification_due_ids()
    for notification_id in ids:
        ons_notification_deliver_task.delay(notification_id)
    return ids


@transaction.atomic
def ons_notification_resend(*, notification: OnsNotification, actor) -> OnsNotification:
    """Staff send a failed notification again: same id and payload, to the channel's target as
    configured now, with a fresh retry schedule."""
    if not is_staff_member(actor):
        raise NotPermitted("Only the archive staff can resend a notification to ONS.")
    row = OnsNotification.objects.select_for_update().get(pk=notification.pk)
    if row.status != Status.FAILED:
        raise InvalidTransition(
            f"Only a failed notification can be sent again; this one is {row.get_status_display().lower()}."
        )
    now = timezone.now()
    configured = dict(ons_channels_configured())
    previous_target = row.target
    row.target = configured.get(row.channel, row.target)
    row.status = Status.PENDING
    row.next_attempt_at = now
    row.attempts_at_resend = row.attempts
    row.resent_at = now
    row.save(
        update_fields=["target", "status", "next_attempt_at", "attempts_at_resend", "resent_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=NotificationsAuditAction.RESENT,
        target=row,
        data={"attempts_before": row.attempts, "target": row.target, "previous_target": previous_target},
    )
    ons_notifications_dispatch_on_commit(ids=[row.pk])
    return row
