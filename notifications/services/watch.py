"""Watching delivery: the sweep that celery beat (or ``manage.py run_periodic_tasks``) runs every few
seconds, the scheduler's heartbeat, and incidents.

The sweep, each run:

1. writes the ``scheduler`` heartbeat (/healthz says ``stale`` when it is older than
   ONS_SCHEDULER_STALE_SECONDS);
2. dispatches what a lost dispatch or a dead worker left behind (due past the grace period, or
   sending with an expired lease), and, with a countdown, every row whose long backoff falls due
   before the next sweep (a short one has its own countdown already): a row goes when it is due,
   not at the next minute;
3. probes each failing endpoint: every ONS_PROBE_SECONDS it brings its soonest waiting row forward,
   so the first success after an outage (which releases every waiting row, delivery.py) comes
   seconds after ONS is back rather than at the end of a backoff;
4. opens an incident when a row has waited longer than ONS_DELAY_ALERT_SECONDS, and closes the
   open one once everything has been delivered in time for ONS_INCIDENT_QUIET_SECONDS.

An incident emails staff once when it opens and once, with a digest, when it closes. A notification
that fails meanwhile, or an endpoint disabled by a 410, joins it without an email of its own.
/healthz also looks (``ons_watch_without_scheduler``), so a stopped scheduler still raises one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from core.links import absolute_url
from core.services import audit_record, email_queue, heartbeat_record

from ..enums import NotificationsAuditAction, OnsNotificationStatus
from ..models import OnsEndpoint, OnsIncident, OnsNotification
from ..selectors import (
    SCHEDULER_HEARTBEAT,
    DeliveryHealth,
    SchedulerState,
    ons_delivery_health,
    scheduler_state,
)

logger = logging.getLogger(__name__)

Status = OnsNotificationStatus


# --- The sweep -----------------------------------------------------------------------------------


def ons_notification_due_ids(*, limit: int = 500) -> list[int]:
    """Rows a lost dispatch or a dead worker left behind: pending and due (after a grace period for
    their own dispatch), or sending with an expired lease. Disabled endpoints' rows are held."""
    now = timezone.now()
    grace = timedelta(seconds=settings.ONS_SWEEP_GRACE_SECONDS)
    return list(
        OnsNotification.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now - grace)
            | Q(status=Status.SENDING, lease_until__lte=now)
        )
        .exclude(endpoint__disabled_at__isnull=False)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def ons_notification_due_soon(*, now: datetime, limit: int = 500) -> list[tuple[int, datetime]]:
    """Rows whose backoff was too long for a countdown of its own and that fall due before the next
    sweep (or fell due within the grace period), with when."""
    horizon = now + timedelta(seconds=settings.ONS_SWEEP_SECONDS + 1)
    grace = timedelta(seconds=settings.ONS_SWEEP_GRACE_SECONDS)
    own_countdown = timedelta(seconds=settings.ONS_COUNTDOWN_MAX_SECONDS)
    return list(
        OnsNotification.objects.filter(
            status=Status.PENDING,
            next_attempt_at__gt=now - grace,
            next_attempt_at__lte=horizon,
        )
        .filter(next_attempt_at__gt=F("updated_at") + own_countdown)
        .exclude(endpoint__disabled_at__isnull=False)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:limit]
    )


