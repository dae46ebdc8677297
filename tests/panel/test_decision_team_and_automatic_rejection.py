"""The team each decision records, and the automatic rejection of requests that break a deposit's
use conditions."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.enums import AccreditationStatus, OrganisationSector
from accounts.models import ResearcherProfile
from applications.enums import ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember
from applications.services import application_member_accept, application_member_invite, application_submit
from core.errors import InvalidTransition
from core.models import AuditEvent, QueuedEmail
from panel import services
from panel.enums import (
    DecisionOutcome,
    PanelAuditAction,
)
from panel.models import Decision, Vote
from tests.factories.accounts import ResearcherFactory, ResearcherProfileFactory
from tests.factories.applications import (
    ApplicationFactory,
    SubmittedApplicationFactory,
    UnderReviewApplicationFactory,
    complete_application,
)
from tests.factories.panel import decided_by_chair, votes_cast

pytestmark = pytest.mark.django_db


# --- the team recorded with the decision ---------------------------------------------------------


def _team_joined_before_the_lead(app):
    """A supervisor who joined (by the clock) before the lead, one invitee who never accepted and one
    who declined; the lead's profile as the factory made it."""
    supervisor = ResearcherFactory(full_name="Ada Supervisor", email="ada.supervisor@example.org")
    ResearcherProfile.objects.filter(user=supervisor).update(
        organisation="Cardiff University",
        sector=OrganisationSector.UNIVERSITY,
        accreditation_status=AccreditationStatus.PROVISIONAL,
        accreditation_number="ARN-2027-0042",
        accreditation_expires_on=timezone.localdate() + timedelta(days=90),
    )
    joined = timezone.now() - timedelta(days=30)
    ApplicationMember.objects.create(
        application=app,
        user=supervisor,
        email=supervisor.email,
        role=MemberRole.SUPERVISOR,
        status=MemberStatus.ACCEPTED,
        accepted_at=joined,
    )
    ApplicationMember.objects.filter(application=app, user=supervisor).update(created_at=joined)
    ApplicationMember.objects.create(application=app, email="invitee@example.org", role=MemberRole.RESEARCHER)
    decliner = ResearcherFactory()
    ApplicationMember.objects.create(
        application=app,
        user=decliner,
        email=decliner.email,
        role=MemberRole.RESEARCHER,
        status=MemberStatus.DECLINED,
    )
    return supervisor


def _expected_team(app, supervisor):
    lead = ResearcherProfile.objects.get(user=app.lead)
    supervisor_status = ResearcherProfile.objects.get(user=supervisor).accreditation_status
    return [
        {
            "role": "lead",
            "name": app.lead.full_name,
            "email": app.lead.email,
            "organisation": lead.organisation,
            "sector": lead.sector,
            "accreditation_number": lead.accreditation_number,
            "accreditation_status": lead.accreditation_status,
            "accreditation_expires_on": lead.accreditation_expires_on.isoformat(),
        },
        {
            "role": "supervisor",
            "name": "Ada Supervisor",
            "email": "ada.supervisor@example.org",
            "organisation": "Cardiff University",
            "sector": "university",
            "accreditation_number": "ARN-2027-0042",
            "accreditation_status": supervisor_status,
            "accreditation_expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
        },
    ]


def test_decision_record_keeps_the_accepted_team_lead_first_as_it_was(board):
    app = UnderReviewApplicationFactory()
    supervisor = _team_joined_before_the_lead(app)
    expected = _expected_team(app, supervisor)
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    decision = decided_by_chair(app, board.chair)
    ResearcherProfile.objects.filter(user=app.lead).update(
        organisation="Somewhere Else Ltd", sector="commercial"
    )
    assert Decision.objects.get(pk=decision.pk).team == expected
    assert Decision.objects.get(pk=decision.pk).team_lead == expected[0]


def test_automatic_rejection_keeps_the_accepted_team_lead_first_as_it_was():
    app = SubmittedApplicationFactory()
    supervisor = _team_joined_before_the_lead(app)
    with transaction.atomic():
        decision = services.decision_record_automatic_rejection(application=app, matches=_commercial_match())
    assert Decision.objects.get(pk=decision.pk).team == _expected_team(app, supervisor)


