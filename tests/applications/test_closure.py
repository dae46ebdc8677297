"""Closure: the lead closes a live project early (a reason), or its access period ends. Either way
the status becomes access ended, the closing report falls due CLOSING_REPORT_DAYS after, it is
audited, and applications.signals.access_closed is sent once, inside the transaction."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.after_approval.services import application_close_early, application_reports_schedule
from applications.enums import (
    ApplicationsAuditAction,
    ApplicationStatus,
    MemberRole,
    MemberStatus,
    ReportKind,
)
from applications.models import ApplicationClosure, ApplicationMember, ApplicationReport
from applications.services import _grant_team_permissions
from applications.signals import access_closed
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application
from transparency.enums import TransparencyAuditAction
from transparency.services import access_period_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    application = decided_application(deposits=[AvailableDepositFactory()], title="Kinship care and school")
    co = ResearcherFactory()
    ApplicationMember.objects.create(
        application=application,
        user=co,
        email=co.email,
        role=MemberRole.RESEARCHER,
        status=MemberStatus.ACCEPTED,
    )
    _grant_team_permissions(co, application)
    application.co = co
    return application


@pytest.fixture
def heard():
    """Every access_closed signal, with whether it came inside a transaction."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append({**kwargs, "in_transaction": transaction.get_connection().in_atomic_block})

    access_closed.connect(receiver, dispatch_uid="test.access_closed")
    yield calls
    access_closed.disconnect(dispatch_uid="test.access_closed")


def test_the_lead_closes_early_and_everything_follows(project, heard, settings):
    settings.CLOSING_REPORT_DAYS = 60
    closure = application_close_early(
        application=project, actor=project.lead, reason="The funder ended the grant."
    )
    project.refresh_from_db()
    assert project.status == ApplicationStatus.ACCESS_ENDED
    assert (closure.early, closure.reason, closure.closed_by) == (
        True,
        "The funder ended the grant.",
        project.lead,
    )
    report = ApplicationReport.objects.get(application=project, kind=ReportKind.CLOSING)
    assert report.due_on == timezone.localdate() + timedelta(days=60)
    (event,) = AuditEvent.objects.filter(action=ApplicationsAuditAction.CLOSED_EARLY)
    assert event.actor == project.lead
    assert event.data == {
        "from": ApplicationStatus.APPROVED,
        "to": ApplicationStatus.ACCESS_ENDED,
        "early": True,
        "reason": "The funder ended the grant.",
    }
    (call,) = heard
    assert call["application"].pk == project.pk
    assert (call["early"], call["reason"], call["closed_at"]) == (
        True,
        "The funder ended the grant.",
        closure.closed_at,
    )
    assert call["in_transaction"]


def test_closing_early_emails_the_team_and_staff(project, settings):
    settings.STAFF_ALERT_EMAIL = "archive-staff@example.org"
    application_close_early(application=project, actor=project.lead, reason="Work finished sooner.")
    (team,) = QueuedEmail.objects.filter(topic="applications/closed_early")
    assert sorted(team.to) == sorted([project.lead.email, project.co.email])
    assert "Work finished sooner." in team.body
    assert "closing report is due by" in team.body
    (staff,) = QueuedEmail.objects.filter(topic="applications/closed_early_staff")
    assert staff.to == ["archive-staff@example.org"]
    assert project.reference in staff.subject


def test_a_receiver_that_fails_rolls_the_closure_back(project):
    def refuse(sender, **kwargs):
        raise DomainError("ONS cannot be told.")

    access_closed.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(DomainError):
            application_close_early(application=project, actor=project.lead, reason="Done.")
    finally:
        access_closed.disconnect(dispatch_uid="test.refuse")
    project.refresh_from_db()
    assert project.status == ApplicationStatus.APPROVED
    assert not ApplicationClosure.objects.exists()
    assert not ApplicationReport.objects.filter(kind=ReportKind.CLOSING).exists()
    assert not QueuedEmail.objects.filter(topic__startswith="applications/closed_early").exists()


def test_only_the_lead_closes_and_only_a_live_project(project, heard):
    for actor in (project.co, ResearcherFactory(), StaffFactory()):
        with pytest.raises(NotPermitted):
            application_close_early(application=project, actor=actor, reason="Not theirs to close.")
    with pytest.raises(DomainError) as caught:
        application_close_early(application=project, actor=project.lead, reason="  ")
    assert caught.value.field == "reason"
    project.refresh_from_db()
    assert project.status == ApplicationStatus.APPROVED
    application_close_early(application=project, actor=project.lead, reason="Done.")
    with pytest.raises(InvalidTransition):
        application_close_early(application=project, actor=project.lead, reason="Done twice.")
    assert len(heard) == 1
    assert ApplicationClosure.objects.count() == 1


def test_closing_early_supersedes_a_progress_report_not_yet_due(project):
    today = timezone.localdate()
    project.access_start = today - timedelta(days=100)
    project.save(update_fields=["access_start"])
    (progress,) = application_reports_schedule(application=project, today=today)
    application_close_early(application=project, actor=project.lead, reason="Done.")
    progress.refresh_from_db()
    assert progress.superseded_at is not None
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.REPORT_SUPERSEDED).count() == 1


def test_the_end_of_the_access_period_makes_the_closing_report_due_and_announces_it(project, heard, settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.CLOSING_REPORT_DAYS = 90
    end = project.decision.access_end
    access_period_end(application=project, today=end + timedelta(days=1))
    project.refresh_from_db()
    assert project.status == ApplicationStatus.ACCESS_ENDED
    report = ApplicationReport.objects.get(application=project, kind=ReportKind.CLOSING)
    assert report.due_on == end + timedelta(days=90)
    closure = project.closure
    assert (closure.early, closure.reason, closure.closed_by) == (False, "", None)
    (call,) = heard
    assert (call["early"], call["in_transaction"]) == (False, True)
    assert AuditEvent.objects.filter(action=TransparencyAuditAction.ACCESS_ENDED).count() == 1
    (email,) = QueuedEmail.objects.filter(topic="transparency/access_ended")
    assert f"closing report is due by {report.due_on:%-d %B %Y}" in email.body


def test_the_close_form_needs_a_reason_and_the_confirmation(client_for, project):
    client = client_for(project.lead)
    url = reverse("applications:close", kwargs={"pk": project.pk})
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "Done."})
    assert refused.status_code == 200
    project.refresh_from_db()
    assert project.status == ApplicationStatus.APPROVED
    response = client.post(url, {"reason": "Done.", "confirm": "on"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ApplicationStatus.ACCESS_ENDED
    outputs = client.get(response.url).content.decode()
    assert "Closing report" in outputs
    assert reverse("applications:close", kwargs={"pk": project.pk}) not in outputs  # no longer offered


def test_a_co_applicant_is_refused_the_close_form(client_for, project):
    response = client_for(project.co).post(
        reverse("applications:close", kwargs={"pk": project.pk}), {"reason": "Done.", "confirm": "on"}
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == ApplicationStatus.APPROVED


def test_the_close_page_is_not_offered_to_a_co_applicant(client_for, project):
    response = client_for(project.co).get(reverse("applications:close", kwargs={"pk": project.pk}))
    assert response.status_code == 302
    assert response.url == reverse("applications:outputs", kwargs={"pk": project.pk})
