import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResearcherProfile
from applications.enums import ApplicationsAuditAction, ApplicationStatus, MemberStatus
from applications.models import Application, ApplicationAttachment, ApplicationQuery
from applications.services import (
    application_member_accept,
    application_member_invite,
    application_submit,
    application_transition,
)
from core.models import AuditEvent
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import PDF_BYTES, AvailableDepositFactory

pytestmark = pytest.mark.django_db

PDF = PDF_BYTES


def _pdf(name="ethics.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _section_post(client, application, section, data):
    return client.post(
        reverse("applications:section", kwargs={"pk": application.pk, "section": section}), data
    )


def test_a_researcher_completes_submits_and_withdraws_in_the_browser(client_for, researcher):
    client = client_for(researcher)
    deposit = AvailableDepositFactory()
    response = client.post(reverse("applications:create"), {"title": "School moves in care"})
    application = Application.objects.get(lead=researcher)
    assert response.status_code == 302
    assert response.url == reverse("applications:section", kwargs={"pk": application.pk, "section": "people"})

    page = client.get(reverse("applications:detail", kwargs={"pk": application.pk})).content.decode()
    assert "Draft" in page
    assert "Funding: not answered yet." in page  # missing answers are warnings on the draft

    today = timezone.localdate()
    posts = {
        "people": {
            "interests_funders": "Nuffield",
            "interests_commercial": "None",
            "interests_care_links": "None",
        },
        "project": {
            "title": "School moves in care",
            "lay_summary": "Which placements help children stay at one school.",
            "technical_summary": "Survival models.",
            "research_questions": "Does placement type predict school moves?",
            "public_benefit": "Better decisions.",
            "benefit_to_children": "Fewer school moves.",
            "care_experienced_involvement": "An advisory group.",
            "funding": "Nuffield FR-1.",
            "funders_sponsors": "Nuffield Foundation",
            "ethics_approval": "Ref 2026/117.",
            "access_start": (today + timedelta(days=10)).isoformat(),
            "access_end": (today + timedelta(days=400)).isoformat(),
        },
        "data": {
            "deposits": [deposit.pk],
            "variables_needed": "Placement type.",
            "linkage": "None",
            "lawful_basis_art6": "6_1_e",
            "lawful_basis_art9": "9_2_j",
        },
        "settings": {"access_route": "safe_room"},
        "outputs": {"outputs_plan": "Two papers.", "disclosure_control": "SRS output checks."},
        "declarations": {"terms_accepted": "on", "consent_to_publish": "on"},
    }
    for section, data in posts.items():
        response = _section_post(client, application, section, data)
        assert response.status_code == 302, (section, response.content.decode()[:2000])
    application.refresh_from_db()
    assert application.funding == "Nuffield FR-1."
    assert list(application.deposits.all()) == [deposit]

    submit_url = reverse("applications:submit", kwargs={"pk": application.pk})
    assert "Everything required is answered" in client.get(submit_url).content.decode()
    response = client.post(submit_url, follow=True)
    page = response.content.decode()
    assert "is submitted" in page
    assert "Version 1" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    response = client.post(
        reverse("applications:withdraw", kwargs={"pk": application.pk}),
        {"reason": "Plans changed."},
        follow=True,
    )
    assert "is withdrawn" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    listing = client.get(reverse("applications:my_list")).content.decode()
    assert application.reference in listing
    assert "Withdrawn" in listing

    events = AuditEvent.objects.filter(target_type="applications.application", target_id=str(application.pk))
    for action in (
        ApplicationsAuditAction.CREATED,
        ApplicationsAuditAction.SAVED,
        ApplicationsAuditAction.SUBMITTED,
        ApplicationsAuditAction.WITHDRAWN,
    ):
        event = events.filter(action=action).first()
        assert event is not None, action
        assert event.actor == researcher
        assert event.actor_email == researcher.email
        assert event.created_at is not None


def test_submitting_with_missing_answers_shows_what_is_missing_and_keeps_the_draft(client_for, researcher):
    application = complete_application(ApplicationFactory(lead=researcher), disclosure_control="")
    before = Application.objects.get(pk=application.pk)
    response = client_for(researcher).post(reverse("applications:submit", kwargs={"pk": application.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be submitted yet" in page
    assert "Statistical disclosure control: not answered yet." in page
    after = Application.objects.get(pk=application.pk)
    assert after.status == ApplicationStatus.DRAFT
    assert after.updated_at == before.updated_at
    assert not after.versions.exists()


def test_submitting_with_an_expired_accreditation_shows_a_clear_message(client_for, researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    ResearcherProfile.objects.filter(user=researcher).update(
        accreditation_expires_on=timezone.localdate() - timedelta(days=1)
    )
    response = client_for(researcher).post(reverse("applications:submit", kwargs={"pk": application.pk}))
    assert "ONS accreditation has expired" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_a_non_pdf_attachment_is_refused_with_a_clear_message(client_for, researcher):
    application = ApplicationFactory(lead=researcher)
    before = Application.objects.get(pk=application.pk).updated_at
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {"description": "Ethics letter", "file": _pdf("letter.pdf", b"MZ\x90\x00 not a pdf at all")},
    )
    assert response.status_code == 200
    assert "This file is not a PDF" in response.content.decode()
    assert not ApplicationAttachment.objects.exists()
    assert Application.objects.get(pk=application.pk).updated_at == before


def test_a_pdf_attachment_is_stored_and_served_to_the_team_only(client_for, researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {"description": "Ethics letter", "file": _pdf()},
    )
    assert response.status_code == 302
    attachment = ApplicationAttachment.objects.get()
    url = reverse(
        "applications:attachment_download", kwargs={"pk": application.pk, "attachment_pk": attachment.pk}
    )
    download = client_for(researcher).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert client_for(other_researcher).get(url).status_code == 404


def test_a_bad_date_range_is_a_form_error_not_a_500(client_for, researcher):
    application = ApplicationFactory(lead=researcher)
    response = _section_post(
        client_for(researcher),
        application,
        "project",
        {"access_start": "2027-05-01", "access_end": "2027-01-01"},
    )
    assert response.status_code == 200
    assert "The access end must be after its start." in response.content.decode()


def test_the_draft_form_warns_about_use_condition_matches(client_for, researcher):
    from tests.factories.deposits import SensitiveUseFactory

    use = SensitiveUseFactory(name="Selling insights to advertisers")
    deposit = AvailableDepositFactory()
    deposit.excluded_uses.add(use)
    application = complete_application(ApplicationFactory(lead=researcher), deposits=[deposit])
    application.sensitive_uses.add(use)
    page = client_for(researcher).get(
        reverse("applications:section", kwargs={"pk": application.pk, "section": "data"})
    )
    assert "rejected automatically on submission" in page.content.decode()
    assert (
        f"{deposit.reference} ({deposit.title}) excludes selling insights to advertisers"
        in page.content.decode()
    )


def test_a_co_applicant_sees_the_application_but_gets_403_on_submit(client_for, researcher, other_researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    application_member_accept(membership=member, user=other_researcher)
    client = client_for(other_researcher)
    assert client.get(reverse("applications:detail", kwargs={"pk": application.pk})).status_code == 200
    assert client.post(reverse("applications:submit", kwargs={"pk": application.pk})).status_code == 403
    assert client.post(reverse("applications:withdraw", kwargs={"pk": application.pk})).status_code == 403
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_an_invitation_is_accepted_through_its_page(client_for, researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="supervisor"
    )
    client = client_for(other_researcher)
    assert application.reference in client.get(reverse("applications:my_list")).content.decode()
    url = reverse("applications:invitation", kwargs={"member_pk": member.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "accept"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.ACCEPTED
    assert client.get(reverse("applications:detail", kwargs={"pk": application.pk})).status_code == 200
    assert client.get(url).status_code == 404  # answered: no longer an open invitation


@pytest.mark.parametrize("who", ["member", "chair", "staff"])
def test_the_researcher_screens_are_for_researchers_only(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("applications:my_list")).status_code == 403
    assert client.get(reverse("applications:create")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, researcher):
    application = ApplicationFactory(lead=researcher)
    response = client.get(reverse("applications:detail", kwargs={"pk": application.pk}))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_the_team_answers_the_panel_and_resubmits_in_the_browser(client_for, researcher, chair):
    from django.db import transaction

    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    query = ApplicationQuery.objects.create(
        application=application, version_number=1, questions="Why school identifiers?", raised_by=chair
    )
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        application_transition(application=locked, to=ApplicationStatus.QUERIED, actor=chair)
    client = client_for(researcher)
    questions = client.get(reverse("applications:queries", kwargs={"pk": application.pk})).content.decode()
    assert "Why school identifiers?" in questions
    assert "Not answered yet." in questions
    resubmit_url = reverse("applications:resubmit", kwargs={"pk": application.pk})
    response = client.post(resubmit_url)
    assert "Answer every question from the panel before resubmitting." in response.content.decode()
    response = client.post(
        reverse("applications:query_answer", kwargs={"pk": application.pk, "query_pk": query.pk}),
        {"answer": "To follow school moves."},
    )
    assert response.status_code == 302
    response = _section_post(
        client, application, "outputs", {"outputs_plan": "Three papers.", "disclosure_control": "SRS checks."}
    )
    assert response.status_code == 302
    response = client.post(resubmit_url, follow=True)
    assert "is resubmitted" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RESUBMITTED
    assert application.version_number == 2
    assert (
        "To follow school moves."
        in client.get(reverse("applications:queries", kwargs={"pk": application.pk})).content.decode()
    )


def test_the_lead_invites_and_removes_a_co_applicant_in_the_browser(client_for, researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    client = client_for(researcher)
    response = client.post(
        reverse("applications:member_invite", kwargs={"pk": application.pk}),
        {"email": other_researcher.email, "role": "supervisor"},
    )
    assert response.status_code == 302
    member = application.members.get(email=other_researcher.email)
    assert member.status == MemberStatus.INVITED
    again = client.post(
        reverse("applications:member_invite", kwargs={"pk": application.pk}),
        {"email": other_researcher.email, "role": "researcher"},
    )
    assert "already on the team or invited" in again.content.decode()
    page = client.get(reverse("applications:section", kwargs={"pk": application.pk, "section": "people"}))
    assert other_researcher.email in page.content.decode()
    response = client.post(
        reverse("applications:member_remove", kwargs={"pk": application.pk, "member_pk": member.pk})
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.REMOVED


def test_the_submit_page_offers_no_button_once_submitted(client_for, researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    page = client_for(researcher).get(reverse("applications:submit", kwargs={"pk": application.pk}))
    assert 'value="Submit the application"' not in page.content.decode()
    assert "nothing to submit the application now" in page.content.decode()
    response = client_for(researcher).post(reverse("applications:submit", kwargs={"pk": application.pk}))
    assert response.status_code == 200
    assert "not a draft" in response.content.decode()


def test_a_submitted_application_is_read_only_in_the_form(client_for, researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    url = reverse("applications:section", kwargs={"pk": application.pk, "section": "project"})
    client = client_for(researcher)
    assert "answers are read-only" in client.get(url).content.decode()
    response = client.post(url, {"title": "Changed"})
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.title != "Changed"


def test_home_shows_the_researchers_next_actions(client_for, researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    mine = client_for(researcher).get(reverse("core:home")).content.decode()
    assert "Finish and submit your draft applications" in mine
    theirs = client_for(other_researcher).get(reverse("core:home")).content.decode()
    assert "Answer an invitation to join a team" in theirs


def test_an_attachment_over_the_size_limit_is_refused(client_for, researcher, settings):
    settings.MAX_UPLOAD_BYTES = 40
    application = ApplicationFactory(lead=researcher)
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {"description": "Ethics letter", "file": _pdf(content=PDF + b"x" * 100)},
    )
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert not ApplicationAttachment.objects.exists()


def test_the_templates_have_no_inline_script_or_style():
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "templates" / "applications"
    for template in folder.glob("*.html"):
        text = template.read_text()
        assert "style=" not in text, template
        assert "<style" not in text, template
        for tag in text.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), template


def _sent_back(client, url):
    """Open the page and send its form back as a browser would, untouched."""
    from tests.security.forms import post_forms

    page = client.get(url).content.decode()
    form = next(f for f in post_forms(page, url) if "access_start" in f.fields)
    return page, client.post(url, form.as_sent())


def test_saved_access_dates_show_in_the_date_inputs_and_survive_saving_the_section_again(
    client_for, researcher
):
    start, end = timezone.localdate() + timedelta(days=40), timezone.localdate() + timedelta(days=400)
    application = ApplicationFactory(lead=researcher, title="Kinship", access_start=start, access_end=end)
    url = reverse("applications:section", kwargs={"pk": application.pk, "section": "project"})
    page, response = _sent_back(client_for(researcher), url)
    assert f'name="access_start" value="{start.isoformat()}"' in page
    assert f'name="access_end" value="{end.isoformat()}"' in page
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.access_start, application.access_end, application.title) == (start, end, "Kinship")


def test_a_section_saved_with_an_end_before_the_start_keeps_every_other_answer(client_for, researcher):
    application = ApplicationFactory(lead=researcher, title="Kinship")
    start = timezone.localdate() + timedelta(days=60)
    response = _section_post(
        client_for(researcher),
        application,
        "project",
        {
            "title": "Kinship care and school moves",
            "lay_summary": "How school attendance changes after a move to relatives.",
            "funding": "Nuffield Foundation",
            "access_start": start.isoformat(),
            "access_end": (start - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The access end must be after its start." in page
    assert 'href="#id_access_end"' in page  # the error names the field to fix
    assert f'name="access_end" value="{(start - timedelta(days=1)).isoformat()}"' in page  # as typed
    assert "are saved" in page
    application.refresh_from_db()
    assert application.title == "Kinship care and school moves"
    assert application.lay_summary == "How school attendance changes after a move to relatives."
    assert application.funding == "Nuffield Foundation"
    assert application.access_start == start
    assert application.access_end is None
    saved = AuditEvent.objects.get(action=ApplicationsAuditAction.SAVED, target_id=str(application.pk))
    assert "access_end" not in saved.data["changed"]


def test_start_an_application_from_a_deposit_page_requests_that_deposit(client_for, researcher):
    deposit = AvailableDepositFactory()
    client = client_for(researcher)
    page = client.get(reverse("deposits:detail", args=[deposit.reference])).content.decode()
    start_url = re.search(r'href="([^"]*)">Start an application</a>', page).group(1)
    assert start_url == reverse("applications:create") + f"?deposit={deposit.reference}"
    start = client.get(start_url).content.decode()
    assert f"You are applying for <strong>{deposit.reference}" in start
    response = client.post(start_url, {"title": "School moves"})
    application = Application.objects.get(lead=researcher)
    assert list(application.deposits.all()) == [deposit]
    data = client.get(reverse("applications:section", kwargs={"pk": application.pk, "section": "data"}))
    checkbox = re.search(rf'<input[^>]*value="{deposit.pk}"[^>]*>', data.content.decode()).group(0)
    assert "checked" in checkbox
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=ApplicationsAuditAction.CREATED, target_id=str(application.pk))
    assert event.data == {"deposits": [deposit.reference]}


@pytest.mark.parametrize(
    "value", ["DEP-0000-0000", "unavailable", "%00", "x%00y", "A" * 500, "%FF%FE", "'; --"]
)
def test_start_an_application_ignores_a_deposit_that_is_not_available_with_a_message(
    client_for, researcher, value
):
    from tests.factories.deposits import DepositFactory

    if value == "unavailable":
        value = DepositFactory().reference  # a draft deposit, not in the catalogue
    client = client_for(researcher)
    url = reverse("applications:create") + f"?deposit={value}"
    page = client.get(url)
    assert page.status_code == 200
    assert "That deposit is not available in the catalogue" in page.content.decode()
    assert "You are applying for" not in page.content.decode()
    response = client.post(url, {"title": "School moves"})
    assert response.status_code == 302
    assert not Application.objects.get(lead=researcher).deposits.exists()
