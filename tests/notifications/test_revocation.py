"""Revoking access tells the team, through the email outbox, in the same transaction."""

import pytest

from applications.models import ApplicationMember
from core.models import QueuedEmail
from notifications.services import application_revoke
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

pytestmark = pytest.mark.django_db


def test_revoking_access_emails_the_team_with_the_reason_and_a_link(settings, staff):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = OnsApplicationFactory()  # the lead, one accepted co-applicant, one still invited
    decision_record_for_test(application=application)
    application_revoke(application=application, actor=staff, reason="Outputs were released unchecked.")
    email = QueuedEmail.objects.get(topic="notifications/access_revoked")
    accepted = set(application.members.filter(status="accepted").values_list("email", flat=True))
    assert set(email.to) == accepted
    assert application.lead.email in email.to
    invited = ApplicationMember.objects.get(application=application, status="invited").email
    assert invited not in email.to
    assert application.reference in email.subject
    assert "Outputs were released unchecked." in email.body
    assert f"{settings.SITE_URL}/applications/{application.pk}/" in email.body
