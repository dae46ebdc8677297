"""Recording events: one OnsNotification row per configured channel, in the transaction of the event
(a decision, a revocation, the end of an access period, an approved change to a grant, an early
closure), dispatched only once it commits. The body
is built by notifications.contract and fixed here; every attempt sends it as stored."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from applications.grant_selectors import grant_in_force
from applications.models import Application, Grant
from core.errors import DomainError
from core.services import audit_record

from .. import contract
from ..enums import ONCE_PER_GRANT, NotificationsAuditAction, OnsChannel, OnsEventType
from ..models import OnsEndpoint, OnsNotification

#: Decision outcomes (panel.enums.DecisionOutcome values) and the event ONS is sent for each.
DECISION_EVENTS = {
    "approved": OnsEventType.APPROVED,
    "approved_with_conditions": OnsEventType.APPROVED,
    "rejected": OnsEventType.REJECTED,
}


def ons_channels_configured() -> list[tuple[str, str]]:
    """The channels ONS is told on, each with its target, from settings."""
    channels = []
    if settings.ONS_WEBHOOK_URL:
        channels.append((OnsChannel.WEBHOOK, settings.ONS_WEBHOOK_URL))
    if settings.ONS_NOTIFY_EMAIL:
        channels.append((OnsChannel.EMAIL, settings.ONS_NOTIFY_EMAIL))
    return channels


def ons_endpoint_for(*, channel: str, target: str) -> OnsEndpoint:
    """The endpoint row of a channel's target, created the first time it is used."""
    endpoint, _ = OnsEndpoint.objects.get_or_create(channel=channel, target=target)
    return endpoint


def _endpoints_for(channels: list[tuple[str, str]]) -> list[OnsEndpoint]:
    """``ons_endpoint_for`` each (channel, target), read in one query (created when missing)."""
    wanted = Q()
    for channel, target in channels:
        wanted |= Q(channel=channel, target=target)
    found = {(e.channel, e.target): e for e in OnsEndpoint.objects.filter(wanted)}
    return [
        found.get((channel, target)) or ons_endpoint_for(channel=channel, target=target)
        for channel, target in channels
    ]


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
    grant=None,
    datasets: list[dict] | None = None,
    supersedes_grant_reference: str = "",
    previous_access_end=None,
    reasons: list[str] | None = None,
    application_locked: bool = False,
) -> list[OnsNotification]:
    """One row per channel for one event of ``application``, in the caller's transaction. The
    datasets are ``datasets`` (a grant's frozen entries) when given, else the application's
    deposits; the grant named is ``grant``, else the application's grant in force.
    ``application_locked``: ``application`` is the instance the caller locked in this transaction
    (so it is neither locked nor read again)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ONS notifications are recorded inside the transaction of their event.")
    channels = ons_channels_configured()
    if not channels:
        raise DomainError(
            "ONS cannot be told: no notification channel is configured (set ONS_WEBHOOK_URL and "
            "ONS_WEBHOOK_SECRET, or ONS_NOTIFY_EMAIL). Nothing was recorded."
        )
    # Every event of an application locks it first, so sequence numbers never collide.
    if application_locked:
        app = application
    else:
        app = Application.objects.select_for_update().get(pk=application.pk)
    sequence = (app.ons_notifications.aggregate(last=Max("sequence"))["last"] or 0) + 1
    if event_type == OnsEventType.REJECTED:
        named, datasets = None, []  # a rejection names no grant and no datasets
    else:
        named = grant if grant is not None else grant_in_force(application=app)
        if datasets is not None:
            datasets = contract.datasets_clean(datasets)
        else:
            datasets = contract.dataset_entries(app.deposits.prefetch_related("srs_datasets"))
    payload = contract.payload_build(
        event_type=event_type,
        sequence=sequence,
        occurred_at=occurred_at,
        application_reference=app.reference,
        ons_project_reference=app.ons_project_reference,
        project_title=app.title,
        team=team,
        datasets=datasets,
        outcome=outcome,
        conditions=conditions,
        access_start=access_start,
        access_end=access_end,
        grant_reference=named.reference if named is not None else "",
        supersedes_grant_reference=supersedes_grant_reference,
        previous_access_end=previous_access_end,
        reasons=reasons,
    )
    now = timezone.now()
    notifications = OnsNotification.objects.bulk_create(
        [
            OnsNotification(
                application=app,
                decision=decision,
                revocation=revocation,
                grant=grant if event_type in ONCE_PER_GRANT else None,
                event_type=event_type,
                channel=channel,
                sequence=sequence,
                target=target,
                endpoint=endpoint,
                payload=payload,
                next_attempt_at=now,
            )
            for (channel, target), endpoint in zip(channels, _endpoints_for(channels), strict=True)
        ]
    )
    audit_record(
        actor=None,
        action=NotificationsAuditAction.QUEUED,
        target=app,
        data={"event": event_type, "sequence": sequence, "notifications": [n.pk for n in notifications]},
    )
    ons_notifications_dispatch_on_commit(ids=[n.pk for n in notifications])
    return notifications


def ons_notifications_dispatch_on_commit(*, ids: list[int]) -> None:
    """Hand the ids to the delivery task once the transaction commits. A broker error then is
    logged, not raised: the rows stay pending and the sweep sends them."""
    from ..tasks import ons_notification_deliver_task  # inline: tasks imports this package

    def dispatch():
        for notification_id in ids:
            ons_notification_deliver_task.delay(notification_id)

    transaction.on_commit(dispatch, robust=True)


def ons_notifications_enqueue_for_decision(
    *, decision, grant: Grant | None = None, application_locked: bool = False
) -> list[OnsNotification]:
    """Write one OnsNotification row per configured channel for ``decision`` inside the caller's
    transaction, and dispatch delivery only on commit. ``grant``: the grant 1 an approval issued in
    this transaction (named, and its frozen datasets sent: the application's deposits, as read a
    moment ago), when the caller has it; ``application_locked``: see ``_enqueue``."""
    event_type = DECISION_EVENTS[decision.outcome]
    approved = event_type == OnsEventType.APPROVED
    return _enqueue(
        application=decision.application,
        team=decision.team,
        event_type=event_type,
        outcome=decision.outcome,
        occurred_at=decision.decided_at,
        conditions=decision.conditions if approved else "",
        access_start=decision.access_start if approved else None,
        access_end=decision.access_end if approved else None,
        decision=decision,
        grant=grant if approved else None,
        datasets=grant.datasets if approved and grant is not None else None,
        application_locked=application_locked,
    )


def _enqueue_access_end(
    *, application: Application, event_type: str, outcome: str, occurred_at, access_end=None, revocation=None
) -> list[OnsNotification]:
    """An event that ends access (expired, revoked, closed early). Who held access, to which
    datasets and from when, as ONS was last told: the grant in force (after any amendment or
    extension), else the decision's (a project approved before grants existed). ``access_end`` is
    the day access ends; by default the period's own end (today if it has none)."""
    grant = grant_in_force(application=application)
    held = grant if grant is not None else getattr(application, "decision", None)
    return _enqueue(
        application=application,
        team=held.team if held is not None else [],
        event_type=event_type,
        outcome=outcome,
        occurred_at=occurred_at,
        access_start=held.access_start if held is not None else None,
        access_end=access_end or (held.access_end if held is not None else None) or timezone.localdate(),
        revocation=revocation,
        grant=grant,
        datasets=grant.datasets if grant is not None else None,
    )


