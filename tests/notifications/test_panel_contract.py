"""The contract with the panel: its real decision service writes the ONS outbox rows inside its own
transaction, with the decision's facts, and dispatches only on commit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.enums import OnsChannel, OnsNotificationStatus
from notifications.models import OnsNotification
from panel import services as panel_services
from panel.enums import DecisionOutcome
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.panel import declared_vote, panel_member

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def test_the_panels_decision_record_writes_the_ons_rows_and_dispatches_on_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.ONS_WEBHOOK_URL = "http://127.0.0.1:9/ons"
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    members = [panel_member(email=f"ons-pm{i}@example.org") for i in range(3)]
    chair = panel_member(chair=True, email="ons-chair@example.org")
    application = UnderReviewApplicationFactory()
    for member in members:
        declared_vote(application, member)
    panel_services.conflict_declare(application=application, member=chair, has_conflict=False)
    application.voting_deadline = timezone.now() - timedelta(minutes=1)
    application.save(update_fields=["voting_deadline"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = panel_services.decision_record(
            application=application,
            chair=chair,
            outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS,
            rationale="Strong benefit.",
            conditions="Outputs checked twice.",
        )
    rows = OnsNotification.objects.filter(decision=decision)
    assert sorted(rows.values_list("channel", flat=True)) == [OnsChannel.EMAIL, OnsChannel.WEBHOOK]
    assert set(rows.values_list("status", flat=True)) == {OnsNotificationStatus.PENDING}
    data = rows.first().payload["data"]
    assert data["outcome"] == "approved_with_conditions"
    assert data["conditions"] == "Outputs checked twice."
    assert data["access_end"] == decision.access_end.isoformat()
    assert data["researchers"][0]["email"] == application.lead.email
    assert len(callbacks) >= 1  # the delivery dispatch is among the decision's on-commit work
