"""Every application URL as a stranger, the version diff, and the researcher's list of applications
(its query count and what each row shows)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone

from applications import urls as application_urls
from applications.enums import ApplicationStatus, ReportKind
from applications.models import Application, ApplicationOutput, ApplicationQuery, ApplicationReport
from applications.services import (
    application_attachment_add,
    application_member_accept,
    application_member_invite,
    application_submit,
    application_transition,
)
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import PDF_BYTES

pytestmark = pytest.mark.django_db


# --- Every URL, with a stranger's login --------------------------------------------------------------


def _application_with_everything(lead, chair):
    from django.db import transaction

    application = complete_application(ApplicationFactory(lead=lead))
    co = ResearcherFactory()
    member = application_member_invite(application=application, actor=lead, email=co.email, role="researcher")
    application_member_accept(membership=member, user=co)
    attachment = application_attachment_add(
        application=application,
        actor=lead,
        uploaded=SimpleUploadedFile("ethics.pdf", PDF_BYTES, content_type="application/pdf"),
        description="Ethics letter",
    )
    application_submit(application=application, actor=lead)
    query = ApplicationQuery.objects.create(
        application=application, version_number=1, questions="Why?", raised_by=chair
    )
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        application_transition(application=locked, to=ApplicationStatus.QUERIED, actor=chair)
    invited = application_member_invite(
        application=application, actor=lead, email="pending@example.org", role="supervisor"
    )
    # rows for the after-approval URLs (written directly: the project is not approved)
    output = ApplicationOutput.objects.create(
        application=application, title="A paper", published_on=timezone.localdate(), recorded_by=lead
    )
    report = ApplicationReport.objects.create(
        application=application, kind=ReportKind.PROGRESS, period=1, due_on=timezone.localdate()
    )
    return application, {
        "output_pk": output.pk,
        "report_pk": report.pk,
        "pk": application.pk,
        "section": "project",
        "member_pk": member.pk,
        "attachment_pk": attachment.pk,
        "number": 1,
        "query_pk": query.pk,
        "invitation_pk": invited.pk,
    }


#: The staff's pages under the applications' URLs: a researcher is refused them by role (403, as the
#: access matrix says), whatever the application.
STAFF_PAGES = {"grant_resume"}


def _object_urls(kwargs_pool) -> list[str]:
    urls = []
    for pattern in application_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        params = list(pattern.pattern.converters)
        if not params or pattern.name in STAFF_PAGES:
            continue  # the user's own list and the start page; the staff's pages
        kwargs = {name: kwargs_pool[name] for name in params}
        if pattern.name == "invitation":
            kwargs = {"member_pk": kwargs_pool["invitation_pk"]}
        urls.append(reverse(f"applications:{pattern.name}", kwargs=kwargs))
    return urls


def test_every_application_url_answers_404_to_a_researcher_not_on_the_team(client_for, researcher, chair):
    application, pool = _application_with_everything(researcher, chair)
    stranger = client_for(ResearcherFactory())
    urls = _object_urls(pool)
    named = {p.name for p in application_urls.urlpatterns if p.pattern.converters} - STAFF_PAGES
    assert len(urls) == len(named) >= 13
    for url in urls:
        assert stranger.get(url).status_code == 404, url
        assert stranger.post(url, {"decision": "accept", "answer": "x", "reason": "x"}).status_code == 404, (
            url
        )
    for name in STAFF_PAGES:
        assert stranger.get(reverse(f"applications:{name}", args=[application.pk])).status_code == 403
    # the stranger's own list does not show it either
    assert application.reference not in stranger.get(reverse("applications:my_list")).content.decode()
    # and nothing changed
    application.refresh_from_db()
    assert application.status == ApplicationStatus.QUERIED
    # the team does see these pages
    team = client_for(researcher)
    for url in urls:
        if "/remove/" in url or "/invitations/" in url or url.endswith("/close/"):
            continue  # buttons; the close page sends the team back unless access is live (test_closure)
        if "/changes/" in url:
            continue  # change requests need an approved project: tests/applications/test_change_views.py
        assert team.get(url).status_code == 200, url


# --- Versions and the diff ---------------------------------------------------------------------------


def test_the_version_page_shows_only_the_changed_answers(client_for, researcher, chair):
    from applications.services import (
        application_member_remove,
        application_query_answer,
        application_resubmit,
        application_update,
    )

    application, pool = _application_with_everything(researcher, chair)
    application_query_answer(
        query=ApplicationQuery.objects.get(pk=pool["query_pk"]), actor=researcher, answer="Because."
    )
    application_update(
        application=application, actor=researcher, section="outputs", data={"outputs_plan": "Three papers."}
    )
    application_member_remove(
        membership=application.members.get(email="pending@example.org"), actor=researcher
    )  # an open invitation would block resubmission
    application_resubmit(application=application, actor=researcher)
    page = client_for(researcher).get(
        reverse("applications:version", kwargs={"pk": application.pk, "number": 2})
    )
    html = page.content.decode()
    assert 'data-changed="outputs_plan"' in html
    assert html.count("data-changed=") == 1
    assert "Three papers." in html


# --- My applications: a fixed number of queries ------------------------------------------------------


def _my_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("applications:my_list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_my_applications_issues_the_same_number_of_queries_for_5_and_200(client_for, researcher, chair):
    from django.db import transaction

    client = client_for(researcher)
    for _ in range(5):
        ApplicationFactory(lead=researcher)
    small = _my_list_queries(client)
    for index in range(195):
        application = ApplicationFactory(lead=researcher)
        if index % 3 == 0:
            with transaction.atomic():
                application_transition(application=application, to="submitted", actor=researcher)
                application_transition(application=application, to="queried", actor=chair)
            ApplicationQuery.objects.create(
                application=application, version_number=1, questions="Q", raised_by=chair
            )
    large = _my_list_queries(client)
    page = client.get(reverse("applications:my_list")).content.decode()
    assert page.count('<th scope="row">') == 50  # one page of the 200
    assert "team member (200), 1\N{EN DASH}50 shown" in page
    seen = set()
    for number in (1, 2, 3, 4):
        listing = client.get(reverse("applications:my_list"), {"page": number}).content.decode()
        seen |= set(re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', listing))
    assert len(seen) == 200  # the four pages show every application once
    assert "page=3" in listing  # the last page links back
    assert "Answer the panel&#x27;s questions" in page or "Answer the panel's questions" in page
    assert small == large


def test_my_list_shows_status_next_step_and_dates(client_for, researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    application.refresh_from_db()
    draft = ApplicationFactory(lead=researcher)
    page = client_for(researcher).get(reverse("applications:my_list")).content.decode()
    assert "Submitted" in page
    assert "Wait for staff to screen it" in page
    assert "Complete and submit the application" in page
    assert draft.reference in page
    assert application.submitted_at.astimezone(timezone.get_current_timezone()).strftime("%-d %b %Y") in page
