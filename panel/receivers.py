"""What the panel does when a lower app announces something. Receivers hold no logic: each calls one
of the panel's services."""

from django.dispatch import receiver

from accounts.enums import PANEL_ROLES, Role
from accounts.signals import user_invited

from . import services


@receiver(user_invited, dispatch_uid="panel.membership_for_invited_member")
def membership_for_invited_member(sender, *, user, actor, **kwargs):
    """An invited panel member or chair is on the panel from the start: told of new reviews,
    reminded to vote and listed on the panel's membership page."""
    if user.role in PANEL_ROLES:
        services.panel_member_add(actor=actor, user=user, is_chair=user.role == Role.PANEL_CHAIR)
