"""Journey 10 (issue 17, acceptance 4): the lead of an approved project follows the emailed reminder
of the progress report, records a publication with its DOI through the form (a mistyped DOI is
refused first, with what is wrong), and the public sees it on the project's register entry and on
the page of the deposit it used, under "How your data was used", but not on the page of a deposit
it did not use. Then the lead sends the report, which lists the output."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from applications.after_approval.services import reports_process
from applications.models import ApplicationOutput, ApplicationReport
from tests.factories.accounts import ResearcherFactory, ResearcherProfileFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application

from .steps import type_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _emailed_link(to: str, subject_part: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to and subject_part in m.subject)
    return re.search(r"https?://\S+", message.body).group(0)


def test_journey_10_the_lead_records_an_output_and_the_public_sees_it(journey, live_server, settings):
    settings.SITE_URL = live_server.url
    used = AvailableDepositFactory(title="Moving On study")
    other = AvailableDepositFactory(title="Kinship survey")
    lead = ResearcherFactory(full_name="Dr Amira Haddad")
    ResearcherProfileFactory(user=lead)
    project = decided_application(lead=lead, deposits=[used, other], title="Care leavers and college")
    today = timezone.localdate()
    project.access_start = today - timedelta(days=365 - 30)
    project.save(update_fields=["access_start"])
    reports_process(today=today)  # the hourly task: the report is scheduled and the team reminded
    link = _emailed_link(lead.email, "Annual progress report due")

    team = journey("lead", user=lead)
    team.goto(link)
    team.page.get_by_role("heading", name="Annual progress report, year 1").wait_for()
    team.check("report due")
    team.page.get_by_role("link", name="record an output").click()
    team.page.get_by_role("heading", name="Record an output").wait_for()
    team.page.get_by_label("Kind of output").select_option(label="Publication")
    type_in(team.page.get_by_label("Title"), "College completion of care leavers")
    team.page.get_by_label("Date").fill((today - timedelta(days=10)).isoformat())
    type_in(team.page.get_by_label("DOI"), "https://doi.org/10.12/CL-2026")  # registrant too short
    type_in(team.page.get_by_label("Authors and citation"), "Haddad A, Jones B (2026). Child Care Rev 9(2).")
    team.page.get_by_label(f"{used.reference} {used.title}").check()
    team.check("output form")
    team.page.get_by_role("button", name="Save the output").click()
    team.page.locator("#form-errors").get_by_text("not 4 to 9 digits").wait_for()
    assert not ApplicationOutput.objects.exists()
    doi = team.page.get_by_label("DOI")
    doi.fill("")
    type_in(doi, "https://doi.org/10.1234/CL-2026")
    team.page.get_by_role("button", name="Save the output").click()
    team.page.get_by_text("is recorded; the public register lists it").wait_for()
    team.check("outputs listed")
    output = ApplicationOutput.objects.get()
    assert output.doi == "10.1234/cl-2026"
    assert list(output.deposits.all()) == [used]

    public = journey("public")
    public.goto(f"/register/{project.reference}/")
    outputs = public.page.locator("#entry-outputs")
    outputs.get_by_role("link", name="College completion of care leavers").wait_for()
    assert (
        outputs.get_by_role("link", name="College completion of care leavers").get_attribute("href")
        == "https://doi.org/10.1234/cl-2026"
    )
    public.check("register entry")
    public.goto(f"/deposits/{used.reference}/")
    section = public.page.locator("#deposit-projects")
    section.get_by_role("heading", name="How your data was used").wait_for()
    row = section.locator(f"#deposit-use-{project.reference}")
    assert "Care leavers and college" in row.inner_text()
    assert "College completion of care leavers" in row.inner_text()
    public.check("deposit page used")
    public.goto(f"/deposits/{other.reference}/")
    row = public.page.locator(f"#deposit-use-{project.reference}")
    assert "Care leavers and college" in row.inner_text()  # approved to use it
    assert "College completion of care leavers" not in row.inner_text()  # but the output did not

    team.goto(link)
    assert "College completion of care leavers" in team.page.locator("#report-outputs").inner_text()
    type_in(team.page.get_by_label("Summary of progress"), "Data linked; the first paper is out.")
    type_in(team.page.get_by_label("Problems met"), "None")
    team.page.get_by_role("button", name="Send the report").click()
    team.page.get_by_text("is sent. Thank you.").wait_for()
    report = ApplicationReport.objects.get()
    assert report.is_submitted
    assert report.outputs_listed[0]["doi"] == "10.1234/cl-2026"