def test_team_of_a_lead_without_profile_or_accreditation_is_recorded_with_blanks():
    app = SubmittedApplicationFactory()
    ResearcherProfile.objects.filter(user=app.lead).delete()
    with transaction.atomic():
        decision = services.decision_record_automatic_rejection(application=app, matches=_commercial_match())
    assert decision.team == [
        {
            "role": "lead",
            "name": app.lead.full_name,
            "email": app.lead.email,
            "organisation": "",
            "sector": "",
            "accreditation_number": "",
            "accreditation_status": "",
            "accreditation_expires_on": None,
        }
    ]
    ResearcherProfileFactory(user=app.lead)  # a profile made later changes nothing recorded
    assert Decision.objects.get(pk=decision.pk).team == decision.team


def test_a_member_who_changed_their_email_gets_the_submission_and_the_decision_at_the_new_address(
    board, staff
):
    """ "The team" is one definition (applications.selectors.application_team_users), read from the
    accounts: an address changed after the invitation is the one both emails go to."""
    lead, co = ResearcherFactory(), ResearcherFactory(email="co.old@example.org")
    app = complete_application(ApplicationFactory(lead=lead))
    invitation = application_member_invite(application=app, actor=lead, email=co.email, role="researcher")
    application_member_accept(membership=invitation, user=co)
    co.email = "co.new@example.org"
    co.save(update_fields=["email"])

    application_submit(application=app, actor=lead)
    submitted = QueuedEmail.objects.get(topic="applications/submitted")
    assert submitted.to == sorted([lead.email, "co.new@example.org"])

    services.review_open(application=app, actor=staff, voting_deadline=timezone.now() + timedelta(days=7))
    app.refresh_from_db()
    votes_cast(app, board.members, ("approve", "suitable"), ("approve", "suitable"), ("approve", "suitable"))
    decided_by_chair(app, board.chair)
    decided = QueuedEmail.objects.get(topic="panel/decision")
    assert decided.to == sorted([lead.email, "co.new@example.org"])


# --- automatic rejection -------------------------------------------------------------------------


def _commercial_match():
    from deposits.selectors import UseConditionMatch

    return [
        UseConditionMatch("DEP-0001", "Care leavers' outcomes", "sensitive_use", "Commercial use"),
        UseConditionMatch("DEP-0001", "Care leavers' outcomes", "sector", "Commercial"),
    ]


def test_automatic_rejection_records_a_system_decision_naming_deposit_and_condition():
    app = SubmittedApplicationFactory()
    with transaction.atomic():
        decision = services.decision_record_automatic_rejection(application=app, matches=_commercial_match())
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert decision.is_automatic
    assert decision.decided_by is None
    assert decision.outcome == DecisionOutcome.REJECTED
    assert "DEP-0001 (Care leavers' outcomes) excludes commercial use" in decision.rationale
    assert "commercial sector" in decision.rationale
    assert not Vote.objects.filter(application=app).exists()
    event = AuditEvent.objects.get(action=PanelAuditAction.DECISION_AUTOMATIC)
    assert event.actor is None
    assert event.data["to"] == "rejected"
    email = QueuedEmail.objects.get(topic="panel/decision")
    assert app.lead.email in email.to
    assert "DEP-0001" in email.body
    assert "automatically" in email.body


def test_screening_use_conditions_rejects_a_match_and_leaves_a_clean_request_waiting():
    from deposits.models import SensitiveUse
    from tests.factories.applications import ApplicationFactory, complete_application
    from tests.factories.deposits import AvailableDepositFactory

    commercial = SensitiveUse.objects.get(code="commercial")
    deposit = AvailableDepositFactory(excluded_uses=[commercial])
    clean = SubmittedApplicationFactory()
    matching = complete_application(ApplicationFactory(), deposits=[deposit], sensitive_uses=[commercial])
    Application.objects.filter(pk=matching.pk).update(status=ApplicationStatus.SUBMITTED)
    with transaction.atomic():
        assert services.application_screen_use_conditions(application=clean) is None
        decision = services.application_screen_use_conditions(application=matching)
    assert decision.is_automatic
    assert f"{deposit.reference} ({deposit.title}) excludes {commercial.name.lower()}" in decision.rationale
    clean.refresh_from_db()
    assert clean.status == ApplicationStatus.SUBMITTED
    assert not Decision.objects.filter(application=clean).exists()


def test_automatic_rejection_refuses_an_application_not_just_submitted():
    app = UnderReviewApplicationFactory()
    with pytest.raises(InvalidTransition):
        services.decision_record_automatic_rejection(application=app, matches=_commercial_match())
