"""The demo shows life after approval: a project with two outputs (one publication with a DOI) on the
register and its deposit's page and a progress report due in three weeks; one late closing report
that staff see. Loading the demo twice changes nothing."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.after_approval.selectors import reports_late
from applications.enums import ApplicationStatus, ReportKind
from applications.models import Application, ApplicationOutput, ApplicationReport
from tests.factories.accounts import StaffFactory
from transparency.demo_outputs import CLOSED, DEMO_DOI, PUBLISHING

pytestmark = pytest.mark.django_db


def test_the_demo_shows_outputs_a_report_due_and_a_late_closing_report(client, client_for):
    call_command("demo_data", stdout=io.StringIO())
    counts = (ApplicationOutput.objects.count(), ApplicationReport.objects.count())
    call_command("demo_data", stdout=io.StringIO())
    assert (ApplicationOutput.objects.count(), ApplicationReport.objects.count()) == counts

    today = timezone.localdate()
    publishing = Application.objects.get(title=PUBLISHING)
    assert publishing.status == ApplicationStatus.APPROVED
    kinds = sorted(publishing.outputs.values_list("kind", "doi"))
    assert kinds == [("presentation", ""), ("publication", DEMO_DOI)]
    (due,) = publishing.reports.filter(submitted_at__isnull=True)
    assert (due.kind, due.due_on) == (ReportKind.PROGRESS, today + timedelta(days=21))
    entry = client.get(reverse("transparency:register_detail", args=[publishing.reference])).content.decode()
    assert f"https://doi.org/{DEMO_DOI}" in entry
    deposit = publishing.deposits.get()
    page = client.get(reverse("deposits:detail", args=[deposit.reference])).content.decode()
    assert "How your data was used" in page
    assert "Who completes college?" in page

    closed = Application.objects.get(title=CLOSED)
    assert closed.status == ApplicationStatus.ACCESS_ENDED
    assert closed.closure.early
    (late,) = reports_late(today=today)
    assert (late.application, late.report.kind, late.days_late) == (closed, ReportKind.CLOSING, 12)
    staff_page = client_for(StaffFactory()).get(reverse("transparency:reports_late")).content.decode()
    assert closed.reference in staff_page


def test_the_demo_has_a_grant_suspended_for_a_lapsed_accreditation_that_staff_cannot_lift_yet(client_for):
    from applications.enums import GrantStatus
    from applications.grant_selectors import grant_in_force
    from notifications.enums import OnsEventType
    from transparency.demo_outputs import SUSPENDED

    call_command("demo_data", stdout=io.StringIO())
    call_command("demo_data", stdout=io.StringIO())  # twice: still one project, one suspension
    project = Application.objects.get(title=SUSPENDED)
    grant = grant_in_force(application=project)
    assert grant.status == GrantStatus.SUSPENDED
    assert "Dr Lena Fischer's ONS accreditation lapsed" in grant.status_reason
    assert project.ons_notifications.filter(event_type=OnsEventType.SUSPENDED).count() == 1
    staff = client_for(StaffFactory())
    page = staff.get(reverse("panel:staff_application", args=[project.reference])).content.decode()
    assert "Lift the suspension" in page
    blocked = staff.get(reverse("applications:grant_resume", args=[project.pk])).content.decode()
    assert 'id="grant-resume-blocked"' in blocked
