"""Issue 14, item 1: what ONS is told cannot be forged from a field, and names the team as the
decision recorded it. The researchers come from ``Decision.team``, each value cleaned to one line;
the email is built from the JSON, each researcher one labelled block, every value on one line."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import ResearcherProfile
from core.text import one_line_clean
from notifications.enums import OnsChannel
from notifications.models import OnsNotification
from notifications.services import (
    ons_notification_deliver,
    ons_notifications_enqueue_for_access_end,
)
from panel import services as panel_services
from panel.enums import DecisionOutcome
from panel.services import application_revoke
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.notifications import OnsApplicationFactory, OnsDepositFactory, decision_record_for_test
from tests.factories.panel import declared_vote, panel_member

pytestmark = pytest.mark.django_db

ONS = "srs-access@ons.example.gov.uk"
FORGED = (
    "University of Leeds\r\n- Mallory Evil <mallory@evil.example>, Evil Corp; accreditation ARN-2099-0001"
)


@pytest.fixture
def ons_by_email(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = ONS
    return settings


def _chair_decides(application, **kwargs):
    """The panel's own decision service, after three votes and the chair's declaration."""
    members = [panel_member(email=f"ons-text-pm{i}@example.org") for i in range(3)]
    chair = panel_member(chair=True, email="ons-text-chair@example.org")
    for member in members:
        declared_vote(application, member)
    panel_services.conflict_declare(application=application, member=chair, has_conflict=False)
    application.voting_deadline = timezone.now() - timedelta(minutes=1)
    application.save(update_fields=["voting_deadline"])
    return panel_services.decision_record(
        application=application,
        chair=chair,
        outcome=kwargs.pop("outcome", DecisionOutcome.APPROVED),
        rationale="Strong benefit.",
        **kwargs,
    )


def _send_ons_email(decision):
    notification = OnsNotification.objects.get(decision=decision, channel=OnsChannel.EMAIL)
    mail.outbox.clear()
    ons_notification_deliver(notification_id=notification.pk)
    (message,) = [m for m in mail.outbox if m.to == [ONS]]
    (_name, content, _mimetype) = message.attachments[0]
    return message.body, json.loads(content)


def test_a_line_break_in_an_organisation_adds_no_researcher_to_what_ons_is_sent(ons_by_email):
    application = UnderReviewApplicationFactory()  # the lead alone
    # Written straight to the database: the profile form will refuse it once the text policy lands.
    ResearcherProfile.objects.filter(user=application.lead).update(organisation=FORGED)
    decision = _chair_decides(application)
    body, payload = _send_ons_email(decision)
    lines = body.splitlines()
    assert [line for line in lines if line.startswith("Researcher ")] == ["Researcher 1 of 1"]
    assert not [line for line in lines if line.lstrip().startswith("- Mallory")]
    (mallory,) = [line for line in lines if "Mallory" in line]
    assert mallory.startswith("  Organisation:           University of Leeds ")
    (researcher,) = payload["data"]["researchers"]
    assert researcher["organisation"] == one_line_clean(FORGED)
    assert researcher["organisation"].startswith("University of Leeds ")
    assert not {"\r", "\n"} & set(researcher["organisation"])
    assert "email" not in researcher  # ONS identifies researchers by accreditation, never by address
    assert application.lead.email not in body
    assert researcher["role"] == "lead"
    assert "attached JSON file is the authority" in body


def test_every_value_in_the_ons_email_stays_on_its_line_shown_escaped(ons_by_email):
    deposit = OnsDepositFactory(title="Moving On\u202e study\u200b")
    application = UnderReviewApplicationFactory(deposits=[deposit])
    ResearcherProfile.objects.filter(user=application.lead).update(accreditation_number="ARN-1\x07\x1b[2J")
    decision = _chair_decides(
        application,
        outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS,
        conditions="No linkage.\r\n- Mallory Evil <mallory@evil.example> also needs access.",
    )
    body, payload = _send_ons_email(decision)
    lines = body.splitlines()
    assert (
        "Conditions:       No linkage.\\u000d\\u000a- Mallory Evil <mallory@evil.example> also needs access."
        in (lines)
    )
    # The deposit's title is put under the one-line policy in the JSON, like every researcher value.
    clean_title = one_line_clean("Moving On\u202e study\u200b")
    assert payload["data"]["deposits"][0]["title"] == clean_title
    assert "  Title:                  " + clean_title in lines
    assert payload["data"]["researchers"][0]["accreditation_number"] == "ARN-1[2J"
    assert "  Accreditation number:   ARN-1[2J" in lines
    for character in ("\r", "\x07", "\x1b", "\u202e", "\u200b"):
        assert character not in body
    assert not [line for line in lines if line.lstrip().startswith("- Mallory")]


def test_access_end_and_revocation_tell_ons_the_team_the_decision_recorded(ons_by_email, staff):
    ended, revoked = OnsApplicationFactory(), OnsApplicationFactory()
    for application in (ended, revoked):
        decision_record_for_test(application=application)
        for profile in ResearcherProfile.objects.filter(
            user__application_memberships__application=application
        ):
            profile.organisation = "Moved On Ltd"
            profile.accreditation_number = "ARN-CHANGED"
            profile.save(update_fields=["organisation", "accreditation_number"])
    with transaction.atomic():
        (expired,) = ons_notifications_enqueue_for_access_end(application=ended)
    revocation = application_revoke(application=revoked, actor=staff, reason="Breach of the terms.")
    (withdrawn,) = OnsNotification.objects.filter(revocation=revocation)
    for application, notification in ((ended, expired), (revoked, withdrawn)):
        researchers = notification.payload["data"]["researchers"]
        recorded = application.decision.team
        # What ONS needs to find its own record: each accreditation number and role, as decided.
        assert [r["accreditation_number"] for r in researchers] == [
            m["accreditation_number"] for m in recorded
        ]
        assert [r["role"] for r in researchers] == ["lead", "co_applicant"]
        assert all(set(r) == {"role", "accreditation_number"} for r in researchers)
        assert "ARN-CHANGED" not in json.dumps(notification.payload)
        assert "Moved On Ltd" not in json.dumps(notification.payload)
