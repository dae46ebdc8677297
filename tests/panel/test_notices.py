"""The panel tells people what they need to know: staff of a submission to screen, the chairs of a
quorum reached, the reviewers of a withdrawal. Each email goes through the outbox."""

import pytest
from django.db import transaction

from applications import services as applications_services
from applications.enums import ApplicationStatus
from core.models import AuditEvent, QueuedEmail
from deposits.models import SensitiveUse
from panel import services
from panel.enums import PanelAuditAction
from panel.models import PanelRules
from tests.factories.accounts import StaffFactory
from tests.factories.applications import (
    ApplicationFactory,
    UnderReviewApplicationFactory,
    complete_application,
)
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.panel import panel_member

pytestmark = pytest.mark.django_db


def _emails(topic: str) -> list[QueuedEmail]:
    return list(QueuedEmail.objects.filter(topic=topic).order_by("pk"))


def test_staff_are_told_of_a_submission_and_of_a_resubmission(settings):
    settings.STAFF_ALERT_EMAIL = "screening@archive.example.org"
    application = complete_application(ApplicationFactory())
    applications_services.application_submit(application=application, actor=application.lead)
    query = services.application_query_raise(
        application=application, actor=StaffFactory(), questions="Why school identifiers?"
    )
    applications_services.application_query_answer(
        query=query, actor=application.lead, answer="To follow moves."
    )
    applications_services.application_resubmit(application=application, actor=application.lead)
    first, second = _emails("panel/submission_to_screen")
    assert first.to == second.to == ["screening@archive.example.org"]
    assert "submitted" in first.subject
    assert "(version 1)" in first.body
    assert "resubmitted" in second.subject
    assert "(version 2)" in second.body
    assert f"{settings.SITE_URL}/panel/staff/applications/{application.reference}/" in second.body


def test_staff_are_not_asked_to_screen_an_application_rejected_on_submission():
    commercial = SensitiveUse.objects.get(code="commercial")
    deposit = AvailableDepositFactory(excluded_uses=[commercial])
    application = complete_application(ApplicationFactory(), deposits=[deposit], sensitive_uses=[commercial])
    applications_services.application_submit(application=application, actor=application.lead)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert _emails("panel/submission_to_screen") == []


def _reviewing(quorum: int = 2):
    PanelRules.objects.update_or_create(pk=PanelRules.SINGLETON_ID, defaults={"quorum": quorum})
    members = [panel_member() for _ in range(3)]
    chair, conflicted_chair = panel_member(chair=True), panel_member(chair=True)
    application = UnderReviewApplicationFactory()
    for member in members:
        services.conflict_declare(application=application, member=member, has_conflict=False)
    services.conflict_declare(
        application=application, member=conflicted_chair, has_conflict=True, reason="Co-author"
    )
    return application, members, chair, conflicted_chair


def _vote(application, member, project_vote="approve"):
    return services.vote_cast(
        application=application, member=member, project_vote=project_vote, researcher_fit="suitable"
    )


def test_the_chairs_are_told_once_when_the_quorum_is_reached(settings):
    application, members, chair, _conflicted_chair = _reviewing(quorum=2)
    _vote(application, members[0])
    assert _emails("panel/quorum_reached") == []
    _vote(application, members[1])
    _vote(application, members[2])
    _vote(application, members[1], project_vote="reject")  # a changed vote tells nobody again
    (email,) = _emails("panel/quorum_reached")
    assert email.to == [chair.email]  # not the chair who declared a conflict
    assert application.reference in email.subject
    assert f"{settings.SITE_URL}/panel/applications/{application.reference}/" in email.body
    assert (
        AuditEvent.objects.filter(
            action=PanelAuditAction.QUORUM_REACHED, target_id=str(application.pk)
        ).count()
        == 1
    )


def test_the_chairs_are_told_again_when_a_new_version_reaches_the_quorum():
    application, members, _chair, _conflicted = _reviewing(quorum=1)
    _vote(application, members[0])
    with transaction.atomic():
        application.version_number += 1
        application.save(update_fields=["version_number"])
    _vote(application, members[0])
    assert len(_emails("panel/quorum_reached")) == 2


def test_members_reviewing_a_withdrawn_application_are_told(settings):
    application, members, chair, conflicted_chair = _reviewing()
    applications_services.application_withdraw(
        application=application, actor=application.lead, reason="Funding"
    )
    (email,) = _emails("panel/withdrawn")
    assert set(email.to) == {m.email for m in members} | {chair.email}
    assert conflicted_chair.email not in email.to
    assert application.lead.email not in email.to
    assert f"{settings.SITE_URL}/panel/applications/{application.reference}/" in email.body


def test_nobody_on_the_panel_is_told_of_a_withdrawal_before_the_review_opened():
    panel_member()
    application = complete_application(ApplicationFactory())
    applications_services.application_submit(application=application, actor=application.lead)
    applications_services.application_withdraw(application=application, actor=application.lead)
    assert _emails("panel/withdrawn") == []
