"""Grants and change requests for the tests: an approved project with its grant 1 (written as the
panel's decision issues it), and change requests opened through the lead's service."""

from datetime import timedelta

from django.utils import timezone

from applications.grant_selectors import grant_in_force
from applications.grant_services import change_request_open
from applications.models import Grant
from tests.factories.accounts import ResearcherFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application


def live_grant(*, lead=None, deposits=None, access_end=None, **application_fields) -> Grant:
    """An approved project (consenting to the register) and its live grant 1; access ends in a year
    unless ``access_end`` says otherwise."""
    application = decided_application(
        lead=lead or ResearcherFactory(),
        deposits=deposits if deposits is not None else [AvailableDepositFactory()],
        access_end=access_end or timezone.localdate() + timedelta(days=365),
        **application_fields,
    )
    return grant_in_force(application=application)


def change_requested(grant: Grant, **changes):
    """The lead of ``grant``'s application opens a change request (a reason is given for them)."""
    changes.setdefault("reason", "The project needs it.")
    return change_request_open(application=grant.application, actor=grant.application.lead, **changes)
