"""Delivering one notification: claim it with a short lease, send outside any transaction, record the
attempt and what follows from the retry table.

What follows an attempt:

- delivered: the row is done, and every other row waiting on the same endpoint is sent at once
  (ONS is back: nothing waits out its backoff);
- retry (408, 429, 5xx, a timeout, a refused connection): the next try after the table's delay, or
  after ONS's ``Retry-After``; the row fails once the whole schedule's time (about 27.6 hours by
  default) has passed since it was first sent (or resent), however many tries that took;
- 410 Gone: the endpoint is disabled and its rows are held until staff re-enable it;
- any other answer: failed at once.

A failure never emails staff by itself: it joins the open incident (watch.py), which emails once.
"""

from __future__ import annotations

import email.utils
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
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from core.errors import InvalidTransition, NotPermitted
from core.permissions import is_staff_member
from core.services import audit_record, render_text_email

from ..enums import NotificationsAuditAction, OnsAttemptOutcome, OnsChannel, OnsNotificationStatus
from ..models import OnsDeliveryAttempt, OnsEndpoint, OnsNotification
from ..signing.signatures import ons_webhook_signature
from .recording import ons_channels_configured, ons_endpoint_for, ons_notifications_dispatch_on_commit

logger = logging.getLogger(__name__)

Status = OnsNotificationStatus

#: Answers that mean "try again later"; 410 disables the endpoint; every other non-2xx fails at once.
RETRYABLE_STATUS = frozenset({408, 429})
GONE_STATUS = 410
#: The most of ONS's answer body kept with an attempt.
RESPONSE_BODY_LIMIT = 2000
#: What is logged for an attempt whose worker stopped (or lost its database) after it may have sent.
UNKNOWN_OUTCOME_TEXT = (
    "Outcome unknown: the worker stopped, or lost its database connection, during the attempt (its "
    "lease expired), so ONS may have received it; resent with the same id."
)


# --- The retry table -----------------------------------------------------------------------------


class _NotConfigured(Exception):
    """The channel cannot be used as configured (fails at once; fix the settings and resend)."""


def ons_attempt_outcome(*, status_code: int | None = None, error: Exception | None = None) -> str:
    """2xx: delivered. 408, 429, 5xx, timeouts and connection errors: retry. 410: the endpoint is
    gone. Anything else (another 4xx, a redirect, a malformed URL, a missing secret): failed."""
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
    if status_code == GONE_STATUS:
        return OnsAttemptOutcome.ENDPOINT_GONE
    if status_code in RETRYABLE_STATUS or 500 <= status_code < 600:
        return OnsAttemptOutcome.RETRY
    return OnsAttemptOutcome.FAILED


def ons_retry_delay(*, failures: int, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``failures``-th failed attempt (1-based), with jitter: the table's entry,
    its last entry once the table is used up."""
    delays = settings.ONS_RETRY_DELAYS or [0.0]
    base = float(delays[min(max(failures, 1), len(delays)) - 1])
    jitter = settings.ONS_RETRY_JITTER
    return timedelta(seconds=base * (rng or random).uniform(1 - jitter, 1 + jitter))


def ons_retry_window() -> timedelta:
    """How long a notification is retried before it fails: the sum of the table (about 27.6 h)."""
    return timedelta(seconds=sum(float(d) for d in settings.ONS_RETRY_DELAYS))


def ons_retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """ONS's ``Retry-After`` (RFC 9110: seconds, or an HTTP date) in seconds from now, capped at
    ONS_RETRY_AFTER_MAX_SECONDS; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return min(seconds, settings.ONS_RETRY_AFTER_MAX_SECONDS)


def ons_next_attempt(
    *, notification: OnsNotification, now: datetime, retry_after: float | None = None
) -> datetime | None:
    """When to try again after a failed attempt, or None when the retry window has passed. The
    window counts from the first send (or the last resend); the last try falls at its end."""
    started = notification.resent_at or notification.created_at
    deadline = started + ons_retry_window()
    if now >= deadline:
        return None
    if retry_after is not None:
        delay = timedelta(seconds=retry_after)
    else:
        delay = ons_retry_delay(failures=notification.attempts - notification.attempts_at_resend)
    return min(now + delay, deadline)


# --- Claiming ------------------------------------------------------------------------------------


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
    response_body: str = ""
    retry_after: float | None = None

    @property
    def outcome(self) -> str:
        return ons_attempt_outcome(status_code=self.status_code, error=self.error)

    @property
    def error_text(self) -> str:
        if self.error is None:
            return ""
        return f"{type(self.error).__name__}: {self.error}"[:2000]


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "notification": quote(OnsNotification._meta.db_table),
        "endpoint": quote(OnsEndpoint._meta.db_table),
        "attempt": quote(OnsDeliveryAttempt._meta.db_table),
    }


