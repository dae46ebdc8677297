"""Factories for the ONS notification tests: decided applications with a team and deposits.

``decision_record_for_test`` writes a Decision the way the panel's decision services do (lock the
application, move it to approved or rejected, create the Decision, enqueue the ONS notifications,
all in one transaction) without the panel's votes and quorum, which these tests are not about."""

from datetime import timedelta

import factory
from django.db import transaction
from django.utils import timezone

from applications.enums import ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember
from applications.services import application_transition
from deposits.enums import AccessLevel, DepositStatus, Population
from deposits.models import Deposit, SrsDataset
from notifications.services import ons_notifications_enqueue_for_decision
from panel.enums import DecisionOutcome
from panel.models import Decision
from tests.factories.accounts import ChairFactory, ResearcherFactory, StaffFactory


class OnsDepositFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deposit
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"DEP-N{n:05d}")
    title = factory.Sequence(lambda n: f"Leaving care outcomes study {n}")
    description = "De-identified survey and administrative records."
    population = Population.CARE_LEAVERS
    access_level = AccessLevel.SAFE_ROOM
    status = DepositStatus.AVAILABLE
    created_by = factory.SubFactory(StaffFactory)

    @factory.post_generation
    def datasets(self, create, extracted, **kwargs):
        if create:
            for suffix in extracted or ("A", "B"):
                SrsDataset.objects.create(deposit=self, dataset_id=f"SRS-{self.reference}-{suffix}")


class OnsApplicationFactory(factory.django.DjangoModelFactory):
    """An application under review, with its lead, one accepted co-applicant, one invited (not yet
    accepted) co-applicant and one deposit."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"APP-2026-N{n:05d}")
    lead = factory.SubFactory(ResearcherFactory)
    status = ApplicationStatus.UNDER_REVIEW
    title = factory.Sequence(lambda n: f"Placement moves and school attendance {n}")
    lay_summary = "How moves between placements affect school attendance."
    public_benefit = "Better placement decisions."
    access_start = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    access_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=400))
    version_number = 1
    submitted_at = factory.LazyFunction(timezone.now)
    review_opened_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        if not create:
            return
        ApplicationMember.objects.create(
            application=self,
            user=self.lead,
            email=self.lead.email,
            role=MemberRole.LEAD,
            status=MemberStatus.ACCEPTED,
            accepted_at=timezone.now(),
        )
        if extracted is False:
            return
        colleague = ResearcherFactory()
        ApplicationMember.objects.create(
            application=self,
            user=colleague,
            email=colleague.email,
            role=MemberRole.RESEARCHER,
            status=MemberStatus.ACCEPTED,
            accepted_at=timezone.now(),
        )
        ApplicationMember.objects.create(
            application=self,
            email=f"invited-{self.reference.lower()}@example.org",
            role=MemberRole.RESEARCHER,
        )

    @factory.post_generation
    def deposits(self, create, extracted, **kwargs):
        if create:
            self.deposits.set(extracted if extracted is not None else [OnsDepositFactory()])


def decision_record_for_test(
    *,
    application: Application,
    outcome: str = DecisionOutcome.APPROVED,
    chair=None,
    conditions: str = "",
) -> Decision:
    """Record a decision as the panel's services do: one transaction, ONS rows enqueued in it."""
    chair = chair or ChairFactory()
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        approved = outcome != DecisionOutcome.REJECTED
        application_transition(
            application=app,
            to=ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED,
            actor=chair,
        )
        decision = Decision.objects.create(
            application=app,
            outcome=outcome,
            rationale="The panel weighed the proposal and the team.",
            conditions=conditions,
            access_start=app.access_start if approved else None,
            access_end=app.access_end if approved else None,
            decided_by=chair,
            version_number=app.version_number,
        )
        ons_notifications_enqueue_for_decision(decision=decision)
    return decision
