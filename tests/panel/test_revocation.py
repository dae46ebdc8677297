"""Revoking access (the panel's, beside the decision it ends) tells the team, through the email
outbox, and announces ``access_revoked`` for the notifications app, in the same transaction."""

import pytest
from django.db import transaction

from applications.enums import ApplicationStatus
from applications.models import Application, ApplicationMember
from core.models import QueuedEmail
from notifications.models import OnsNotification
from panel.models import Revocation
from panel.services import application_revoke
from panel.signals import access_revoked
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


def test_revoking_access_announces_it_inside_the_transaction_after_the_row_and_status(settings, staff):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    calls = []

    def listener(sender, *, revocation, **kwargs):
        app = Application.objects.get(pk=revocation.application_id)
        stored = Revocation.objects.filter(pk=revocation.pk).exists()
        calls.append((revocation.pk, stored, app.status, transaction.get_connection().in_atomic_block))

    access_revoked.connect(listener, dispatch_uid="test.access_revoked")
    try:
        revocation = application_revoke(application=application, actor=staff, reason="Terms breached.")
    finally:
        access_revoked.disconnect(dispatch_uid="test.access_revoked")
    assert calls == [(revocation.pk, True, ApplicationStatus.REVOKED, True)]
    assert Revocation._meta.db_table == "notifications_revocation"  # moved without moving a row


def test_a_rolled_back_revocation_leaves_no_ons_notification(settings, staff):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    before = OnsNotification.objects.count()

    def revoke_then_fail():
        with transaction.atomic():
            application_revoke(application=application, actor=staff, reason="Terms breached.")
            raise RuntimeError("the caller's transaction failed after the revocation")

    with pytest.raises(RuntimeError):
        revoke_then_fail()
    assert not Revocation.objects.exists()
    assert OnsNotification.objects.count() == before
