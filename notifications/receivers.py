"""What the notifications app does when a lower app announces something (panel/signals.py). Each
receiver calls one notifications service and holds no logic of its own."""

from django.dispatch import receiver

from panel.signals import access_revoked, decision_recorded

from . import services


@receiver(decision_recorded, dispatch_uid="notifications.ons_told_of_decision")
def tell_ons_of_decision(sender, *, decision, **kwargs):
    services.ons_notifications_enqueue_for_decision(decision=decision)


@receiver(access_revoked, dispatch_uid="notifications.ons_told_of_revocation")
def tell_ons_of_revocation(sender, *, revocation, **kwargs):
    services.ons_notifications_enqueue_for_revocation(revocation=revocation)
