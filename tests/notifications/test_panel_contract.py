"""The contract with the panel: its real decision services announce ``panel.signals.decision_recorded``
inside their own transaction, and the notifications receiver writes the ONS outbox rows there, with
the decision's facts, dispatching only on commit. A rolled-back decision leaves no row; a committed
one always has them."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from applications.enums import ApplicationStatus
from applications.services import application_submit
from core.errors import DomainError
from deposits.models import SensitiveUse
from notifications.enums import OnsChannel, OnsNotificationStatus
from notifications.models import OnsNotification
from panel import services as panel_services
from panel.enums import DecisionOutcome
from panel.models import Decision
from tests.factories.applications import (
    ApplicationFactory,
    UnderReviewApplicationFactory,
    complete_application,
)
from tests.factories.deposits import AvailableDepositFactory
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
    assert data["researchers"][0]["name"] == application.lead.full_name
    assert data["researchers"][0]["role"] == "lead"
    assert len(callbacks) >= 1  # the delivery dispatch is among the decision's on-commit work


def _ons_channels(settings):
    settings.ONS_WEBHOOK_URL = "http://127.0.0.1:9/ons"
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"


def _ready_to_decide():
    members = [panel_member() for _ in range(3)]
    chair = panel_member(chair=True)
    application = UnderReviewApplicationFactory()
    for member in members:
        declared_vote(application, member)
    panel_services.conflict_declare(application=application, member=chair, has_conflict=False)
    application.voting_deadline = timezone.now() - timedelta(minutes=1)
    application.save(update_fields=["voting_deadline"])
    return application, chair


def _decide(application, chair):
    return panel_services.decision_record(
        application=application, chair=chair, outcome=DecisionOutcome.APPROVED, rationale="Strong benefit."
    )


def test_a_rolled_back_panel_decision_leaves_no_notification(settings, django_capture_on_commit_callbacks):
    _ons_channels(settings)
    application, chair = _ready_to_decide()

    def decide_then_fail():
        with transaction.atomic():
            _decide(application, chair)
            raise RuntimeError("the caller's transaction failed after the decision")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        decide_then_fail()
    assert not Decision.objects.exists()
    assert not OnsNotification.objects.exists()
    assert callbacks == []


def test_no_ons_channel_refuses_the_chairs_decision_and_keeps_nothing(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = ""
    application, chair = _ready_to_decide()
    with pytest.raises(DomainError, match="no notification channel is configured"):
        _decide(application, chair)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert not Decision.objects.exists()


def test_the_automatic_rejection_on_submission_writes_the_ons_rows_in_the_submit_transaction(
    settings, django_capture_on_commit_callbacks
):
    _ons_channels(settings)
    commercial = SensitiveUse.objects.get(code="commercial")
    deposit = AvailableDepositFactory(excluded_uses=[commercial])
    application = complete_application(ApplicationFactory(), deposits=[deposit], sensitive_uses=[commercial])
    with django_capture_on_commit_callbacks(execute=False):
        application_submit(application=application, actor=application.lead)
    decision = Decision.objects.get(application=application)
    assert decision.is_automatic
    rows = OnsNotification.objects.filter(decision=decision)
    assert sorted(rows.values_list("channel", flat=True)) == [OnsChannel.EMAIL, OnsChannel.WEBHOOK]
    assert {row.payload["type"] for row in rows} == {"access.rejected"}