def ons_notifications_enqueue_for_access_end(*, application: Application) -> list[OnsNotification]:
    """Tell ONS that an approved application's access period has ended (``access.expired``). The
    caller moves the application to *access ended* in the same transaction."""
    return _enqueue_access_end(
        application=application,
        event_type=OnsEventType.EXPIRED,
        outcome="expired",
        occurred_at=timezone.now(),
    )


def ons_notifications_enqueue_for_revocation(*, revocation) -> list[OnsNotification]:
    """Tell ONS that an approved application's access was revoked (``access.revoked``), in the
    panel's revocation transaction (notifications/receivers.py)."""
    return _enqueue_access_end(
        application=revocation.application,
        event_type=OnsEventType.REVOKED,
        outcome="revoked",
        occurred_at=revocation.revoked_at,
        access_end=timezone.localdate(),
        revocation=revocation,
    )


def ons_notifications_enqueue_for_grant_change(
    *, grant: Grant, previous: Grant, kind: str, reasons: list[str] | None = None
) -> list[OnsNotification]:
    """Tell ONS that ``grant`` superseded ``previous`` (notifications/receivers.py, in the issuing
    transaction): ``access.extended`` when an approved change request only moved the access end
    (``kind`` "extended"), ``access.resumed`` when staff lifted a suspension (``kind`` "resumed"),
    else ``access.amended`` with who and which datasets now (an approved change request, or the
    archive's own change with its ``reasons``). Every one comes from the new grant as it was frozen,
    never from the live profiles."""
    extended = kind == "extended"
    event_type = {"extended": OnsEventType.EXTENDED, "resumed": OnsEventType.RESUMED}.get(
        kind, OnsEventType.AMENDED
    )
    return _enqueue(
        application=grant.application,
        team=grant.team,
        event_type=event_type,
        outcome=event_type.removeprefix("access."),
        occurred_at=grant.created_at,
        conditions=grant.conditions,
        access_start=grant.access_start,
        access_end=grant.access_end,
        grant=grant,
        datasets=grant.datasets,
        supersedes_grant_reference=previous.reference,
        previous_access_end=previous.access_end if extended else None,
        reasons=reasons,
    )


def ons_notifications_enqueue_for_early_closure(
    *, application: Application, closed_at: datetime
) -> list[OnsNotification]:
    """Tell ONS that the lead closed a live project before its access period ended
    (``access.closed``), in the closing transaction."""
    return _enqueue_access_end(
        application=application,
        event_type=OnsEventType.CLOSED,
        outcome="closed",
        occurred_at=closed_at,
        access_end=timezone.localtime(closed_at).date(),
    )


def ons_notifications_enqueue_for_grant_suspension(
    *, grant: Grant, reasons: list[str]
) -> list[OnsNotification]:
    """Tell ONS that the re-screen suspended ``grant`` (``access.suspended``, with why), in the
    suspending transaction (notifications/receivers.py): once per grant."""
    return _enqueue(
        application=grant.application,
        team=grant.team,
        event_type=OnsEventType.SUSPENDED,
        outcome="suspended",
        occurred_at=grant.status_changed_at,
        access_start=grant.access_start,
        access_end=grant.access_end,
        grant=grant,
        datasets=grant.datasets,
        reasons=reasons,
    )
