"""What applications do when a lower app announces something (deposits/signals.py). Each receiver
calls one applications service and holds no logic of its own."""

from django.dispatch import receiver

from deposits.signals import deposit_conditions_changed

from . import grant_screening


@receiver(deposit_conditions_changed, dispatch_uid="applications.grants_rescreened")
def rescreen_grants_using_deposit(sender, *, deposit, cause, **kwargs):
    grant_screening.grants_rescreen_on_commit(deposit=deposit, cause=cause)
