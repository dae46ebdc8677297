"""The panel's reactions to what accounts announces."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.enums import Role
from accounts.services import user_invite
from core.models import AuditEvent, QueuedEmail
from panel import services
from panel.enums import PanelAuditAction
from panel.models import PanelMembership
from tests.factories.applications import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "on_panel", "is_chair"),
    [(Role.PANEL_MEMBER, True, False), (Role.PANEL_CHAIR, True, True), (Role.STAFF, False, False)],
)
def test_an_invited_panel_member_or_chair_is_on_the_panel_from_the_start(staff, role, on_panel, is_chair):
    invited = user_invite(actor=staff, email="nia@example.org", full_name="Nia Evans", role=role)
    membership = PanelMembership.objects.filter(user=invited, ended_at=None).first()
    assert (membership is not None) == on_panel
    if on_panel:
        assert (membership.is_chair, membership.added_by) == (is_chair, staff)
        assert AuditEvent.objects.filter(
            action=PanelAuditAction.MEMBER_ADDED, actor=staff, target_id=str(membership.pk)
        ).exists()


def test_an_invited_panel_member_is_told_when_an_application_opens_for_review(staff):
    invited = user_invite(actor=staff, email="nia@example.org", full_name="Nia Evans", role=Role.PANEL_MEMBER)
    app = SubmittedApplicationFactory()
    services.review_open(application=app, actor=staff, voting_deadline=timezone.now() + timedelta(days=10))
    assert QueuedEmail.objects.filter(topic="panel/review_opened", to__contains=[invited.email]).exists()
