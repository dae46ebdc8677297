from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.enums import Role
from applications.enums import ApplicationStatus
from applications.models import Application, ApplicationQuery, ApplicationVersion
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from panel import services
from panel.enums import (
    DecisionOutcome,
    OutcomeRule,
    PanelAuditAction,
    ProjectVote,
    Recommendation,
    ResearcherFit,
)
from panel.models import Decision, PanelMembership, PanelRules, Vote, VoteReminder
from panel.selectors import chair_may_decide, recommendation_for, vote_tally
from panel.signals import decision_recorded
from tests.factories.accounts import PanelMemberFactory, ResearcherFactory
from tests.factories.applications import (
    SubmittedApplicationFactory,
    UnderReviewApplicationFactory,
)
from tests.factories.panel import decided_by_chair, declared_vote, panel_member, votes_cast

pytestmark = pytest.mark.django_db


# --- membership ----------------------------------------------------------------------------------


def test_panel_member_add_and_remove_keep_the_role_in_step(staff):
    person = ResearcherFactory()
    membership = services.panel_member_add(actor=staff, user=person, is_chair=False)
    person.refresh_from_db()
    assert person.role == Role.PANEL_MEMBER
    services.panel_member_add(actor=staff, user=person, is_chair=True)
    person.refresh_from_db()
    assert person.role == Role.PANEL_CHAIR
    assert PanelMembership.objects.get(pk=membership.pk).is_chair
    services.panel_member_remove(actor=staff, membership=membership)
    person.refresh_from_db()
    assert person.role == Role.RESEARCHER
    assert PanelMembership.objects.get(pk=membership.pk).ended_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        PanelAuditAction.MEMBER_ADDED,
        PanelAuditAction.MEMBER_CHAIR_CHANGED,
        PanelAuditAction.MEMBER_ENDED,
    } <= actions


def test_only_staff_change_membership(member):
    with pytest.raises(NotPermitted):
        services.panel_member_add(actor=member, user=ResearcherFactory())


def test_member_interest_declared_and_withdrawn(board):
    interest = services.member_interest_declare(
        actor=board.members[0], member=board.members[0], description="Trustee of a foster agency"
    )
    services.member_interest_withdraw(actor=board.members[0], interest=interest)
    interest.refresh_from_db()
    assert interest.withdrawn_at is not None
    with pytest.raises(NotPermitted):
        services.member_interest_declare(actor=board.members[1], member=board.members[0], description="x")


# --- screening and queries -----------------------------------------------------------------------


def test_review_open_sets_deadline_and_refuses_past_deadline(staff, board):
    app = SubmittedApplicationFactory()
    with pytest.raises(DomainError, match="in the future"):
        services.review_open(application=app, actor=staff, voting_deadline=timezone.now())
    deadline = timezone.now() + timedelta(days=10)
    services.review_open(application=app, actor=staff, voting_deadline=deadline)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.voting_deadline == deadline
    assert app.review_opened_at is not None
    assert AuditEvent.objects.filter(action=PanelAuditAction.REVIEW_OPENED, target_id=str(app.pk)).exists()
    with pytest.raises(InvalidTransition):
        services.review_open(application=app, actor=staff, voting_deadline=deadline)


def test_review_open_refused_to_a_panel_member(board):
    with pytest.raises(NotPermitted):
        services.review_open(
            application=SubmittedApplicationFactory(),
            actor=board.chair,
            voting_deadline=timezone.now() + timedelta(days=9),
        )


def test_query_raised_by_chair_moves_to_queried_and_emails_the_team(board):
    app = UnderReviewApplicationFactory()
    services.conflict_declare(application=app, member=board.chair, has_conflict=False)
    query = services.application_query_raise(
        application=app, actor=board.chair, questions="Which local authorities?"
    )
    app.refresh_from_db()
    assert app.status == ApplicationStatus.QUERIED
    assert query.version_number == 1
    assert ApplicationQuery.objects.filter(application=app).count() == 1
    assert QueuedEmail.objects.filter(topic="panel/query_raised", to__contains=[app.lead.email]).exists()


def test_query_refused_to_a_member_and_a_conflicted_chair(board):
    app = UnderReviewApplicationFactory()
    with pytest.raises(NotPermitted):
        services.application_query_raise(application=app, actor=board.members[0], questions="?")
    services.conflict_declare(application=app, member=board.chair, has_conflict=True, reason="Co-author")
    with pytest.raises(NotPermitted):
        services.application_query_raise(application=app, actor=board.chair, questions="?")


