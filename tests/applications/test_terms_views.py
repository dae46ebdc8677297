"""The pages of the terms of access: public (in force and every version), staff (versions, publish,
who has not accepted), the team's page to accept, the invitation that offers the terms, and the
submission page's refusal naming who has not accepted."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.enums import MemberRole, MemberStatus
from applications.models import ApplicationMember, TermsAcceptance, TermsOfAccess
from applications.selectors import terms_outstanding
from applications.services import application_member_invite, terms_accept, terms_acceptance_requests_send
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import (
    ApplicationFactory,
    co_applicant,
    complete_application,
    terms_published,
)
from tests.factories.transparency import decided_application

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- public ----------------------------------------------------------------------------------------


def test_anyone_reads_the_terms_in_force_and_every_earlier_version(client):
    assert "has not published its terms of access" in _text(client.get(reverse("terms:current")))
    terms_published(label="2026.1", text="## Use of data\n\nOnly for the approved project.")
    terms_published(label="2026.2", text="## Use of data\n\nOnly for the approved project, in the SRS.")
    page = _text(client.get(reverse("terms:current")))
    assert "Version 2 (2026.2), in force since" in page
    assert "<h2>Use of data</h2>" in page
    assert "in the SRS." in page
    assert 'href="/terms/1/">Version 1 (2026.1)</a>' in page
    old = _text(client.get(reverse("terms:version", kwargs={"number": 1})))
    assert "Replaced by" in old
    assert "Only for the approved project.</p>" in old
    assert "Changes for version 2." in _text(client.get(reverse("terms:version", kwargs={"number": 2})))
    assert client.get(reverse("terms:version", kwargs={"number": 3})).status_code == 404
    assert 'href="/terms/">Terms of access</a>' in _text(client.get(reverse("core:home")))  # the footer


def test_markup_in_the_terms_is_shown_as_text_never_run(client):
    terms_published(text="Read this <script>alert(1)</script> and [this](javascript:alert(1)).")
    page = client.get(reverse("terms:current")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "javascript:" not in page


# --- staff -----------------------------------------------------------------------------------------


def test_staff_publish_a_version_through_the_form(client_for, staff):
    client = client_for(staff)
    form = _text(client.get(reverse("terms:staff_publish")))
    assert "No version is published yet: this will be version 1." in form
    response = client.post(
        reverse("terms:staff_publish"),
        {
            "label": "2026.1",
            "text": "## Terms\n\nUse the data only for the project.",
            "summary_of_changes": "",
            "acceptance_period_days": "21",
            "base_number": "0",
        },
    )
    terms = TermsOfAccess.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("terms:staff_version", kwargs={"number": 1})
    assert (terms.label, terms.acceptance_period_days, terms.published_by) == ("2026.1", 21, staff)
    page = _text(client.get(response.url))
    assert "Version 1 (2026.1) of the terms of access is published and in force." in page
    listing = _text(client.get(reverse("terms:staff_list")))
    assert "Version 1 (2026.1)</a> · in force" in listing
    # the form for the next version starts from the text in force and says what is needed
    again = client.get(reverse("terms:staff_publish"))
    assert again.context["form"].initial["text"] == terms.text
    refused = client.post(
        reverse("terms:staff_publish"),
        {
            "label": "2026.2",
            "text": "Changed.",
            "summary_of_changes": "",
            "acceptance_period_days": "21",
            "base_number": "1",
        },
    )
    assert refused.status_code == 200
    assert "Say what changed since version 1" in _text(refused)
    assert TermsOfAccess.objects.count() == 1


def test_staff_see_who_has_not_accepted_with_names_application_version_and_days_overdue(client_for, staff):
    terms = terms_published(period=7)
    live = decided_application(title="Leaving care at 18")
    late = co_applicant(live, ResearcherFactory(full_name="Dr Ines Duarte"))
    terms_accept(application=live, user=live.lead, terms=terms)
    # asked 20 days ago (approved after publication, found by the sweep then): due 13 days ago
    terms_acceptance_requests_send(today=timezone.localdate() - timedelta(days=20))
    waiting = decided_application(title="Kinship and school")  # asked today: 7 days left
    terms_acceptance_requests_send()
    page = client_for(staff).get(reverse("terms:staff_not_accepted"))
    overdue = _text(page).split('id="terms-overdue"')[1].split("</table>")[0]
    assert "Dr Ines Duarte" in overdue
    assert live.reference in overdue
    assert f"{terms.number} ({terms.label})" in overdue
    assert "<td>13</td>" in overdue
    within = _text(page).split('id="terms-waiting"')[1].split("</table>")[0]
    assert waiting.reference in within
    assert "<td>7</td>" in within
    assert [row.user for row in page.context["overdue_rows"]] == [late]  # the lead accepted
    assert "Terms of access not accepted" in _text(client_for(staff).get(reverse("panel:staff_applications")))


# --- the team accepts ----------------------------------------------------------------------------------


def test_a_team_member_reads_and_accepts_the_terms_from_the_application_page(client_for, researcher):
    application = ApplicationFactory(lead=researcher)
    terms = terms_published(text="## Our terms\n\nBe careful with the data.")
    client = client_for(researcher)
    detail = _text(client.get(reverse("applications:detail", kwargs={"pk": application.pk})))
    assert "Version 1 of the terms of access is in force and you have not accepted it" in detail
    url = reverse("applications:terms_accept", kwargs={"pk": application.pk})
    assert f'href="{url}"' in detail
    page = _text(client.get(url))
    assert "<h2>Our terms</h2>" in page
    assert "I have read these terms of access and accept them" in page

    unticked = client.post(url, {"terms_number": terms.number})
    assert unticked.status_code == 200
    assert "Tick the box to accept the terms of access." in _text(unticked)
    assert not TermsAcceptance.objects.exists()

    response = client.post(url, {"accept": "on", "terms_number": terms.number})
    assert response.status_code == 302
    assert response.url == reverse("applications:detail", kwargs={"pk": application.pk})
    assert TermsAcceptance.objects.filter(user=researcher, application=application, terms=terms).exists()
    detail = _text(client.get(response.url))
    assert "You accepted version 1 of the terms of access" in detail
    assert "you have not accepted it" not in detail
    assert "You accepted version 1 for" in _text(client.get(url))


def test_accepting_a_version_replaced_meanwhile_is_refused_on_the_form(client_for, researcher):
    application = ApplicationFactory(lead=researcher)
    old = terms_published()
    terms_published()
    response = client_for(researcher).post(
        reverse("applications:terms_accept", kwargs={"pk": application.pk}),
        {"accept": "on", "terms_number": old.number},
    )
    assert response.status_code == 200
    assert "Version 1 of the terms is no longer in force: read version 2" in _text(response)
    assert not TermsAcceptance.objects.exists()


def test_the_submission_page_names_the_member_who_has_not_accepted(client_for, researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    co_applicant(application, ResearcherFactory(full_name="Dr Femi Adeyemi"))
    terms = terms_published()
    terms_accept(application=application, user=researcher, terms=terms)
    response = client_for(researcher).post(reverse("applications:submit", kwargs={"pk": application.pk}))
    assert response.status_code == 200
    refusal = _text(response).split('id="refusal-reasons"')[1].split("</ul>")[0]
    assert "Dr Femi Adeyemi has not accepted the terms of access in force (version 1" in refusal


# --- the invitation offers the terms ---------------------------------------------------------------------


def _invitation(application, email):
    return application_member_invite(
        application=application, actor=application.lead, email=email, role=MemberRole.RESEARCHER
    )


def test_an_invited_researcher_reads_and_accepts_the_terms_on_joining(client_for, researcher):
    application = ApplicationFactory()
    terms = terms_published(text="## Terms\n\nOnly in the SRS.")
    invitation = _invitation(application, researcher.email)
    client = client_for(researcher)
    url = reverse("applications:invitation", kwargs={"member_pk": invitation.pk})
    page = _text(client.get(url))
    assert "Only in the SRS." in page
    assert "Accept the terms and join the team" in page

    unticked = client.post(url, {"decision": "accept", "terms_number": terms.number})
    assert unticked.status_code == 200
    assert "Tick the box to accept the terms of access." in _text(unticked)
    invitation.refresh_from_db()
    assert invitation.status == MemberStatus.INVITED

    joined = client.post(url, {"decision": "accept", "accept": "on", "terms_number": terms.number})
    assert joined.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == MemberStatus.ACCEPTED
    assert researcher not in terms_outstanding(application=application)


def test_declining_needs_no_box_ticked(client_for, researcher):
    application = ApplicationFactory()
    terms_published()
    invitation = _invitation(application, researcher.email)
    response = client_for(researcher).post(
        reverse("applications:invitation", kwargs={"member_pk": invitation.pk}), {"decision": "decline"}
    )
    assert response.status_code == 302
    assert ApplicationMember.objects.get(pk=invitation.pk).status == MemberStatus.DECLINED


def test_staff_see_on_an_approved_project_that_its_team_has_not_all_accepted(client_for, staff):
    live = decided_application(access_start=timezone.localdate() + timedelta(days=20))
    co = co_applicant(live, ResearcherFactory(full_name="Dr Ada Obi"))
    terms = terms_published()
    terms_accept(application=live, user=live.lead, terms=terms)
    url = reverse("panel:staff_application", kwargs={"reference": live.reference})
    standing = _text(client_for(staff).get(url)).split('id="terms-standing"')[1].split("</section>")[0]
    assert "Not every team member has accepted version 1" in standing
    assert "although the project has access from" in standing
    assert "Dr Ada Obi" in standing
    assert live.lead.get_full_name() not in standing
    terms_accept(application=live, user=co, terms=terms)
    assert "Every team member has accepted version 1" in _text(client_for(staff).get(url))


def test_the_home_page_asks_a_member_to_accept_the_terms(client_for, researcher):
    application = ApplicationFactory(lead=researcher)
    client = client_for(researcher)
    assert "Accept the terms of access" not in _text(client.get(reverse("core:home")))
    terms = terms_published()
    home = _text(client.get(reverse("core:home")))
    assert "Accept the terms of access" in home
    assert reverse("applications:terms_accept", kwargs={"pk": application.pk}) in home
    terms_accept(application=application, user=researcher, terms=terms)
    assert "Accept the terms of access" not in _text(client.get(reverse("core:home")))