#: The claim, in one statement (so one round trip and no transaction of its own): the row if it is
#: due (pending and due within the countdown's tolerance, or sending with an expired lease) and its
#: endpoint is not disabled, locked with SKIP LOCKED (a row another worker is claiming or recording
#: is left to it), marked sending with a new lease; and, when the lease it takes over had expired,
#: the "unknown outcome" attempt of the worker that held it (unless that worker's own result is in).
_CLAIM_SQL = """
WITH candidate AS (
    SELECT n.id, n.status AS was_status, n.lease_until AS was_lease_until
    FROM {notification} n LEFT JOIN {endpoint} e ON e.id = n.endpoint_id
    WHERE n.id = %(id)s
      AND e.disabled_at IS NULL
      AND ((n.status = %(pending)s AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= %(due_by)s))
           OR (n.status = %(sending)s AND n.lease_until <= %(now)s))
    FOR UPDATE OF n SKIP LOCKED
), claimed AS (
    UPDATE {notification} n
    SET status = %(sending)s, attempts = n.attempts + 1, lease_token = %(token)s,
        lease_until = %(lease_until)s, updated_at = %(now)s
    FROM candidate c
    WHERE n.id = c.id
    RETURNING n.*, c.was_status, c.was_lease_until
), lost AS (
    INSERT INTO {attempt}
        (notification_id, number, started_at, duration_ms, status_code, error, response_body,
         retry_after_seconds, outcome)
    SELECT id, attempts - 1, was_lease_until - %(lease)s, 0, NULL, %(unknown_text)s, '', NULL, %(unknown)s
    FROM claimed
    WHERE was_status = %(sending)s
    ON CONFLICT (notification_id, number) DO NOTHING
)
SELECT * FROM claimed
"""


def ons_notification_claim(*, notification_id: int) -> tuple[OnsNotification, Claim] | None:
    """Take a due notification for one attempt: mark it sending with a lease, skipping a row another
    worker holds, in one conditional UPDATE (``_CLAIM_SQL``). Due: pending, with next_attempt_at
    within a second (a countdown can fire a hair early), or sending with an expired lease (the
    worker holding it stopped mid-attempt, perhaps after ONS had it: its attempt is logged as
    "unknown", and the row is sent again under the same id). None when it is not due, held
    elsewhere, already delivered or failed, or its endpoint is disabled (held until staff re-enable
    it)."""
    if not _postgresql():
        return _claim_portable(notification_id=notification_id)
    now = timezone.now()
    lease = timedelta(seconds=settings.ONS_LEASE_SECONDS)
    token = uuid.uuid4()
    rows = OnsNotification.objects.raw(
        _CLAIM_SQL.format(**_tables()),
        {
            "id": notification_id,
            "pending": str(Status.PENDING),
            "sending": str(Status.SENDING),
            "due_by": now + timedelta(seconds=1),
            "now": now,
            "token": token,
            "lease_until": now + lease,
            "lease": lease,
            "unknown_text": UNKNOWN_OUTCOME_TEXT,
            "unknown": str(OnsAttemptOutcome.UNKNOWN),
        },
    )
    notification = next(iter(rows), None)  # the statement runs once, here
    if notification is None:
        return None
    return notification, Claim(notification.pk, token, notification.attempts)


