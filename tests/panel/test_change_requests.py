"""Change requests on a live grant, the panel's and staff's side: routing by the rule, the delegated
decision audited with the rule, the chair for what is outside it, automatic refusal on a use
condition, conflict first, independent votes, supersession in one transaction, and two deciders at
once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.enums import OrganisationSector
from accounts.models import ResearcherProfile
from applications.enums import ChangeRequestStatus, ChangeRoute, GrantStatus, MemberRole, MemberStatus
from applications.grant_selectors import grant_in_force
from applications.grant_services import change_request_member_accept
from applications.models import ApplicationMember, Grant
from applications.permissions import can_view_application
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from panel import services
from panel.change_selectors import change_votes_visible_to
from panel.enums import PanelAuditAction
from panel.models import PanelRules
from panel.signals import grant_changed
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.grants import change_requested, live_grant
from tests.factories.panel import panel_member

pytestmark = pytest.mark.django_db


def _decision_audit(change):
    return AuditEvent.objects.get(
        action=PanelAuditAction.CHANGE_DECIDED, data__change_request=change.reference
    )


# --- routing and the delegated decision ---------------------------------------------------------------


def test_an_extension_within_six_months_goes_to_staff_and_is_approved_without_a_vote_audited_with_the_rule():
    grant = live_grant()
    staff = StaffFactory()
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=150))
    assert (change.status, change.route) == (ChangeRequestStatus.SUBMITTED, ChangeRoute.STAFF)
    routed = AuditEvent.objects.get(action=PanelAuditAction.CHANGE_ROUTED)
    assert routed.data["rule"] == "panel.rules.change_request_route"
    assert "Delegated to staff" in routed.data["reason"]
    assert QueuedEmail.objects.filter(topic="panel/change_request_to_decide").exists()
    with pytest.raises(NotPermitted):
        services.change_request_decide(
            change_request=change, actor=panel_member(chair=True), outcome="approve", rationale="Fine."
        )
    services.change_request_decide(
        change_request=change, actor=staff, outcome="approve", rationale="Within rule."
    )
    audit = _decision_audit(change)
    assert audit.actor == staff
    assert audit.data["rule"] == "panel.rules.change_request_route"
    assert audit.data["route"] == ChangeRoute.STAFF
    assert "up to 6 months" in audit.data["route_reason"]
    new = grant_in_force(application=grant.application)
    assert new.number == 2
    assert new.access_end == grant.access_end + timedelta(days=150)
    assert not change.votes.exists()


def test_an_extension_of_nine_months_goes_to_the_chair_and_staff_may_not_decide_it():
    grant = live_grant()
    chair = panel_member(chair=True)
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=274))
    assert change.route == ChangeRoute.CHAIR
    assert "longer than 6 months" in change.route_reason
    with pytest.raises(DomainError):
        services.change_request_decide(
            change_request=change, actor=StaffFactory(), outcome="approve", rationale="x"
        )
    with pytest.raises(DomainError, match="Declare whether"):
        services.change_request_decide(change_request=change, actor=chair, outcome="approve", rationale="x")
    services.change_conflict_declare(change_request=change, member=chair, has_conflict=False)
    services.change_request_decide(
        change_request=change, actor=chair, outcome="approve", rationale="Justified."
    )
    assert grant_in_force(application=grant.application).number == 2


def test_an_extension_past_a_members_accreditation_goes_to_the_chair():
    grant = live_grant()
    ResearcherProfile.objects.filter(user=grant.application.lead).update(
        accreditation_expires_on=grant.access_end + timedelta(days=10)
    )
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=60))
    assert change.route == ChangeRoute.CHAIR
    assert "accreditation" in change.route_reason


def test_removing_a_member_is_delegated_and_the_approval_takes_them_off_the_team_and_the_grant():
    grant = live_grant()
    app = grant.application
    colleague = ResearcherFactory()
    member = ApplicationMember.objects.create(
        application=app, user=colleague, email=colleague.email, status=MemberStatus.ACCEPTED
    )
    assign_perm("applications.view_application", colleague, app)
    change = change_requested(grant, members_removed=[member])
    assert change.route == ChangeRoute.STAFF
    services.change_request_decide(
        change_request=change, actor=StaffFactory(), outcome="approve", rationale="Left."
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.REMOVED
    assert not can_view_application(colleague, app)
    assert colleague.email not in [m["email"] for m in grant_in_force(application=app).team]


def test_a_change_of_outputs_goes_to_the_chair():
    grant = live_grant()
    change = change_requested(grant, outputs_plan="A data briefing for care leavers' groups.")
    assert change.route == ChangeRoute.CHAIR
    assert "outputs" in change.route_reason


# --- the panel's route: conflict first, independent votes, the chair decides --------------------------


def _added_member_and_deposit(grant, email="newcomer@example.org"):
    newcomer = ResearcherFactory(email=email)
    deposit = AvailableDepositFactory()
    change = change_requested(grant, deposits_added=[deposit], invitations=[(email, MemberRole.RESEARCHER)])
    assert change.status == ChangeRequestStatus.AWAITING_TEAM
    change_request_member_accept(membership=ApplicationMember.objects.get(email=email), user=newcomer)
    change.refresh_from_db()
    return change, newcomer, deposit


def test_adding_a_member_and_a_deposit_goes_to_the_panel_conflict_first_then_votes_then_the_chair():
    PanelRules.objects.filter(pk=1).update(quorum=2)
    grant = live_grant()
    members = [panel_member(), panel_member()]
    chair = panel_member(chair=True)
    change, newcomer, deposit = _added_member_and_deposit(grant)
    assert (change.status, change.route) == (ChangeRequestStatus.SUBMITTED, ChangeRoute.PANEL)
    assert change.voting_deadline > timezone.now()
    with pytest.raises(NotPermitted, match="Declare"):
        services.change_vote_cast(
            change_request=change, member=members[0], project_vote="approve", researcher_fit="suitable"
        )
    services.change_conflict_declare(change_request=change, member=members[0], has_conflict=False)
    services.change_conflict_declare(change_request=change, member=members[1], has_conflict=False)
    assert not change_votes_visible_to(change_request=change, user=members[0])
    services.change_vote_cast(
        change_request=change, member=members[0], project_vote="approve", researcher_fit="suitable"
    )
    assert change_votes_visible_to(change_request=change, user=members[0])
    assert not change_votes_visible_to(change_request=change, user=members[1])  # independent until they vote
    services.change_conflict_declare(change_request=change, member=chair, has_conflict=False)
    with pytest.raises(DomainError, match="quorum"):
        services.change_request_decide(
            change_request=change, actor=chair, outcome="approve", rationale="Good."
        )
    services.change_vote_cast(
        change_request=change, member=members[1], project_vote="approve", researcher_fit="suitable"
    )
    with pytest.raises(DomainError, match="Voting is still open"):
        services.change_request_decide(
            change_request=change, actor=chair, outcome="approve", rationale="Good."
        )
    services.change_vote_cast(
        change_request=change, member=chair, project_vote="approve", researcher_fit="suitable"
    )
    signals = []
    grant_changed.connect(
        lambda sender, **kw: signals.append(kw), weak=False, dispatch_uid="test_grant_changed"
    )
    try:
        services.change_request_decide(
            change_request=change, actor=chair, outcome="approve", rationale="Good."
        )
    finally:
        grant_changed.disconnect(dispatch_uid="test_grant_changed")
    grant.refresh_from_db()
    new = grant_in_force(application=grant.application)
    assert grant.status == GrantStatus.SUPERSEDED
    assert (new.number, new.supersedes, new.change_request) == (2, grant, change)
    assert deposit.reference in [d["reference"] for d in new.datasets]
    assert newcomer.email in [m["email"] for m in new.team]
    assert can_view_application(newcomer, grant.application)
    assert ApplicationMember.objects.get(email=newcomer.email).status == MemberStatus.ACCEPTED
    assert [(s["grant"], s["previous"], s["kind"], s["change_request"]) for s in signals] == [
        (new, grant, "amended", change)
    ]
    assert QueuedEmail.objects.filter(topic="panel/change_request_decided").exists()


def test_a_conflicted_member_cannot_vote_and_is_not_counted():
    grant = live_grant()
    change, _newcomer, _deposit = _added_member_and_deposit(grant)
    member = panel_member()
    services.change_conflict_declare(
        change_request=change, member=member, has_conflict=True, reason="Co-author"
    )
    with pytest.raises(NotPermitted, match="conflict"):
        services.change_vote_cast(
            change_request=change, member=member, project_vote="approve", researcher_fit="suitable"
        )


def test_a_rejection_leaves_the_grant_as_it_is_and_the_proposed_member_off_the_team():
    grant = live_grant()
    chair = panel_member(chair=True)
    change = change_requested(grant, outputs_plan="Something else entirely.")
    services.change_conflict_declare(change_request=change, member=chair, has_conflict=False)
    services.change_request_decide(
        change_request=change, actor=chair, outcome="reject", rationale="Not needed."
    )
    grant.refresh_from_db()
    assert grant.status == GrantStatus.LIVE
    assert grant_in_force(application=grant.application) == grant
    assert QueuedEmail.objects.filter(topic="panel/change_request_decided").exists()
    with pytest.raises(InvalidTransition):
        services.change_request_decide(
            change_request=change, actor=chair, outcome="approve", rationale="Again"
        )


def test_only_the_access_end_changing_is_an_extension_for_ons():
    grant = live_grant()
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=30))
    signals = []
    grant_changed.connect(lambda sender, **kw: signals.append(kw["kind"]), weak=False, dispatch_uid="t2")
    try:
        services.change_request_decide(
            change_request=change, actor=StaffFactory(), outcome="approve", rationale="ok"
        )
    finally:
        grant_changed.disconnect(dispatch_uid="t2")
    assert signals == ["extended"]


# --- the use conditions --------------------------------------------------------------------------------


def test_a_deposit_that_excludes_a_new_members_sector_refuses_the_change_at_once_and_for_good():
    grant = live_grant()
    excluding = AvailableDepositFactory(excluded_sectors=[OrganisationSector.COMMERCIAL])
    newcomer = ResearcherFactory(email="commercial@example.org")
    ResearcherProfile.objects.filter(user=newcomer).update(sector=OrganisationSector.COMMERCIAL)
    change = change_requested(
        grant, deposits_added=[excluding], invitations=[("commercial@example.org", MemberRole.RESEARCHER)]
    )
    change_request_member_accept(
        membership=ApplicationMember.objects.get(email=newcomer.email), user=newcomer
    )
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.REFUSED
    assert excluding.reference in change.refusal_reason
    assert "commercial" in change.refusal_reason.lower()
    assert change.route == ""  # never routed
    assert ApplicationMember.objects.get(email=newcomer.email).status == MemberStatus.REMOVED
    assert AuditEvent.objects.filter(action=PanelAuditAction.CHANGE_REFUSED).exists()
    with pytest.raises(InvalidTransition):
        services.change_request_decide(
            change_request=change, actor=StaffFactory(), outcome="approve", rationale="x"
        )
    assert grant_in_force(application=grant.application) == grant


# --- one transaction; two deciders at once ----------------------------------------------------------------


def test_a_failure_while_approving_rolls_back_everything():
    grant = live_grant()
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=30))
    audits = AuditEvent.objects.count()

    def explode(sender, **kwargs):
        raise RuntimeError("ONS could not be told")

    grant_changed.connect(explode, weak=False, dispatch_uid="explode")
    try:
        with pytest.raises(RuntimeError):
            services.change_request_decide(
                change_request=change, actor=StaffFactory(), outcome="approve", rationale="ok"
            )
    finally:
        grant_changed.disconnect(dispatch_uid="explode")
    change.refresh_from_db()
    grant.refresh_from_db()
    assert (change.status, grant.status) == (ChangeRequestStatus.SUBMITTED, GrantStatus.LIVE)
    assert Grant.objects.filter(application=grant.application).count() == 1
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_one_request_at_once_give_one_new_grant():
    grant = live_grant()
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=30))
    deciders = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(actor):
        try:
            barrier.wait(timeout=10)
            services.change_request_decide(
                change_request=change, actor=actor, outcome="approve", rationale="ok"
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(actor,)) for actor in deciders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Grant.objects.filter(application=grant.application).count() == 2
    assert outcomes.count("ok") == 1
    assert any("nothing to decide" in outcome for outcome in outcomes if outcome != "ok")