def test_staff_query_a_submitted_application(staff):
    app = SubmittedApplicationFactory()
    services.application_query_raise(
        application=app, actor=staff, questions="Please attach the ethics letter."
    )
    app.refresh_from_db()
    assert app.status == ApplicationStatus.QUERIED


# --- conflicts and votes -------------------------------------------------------------------------


def test_conflict_needs_a_reason_and_is_never_withdrawn(board):
    app = UnderReviewApplicationFactory()
    with pytest.raises(DomainError, match="reason"):
        services.conflict_declare(application=app, member=board.members[0], has_conflict=True, reason=" ")
    services.conflict_declare(
        application=app, member=board.members[0], has_conflict=True, reason="Former colleague"
    )
    with pytest.raises(DomainError, match="already declared"):
        services.conflict_declare(application=app, member=board.members[0], has_conflict=False)


def test_vote_needs_a_declaration_and_no_conflict(board):
    app = UnderReviewApplicationFactory()
    member = board.members[0]
    kwargs = {
        "application": app,
        "member": member,
        "project_vote": ProjectVote.APPROVE,
        "researcher_fit": ResearcherFit.SUITABLE,
    }
    with pytest.raises(NotPermitted, match="Declare"):
        services.vote_cast(**kwargs)
    services.conflict_declare(
        application=app, member=member, has_conflict=True, reason="Works for the funder"
    )
    with pytest.raises(NotPermitted, match="conflict"):
        services.vote_cast(**kwargs)


def test_vote_can_be_changed_until_voting_closes(board):
    app = UnderReviewApplicationFactory()
    member = board.members[0]
    services.conflict_declare(application=app, member=member, has_conflict=False)
    services.vote_cast(application=app, member=member, project_vote="approve", researcher_fit="suitable")
    services.vote_cast(
        application=app,
        member=member,
        project_vote="reject",
        researcher_fit="unsuitable",
        project_comment="On reflection",
    )
    vote = Vote.objects.get(application=app, member=member)
    assert (vote.project_vote, vote.researcher_fit, vote.project_comment) == (
        "reject",
        "unsuitable",
        "On reflection",
    )
    assert AuditEvent.objects.filter(action=PanelAuditAction.VOTE_CHANGED).count() == 1
    app.voting_deadline = timezone.now() - timedelta(seconds=1)
    app.save(update_fields=["voting_deadline"])
    with pytest.raises(InvalidTransition, match="closed"):
        services.vote_cast(application=app, member=member, project_vote="approve", researcher_fit="suitable")


def test_vote_refuses_bad_choices(board):
    app = UnderReviewApplicationFactory()
    with pytest.raises(DomainError, match="approve, reject or abstain"):
        services.vote_cast(
            application=app, member=board.members[0], project_vote="maybe", researcher_fit="suitable"
        )


def test_votes_on_an_earlier_version_are_kept_but_stale_after_resubmission(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, ("approve", "suitable"), ("approve", "suitable"), ("approve", "suitable"))
    assert vote_tally(app).counted == 3
    # the team answers a query and resubmits: version 2
    app.status = ApplicationStatus.UNDER_REVIEW
    app.version_number = 2
    app.save(update_fields=["status", "version_number"])
    ApplicationVersion.objects.create(
        application=app, number=2, answers={"title": "v2"}, submitted_by=app.lead, submitted_at=timezone.now()
    )
    assert Vote.objects.filter(application=app).count() == 3
    assert vote_tally(app).counted == 0
    assert all(v.is_stale_for(app) for v in Vote.objects.filter(application=app))
    # members vote again on version 2; both votes are kept
    services.vote_cast(
        application=app, member=board.members[0], project_vote="reject", researcher_fit="suitable"
    )
    assert Vote.objects.filter(application=app, member=board.members[0]).count() == 2
    assert vote_tally(app).reject == 1


