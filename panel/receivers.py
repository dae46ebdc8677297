"""What the panel does when applications announce something (applications/signals.py). Each receiver
calls one panel service and holds no logic of its own."""

from django.dispatch import receiver

from applications.signals import application_submitted, application_withdrawn

from . import services


@receiver(application_submitted, dispatch_uid="panel.staff_told_of_submission")
def tell_staff_of_submission(sender, *, application, version, **kwargs):
    services.submission_staff_alert(application=application, version=version)


@receiver(application_withdrawn, dispatch_uid="panel.reviewers_told_of_withdrawal")
def tell_reviewers_of_withdrawal(sender, *, application, previous_status, **kwargs):
    services.withdrawal_reviewers_notify(application=application, previous_status=previous_status)
