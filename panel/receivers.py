"""What the panel does when a lower app announces something (accounts/signals.py,
applications/signals.py). Each receiver calls one panel service and holds no logic of its own."""

from django.dispatch import receiver

from accounts.enums import PANEL_ROLES, Role
from accounts.signals import user_invited
from applications.signals import application_submitted, application_withdrawn, change_request_submitted

from . import services


@receiver(user_invited, dispatch_uid="panel.membership_for_invited_member")
def membership_for_invited_member(sender, *, user, actor, **kwargs):
    """An invited panel member or chair is on the panel from the start: told of new reviews,
    reminded to vote and listed on the panel's membership page."""
    if user.role in PANEL_ROLES:
        services.panel_member_add(actor=actor, user=user, is_chair=user.role == Role.PANEL_CHAIR)


# The screening receiver is connected first, so the staff alert below sees the automatic rejection.
@receiver(application_submitted, dispatch_uid="panel.use_conditions_screened")
def screen_use_conditions(sender, *, application, **kwargs):
    services.application_screen_use_conditions(application=application)


@receiver(application_submitted, dispatch_uid="panel.staff_told_of_submission")
def tell_staff_of_submission(sender, *, application, version, **kwargs):
    services.submission_staff_alert(application=application, version=version)


@receiver(application_withdrawn, dispatch_uid="panel.reviewers_told_of_withdrawal")
def tell_reviewers_of_withdrawal(sender, *, application, previous_status, **kwargs):
    services.withdrawal_reviewers_notify(application=application, previous_status=previous_status)


# The screening receiver is connected first, so a refused change request is never routed.
@receiver(change_request_submitted, dispatch_uid="panel.change_request_screened")
def screen_change_request(sender, *, change_request, **kwargs):
    services.change_request_screen_use_conditions(change_request=change_request)


@receiver(change_request_submitted, dispatch_uid="panel.change_request_routed")
def route_change_request(sender, *, change_request, **kwargs):
    services.change_request_route_assign(change_request=change_request)
