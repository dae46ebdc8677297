"""Journey 1: a researcher signs up, confirms the email, fills the profile, drafts an application
section by section (typing like a person), saves, signs out, comes back another day and submits."""

import re

import pytest
from django.core import mail

from accounts.models import User
from applications.enums import ApplicationStatus
from applications.models import Application
from tests.factories.deposits import AvailableDepositFactory

from .steps import access_dates, save_section, type_in

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL, PASSWORD = "rhiannon@example.org", "Lantern-Orchard-2026"


def test_journey_1_sign_up_draft_save_come_back_and_submit(journey, settings):
    settings.SITE_URL = ""  # links in emails are then relative to the live server
    deposit = AvailableDepositFactory(title="Moving On: outcomes for care leavers")

    me = journey("researcher")
    page = me.page
    me.goto("/")
    me.check("home page")

    # sign up and confirm the email
    page.get_by_role("link", name="Register as a researcher").first.click()
    me.check("sign-up form")
    type_in(page.get_by_label("Full name"), "Dr Rhiannon Price")
    type_in(page.get_by_label("Email address"), EMAIL)
    type_in(page.locator("#id_password1"), PASSWORD)
    type_in(page.locator("#id_password2"), PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    me.check("sign-up done")

    confirm_path = re.search(r"(/accounts/confirm/\S+/)", mail.outbox[-1].body).group(1)
    me.goto(confirm_path)
    page.get_by_text("your email address is confirmed").wait_for()
    me.check("email confirmed, sign in")

    me.sign_in(EMAIL, PASSWORD)
    page.get_by_text("signed in as a researcher").wait_for()
    me.check("researcher home")

    # the profile (organisation and ONS accreditation)
    page.get_by_role("link", name="Profile").click()
    type_in(page.get_by_label("Organisation", exact=True), "University of Nottingham")
    page.get_by_label("Organisation sector").select_option("university")
    type_in(page.get_by_label("Job title"), "Research Fellow")
    type_in(page.get_by_label("ORCID iD"), "0000-0002-1825-0097")
    page.get_by_label("ONS accredited researcher status").select_option("full")
    type_in(page.get_by_label("Accreditation number"), "ARN-2026-55501")
    page.get_by_label("Accreditation expiry date").fill("2029-06-30")
    me.check("profile filled")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    me.check("profile saved")
    profile = User.objects.get(email=EMAIL).researcher_profile
    assert profile.organisation == "University of Nottingham"
    assert profile.accreditation_number == "ARN-2026-55501"

    # start a draft
    me.goto("/applications/")
    me.check("my applications (none)")
    page.get_by_role("link", name="Start a new application").click()
    type_in(page.get_by_label("Working title of the project"), "School moves of children in care")
    me.check("start an application")
    page.get_by_role("button", name="Start the application").click()
    page.get_by_text("is saved. Fill in each section in any order.").wait_for()
    application = Application.objects.get(lead__email=EMAIL)

    # Safe people
    type_in(
        page.get_by_label("Funders of the work and their interest in it"),
        "The Nuffield Foundation, which has no interest in the results.",
    )
    type_in(page.get_by_label("Commercial interests of any team member"), "None")
    type_in(page.get_by_label("Links to care providers or local authorities"), "None")
    save_section(page, "Safe people")

    # Safe project
    page.get_by_role("link", name="Next: Safe project").click()
    project = {
        "Lay summary": "We want to learn which kinds of care help children stay in the same school.",
        "Technical summary": "Multilevel survival models of school moves by placement type.",
        "Research questions": "Does placement type predict school moves?",
        "Public benefit": "Better placement decisions by local authorities.",
        "Benefit to children in social care and care leavers": "Fewer school moves for children in care.",
        "Involvement of care-experienced people": "A care-experienced advisory group shaped the questions.",
        "Funding": "Nuffield Foundation grant FR-000123, 2026 to 2028.",
        "Funders and sponsors": "Nuffield Foundation, University of Nottingham (sponsor)",
        "Ethics approval": "University ethics committee, ref 2026/117, approved 1 March 2026.",
    }
    for label, text in project.items():
        type_in(page.get_by_label(label, exact=True), text)
    start, end = access_dates()
    page.get_by_label("Access start").fill(start)
    page.get_by_label("Access end").fill(end)
    me.check("safe project typed")
    save_section(page, "Safe project")

    # Safe data, then the researcher saves and signs out for the day
    page.get_by_role("link", name="Next: Safe data").click()
    page.get_by_label(f"{deposit.reference} {deposit.title}").check()
    type_in(
        page.get_by_label("Variables needed and why"),
        "Placement type and dates, pseudonymised school identifiers, to model school moves.",
    )
    type_in(page.get_by_label("Linkage to other data"), "None")
    page.get_by_label("Legal basis under UK GDPR Article 6").select_option(label="Art 6(1)(e) public task")
    page.get_by_label("Condition for special category data under UK GDPR Article 9").select_option(
        label="Art 9(2)(j) archiving, research and statistics"
    )
    save_section(page, "Safe data")
    me.check("safe data saved")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    me.close()

    # another day: sign in again, find the draft, finish it
    me = journey("researcher-comes-back")
    page = me.page
    me.sign_in(EMAIL, PASSWORD)
    me.goto("/applications/")
    page.get_by_role("link", name=application.reference).first.click()
    page.get_by_role("heading", name="School moves of children in care").wait_for()
    me.check("draft detail, half done")
    assert "Still to do before you can submit" in page.locator("#application-warnings").inner_text()

    page.get_by_role("link", name="Safe settings").first.click()
    page.get_by_label("SRS safe room").check()
    save_section(page, "Safe settings")

    page.get_by_role("link", name="Next: Safe outputs").click()
    type_in(
        page.get_by_label("Outputs and publication plan"),
        "Two open-access papers and a briefing for local authorities.",
    )
    type_in(
        page.get_by_label("Statistical disclosure control"), "SRS output checking; cells under 10 suppressed."
    )
    save_section(page, "Safe outputs")

    page.get_by_role("link", name="Next: Declarations").click()
    page.get_by_label("I accept the terms of access on behalf of the team").check()
    page.get_by_label("Consent to publish the lay summary in the public register if approved").check()
    page.get_by_label("The team agrees to be named in the public register if approved").check()
    save_section(page, "Declarations")

    page.get_by_role("link", name="Review and submit").click()
    page.get_by_text("Everything required is answered.").wait_for()
    me.check("review and submit")
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_role("heading", name="School moves of children in care").wait_for()
    me.check("submitted")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.deposits.get() == deposit
    assert application.lay_summary == project["Lay summary"]
    # what the public register publishes in the UK data-use-register format, if approved
    assert application.funders_sponsors == project["Funders and sponsors"]
    assert (application.lawful_basis_art6, application.lawful_basis_art9) == ("6_1_e", "9_2_j")
    assert application.consent_to_publish_names is True
    assert application.versions.count() == 1
    assert "Version 1" in page.locator("#versions").inner_text()
    assert any(EMAIL in m.to and application.reference in m.subject for m in mail.outbox)
