"""What the notifications app does when a lower app announces something (panel/signals.py,
applications/signals.py). Each receiver calls one notifications service and holds no logic of its
own beyond choosing whether the event is one ONS is told of."""

from django.dispatch import receiver

from applications.signals import access_closed, grant_amended, grant_resumed, grant_suspended
from panel.signals import access_revoked, decision_recorded, grant_changed

from . import services


@receiver(decision_recorded, dispatch_uid="notifications.ons_told_of_decision")
def tell_ons_of_decision(sender, *, decision, grant=None, **kwargs):
    # Sent by panel.services.decisions with the application's row locked (``decision.application``
    # is the locked instance) and, for an approval, the grant 1 it issued.
    services.ons_notifications_enqueue_for_decision(decision=decision, grant=grant, application_locked=True)


@receiver(access_revoked, dispatch_uid="notifications.ons_told_of_revocation")
def tell_ons_of_revocation(sender, *, revocation, **kwargs):
    services.ons_notifications_enqueue_for_revocation(revocation=revocation)


@receiver(grant_changed, dispatch_uid="notifications.ons_told_of_grant_change")
def tell_ons_of_grant_change(sender, *, grant, previous, kind, **kwargs):
    services.ons_notifications_enqueue_for_grant_change(grant=grant, previous=previous, kind=kind)


@receiver(access_closed, dispatch_uid="notifications.ons_told_of_early_closure")
def tell_ons_of_early_closure(sender, *, application, closed_at, early, **kwargs):
    # The end of an access period is told as access.expired by transparency.services.access_period_end.
    if early:
        services.ons_notifications_enqueue_for_early_closure(application=application, closed_at=closed_at)


@receiver(grant_suspended, dispatch_uid="notifications.ons_told_of_grant_suspension")
def tell_ons_of_grant_suspension(sender, *, grant, reasons, **kwargs):
    services.ons_notifications_enqueue_for_grant_suspension(grant=grant, reasons=reasons)


@receiver(grant_amended, dispatch_uid="notifications.ons_told_of_archive_amendment")
def tell_ons_of_archive_amendment(sender, *, grant, previous, reasons, **kwargs):
    services.ons_notifications_enqueue_for_grant_change(
        grant=grant, previous=previous, kind="amended", reasons=reasons
    )


@receiver(grant_resumed, dispatch_uid="notifications.ons_told_of_resumption")
def tell_ons_of_resumption(sender, *, grant, previous, reasons, **kwargs):
    services.ons_notifications_enqueue_for_grant_change(
        grant=grant, previous=previous, kind="resumed", reasons=reasons
    )
