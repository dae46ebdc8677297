"""Factories for applications (deposits come from the deposits area's factory)."""

from datetime import timedelta

import factory
from django.utils import timezone

from applications.enums import AccessRoute, ApplicationSection
from applications.models import Application, ApplicationQuery
from applications.services import application_create, application_update
from deposits.enums import DepositStatus
from tests.factories.accounts import ResearcherFactory
from tests.factories.deposits import DepositFactory


class ApplicationDepositFactory(DepositFactory):
    """A deposit as the applications tests need it: available, with no use conditions."""

    status = DepositStatus.AVAILABLE
    reference = factory.Sequence(lambda n: f"DEP-2019-{n:04d}")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft made through the service (reference, lead membership and guardian grants included)."""

    class Meta:
        model = Application

    lead = factory.SubFactory(ResearcherFactory)
    title = factory.Sequence(lambda n: f"Placement stability and school outcomes {n}")

    @classmethod
    def _create(cls, model_class, *args, lead, title="", **kwargs):
        application = application_create(lead=lead, title=title)
        if kwargs:
            Application.objects.filter(pk=application.pk).update(**kwargs)
            application.refresh_from_db()
        return application


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
        "ethics_approval": "University ethics committee, ref 2026/117, approved 1 March 2026.",
    },
    ApplicationSection.DATA: {
        "variables_needed": "Placement type and dates, school identifiers (pseudonymised), to model moves.",
        "linkage": "None",
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
    deposits = deposits if deposits is not None else [ApplicationDepositFactory()]
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
