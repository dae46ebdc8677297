"""Journey 9 (issue 17, acceptance 5): staff publish a version of the terms of access through the
form; the lead reads and accepts it from the application page, but submitting is refused, naming
the co-applicant who has not; the co-applicant opens the emailed link, reads and accepts the terms;
the lead then submits. And an invited researcher reads the terms on the emailed invitation and
joins the team by accepting them."""

import re

import pytest
from django.core import mail

from applications.enums import ApplicationsAuditAction, ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember, TermsAcceptance, TermsOfAccess
from applications.services import application_member_invite
from core.models import AuditEvent
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory, co_applicant, complete_application

from .steps import type_in

pytestmark = pytest.mark.django_db(transaction=True)

TERMS = "## Using the data\n\n1. Only for the approved project.\n2. Never try to identify anyone."


def _emailed_link(to: str, subject_part: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to and subject_part in m.subject)
    return re.search(r"https?://\S+", message.body).group(0)


def _publish(office, *, label: str, text: str, days: str) -> None:
    page = office.page
    office.goto("/terms/staff/")
    office.check("terms versions")
    page.get_by_role("link", name="Publish a new version").click()
    page.get_by_role("heading", name="Publish a new version of the terms of access").wait_for()
    type_in(page.get_by_label("Version label"), label)
    page.get_by_label("The terms of access (Markdown)").fill(text)
    page.get_by_label("Days live teams have to accept it").fill(days)
    office.check("publish form")
    page.get_by_role("button", name="Publish this version").click()
    page.get_by_text(f"({label}) of the terms of access is published and in force.").wait_for()
    office.check("version published")


def test_journey_9_a_new_version_must_be_accepted_by_every_member_before_submission(
    journey, live_server, settings
):
    settings.SITE_URL = live_server.url
    staff = StaffFactory(full_name="Sam Okafor")
    lead = ResearcherFactory(full_name="Dr Amira Haddad")
    co = ResearcherFactory(full_name="Dr Priya Natarajan")
    application = complete_application(ApplicationFactory(lead=lead, title="Kinship care and school moves"))
    co_applicant(application, co)

    # staff publish the first version through the form
    office = journey("staff", user=staff)
    _publish(office, label="2026.1", text=TERMS, days="30")
    terms = TermsOfAccess.objects.get()

    # the lead sees the banner, reads and accepts the terms for themselves
    me = journey("lead", user=lead)
    page = me.page
    me.goto(f"/applications/{application.pk}/")
    page.get_by_text("Version 1 of the terms of access is in force and you have not accepted it").wait_for()
    me.check("banner on the application")
    page.get_by_role("link", name="Read and accept the terms").first.click()
    page.get_by_role("heading", name="Terms of access").wait_for()
    assert page.get_by_role("heading", name="Using the data").is_visible()
    me.check("terms to accept")
    page.get_by_role("checkbox", name=re.compile("I have read these terms of access")).check()
    page.get_by_role("button", name="Accept the terms of access").click()
    page.get_by_text(f"You accepted version 1 of the terms of access for {application.reference}.").wait_for()

    # submitting is refused, naming the co-applicant who has not accepted
    me.goto(f"/applications/{application.pk}/submit/")
    page.get_by_role("button", name="Submit the application").click()
    refusal = page.locator("#refusal-reasons")
    refusal.wait_for()
    assert (
        "Dr Priya Natarajan has not accepted the terms of access in force (version 1" in refusal.inner_text()
    )
    assert "Dr Amira Haddad" not in refusal.inner_text()
    me.check("submission refused")
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT

    # the co-applicant follows the emailed link, reads and accepts the terms
    link = _emailed_link(co.email, "Please accept version 1 of the terms of access")
    assert link == f"{live_server.url}/applications/{application.pk}/terms/", link
    them = journey("co-applicant", user=co)
    them.goto(link)
    them.page.get_by_role("heading", name="Using the data").wait_for()
    them.check("co-applicant reads the terms")
    them.page.get_by_role("checkbox", name=re.compile("I have read these terms of access")).check()
    them.page.get_by_role("button", name="Accept the terms of access").click()
    them.page.get_by_text("You accepted version 1 of the terms of access").wait_for()
    them.check("co-applicant accepted")

    # the lead can now submit
    me.goto(f"/applications/{application.pk}/submit/")
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text(f"{application.reference} is submitted.").wait_for()
    me.check("submitted")

    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    assert set(TermsAcceptance.objects.filter(terms=terms).values_list("user", flat=True)) == {lead.pk, co.pk}
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.TERMS_PUBLISHED, actor=staff).exists()
    accepted = AuditEvent.objects.filter(action=ApplicationsAuditAction.TERMS_ACCEPTED)
    assert set(accepted.values_list("actor", flat=True)) == {lead.pk, co.pk}
    # the public page shows the version in force to anyone
    anyone = journey("anyone")
    anyone.goto("/terms/")
    anyone.page.get_by_text("Version 1 (2026.1), in force since").wait_for()
    anyone.check("public terms")


def test_journey_9_an_invited_researcher_accepts_the_terms_on_joining(journey, live_server, settings):
    settings.SITE_URL = live_server.url
    office = journey("staff", user=StaffFactory())
    _publish(office, label="2026.1", text=TERMS, days="30")
    lead = ResearcherFactory()
    invited = ResearcherFactory(full_name="Dr Kwame Mensah")
    application = ApplicationFactory(lead=lead, title="Care leavers and further education")
    application_member_invite(
        application=application, actor=lead, email=invited.email, role=MemberRole.RESEARCHER
    )
    link = _emailed_link(invited.email, "invited to join")
    them = journey("invited", user=invited)
    page = them.page
    them.goto(link)
    page.get_by_role("heading", name="The terms of access").wait_for()
    assert page.get_by_role("heading", name="Using the data").is_visible()
    them.check("invitation with the terms")
    box = page.get_by_role("checkbox", name=re.compile("I have read these terms of access"))
    page.get_by_role("button", name="Accept the terms and join the team").click()
    assert box.evaluate("box => box.validity.valueMissing")  # joining is accepting them: the browser asks
    assert ApplicationMember.objects.get(email=invited.email).status == MemberStatus.INVITED
    box.check()
    page.get_by_role("button", name="Accept the terms and join the team").click()
    page.get_by_text(f"You are on the team of {application.reference}.").wait_for()
    them.check("joined")
    assert ApplicationMember.objects.get(email=invited.email).status == MemberStatus.ACCEPTED
    assert TermsAcceptance.objects.filter(user=invited, application=application).exists()
