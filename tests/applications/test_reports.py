"""Progress and closing reports: an annual progress report due on each anniversary of the access
start, sent by the team once with the outputs listed automatically; reminders 30 and 7 days before
each deadline, exactly once each; late reports shown to staff."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.after_approval.selectors import progress_report_due_on, reports_late
from applications.after_approval.services import (
    application_report_submit,
    application_reports_schedule,
    report_reminder_kind,
    reports_process,
)
from applications.enums import ApplicationsAuditAction, ApplicationStatus, ReportKind
from applications.models import ApplicationReport, ReportReminder
from applications.tasks import reports_process_task
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.home import next_actions_for
from core.models import AuditEvent, QueuedEmail
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import record_output
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application

pytestmark = pytest.mark.django_db


def _project(*, start: date, end: date | None = None, **kwargs):
    project = decided_application(deposits=[AvailableDepositFactory()], **kwargs)
    project.access_start = start
    project.access_end = end or start + timedelta(days=3 * 365)
    project.save(update_fields=["access_start", "access_end"])
    return project


def _reminder_emails(project):
    return QueuedEmail.objects.filter(topic="applications/report_reminder", body__contains=project.reference)


@pytest.mark.parametrize(
    ("start", "period", "due"),
    [
        (date(2026, 3, 15), 1, date(2027, 3, 15)),
        (date(2026, 3, 15), 2, date(2028, 3, 15)),
        (date(2028, 2, 29), 1, date(2029, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
    ],
)
def test_a_progress_report_is_due_on_each_anniversary_of_the_access_start(start, period, due):
    assert progress_report_due_on(start=start, period=period) == due


def test_the_schedule_creates_the_next_progress_report_once_and_the_following_when_it_falls_due():
    start = date(2026, 1, 10)
    project = _project(start=start)
    created = application_reports_schedule(application=project, today=start)
    assert [(r.kind, r.period, r.due_on) for r in created] == [(ReportKind.PROGRESS, 1, date(2027, 1, 10))]
    assert application_reports_schedule(application=project, today=start + timedelta(days=100)) == []
    # on the first anniversary the second year's report is scheduled
    (second,) = application_reports_schedule(application=project, today=date(2027, 1, 10))
    assert (second.period, second.due_on) == (2, date(2028, 1, 10))
    assert ApplicationReport.objects.filter(application=project).count() == 2
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.REPORT_SCHEDULED).count() == 2


def test_no_progress_report_falls_after_the_access_end():
    start = date(2026, 1, 10)
    project = _project(start=start, end=start + timedelta(days=200))
    assert application_reports_schedule(application=project, today=start) == []


def test_only_live_projects_are_scheduled_progress_reports():
    for status in (ApplicationStatus.ACCESS_ENDED, ApplicationStatus.REVOKED):
        project = _project(start=date(2026, 1, 10), status=status)
        assert application_reports_schedule(application=project, today=date(2026, 1, 10)) == []


def test_the_team_sends_a_report_once_with_the_outputs_listed_automatically():
    project = _project(start=date(2026, 1, 10))
    record_output(project, title="A first paper", doi="10.1234/first")
    (report,) = application_reports_schedule(application=project, today=date(2026, 1, 10))
    sent = application_report_submit(
        report=report, actor=project.lead, summary="Cleaned the data; first paper out.", problems="None"
    )
    assert sent.is_submitted
    assert sent.submitted_by == project.lead
    assert sent.outputs_listed == [
        {
            "kind": "Publication",
            "title": "A first paper",
            "date": (timezone.localdate() - timedelta(days=20)).isoformat(),
            "doi": "10.1234/first",
            "url": "",
        }
    ]
    (event,) = AuditEvent.objects.filter(action=ApplicationsAuditAction.REPORT_SUBMITTED)
    assert (event.actor, event.data["report"], event.data["outputs"]) == (project.lead, report.pk, 1)
    record_output(project, title="A later paper")  # the sent report keeps what it listed
    sent.refresh_from_db()
    assert len(sent.outputs_listed) == 1
    with pytest.raises(InvalidTransition, match="sent already"):
        application_report_submit(report=report, actor=project.lead, summary="Again")


def test_only_the_team_sends_a_report_and_it_needs_a_summary():
    project = _project(start=date(2026, 1, 10))
    (report,) = application_reports_schedule(application=project, today=date(2026, 1, 10))
    for outsider in (ResearcherFactory(), StaffFactory()):
        with pytest.raises(NotPermitted):
            application_report_submit(report=report, actor=outsider, summary="Not mine")
    with pytest.raises(DomainError) as caught:
        application_report_submit(report=report, actor=project.lead, summary="   ")
    assert caught.value.field == "summary"
    report.refresh_from_db()
    assert not report.is_submitted


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [(45, None), (31, None), (30, "30_days"), (8, "30_days"), (7, "7_days"), (1, "7_days"), (0, "7_days"),
     (-1, None)],
)  # fmt: skip
def test_which_reminder_is_due(days_left, kind):
    due = date(2027, 1, 10)
    found = report_reminder_kind(due_on=due, today=due - timedelta(days=days_left))
    assert (found.value if found else None) == kind


def test_reminders_are_sent_exactly_once_at_30_and_7_days_before_the_deadline(
    django_capture_on_commit_callbacks,
):
    start = date(2026, 1, 10)
    project = _project(start=start)
    due = date(2027, 1, 10)
    day = start
    sent_on = []
    while day <= due + timedelta(days=3):
        before = _reminder_emails(project).count()
        reports_process(today=day)
        reports_process(today=day)  # the hourly task runs many times a day
        if _reminder_emails(project).count() > before:
            sent_on.append((due - day).days)
        day += timedelta(days=1)
    assert sent_on == [30, 7]
    kinds = sorted(ReportReminder.objects.filter(report__application=project).values_list("kind", flat=True))
    assert kinds == ["30_days", "7_days"]
    emails = list(_reminder_emails(project).order_by("pk"))
    assert len(emails) == 2
    assert "in 30 days" in emails[0].body
    assert "in 7 days" in emails[1].body
    assert emails[0].to == [project.lead.email]
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.REPORT_REMINDER_SENT).count() == 2


def test_a_report_scheduled_inside_the_last_week_gets_only_the_7_day_reminder():
    project = _project(start=date(2026, 1, 10))
    report = ApplicationReport.objects.create(
        application=project, kind=ReportKind.CLOSING, period=0, due_on=date(2026, 6, 10)
    )
    reports_process(today=date(2026, 6, 5))
    reports_process(today=date(2026, 6, 6))
    assert list(report.reminders.values_list("kind", flat=True)) == ["7_days"]


def test_a_sent_report_is_not_reminded():
    project = _project(start=date(2026, 1, 10))
    (report,) = application_reports_schedule(application=project, today=date(2026, 1, 10))
    application_report_submit(report=report, actor=project.lead, summary="Early, as it happens.")
    reports_process(today=report.due_on - timedelta(days=30))
    reports_process(today=report.due_on - timedelta(days=7))
    assert not _reminder_emails(project).exists()


def test_the_hourly_task_is_in_the_beat_schedule_and_runs_the_service(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["applications-reports"]
    assert entry["task"] == reports_process_task.name
    today = timezone.localdate()
    project = _project(start=today - timedelta(days=365 - 30))
    reports_process_task.apply()
    report = ApplicationReport.objects.get(application=project, kind=ReportKind.PROGRESS, period=1)
    assert report.due_on == today + timedelta(days=30)
    assert _reminder_emails(project).count() == 1


# --- late reports ----------------------------------------------------------------------------------


def _late_world():
    today = timezone.localdate()
    late = _project(start=today - timedelta(days=400), title="Late with its progress report")
    application_reports_schedule(application=late, today=today - timedelta(days=40))
    on_time = _project(start=today - timedelta(days=400), title="Sent its report")
    (sent,) = application_reports_schedule(application=on_time, today=today - timedelta(days=40))
    application_report_submit(report=sent, actor=on_time.lead, summary="All fine.")
    upcoming = _project(start=today - timedelta(days=100), title="Not due yet")
    application_reports_schedule(application=upcoming, today=today)
    return late, today


def test_staff_see_late_reports_with_the_days_late(client_for):
    late, today = _late_world()
    (item,) = reports_late(today=today)
    report = item.report
    assert report.application == late
    assert item.days_late == (today - report.due_on).days > 0
    html = client_for(StaffFactory()).get(reverse("transparency:reports_late")).content.decode()
    row = html.split(f'id="late-report-{report.pk}"', 1)[1].split("</tr>", 1)[0]
    assert late.reference in row
    assert "Annual progress report, year 1" in row
    assert f"<td>{item.days_late}</td>" in row
    assert report.due_on.strftime("%-d %b %Y") in row
    assert "Sent its report" not in html
    assert "Not due yet" not in html


def test_staff_are_pointed_at_late_reports_from_home_and_the_dashboard(client_for):
    _late_world()
    staff = StaffFactory()
    actions = {a.title: a for a in next_actions_for(staff)}
    action = actions["Progress and closing reports overdue"]
    assert (action.count, action.url, action.urgent) == (1, reverse("transparency:reports_late"), True)
    dashboard = client_for(staff).get(reverse("transparency:dashboard")).content.decode()
    assert reverse("transparency:reports_late") in dashboard


def test_the_late_reports_page_is_for_staff_only(client_for):
    _late_world()
    assert client_for(ResearcherFactory()).get(reverse("transparency:reports_late")).status_code == 403


def test_the_team_is_pointed_at_a_report_due_soon_from_home():
    today = timezone.localdate()
    project = _project(start=today - timedelta(days=365 - 10))
    (report,) = application_reports_schedule(application=project, today=today)
    actions = {a.title: a for a in next_actions_for(project.lead)}
    action = actions["Send a report on an approved project"]
    assert action.url == reverse("applications:report", kwargs={"pk": project.pk, "report_pk": report.pk})
    assert not action.urgent


def test_the_report_form_sends_the_report(client_for):
    project = _project(start=date(2026, 1, 10))
    (report,) = application_reports_schedule(application=project, today=date(2026, 1, 10))
    client = client_for(project.lead)
    url = reverse("applications:report", kwargs={"pk": project.pk, "report_pk": report.pk})
    assert "Summary of progress" in client.get(url).content.decode()
    response = client.post(url, {"summary": "Linked the data.", "problems": "None", "changes_needed": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.summary == "Linked the data."
    again = client.post(url, {"summary": "Overwritten?"})
    assert again.status_code == 200
    assert "sent already" in again.content.decode()
    report.refresh_from_db()
    assert report.summary == "Linked the data."


def test_a_sent_report_shows_its_answers_and_no_form(client_for):
    project = _project(start=date(2026, 1, 10))
    (report,) = application_reports_schedule(application=project, today=date(2026, 1, 10))
    application_report_submit(report=report, actor=project.lead, summary="Linked the data.")
    url = reverse("applications:report", kwargs={"pk": project.pk, "report_pk": report.pk})
    html = client_for(project.lead).get(url).content.decode()
    assert "Linked the data." in html.split('id="report-answers"', 1)[1]
    assert 'method="post"' not in html.split("<main", 1)[-1].split("</main>", 1)[0]
