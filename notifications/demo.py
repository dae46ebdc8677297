"""Demo: every decision the earlier loaders recorded has its ONS notifications. With no webhook
configured they go by email to the console or file backend, and the log shows them delivered."""

from panel.models import Decision

from .services import ons_notifications_enqueue_for_decision


def load(stdout) -> None:
    missing = Decision.objects.filter(ons_notifications__isnull=True).select_related("application")
    created = 0
    for decision in missing:
        created += len(ons_notifications_enqueue_for_decision(decision=decision))
    stdout.write(f"ONS notifications: {created} queued for decisions without one.")
