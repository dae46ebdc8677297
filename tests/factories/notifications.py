"""Factories for the ONS notification tests: decided applications with a team and deposits.

``decision_record_for_test`` writes a Decision the way the panel's decision services do (lock the
application, move it to approved or rejected, create the Decision, enqueue the ONS notifications,
all in one transaction) without the panel's votes and quorum, which these tests are not about."""

import threading

import factory
from django.db import connection, transaction
from django.utils import timezone

from applications.enums import ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember
from applications.services import application_transition
from deposits.models import SrsDataset
from notifications.services import ons_notifications_enqueue_for_decision
from panel.enums import DecisionOutcome
from panel.models import Decision
from tests.factories.accounts import ChairFactory, ResearcherFactory
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.panel import DecisionFactory


class OnsDepositFactory(AvailableDepositFactory):
    """An available deposit with two SRS datasets, ``SRS-<reference>-A`` and ``-B`` (or the
    suffixes given as ``datasets=[...]``)."""

    @factory.post_generation
    def datasets(self, create, extracted, **kwargs):
        if create:
            for suffix in extracted or ("A", "B"):
                SrsDataset.objects.create(deposit=self, dataset_id=f"SRS-{self.reference}-{suffix}")


class OnsApplicationFactory(UnderReviewApplicationFactory):
    """An application under review, with its lead, one accepted co-applicant, one invited (not yet
    accepted) co-applicant (``team=False``: the lead alone) and one deposit."""

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        if not create or extracted is False:
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
        decision = DecisionFactory(
            application=app,
            outcome=outcome,
            rationale="The panel weighed the proposal and the team.",
            public_rationale="",
            conditions=conditions,
            access_start=app.access_start if approved else None,
            access_end=app.access_end if approved else None,
            decided_by=chair,
        )
        ons_notifications_enqueue_for_decision(decision=decision)
    return decision


def decisions_recorded_in_threads(applications, *, threads: int = 8) -> None:
    """Approve each application, from ``threads`` threads at once (each its own connection), as
    the panel's chairs would; raises the first error any thread met."""
    errors = []

    def decide(batch):
        try:
            for application in batch:
                decision_record_for_test(application=application)
        except Exception as exc:  # raised below, in the caller's thread
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=decide, args=(applications[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
