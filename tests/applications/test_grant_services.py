"""Grants: issued by the approving decision, closed by revocation and the end of access; the lead's
side of change requests (opening, invitations, acceptance, withdrawal)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.enums import (
    ApplicationsAuditAction,
    ApplicationStatus,
    ChangeRequestStatus,
    ChangeRoute,
    GrantStatus,
    MemberRole,
    MemberStatus,
)
from applications.grant_selectors import change_request_diff, grant_in_force, months_later
from applications.grant_services import (
    change_request_member_accept,
    change_request_member_decline,
    change_request_open,
    change_request_withdraw,
)
from applications.models import ApplicationMember, Grant
from applications.selectors import application_team_users
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from deposits.enums import DepositStatus
from deposits.models import SrsDataset
from panel import services
from panel.models import PanelRules
from tests.factories.accounts import ResearcherFactory, ResearcherProfileFactory, StaffFactory
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.grants import change_requested, live_grant
from tests.factories.panel import decided_by_chair, declared_vote, panel_member
from transparency.services import access_period_end

pytestmark = pytest.mark.django_db


def test_months_later_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert months_later(timezone.datetime(2026, 1, 31).date(), 1).isoformat() == "2026-02-28"
    assert months_later(timezone.datetime(2026, 8, 15).date(), 6).isoformat() == "2027-02-15"


def test_an_approving_decision_issues_grant_1_with_the_frozen_team_datasets_and_period():
    PanelRules.objects.filter(pk=1).update(quorum=1)
    deposit = AvailableDepositFactory()
    SrsDataset.objects.create(deposit=deposit, dataset_id="SRS-CARE-0001")
    app = UnderReviewApplicationFactory(research_questions="Does placement type predict moves?")
    app.deposits.set([deposit])
    declared_vote(app, panel_member())
    decision = decided_by_chair(app, panel_member(chair=True))
    grant = Grant.objects.get(application=app)
    assert grant.reference == f"{app.reference}-G1"
    assert (grant.number, grant.status, grant.supersedes, grant.change_request) == (
        1,
        GrantStatus.LIVE,
        None,
        None,
    )
    assert grant.team == decision.team
    assert grant.datasets == [
        {
            "reference": deposit.reference,
            "title": deposit.title,
            "srs_dataset_ids": sorted(
                [
                    "SRS-CARE-0001",
                    *deposit.srs_datasets.exclude(dataset_id="SRS-CARE-0001").values_list(
                        "dataset_id", flat=True
                    ),
                ]
            ),
        }
    ]
    assert (grant.access_start, grant.access_end) == (decision.access_start, decision.access_end)
    assert grant.purpose == "Does placement type predict moves?"
    assert AuditEvent.objects.filter(
        action=ApplicationsAuditAction.GRANT_ISSUED, target_id=str(app.pk)
    ).exists()


def test_a_rejection_issues_no_grant():
    PanelRules.objects.filter(pk=1).update(quorum=1)
    app = UnderReviewApplicationFactory()
    declared_vote(app, panel_member(), project_vote="reject")
    decided_by_chair(app, panel_member(chair=True), outcome="rejected")
    assert not Grant.objects.filter(application=app).exists()


def test_revocation_marks_the_live_grant_revoked_and_lapses_an_open_change_request():
    grant = live_grant()
    change = change_requested(grant, invitations=[("new.person@example.org", MemberRole.RESEARCHER)])
    staff = StaffFactory()
    services.application_revoke(application=grant.application, actor=staff, reason="A breach.")
    grant.refresh_from_db()
    change.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED
    assert change.status == ChangeRequestStatus.LAPSED
    assert ApplicationMember.objects.get(email="new.person@example.org").status == MemberStatus.REMOVED


def test_the_end_of_access_marks_the_grant_ended_at_the_grants_end_not_the_requests():
    grant = live_grant(access_end=timezone.localdate() + timedelta(days=30))
    Grant.objects.filter(pk=grant.pk).update(access_end=timezone.localdate() - timedelta(days=1))
    app = grant.application
    assert access_period_end(application=app, today=timezone.localdate()) is not None
    grant.refresh_from_db()
    app.refresh_from_db()
    assert (app.status, grant.status) == (ApplicationStatus.ACCESS_ENDED, GrantStatus.ENDED)


# --- opening a change request --------------------------------------------------------------------------


def test_only_the_lead_opens_a_change_request_and_only_on_a_live_or_suspended_grant():
    grant = live_grant()
    other = ResearcherFactory()
    with pytest.raises(NotPermitted):
        change_request_open(
            application=grant.application,
            actor=other,
            reason="x",
            access_end=grant.access_end + timedelta(days=30),
        )
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.SUSPENDED)
    with pytest.raises(DomainError, match="only removing team members or deposits"):
        change_requested(grant, access_end=grant.access_end + timedelta(days=30))
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.ENDED)
    with pytest.raises(InvalidTransition):
        change_requested(grant, access_end=grant.access_end + timedelta(days=30))


def test_a_change_request_that_changes_nothing_or_shortens_access_is_refused_and_saves_nothing():
    grant = live_grant()
    with pytest.raises(DomainError, match="Nothing would change"):
        change_requested(grant, purpose=grant.purpose)
    with pytest.raises(DomainError, match="must be after the current one") as caught:
        change_requested(grant, access_end=grant.access_end - timedelta(days=1))
    assert caught.value.field == "access_end"
    with pytest.raises(DomainError, match="Say why"):
        change_requested(grant, reason=" ", access_end=grant.access_end + timedelta(days=1))
    assert not grant.change_requests.exists()


def test_an_unavailable_deposit_cannot_be_added_and_the_last_deposit_cannot_be_removed():
    grant = live_grant()
    withdrawn = AvailableDepositFactory(status=DepositStatus.WITHDRAWN)
    with pytest.raises(DomainError, match="Only deposits available"):
        change_requested(grant, deposits_added=[withdrawn])
    with pytest.raises(DomainError, match="at least one deposit"):
        change_requested(grant, deposits_removed=list(grant.deposits.all()))


def test_one_open_change_request_per_grant():
    grant = live_grant()
    change_requested(grant, outputs_plan="A new briefing for local authorities.")
    with pytest.raises(DomainError, match="still open"):
        change_requested(grant, access_end=grant.access_end + timedelta(days=30))


def test_an_added_member_is_invited_by_email_and_only_proposed_when_accepting():
    grant = live_grant()
    app = grant.application
    newcomer = ResearcherFactory(email="newcomer@example.org")
    change = change_requested(grant, invitations=[("Newcomer@Example.org", MemberRole.RESEARCHER)])
    assert change.status == ChangeRequestStatus.AWAITING_TEAM
    invite = QueuedEmail.objects.get(topic="applications/member_invited")
    assert invite.to == ["newcomer@example.org"]
    assert change.reference in invite.body
    member = ApplicationMember.objects.get(application=app, email="newcomer@example.org")
    assert member.change_request == change
    change_request_member_accept(membership=member, user=newcomer)
    member.refresh_from_db()
    change.refresh_from_db()
    assert member.status == MemberStatus.PROPOSED  # not on the team until approved
    assert newcomer not in application_team_users(application=app)
    assert change.status == ChangeRequestStatus.SUBMITTED  # the last to accept submits it
    assert change.route == ChangeRoute.PANEL


def test_a_decline_leaves_the_request_waiting_and_tells_the_lead_who_may_withdraw_it():
    grant = live_grant()
    newcomer = ResearcherFactory(email="decliner@example.org")
    change = change_requested(grant, invitations=[("decliner@example.org", MemberRole.RESEARCHER)])
    member = ApplicationMember.objects.get(email="decliner@example.org")
    change_request_member_decline(membership=member, user=newcomer)
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.AWAITING_TEAM
    assert QueuedEmail.objects.filter(topic="applications/change_request_declined").exists()
    change_request_withdraw(change_request=change, actor=grant.application.lead)
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.WITHDRAWN
    assert grant_in_force(application=grant.application) == grant
    with pytest.raises(InvalidTransition):
        change_request_withdraw(change_request=change, actor=grant.application.lead)


def test_the_diff_shows_old_and_new_for_each_changed_field_only():
    old_deposit = AvailableDepositFactory(title="Care histories")
    grant = live_grant(deposits=[old_deposit])
    added = AvailableDepositFactory(title="School moves")
    new_end = grant.access_end + timedelta(days=60)
    change = change_requested(grant, deposits_added=[added], access_end=new_end)
    diff = {c.key: c for c in change_request_diff(change)}
    assert set(diff) == {"deposits", "access_end"}
    assert diff["deposits"].old == [f"{old_deposit.reference} Care histories"]
    assert diff["deposits"].new == sorted(
        [f"{old_deposit.reference} Care histories", f"{added.reference} School moves"]
    )
    assert (diff["access_end"].old, diff["access_end"].new) == (
        grant.access_end.isoformat(),
        new_end.isoformat(),
    )


def test_with_terms_in_force_an_added_member_accepts_them_before_the_change_is_decided(client_for):
    """The terms are accepted by every member before access starts: one invited by a change request
    accepts them when joining (before the panel decides), as at submission; without them, nothing
    is saved."""
    from django.urls import reverse

    from applications.models import TermsAcceptance
    from core.errors import DomainError
    from tests.factories.applications import terms_published

    grant = live_grant()
    terms = terms_published(label="2026.2")
    newcomer = ResearcherFactory(email="joiner@example.org")
    ResearcherProfileFactory(user=newcomer)
    change = change_requested(grant, invitations=[("joiner@example.org", MemberRole.RESEARCHER)])
    member = ApplicationMember.objects.get(application=grant.application, email="joiner@example.org")
    with pytest.raises(DomainError, match="accept the terms of access"):
        change_request_member_accept(membership=member, user=newcomer)
    member.refresh_from_db()
    assert member.status == MemberStatus.INVITED  # nothing half-saved

    # The invitation page offers the terms and takes both in one step.
    page = client_for(newcomer)
    url = reverse("applications:invitation", args=[member.pk])
    body = page.get(url).content.decode()
    assert 'id="terms-text"' in body
    assert "Accept the terms and join the team" in body
    refused = page.post(url, {"decision": "accept", "terms_number": terms.number})
    assert refused.status_code == 200  # the box was not ticked
    member.refresh_from_db()
    assert member.status == MemberStatus.INVITED
    done = page.post(url, {"decision": "accept", "terms_number": terms.number, "accept": "on"})
    assert done.status_code == 302
    member.refresh_from_db()
    change.refresh_from_db()
    assert member.status == MemberStatus.PROPOSED
    assert change.status == ChangeRequestStatus.SUBMITTED
    assert TermsAcceptance.objects.filter(terms=terms, application=grant.application, user=newcomer).exists()
