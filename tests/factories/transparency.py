"""Rows for the transparency tests: decided applications (one at a time, or many with bulk
inserts) and researchers in a given sector. Deposits, applications and decisions come from the
shared factories."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import ApplicationStatus, MemberRole
from applications.models import Application
from applications.selectors import researcher_snapshot
from deposits.enums import LawfulBasisArt6, LawfulBasisArt9
from panel.enums import DecisionOutcome
from panel.models import Decision
from tests.factories.accounts import ChairFactory, ResearcherFactory, ResearcherProfileFactory
from tests.factories.applications import SubmittedApplicationFactory
from tests.factories.panel import DecisionFactory


class RegisterApplicationFactory(SubmittedApplicationFactory):
    """A submitted application whose team consents to publication, first submitted 40 days ago,
    with an internal technical summary the public pages must never show."""

    title = factory.Sequence(lambda n: f"Educational outcomes of care leavers, project {n}")
    lay_summary = "We will look at how young people leaving care do in further education."
    technical_summary = "INTERNAL technical summary."
    funders_sponsors = "Nuffield Foundation, University of Bristol (sponsor)"
    lawful_basis_art6 = LawfulBasisArt6.PUBLIC_TASK
    lawful_basis_art9 = LawfulBasisArt9.RESEARCH
    consent_to_publish = True
    first_submitted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=40))
    submitted_at = factory.SelfAttribute("first_submitted_at")


def decided_application(
    *,
    outcome: str = DecisionOutcome.APPROVED,
    status: str | None = None,
    deposits=(),
    decided_at=None,
    is_automatic: bool = False,
    lead=None,
    access_end=None,
    **application_fields,
) -> Application:
    """An application with its decision, its status and ``decided_at`` consistent with it."""
    if status is None:
        status = (
            ApplicationStatus.REJECTED if outcome == DecisionOutcome.REJECTED else ApplicationStatus.APPROVED
        )
    decided_at = decided_at or timezone.now() - timedelta(days=10)
    extra = {"lead": lead} if lead is not None else {}
    application = RegisterApplicationFactory(
        status=status, deposits=list(deposits), decided_at=decided_at, **extra, **application_fields
    )
    DecisionFactory(
        application=application,
        outcome=outcome,
        decided_at=decided_at,
        is_automatic=is_automatic,
        decided_by=None if is_automatic else ChairFactory(),
        **({"access_end": access_end} if access_end else {}),
    )
    return application


def researcher_in(sector: str = OrganisationSector.UNIVERSITY, organisation: str = "University of Bristol"):
    user = ResearcherFactory()
    ResearcherProfileFactory(user=user)
    user.researcher_profile.sector = sector
    user.researcher_profile.organisation = organisation
    user.researcher_profile.save(update_fields=["sector", "organisation"])
    return user


def bulk_decided_applications(
    n: int,
    *,
    leads,
    deposits=(),
    outcomes=(DecisionOutcome.APPROVED,),
    start_index: int = 0,
    consent: bool = True,
) -> list[Application]:
    """Many decided applications at once (bulk inserts), spread over the last 18 months, for the
    query-count tests at 1,000 rows. They have no member rows: each decision's team is its lead."""
    chair = ChairFactory()
    now = timezone.now()
    apps = []
    for i in range(n):
        outcome = outcomes[i % len(outcomes)]
        decided = now - timedelta(days=(i * 7) % 540 + 1)
        apps.append(
            Application(
                reference=f"AAP-B-{start_index + i:06d}",
                lead=leads[i % len(leads)],
                status=ApplicationStatus.REJECTED
                if outcome == DecisionOutcome.REJECTED
                else ApplicationStatus.APPROVED,
                title=f"Bulk project {start_index + i}",
                lay_summary="A study of outcomes for children in kinship care.",
                consent_to_publish=consent,
                version_number=1,
                first_submitted_at=decided - timedelta(days=(i % 60) + 5),
                submitted_at=decided - timedelta(days=(i % 60) + 5),
                decided_at=decided,
            )
        )
    apps = Application.objects.bulk_create(apps)
    Decision.objects.bulk_create(
        [
            Decision(
                application=app,
                outcome=outcomes[i % len(outcomes)],
                rationale="INTERNAL",
                public_rationale="Public benefit is clear.",
                access_start=timezone.localdate(),
                access_end=timezone.localdate() + timedelta(days=300),
                decided_by=chair,
                team=[researcher_snapshot(user=app.lead, role=MemberRole.LEAD)],
                version_number=1,
                decided_at=app.decided_at,
            )
            for i, app in enumerate(apps)
        ]
    )
    if deposits:
        through = Application.deposits.through
        through.objects.bulk_create(
            [
                through(application_id=app.pk, deposit_id=deposits[i % len(deposits)].pk)
                for i, app in enumerate(apps)
            ]
        )
    return apps