def test_conflicted_members_votes_do_not_count(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    services.conflict_declare(
        application=app, member=board.members[0], has_conflict=True, reason="Realised: co-author"
    )
    assert vote_tally(app).counted == 2


# --- decisions -----------------------------------------------------------------------------------


def test_chair_cannot_decide_below_quorum(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, ("approve", "suitable"), ("approve", "suitable"))
    with pytest.raises(DomainError, match="quorum is not met: 2 of the 3"):
        decided_by_chair(app, board.chair)
    assert not Decision.objects.exists()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW


def test_conflicted_member_is_not_counted_toward_quorum(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    services.conflict_declare(
        application=app, member=board.members[2], has_conflict=True, reason="Line manager"
    )
    with pytest.raises(DomainError, match="quorum is not met"):
        decided_by_chair(app, board.chair)


def test_decision_record_follows_the_recommendation_and_records_everything(
    board, django_capture_on_commit_callbacks
):
    app = UnderReviewApplicationFactory()
    votes_cast(
        app,
        board.members,
        ("approve", "suitable"),
        ("approve", "suitable"),
        ("approve", "suitable"),
        ("abstain", "unsuitable"),
    )
    end = app.access_end - timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=False):
        decision = decided_by_chair(
            app,
            board.chair,
            DecisionOutcome.APPROVED_WITH_CONDITIONS,
            conditions="Outputs checked twice.",
            access_end=end,
            public_rationale="Approved.",
        )
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert app.decided_at is not None
    assert decision.recommended_outcome == Recommendation.APPROVE
    assert decision.departure_reason == ""
    assert decision.rules == {"quorum": 3, "outcome_rule": "majority"}
    assert (decision.access_start, decision.access_end) == (app.access_start, end)
    assert decision.decided_by == board.chair
    assert not decision.is_automatic
    assert decision.is_approval
    assert decision.version_number == 1
    assert AuditEvent.objects.filter(action=PanelAuditAction.DECISION_RECORDED, actor=board.chair).exists()
    email = QueuedEmail.objects.get(topic="panel/decision")
    assert app.lead.email in email.to
    assert "Outputs checked twice." in email.body
    assert "Approved with conditions" in email.subject
    assert f"Access period: {app.access_start:%-d %B %Y} to {end:%-d %B %Y}" in email.body


def test_decision_record_announces_the_decision_inside_its_transaction(board):
    """The notifications app writes the ONS outbox rows in its receiver of ``decision_recorded``
    (tests/notifications/test_panel_contract.py), so the signal goes inside the transaction, after the
    Decision row and the new status are written."""
    calls = []

    def listener(sender, *, decision, **kwargs):
        status = Application.objects.filter(pk=decision.application_id).values_list("status", flat=True).get()
        in_transaction = transaction.get_connection().in_atomic_block
        calls.append((decision.pk, Decision.objects.filter(pk=decision.pk).exists(), status, in_transaction))

    decision_recorded.connect(listener, dispatch_uid="test.decision_recorded")
    try:
        app = UnderReviewApplicationFactory()
        votes_cast(app, board.members, *[("approve", "suitable")] * 3)
        decision = decided_by_chair(app, board.chair)
    finally:
        decision_recorded.disconnect(dispatch_uid="test.decision_recorded")
    assert calls == [(decision.pk, True, ApplicationStatus.APPROVED, True)]


def test_departing_from_the_recommendation_needs_a_reason(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    with pytest.raises(DomainError, match="recommended outcome is approve; give the reason"):
        decided_by_chair(app, board.chair, DecisionOutcome.REJECTED)
    decision = services.decision_record(
        application=app,
        chair=board.chair,
        outcome=DecisionOutcome.REJECTED,
        rationale="No.",
        departure_reason="Linkage risk the members missed.",
    )
    assert decision.recommended_outcome == Recommendation.APPROVE
    assert decision.departure_reason == "Linkage risk the members missed."
    assert decision.access_start is None
    assert decision.access_end is None


def test_unanimous_rule_is_recorded_with_the_decision(board):
    PanelRules.objects.update_or_create(pk=1, defaults={"quorum": 2, "outcome_rule": OutcomeRule.UNANIMOUS})
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, ("approve", "suitable"), ("reject", "suitable"))
    assert recommendation_for(app)[0] == Recommendation.REJECT
    decision = decided_by_chair(app, board.chair, DecisionOutcome.REJECTED)
    assert decision.rules == {"quorum": 2, "outcome_rule": "unanimous"}


def test_conflicted_chair_cannot_decide_and_another_chair_does(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    services.conflict_declare(
        application=app, member=board.chair, has_conflict=True, reason="Supervised the lead"
    )
    app.voting_deadline = timezone.now() - timedelta(minutes=1)
    app.save(update_fields=["voting_deadline"])
    with pytest.raises(NotPermitted, match="another chair must decide"):
        services.decision_record(application=app, chair=board.chair, outcome="approved", rationale="Good")
    other = panel_member(chair=True)
    decision = decided_by_chair(app, other)
    assert decision.decided_by == other


def test_a_member_who_is_not_chair_cannotdecided_by_chair(board):
    app = UnderReviewApplicationFactory()
    with pytest.raises(NotPermitted, match="Only a panel chair"):
        services.decision_record(application=app, chair=board.members[0], outcome="approved", rationale="x")


def test_chair_must_vote_or_wait_for_the_deadline(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    services.conflict_declare(application=app, member=board.chair, has_conflict=False)
    assert "cast your own vote" in chair_may_decide(application=app, chair=board.chair)
    services.vote_cast(application=app, member=board.chair, project_vote="approve", researcher_fit="suitable")
    decision = services.decision_record(
        application=app, chair=board.chair, outcome="approved", rationale="Good"
    )
    assert decision.pk


def test_a_second_decision_is_refused_with_a_clear_message(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    decided_by_chair(app, board.chair)
    with pytest.raises(DomainError, match="already been decided"):
        services.decision_record(
            application=app,
            chair=board.chair,
            outcome="rejected",
            rationale="Changed my mind",
            departure_reason="x",
        )
    assert Decision.objects.filter(application=app).count() == 1


def test_decisions_are_immutable_in_the_model_and_the_database(board):
    app = UnderReviewApplicationFactory()
    votes_cast(app, board.members, *[("approve", "suitable")] * 3)
    decision = decided_by_chair(app, board.chair)
    decision.rationale = "edited"
    with pytest.raises(RuntimeError, match="final"):
        decision.save()
    with pytest.raises(RuntimeError, match="final"):
        decision.delete()
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(rationale="edited")
    with pytest.raises(Exception, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM panel_decision WHERE id = %s", [decision.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            application=app, outcome="rejected", rationale="again", decided_by=board.chair, version_number=1
        )


# --- reminders -----------------------------------------------------------------------------------


def test_vote_reminders_3_days_and_1_day_before_each_sent_once(board):
    now = timezone.now()
    app = UnderReviewApplicationFactory(voting_deadline=now + timedelta(days=2, hours=12))
    declared_vote(app, board.members[0])
    services.conflict_declare(application=app, member=board.members[1], has_conflict=True, reason="Colleague")
    assert services.vote_reminders_send(now=now) == 3  # members 3, 4 and the chair
    assert services.vote_reminders_send(now=now + timedelta(hours=1)) == 0
    assert services.vote_reminders_send(now=now + timedelta(days=1, hours=13)) == 3
    assert services.vote_reminders_send(now=now + timedelta(days=1, hours=14)) == 0
    assert VoteReminder.objects.filter(application=app).count() == 6
    assert set(VoteReminder.objects.values_list("kind", flat=True)) == {"3_days", "1_day"}
    assert QueuedEmail.objects.filter(topic="panel/vote_reminder", to=[board.members[2].email]).count() == 2
    assert not QueuedEmail.objects.filter(topic="panel/vote_reminder", to=[board.members[0].email]).exists()


def test_no_reminder_a_week_before_the_deadline(board):
    UnderReviewApplicationFactory(voting_deadline=timezone.now() + timedelta(days=7))
    assert services.vote_reminders_send() == 0


def test_vote_reminders_task_runs_the_service(board):
    from panel.tasks import vote_reminders_task

    UnderReviewApplicationFactory(voting_deadline=timezone.now() + timedelta(hours=20))
    assert vote_reminders_task.delay().get() == 5


def test_member_factory_without_membership_is_still_a_panel_member():
    assert PanelMemberFactory().is_panel_member


def test_chair_declares_before_querying(board):
    app = UnderReviewApplicationFactory()
    with pytest.raises(NotPermitted, match="Declare whether"):
        services.application_query_raise(application=app, actor=board.chair, questions="Why?")


def test_nothing_to_declare_before_staff_open_the_review(board):
    with pytest.raises(InvalidTransition, match="not under review"):
        services.conflict_declare(
            application=SubmittedApplicationFactory(), member=board.members[0], has_conflict=False
        )
