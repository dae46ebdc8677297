"""Factories for applications (deposits come from the deposits area's factory).

``ApplicationFactory`` is the one application factory: a draft made through the service. Other
states are subclasses that only change defaults (``SubmittedApplicationFactory``, and the panel's,
ONS and transparency tests' variants built on it)."""

from datetime import timedelta

import factory
from django.utils import timezone

from applications.enums import AccessRoute, ApplicationSection, ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationQuery, ApplicationVersion
from applications.services import application_create, application_update
from deposits.enums import LawfulBasisArt6, LawfulBasisArt9
from tests.factories.accounts import ResearcherFactory
from tests.factories.deposits import AvailableDepositFactory


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft made through the service (reference, lead membership and guardian grants included);
    any other field given is then written directly, and ``deposits=[...]`` are attached."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    lead = factory.SubFactory(ResearcherFactory)
    title = factory.Sequence(lambda n: f"Placement stability and school outcomes {n}")

    @classmethod
    def _create(cls, model_class, *args, lead, title="", **kwargs):
        application = application_create(lead=lead, title=title)
        if kwargs:
            Application.objects.filter(pk=application.pk).update(**kwargs)
            application.refresh_from_db()
        return application

    @factory.post_generation
    def deposits(self, create, extracted, **kwargs):
        if create and extracted:
            self.deposits.set(extracted)


class SubmittedApplicationFactory(ApplicationFactory):
    """A submitted application with its version 1 frozen, ready for staff screening."""

    status = ApplicationStatus.SUBMITTED
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
        answers = {
            "title": self.title,
            "lay_summary": self.lay_summary,
            "public_benefit": self.public_benefit,
        }
        for number in range(1, self.version_number + 1):
            ApplicationVersion.objects.get_or_create(
                application=self,
                number=number,
                defaults={"answers": answers, "submitted_by": self.lead, "submitted_at": timezone.now()},
            )


class UnderReviewApplicationFactory(SubmittedApplicationFactory):
    status = ApplicationStatus.UNDER_REVIEW
    review_opened_at = factory.LazyFunction(timezone.now)
    voting_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


COMPLETE_ANSWERS = {
    ApplicationSection.PEOPLE: {
        "interests_funders": "Funded by the Nuffield Foundation, which has no interest in the results.",
        "interests_commercial": "None",
        "interests_care_links": "None",
    },
    ApplicationSection.PROJECT: {
        "lay_summary": "We want to learn which kinds of care help children stay in one school.",
        "technical_summary": "Multilevel survival models of school moves by placement type.",
        "research_questions": "Does placement type predict school moves?",
        "public_benefit": "Better placement decisions by local authorities.",
        "benefit_to_children": "Fewer school moves for children in care.",
        "care_experienced_involvement": "A care-experienced advisory group shaped the questions.",
        "funding": "Nuffield Foundation grant FR-000123, 2026-2028.",
        "funders_sponsors": "Nuffield Foundation, University of Bristol (sponsor)",
        "ethics_approval": "University ethics committee, ref 2026/117, approved 1 March 2026.",
    },
    ApplicationSection.DATA: {
        "variables_needed": "Placement type and dates, school identifiers (pseudonymised), to model moves.",
        "linkage": "None",
        "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
        "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
    },
    ApplicationSection.SETTINGS: {"access_route": AccessRoute.SAFE_ROOM},
    ApplicationSection.OUTPUTS: {
        "outputs_plan": "Two open-access papers and a briefing for local authorities.",
        "disclosure_control": "SRS output checking; cells under 10 suppressed.",
    },
    ApplicationSection.DECLARATIONS: {"terms_accepted": True, "consent_to_publish": True},
}


def complete_application(application: Application, *, deposits=None, **overrides) -> Application:
    """Answer every question through the service, as the lead would (a fresh available deposit
    unless ``deposits`` are given). ``overrides`` replace single answers."""
    actor = application.lead
    deposits = deposits if deposits is not None else [AvailableDepositFactory()]
    today = timezone.localdate()
    for section, answers in COMPLETE_ANSWERS.items():
        data = dict(answers)
        if section == ApplicationSection.PROJECT:
            data.update(
                title=application.title or "Placement stability",
                access_start=today + timedelta(days=30),
                access_end=today + timedelta(days=365),
            )
        if section == ApplicationSection.DATA:
            data.update(deposits=list(deposits), sensitive_uses=[])
        for key in list(overrides):
            if key in data:
                data[key] = overrides.pop(key)
        application = application_update(application=application, actor=actor, section=section, data=data)
    if overrides:
        raise TypeError(f"Unknown answers: {sorted(overrides)}")
    return application


class ApplicationQueryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationQuery

    application = factory.SubFactory(ApplicationFactory)
    version_number = factory.LazyAttribute(lambda o: o.application.version_number)
    questions = "Please explain why you need school identifiers."
    raised_by = factory.SubFactory("tests.factories.accounts.ChairFactory")


# --- Terms of access -----------------------------------------------------------------------------------

TERMS_TEXT = """## Terms of access

1. Use the data only for the approved project.
2. Never try to identify a child, a family or a carer.
3. Submit every output for statistical disclosure control before release.
"""


def terms_published(
    *, actor=None, label: str | None = None, text: str | None = None, summary: str = "", period: int = 30
):
    """Publish the next version of the terms through the service (the staff ``actor`` by default a
    new one); each call's text differs from the one before, so every version can be published."""
    from applications.selectors import terms_in_force
    from applications.services import terms_publish
    from tests.factories.accounts import StaffFactory

    in_force = terms_in_force()
    number = (in_force.number if in_force else 0) + 1
    return terms_publish(
        actor=actor or StaffFactory(),
        label=label or f"2026.{number}",
        text=text or f"{TERMS_TEXT}\n(Version {number}.)",
        summary_of_changes=summary or (f"Changes for version {number}." if in_force else ""),
        acceptance_period_days=period,
        base_number=in_force.number if in_force else 0,
    )


def co_applicant(application: Application, user=None, *, role=MemberRole.RESEARCHER):
    """An accepted co-applicant (with the team's object permissions) on any application, whatever its
    status: for tests of teams already past the invitation step."""
    from guardian.shortcuts import assign_perm

    from applications.models import ApplicationMember
    from applications.permissions import TEAM_PERMISSIONS

    user = user or ResearcherFactory()
    ApplicationMember.objects.create(
        application=application,
        user=user,
        email=user.email,
        role=role,
        status=MemberStatus.ACCEPTED,
        accepted_at=timezone.now(),
        responded_at=timezone.now(),
    )
    for codename in TEAM_PERMISSIONS:
        assign_perm(f"applications.{codename}", user, application)
    return user


def record_output(application, *, actor=None, deposits=None, **fields):
    """An output recorded through the service, as the lead would (every deposit of the project
    unless ``deposits`` are given)."""
    from applications.after_approval.services import application_output_record

    values = {
        "kind": "publication",
        "title": "Placement moves and school attendance",
        "published_on": timezone.localdate() - timedelta(days=20),
        "doi": "",
        "url": "",
        "citation": "Smith J, Khan A (2026). Placement moves and school attendance. Child Care Rev 12(3).",
        **fields,
    }
    return application_output_record(
        application=application,
        actor=actor or application.lead,
        deposits=list(application.deposits.all()) if deposits is None else deposits,
        **values,
    )