def _claim_portable(*, notification_id: int) -> tuple[OnsNotification, Claim] | None:
    """``ons_notification_claim``'s rules through the ORM (``_postgresql``)."""
    with transaction.atomic():
        notification = (
            OnsNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or (notification.endpoint is not None and notification.endpoint.is_disabled):
            return None
        now = timezone.now()
        if notification.status == Status.PENDING:
            if notification.next_attempt_at and notification.next_attempt_at > now + timedelta(seconds=1):
                return None
        elif notification.status == Status.SENDING:
            if notification.lease_until and notification.lease_until > now:
                return None  # another worker is sending it
            OnsDeliveryAttempt.objects.get_or_create(
                notification=notification,
                number=notification.attempts,
                defaults={
                    "started_at": notification.lease_until - timedelta(seconds=settings.ONS_LEASE_SECONDS),
                    "duration_ms": 0,
                    "error": UNKNOWN_OUTCOME_TEXT,
                    "outcome": OnsAttemptOutcome.UNKNOWN,
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


# --- Sending -------------------------------------------------------------------------------------


def ons_body(notification: OnsNotification) -> str:
    """The exact bytes (as text) sent: the stored payload, serialised the same way every time."""
    return json.dumps(notification.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def ons_webhook_headers(*, notification: OnsNotification, body: str, secret: str, when: datetime) -> dict:
    """Standard Webhooks headers: the id is the notification's, identical on every retry; the signature
    is ``v1`` and one ``v1a`` per key signing at ``when`` (``signing.signatures``)."""
    signature = Webhook(secret).sign(msg_id=notification.webhook_id, timestamp=when, data=body)
    return {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} ONS notifier",
        "webhook-id": notification.webhook_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": ons_webhook_signature(
            v1=signature, msg_id=notification.webhook_id, when=when, body=body
        ),
    }


_sessions: dict[int, requests.Session] = {}


def _session() -> requests.Session:
    """One HTTP session (kept-alive connections) per process; a forked worker makes its own."""
    pid = os.getpid()
    if pid not in _sessions:
        _sessions.clear()
        _sessions[pid] = requests.Session()
    return _sessions[pid]


@dataclass(frozen=True)
class _Answer:
    status_code: int
    body: str = ""
    retry_after: float | None = None


def _read_capped(response: requests.Response) -> str:
    """The first RESPONSE_BODY_LIMIT characters of ONS's answer, read no further than needed."""
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_BODY_LIMIT * 4:  # at most 4 bytes a character
            break
    return b"".join(chunks).decode("utf-8", errors="replace")[:RESPONSE_BODY_LIMIT]


def _send_webhook(notification: OnsNotification) -> _Answer:
    if not settings.ONS_WEBHOOK_SECRET:
        raise _NotConfigured("ONS_WEBHOOK_SECRET is not set, so the webhook cannot be signed.")
    body = ons_body(notification)
    headers = ons_webhook_headers(
        notification=notification, body=body, secret=settings.ONS_WEBHOOK_SECRET, when=datetime.now(UTC)
    )
    response = _session().post(
        notification.target,
        data=body.encode(),
        headers=headers,
        timeout=(settings.ONS_WEBHOOK_CONNECT_TIMEOUT, settings.ONS_WEBHOOK_TIMEOUT),
        allow_redirects=False,
        stream=True,
    )
    try:
        status = response.status_code
        text = _read_capped(response) if status >= 400 else ""
        retry_after = (
            ons_retry_after_seconds(response.headers.get("Retry-After")) if status in (429, 503) else None
        )
    finally:
        response.close()
    return _Answer(status, text, retry_after)


def _send_email(notification: OnsNotification) -> _Answer:
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
    return _Answer(250)  # SMTP "requested mail action okay, completed"


def ons_notification_send(notification: OnsNotification) -> AttemptResult:
    """One attempt on the notification's channel. Makes no database writes; raises nothing."""
    started = timezone.now()
    clock = time.monotonic()
    answer, error = None, None
    try:
        if notification.channel == OnsChannel.WEBHOOK:
            answer = _send_webhook(notification)
        else:
            answer = _send_email(notification)
    except Exception as exc:  # every failure is recorded with the attempt and judged by the retry table
        error = exc
    duration = int((time.monotonic() - clock) * 1000)
    if answer is None:
        return AttemptResult(started_at=started, duration_ms=duration, error=error)
    return AttemptResult(
        started_at=started,
        duration_ms=duration,
        status_code=answer.status_code,
        response_body=answer.body,
        retry_after=answer.retry_after,
    )


# --- Recording the attempt -----------------------------------------------------------------------


#: A delivery recorded in one statement: the attempt (replacing the "unknown" row a takeover wrote,
#: when this is the slow worker's late result) and the row marked delivered, unless it already is
#: (a success is never undone, and wins over another worker's lease); with the endpoint's last failure.
_DELIVERED_SQL = """
WITH attempt AS (
    INSERT INTO {attempt}
        (notification_id, number, started_at, duration_ms, status_code, error, response_body,
         retry_after_seconds, outcome)
    VALUES (%(id)s, %(number)s, %(started_at)s, %(duration_ms)s, %(status_code)s, %(error)s,
            %(response_body)s, %(retry_after)s, %(delivered)s)
    ON CONFLICT (notification_id, number) DO UPDATE SET
        started_at = EXCLUDED.started_at, duration_ms = EXCLUDED.duration_ms,
        status_code = EXCLUDED.status_code, error = EXCLUDED.error,
        response_body = EXCLUDED.response_body, retry_after_seconds = EXCLUDED.retry_after_seconds,
        outcome = EXCLUDED.outcome
), delivered AS (
    UPDATE {notification}
    SET status = %(delivered)s, delivered_at = %(now)s, next_attempt_at = NULL, last_error = '',
        last_status_code = %(status_code)s, lease_until = NULL, lease_token = NULL, updated_at = %(now)s
    WHERE id = %(id)s AND status <> %(delivered)s
    RETURNING *
)
SELECT d.*, e.last_failure_at AS endpoint_failed_at
FROM delivered d LEFT JOIN {endpoint} e ON e.id = d.endpoint_id
"""


def ons_notification_record_attempt(*, claim: Claim, result: AttemptResult) -> OnsNotification:
    """Log the attempt and apply the retry table, unless another worker took the row over meanwhile
    (its own result decides then; a success is never undone). A delivery is one statement
    (``_DELIVERED_SQL``), followed by the release of the endpoint's waiting rows only when it has
    failed recently enough for rows to be waiting (``_endpoint_recovered``)."""
    if result.outcome == OnsAttemptOutcome.DELIVERED:
        return _record_delivered(claim=claim, result=result)
    return _record_failure(claim=claim, result=result)


def _attempt_values(claim: Claim, result: AttemptResult) -> dict:
    return {
        "number": claim.number,
        "started_at": result.started_at,
        "duration_ms": result.duration_ms,
        "status_code": result.status_code,
        "error": result.error_text,
        "response_body": result.response_body,
        "retry_after_seconds": int(result.retry_after) if result.retry_after is not None else None,
    }


def _attempt_upsert(notification: OnsNotification, *, claim: Claim, result: AttemptResult) -> None:
    """Log the attempt in one statement: a slow worker's late result replaces the "unknown" row
    written at the takeover."""
    OnsDeliveryAttempt.objects.bulk_create(
        [
            OnsDeliveryAttempt(
                notification=notification, outcome=result.outcome, **_attempt_values(claim, result)
            )
        ],
        update_conflicts=True,
        unique_fields=["notification", "number"],
        update_fields=[
            "started_at",
            "duration_ms",
            "status_code",
            "error",
            "response_body",
            "retry_after_seconds",
            "outcome",
        ],
    )


def _postgresql() -> bool:
    """The claim, the delivery and the release are single PostgreSQL statements (CTEs that write,
    FOR UPDATE SKIP LOCKED, UPDATE ... FROM ... RETURNING); the embedded SQLite default, which runs
    tasks in its own process one at a time, takes the same steps through the ORM."""
    return connection.vendor == "postgresql"


@transaction.atomic
def _record_delivered_portable(*, claim: Claim, result: AttemptResult) -> OnsNotification:
    notification = (
        OnsNotification.objects.select_for_update().select_related("endpoint").get(pk=claim.notification_id)
    )
    _attempt_upsert(notification, claim=claim, result=result)
    if notification.status == Status.DELIVERED:  # delivered already: the attempt is logged
        return notification
    now = timezone.now()
    notification.status = Status.DELIVERED
    notification.delivered_at = now
    notification.next_attempt_at = None
    notification.last_error = ""
    notification.last_status_code = result.status_code
    notification.lease_until = None
    notification.lease_token = None
    notification.save(
        update_fields=[
            "status", "delivered_at", "next_attempt_at", "last_error", "last_status_code",
            "lease_until", "lease_token", "updated_at",
        ]
    )  # fmt: skip
    failed_at = notification.endpoint.last_failure_at if notification.endpoint_id else None
    _endpoint_recovered(notification, failed_at=failed_at, now=now)
    return notification


def _record_delivered(*, claim: Claim, result: AttemptResult) -> OnsNotification:
    if not _postgresql():
        return _record_delivered_portable(claim=claim, result=result)
    now = timezone.now()
    attempt = _attempt_values(claim, result)
    rows = OnsNotification.objects.raw(
        _DELIVERED_SQL.format(**_tables()),
        {
            **attempt,
            "retry_after": attempt.pop("retry_after_seconds"),
            "id": claim.notification_id,
            "delivered": str(Status.DELIVERED),
            "now": now,
        },
    )
    notification = next(iter(rows), None)  # the statement runs once, here
    if notification is None:  # delivered already (by the worker that took it over): the attempt is logged
        return OnsNotification.objects.get(pk=claim.notification_id)
    # The attempt log records the delivery (no audit row per send).
    _endpoint_recovered(notification, failed_at=notification.endpoint_failed_at, now=now)
    return notification


@transaction.atomic
def _record_failure(*, claim: Claim, result: AttemptResult) -> OnsNotification:
    from .watch import ons_incident_join  # inline: watch imports this module

    notification = OnsNotification.objects.select_for_update().get(pk=claim.notification_id)
    outcome = result.outcome
    _attempt_upsert(notification, claim=claim, result=result)
    now = timezone.now()
    owns = notification.status == Status.SENDING and notification.lease_token == claim.token
    if notification.status == Status.DELIVERED or not owns:
        return notification
    notification.last_status_code = result.status_code
    notification.lease_until = None
    notification.lease_token = None
    fields = ["status", "last_status_code", "last_error", "lease_until", "lease_token", "next_attempt_at"]
    notification.last_error = _error_summary(result)
    if notification.endpoint_id:
        OnsEndpoint.objects.filter(pk=notification.endpoint_id).update(last_failure_at=now)
    if outcome == OnsAttemptOutcome.ENDPOINT_GONE:
        notification.status = Status.PENDING
        notification.next_attempt_at = now  # held: sent as soon as staff re-enable the endpoint
        notification.save(update_fields=[*fields, "updated_at"])
        _endpoint_disable(notification, detail=notification.last_error)
        return notification
    next_at = None
    if outcome == OnsAttemptOutcome.RETRY:
        next_at = ons_next_attempt(notification=notification, now=now, retry_after=result.retry_after)
    if next_at is None:
        notification.status = Status.FAILED
        notification.failed_at = now
        notification.next_attempt_at = None
        fields.append("failed_at")
        notification.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=None,
            action=NotificationsAuditAction.FAILED,
            target=notification,
            data={"attempts": notification.attempts, "error": notification.last_error[:500]},
        )
        ons_incident_join(notification=notification, because=f"ONS was not told: {notification}")
        return notification
    notification.status = Status.PENDING
    notification.next_attempt_at = next_at
    notification.save(update_fields=[*fields, "updated_at"])
    if (next_at - now).total_seconds() <= settings.ONS_COUNTDOWN_MAX_SECONDS:
        _dispatch_at(notification.pk, next_at)
    return notification  # a longer wait is dispatched by the sweep when it falls due


def _error_summary(result: AttemptResult) -> str:
    if result.error is not None:
        return result.error_text
    text = f"HTTP {result.status_code}"
    if result.response_body:
        text += f": {result.response_body[:500]}"
    return text


def _dispatch_at(notification_id: int, when: datetime) -> None:
    """A short wait as a countdown (the row's next_attempt_at stays the truth for the sweep)."""
    from ..tasks import ons_notification_deliver_task  # inline: tasks imports this package

    def dispatch():
        countdown = max(0.0, (when - timezone.now()).total_seconds())
        ons_notification_deliver_task.apply_async((notification_id,), countdown=countdown)

    transaction.on_commit(dispatch, robust=True)


#: Make the endpoint's rows waiting out a backoff due now (the soonest ``limit``), in one statement.
_RELEASE_SQL = """
UPDATE {notification} n SET next_attempt_at = %(now)s
FROM (
    SELECT id, next_attempt_at FROM {notification}
    WHERE endpoint_id = %(endpoint_id)s AND status = %(pending)s AND next_attempt_at > %(now)s
    ORDER BY next_attempt_at, id
    LIMIT %(limit)s
) waiting
WHERE n.id = waiting.id AND n.status = %(pending)s
RETURNING n.id, waiting.next_attempt_at
"""


def ons_waiting_ids_release(*, endpoint_id: int, now: datetime, limit: int = 5000) -> list[int]:
    """Make every row waiting out a backoff on this endpoint due now, and dispatch it on commit
    (soonest first)."""
    if not _postgresql():
        ids = list(
            OnsNotification.objects.filter(
                endpoint_id=endpoint_id, status=Status.PENDING, next_attempt_at__gt=now
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        OnsNotification.objects.filter(pk__in=ids, status=Status.PENDING).update(next_attempt_at=now)
        if ids:
            ons_notifications_dispatch_on_commit(ids=ids)
        return ids
    with connection.cursor() as cursor:
        cursor.execute(
            _RELEASE_SQL.format(**_tables()),
            {"endpoint_id": endpoint_id, "now": now, "pending": str(Status.PENDING), "limit": limit},
        )
        released = cursor.fetchall()
    ids = [pk for pk, _ in sorted(released, key=lambda row: (row[1], row[0]))]
    if ids:
        ons_notifications_dispatch_on_commit(ids=ids)
    return ids


def _longest_wait() -> timedelta:
    """The longest a failed attempt can make its row wait: the retry table's longest delay with its
    jitter, or ONS's Retry-After at its cap (``ons_next_attempt``)."""
    delays = settings.ONS_RETRY_DELAYS or [0.0]
    table = max(float(d) for d in delays) * (1 + settings.ONS_RETRY_JITTER)
    return timedelta(seconds=max(table, settings.ONS_RETRY_AFTER_MAX_SECONDS))


def _endpoint_recovered(notification: OnsNotification, *, failed_at: datetime | None, now: datetime) -> None:
    """A success: everything waiting on the endpoint goes now (ONS is back). A row waits only after a
    failed attempt on its endpoint, which stamps the endpoint's ``last_failure_at`` and waits at
    most ``_longest_wait``: with no failure that recent (always, while ONS is healthy) nothing can be
    waiting, and nothing is asked. (A minute's margin covers two workers' failures stamped out of
    order.)"""
    if not notification.endpoint_id or failed_at is None:
        return
    if failed_at > now - _longest_wait() - timedelta(minutes=1):
        ons_waiting_ids_release(endpoint_id=notification.endpoint_id, now=now)


def _endpoint_disable(notification: OnsNotification, *, detail: str) -> None:
    """ONS answered 410 Gone: stop sending to this endpoint until staff re-enable it."""
    from .watch import ons_incident_join  # inline: watch imports this module

    endpoint = OnsEndpoint.objects.select_for_update().get(pk=notification.endpoint_id)
    if endpoint.is_disabled:
        return
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_detail = detail[:2000]
    endpoint.save(update_fields=["disabled_at", "disabled_detail", "updated_at"])
    audit_record(
        actor=None,
        action=NotificationsAuditAction.ENDPOINT_DISABLED,
        target=endpoint,
        data={"notification": notification.pk, "detail": detail[:500]},
    )
    ons_incident_join(notification=None, because=f"ONS answered 410 Gone at {endpoint}: it is disabled.")


def ons_notification_deliver(*, notification_id: int) -> OnsNotification | None:
    """Claim, send outside any transaction, record. Safe to call any number of times: a delivered
    or failed notification, or one another worker holds, is left alone."""
    claimed = ons_notification_claim(notification_id=notification_id)
    if claimed is None:
        return None
    notification, claim = claimed
    result = ons_notification_send(notification)
    return ons_notification_record_attempt(claim=claim, result=result)


# --- Staff ---------------------------------------------------------------------------------------


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
    row.endpoint = ons_endpoint_for(channel=row.channel, target=row.target)
    row.status = Status.PENDING
    row.next_attempt_at = now
    row.attempts_at_resend = row.attempts
    row.resent_at = now
    row.save(
        update_fields=[
            "target",
            "endpoint",
            "status",
            "next_attempt_at",
            "attempts_at_resend",
            "resent_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=NotificationsAuditAction.RESENT,
        target=row,
        data={"attempts_before": row.attempts, "target": row.target, "previous_target": previous_target},
    )
    ons_notifications_dispatch_on_commit(ids=[row.pk])
    return row


@transaction.atomic
def ons_endpoint_enable(*, endpoint: OnsEndpoint, actor) -> OnsEndpoint:
    """Staff re-enable an endpoint ONS had answered 410 Gone from: its held rows are sent now."""
    if not is_staff_member(actor):
        raise NotPermitted("Only the archive staff can re-enable an ONS endpoint.")
    row = OnsEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not row.is_disabled:
        raise InvalidTransition(f"{row} is not disabled.")
    disabled_at = row.disabled_at
    row.disabled_at = None
    row.save(update_fields=["disabled_at", "updated_at"])
    now = timezone.now()
    held = list(
        OnsNotification.objects.filter(endpoint=row, status=Status.PENDING).values_list("pk", flat=True)
    )
    OnsNotification.objects.filter(pk__in=held).update(next_attempt_at=now)
    audit_record(
        actor=actor,
        action=NotificationsAuditAction.ENDPOINT_ENABLED,
        target=row,
        data={"disabled_at": disabled_at.isoformat(), "held": len(held)},
    )
    ons_notifications_dispatch_on_commit(ids=held)
    return row
