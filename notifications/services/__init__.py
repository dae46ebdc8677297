"""Every write to the ONS notification outbox, and its delivery, in three parts:

- ``recording``: an event (a decision, a revocation, the end of an access period) writes one
  ``OnsNotification`` row per configured channel in the transaction that records it, and the
  delivery task gets the row's id only through ``transaction.on_commit``;
- ``delivery``: claim a row with a short lease, send outside any transaction, record the attempt and
  what follows from the retry table (and staff's resend and re-enable);
- ``watch``: the sweep that beat runs every few seconds (lost dispatches, due backoffs, probes of a
  failing endpoint, the scheduler's heartbeat) and incidents (one email when ONS is not being told
  in time, one digest when that is over).
"""

from .delivery import (
    RETRYABLE_STATUS,
    UNKNOWN_OUTCOME_TEXT,
    AttemptResult,
    Claim,
    _NotConfigured,
    ons_attempt_outcome,
    ons_body,
    ons_endpoint_enable,
    ons_next_attempt,
    ons_notification_claim,
    ons_notification_deliver,
    ons_notification_record_attempt,
    ons_notification_resend,
    ons_notification_send,
    ons_retry_after_seconds,
    ons_retry_delay,
    ons_retry_window,
    ons_waiting_ids_release,
    ons_webhook_headers,
)
from .recording import (
    DECISION_EVENTS,
    ons_channels_configured,
    ons_endpoint_for,
    ons_notifications_dispatch_on_commit,
    ons_notifications_enqueue_for_access_end,
    ons_notifications_enqueue_for_decision,
    ons_notifications_enqueue_for_early_closure,
    ons_notifications_enqueue_for_grant_change,
    ons_notifications_enqueue_for_grant_suspension,
    ons_notifications_enqueue_for_revocation,
)
from .watch import (
    ons_endpoints_probe,
    ons_incident_join,
    ons_incidents_review,
    ons_notification_due_ids,
    ons_notification_due_soon,
    ons_notifications_sweep,
    ons_watch_without_scheduler,
)

__all__ = [
    "DECISION_EVENTS",
    "RETRYABLE_STATUS",
    "UNKNOWN_OUTCOME_TEXT",
    "AttemptResult",
    "Claim",
    "_NotConfigured",
    "ons_attempt_outcome",
    "ons_body",
    "ons_channels_configured",
    "ons_endpoint_enable",
    "ons_endpoint_for",
    "ons_endpoints_probe",
    "ons_incident_join",
    "ons_incidents_review",
    "ons_next_attempt",
    "ons_notification_claim",
    "ons_notification_deliver",
    "ons_notification_due_ids",
    "ons_notification_due_soon",
    "ons_notification_record_attempt",
    "ons_notification_resend",
    "ons_notification_send",
    "ons_notifications_dispatch_on_commit",
    "ons_notifications_enqueue_for_access_end",
    "ons_notifications_enqueue_for_decision",
    "ons_notifications_enqueue_for_early_closure",
    "ons_notifications_enqueue_for_grant_change",
    "ons_notifications_enqueue_for_grant_suspension",
    "ons_notifications_enqueue_for_revocation",
    "ons_notifications_sweep",
    "ons_retry_after_seconds",
    "ons_retry_delay",
    "ons_retry_window",
    "ons_waiting_ids_release",
    "ons_watch_without_scheduler",
    "ons_webhook_headers",
]
