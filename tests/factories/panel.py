"""Factories for the panel's tests: applications in the states the panel sees, members, votes."""

from datetime import timedelta

import factory
from django.utils import timezone

from applications.enums import ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember, ApplicationVersion
from deposits.enums import AccessLevel, DepositStatus, Population
from deposits.models import Deposit, SensitiveUse
from panel.enums import ProjectVote, ResearcherFit
from panel.models import ConflictDeclaration, PanelMembership, Vote
from tests.factories.accounts import ChairFactory, PanelMemberFactory, ResearcherFactory, StaffFactory


class SensitiveUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SensitiveUse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"use-{n}")
    name = factory.Sequence(lambda n: f"Sensitive use {n}")


class PanelDepositFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deposit
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"DEP-P{n:04d}")
    title = factory.Sequence(lambda n: f"Care leavers study {n}")
    description = "De-identified records."
    population = Population.CARE_LEAVERS
    access_level = AccessLevel.SAFE_ROOM
    status = DepositStatus.AVAILABLE
    created_by = factory.SubFactory(StaffFactory)


def _answers(app) -> dict:
    return {"title": app.title, "lay_summary": app.lay_summary, "public_benefit": app.public_benefit}


class PanelApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted application (version 1 frozen), ready for staff screening."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"APP-2026-P{n:04d}")
    lead = factory.SubFactory(ResearcherFactory)
    status = ApplicationStatus.SUBMITTED
    title = factory.Sequence(lambda n: f"Placement stability and school outcomes {n}")
    lay_summary = "How moves between placements affect school attendance."
    public_benefit = "Better placement decisions."
    benefit_to_children = "Fewer placement moves."
    access_start = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    access_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=400))
    version_number = 1
    submitted_at = factory.LazyFunction(timezone.now)
    first_submitted_at = factory.SelfAttribute("submitted_at")

    @factory.post_generation
    def frozen(self, create, extracted, **kwargs):
        if not create:
            return
        ApplicationMember.objects.get_or_create(
            application=self,
            email=self.lead.email,
            defaults={
                "user": self.lead,
                "role": MemberRole.LEAD,
                "status": MemberStatus.ACCEPTED,
                "accepted_at": timezone.now(),
            },
        )
        for number in range(1, self.version_number + 1):
            ApplicationVersion.objects.get_or_create(
                application=self,
                number=number,
                defaults={
                    "answers": _answers(self),
                    "submitted_by": self.lead,
                    "submitted_at": timezone.now(),
                },
            )


class UnderReviewApplicationFactory(PanelApplicationFactory):
    status = ApplicationStatus.UNDER_REVIEW
    review_opened_at = factory.LazyFunction(timezone.now)
    voting_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


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