def ons_endpoints_probe(*, now: datetime) -> list[int]:
    """For each endpoint that failed more than ONS_PROBE_SECONDS ago and has rows waiting out a
    backoff (and none due or being sent), bring the soonest forward: the probe. Returns their ids."""
    quiet_since = now - timedelta(seconds=settings.ONS_PROBE_SECONDS)
    endpoints = (
        OnsEndpoint.objects.filter(disabled_at__isnull=True, last_failure_at__lte=quiet_since)
        .annotate(
            waiting=Count("notifications", filter=Q(notifications__status=Status.PENDING)),
            busy=Count(
                "notifications",
                filter=Q(notifications__status=Status.SENDING)
                | Q(notifications__status=Status.PENDING, notifications__next_attempt_at__lte=now),
            ),
        )
        .filter(waiting__gt=0, busy=0)
    )
    probed = []
    for endpoint in endpoints:
        notification_id = (
            OnsNotification.objects.filter(endpoint=endpoint, status=Status.PENDING)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if notification_id is None:
            continue
        updated = OnsNotification.objects.filter(
            pk=notification_id, status=Status.PENDING, next_attempt_at__gt=now
        ).update(next_attempt_at=now)
        if updated:
            probed.append(notification_id)
    return probed


def ons_notifications_sweep() -> dict[str, list[int]]:
    """One run of the sweep (see the module's docstring). Returns what it dispatched."""
    from ..tasks import ons_notification_deliver_task  # inline: tasks imports this package

    now = timezone.now()
    heartbeat_record(name=SCHEDULER_HEARTBEAT, at=now)
    due = ons_notification_due_ids()
    for notification_id in due:
        ons_notification_deliver_task.delay(notification_id)
    soon = ons_notification_due_soon(now=now)
    for notification_id, when in soon:
        countdown = max(0.0, (when - timezone.now()).total_seconds())
        ons_notification_deliver_task.apply_async((notification_id,), countdown=countdown)
    probed = ons_endpoints_probe(now=now)
    for notification_id in probed:
        ons_notification_deliver_task.delay(notification_id)
    ons_incidents_review(now=now)
    return {"due": due, "soon": [pk for pk, _ in soon], "probed": probed}


# --- Incidents -----------------------------------------------------------------------------------


def _incident_open_locked() -> OnsIncident | None:
    return OnsIncident.objects.select_for_update().filter(closed_at__isnull=True).first()


def _incident_email(incident: OnsIncident, *, template: str, context: dict) -> None:
    email_queue(
        to=[settings.STAFF_ALERT_EMAIL],
        template=template,
        context={
            "incident": incident,
            "log_url": absolute_url("notifications:log"),
            **context,
        },
    )


@transaction.atomic
def ons_incident_join(*, notification: OnsNotification | None, because: str) -> OnsIncident:
    """Join the open incident, or open one (and email staff once): a notification that failed, a
    disabled endpoint, a row waiting too long, or a stopped scheduler."""
    incident = _incident_open_locked()
    if incident is None:
        try:
            with transaction.atomic():
                incident = OnsIncident.objects.create(opened_because=because[:2000])
        except IntegrityError:  # another process opened it a moment ago: join that one
            incident = _incident_open_locked()
        else:
            audit_record(
                actor=None,
                action=NotificationsAuditAction.INCIDENT_OPENED,
                target=incident,
                data={"because": because[:500]},
            )
            _incident_email(
                incident,
                template="notifications/ons_incident_opened",
                context={"because": because, "health": ons_delivery_health(), "notification": notification},
            )
    if notification is not None:
        OnsNotification.objects.filter(pk=notification.pk).update(incident=incident)
    return incident


def ons_incidents_review(*, now: datetime | None = None) -> OnsIncident | None:
    """Open an incident when rows have waited too long; close the open one (with one digest email)
    once delivery has been healthy for ONS_INCIDENT_QUIET_SECONDS. Returns the open incident."""
    now = now or timezone.now()
    health = ons_delivery_health(now=now)
    if health.waiting_long:
        return ons_incident_join(
            notification=None,
            because=(
                f"{health.waiting_long} notification(s) to ONS have waited longer than "
                f"{settings.ONS_DELAY_ALERT_SECONDS // 60:.0f} minutes."
            ),
        )
    if not health.healthy:
        return OnsIncident.objects.filter(closed_at__isnull=True).first()
    return _incident_close_if_quiet(now=now, health=health)


@transaction.atomic
def _incident_close_if_quiet(*, now: datetime, health: DeliveryHealth) -> OnsIncident | None:
    incident = _incident_open_locked()
    if incident is None:
        return None
    quiet = timedelta(seconds=settings.ONS_INCIDENT_QUIET_SECONDS)
    last_failure = incident.failed_notifications.aggregate(last=Max("failed_at"))["last"]
    latest = max(filter(None, [incident.opened_at, last_failure]))
    if now - latest < quiet:
        return incident
    delivered = OnsNotification.objects.filter(
        delivered_at__gte=incident.opened_at, created_at__lte=now
    ).count()
    failed = list(incident.failed_notifications.select_related("application").order_by("pk"))
    incident.closed_at = now
    incident.summary = {
        "delivered_meanwhile": delivered,
        "failed": [n.pk for n in failed],
        "still_failed": health.failed,
    }
    incident.save(update_fields=["closed_at", "summary"])
    audit_record(
        actor=None, action=NotificationsAuditAction.INCIDENT_CLOSED, target=incident, data=incident.summary
    )
    _incident_email(
        incident,
        template="notifications/ons_incident_closed",
        context={
            "delivered": delivered,
            "failed": [(n, absolute_url("notifications:detail", pk=n.pk)) for n in failed],
            "still_failed": health.failed,
        },
    )
    return None


# --- The scheduler, seen from outside it -----------------------------------------------------------


def ons_watch_without_scheduler(*, now: datetime | None = None) -> SchedulerState:
    """What /healthz does besides answering: if the scheduler is stale, raise the incident (one
    email) the sweep cannot raise itself. Returns the scheduler's state, as read."""
    now = now or timezone.now()
    state = scheduler_state(now=now)
    if not state.stale:
        return state
    last = state.last_run
    since = f"since {timezone.localtime(last):%d %B %Y %H:%M:%S}" if last else "since it was installed"
    health = ons_delivery_health(now=now)
    because = (
        f"The scheduler (celery beat) has not run {since}: notifications to ONS and emails that wait "
        "for a retry are not being sent."
    )
    if health.waiting_long:
        because += (
            f" {health.waiting_long} notification(s) to ONS have waited longer than "
            f"{settings.ONS_DELAY_ALERT_SECONDS // 60:.0f} minutes."
        )
    ons_incident_join(notification=None, because=because)
    return state
