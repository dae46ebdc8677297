"""Writes to the ONS notification outbox. (Placeholder interface: the notifications work replaces
the body; the signature is the contract the panel's decision services call.)"""


def ons_notifications_enqueue_for_decision(*, decision) -> list:
    """Write one OnsNotification row per configured channel for ``decision`` inside the caller's
    transaction, and dispatch delivery only on commit."""
    return []
