"""Factories for the panel's tests: members, conflict declarations, votes (applications in the
states the panel sees are in tests.factories.applications)."""

from datetime import timedelta

import factory
from django.db import transaction
from django.utils import timezone

from applications.enums import GRANTED, ApplicationStatus, GrantStatus
from applications.grant_services import grant_issue_for_approval
from applications.models import Grant
from applications.selectors import application_team_snapshot
from panel import services
from panel.enums import DecisionOutcome, ProjectVote, ResearcherFit
from panel.models import ConflictDeclaration, Decision, PanelMembership, Vote
from tests.factories.accounts import ChairFactory, PanelMemberFactory
from tests.factories.applications import SubmittedApplicationFactory, UnderReviewApplicationFactory


def panel_member(*, chair: bool = False, **kwargs):
    """A panel member (or chair) with a current PanelMembership row."""
    user = (ChairFactory if chair else PanelMemberFactory)(**kwargs)
    PanelMembership.objects.get_or_create(user=user, ended_at=None, defaults={"is_chair": chair})
    return user


class ConflictDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictDeclaration

    application = factory.SubFactory(UnderReviewApplicationFactory)
    member = factory.SubFactory(PanelMemberFactory)
    has_conflict = False
    reason = ""


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    application = factory.SubFactory(UnderReviewApplicationFactory)
    member = factory.SubFactory(PanelMemberFactory)
    version_number = factory.SelfAttribute("application.version_number")
    project_vote = ProjectVote.APPROVE
    researcher_fit = ResearcherFit.SUITABLE
    project_comment = "Clear benefit to care leavers."
    researcher_fit_comment = "A university team."


def declared_vote(
    application, member, project_vote=ProjectVote.APPROVE, fit=ResearcherFit.SUITABLE, **kwargs
):
    """The member declares no conflict and votes (directly, without the service's checks)."""
    ConflictDeclaration.objects.get_or_create(
        application=application, member=member, defaults={"has_conflict": False}
    )
    return VoteFactory(
        application=application, member=member, project_vote=project_vote, researcher_fit=fit, **kwargs
    )


class DecisionFactory(factory.django.DjangoModelFactory):
    """A decision row written directly, without the panel's votes and checks (an approval by a
    chair, with an access period that began ten days ago, unless told otherwise)."""

    class Meta:
        model = Decision
        skip_postgeneration_save = True

    application = factory.SubFactory(SubmittedApplicationFactory, status=ApplicationStatus.APPROVED)
    outcome = DecisionOutcome.APPROVED
    rationale = "INTERNAL rationale: member comments summarised."
    public_rationale = "Clear benefit to care leavers; the data asked for is the minimum needed."
    conditions = ""
    access_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    access_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    decided_by = factory.SubFactory(ChairFactory)
    is_automatic = False
    team = factory.LazyAttribute(lambda o: application_team_snapshot(application=o.application))
    version_number = factory.SelfAttribute("application.version_number")
    decided_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def grant(self, create, extracted, **kwargs):
        """Grant 1, as ``decision_record`` issues it, for an approval of an application that was
        granted access (``grant=False`` leaves it out)."""
        if create and extracted is not False and self.is_approval and self.application.status in GRANTED:
            with transaction.atomic():
                issued = grant_issue_for_approval(
                    application=self.application, actor=self.decided_by, decision=self
                )
                status = {
                    ApplicationStatus.REVOKED: GrantStatus.REVOKED,
                    ApplicationStatus.ACCESS_ENDED: GrantStatus.ENDED,
                }
                if self.application.status in status:
                    Grant.objects.filter(pk=issued.pk).update(status=status[self.application.status])


def votes_cast(app, members, *votes):
    """Each member declares no conflict and casts (project, fit) in order."""
    for member, (project, fit) in zip(members, votes, strict=False):
        declared_vote(app, member, project, fit)


def decided_by_chair(app, chair, outcome=DecisionOutcome.APPROVED, **kwargs):
    """The chair declares no conflict, voting closes, and the chair records ``outcome`` through the
    real service."""
    services.conflict_declare(application=app, member=chair, has_conflict=False)
    app.voting_deadline = timezone.now() - timedelta(minutes=1)
    app.save(update_fields=["voting_deadline"])
    return services.decision_record(
        application=app,
        chair=chair,
        outcome=outcome,
        rationale=kwargs.pop("rationale", "Strong benefit."),
        **kwargs,
    )
