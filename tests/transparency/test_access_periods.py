"""Acceptance 3: an application whose access end date passes is marked ended, the team was
reminded 30 days before, and ONS got ``access.expired`` exactly once (through the outbox)."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from applications.enums import ApplicationStatus, MemberRole, MemberStatus
from applications.models import ApplicationMember
from core.models import AuditEvent, QueuedEmail
from notifications.enums import OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from tests.factories.accounts import ResearcherFactory
from tests.factories.transparency import decided_application
from transparency.enums import AccessNoticeKind, TransparencyAuditAction
from transparency.models import AccessNotice
from transparency.services import access_period_end, access_periods_process
from transparency.tasks import access_periods_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    today = timezone.localdate()
    application = decided_application(title="Care leavers and college")
    co = ResearcherFactory(email="co@example.org")
    ApplicationMember.objects.create(
        application=application,
        user=co,
        email=co.email,
        role=MemberRole.RESEARCHER,
        status=MemberStatus.ACCEPTED,
    )
    ApplicationMember.objects.create(
        application=application, email="invited@example.org", status=MemberStatus.INVITED
    )
    return application, today


def _expired_rows(application):
    return OnsNotification.objects.filter(application=application, event_type=OnsEventType.EXPIRED)


def _reminders(application):
    return QueuedEmail.objects.filter(
        topic="transparency/access_ending", body__contains=application.reference
    )


def test_reminded_once_30_days_before_then_ended_and_ons_told_once(
    approved, django_capture_on_commit_callbacks
):
    application, _today = approved
    end = application.decision.access_end
    start_day = end - timedelta(days=40)
    for offset in range((end - start_day).days + 5):
        day = start_day + timedelta(days=offset)
        with django_capture_on_commit_callbacks(execute=True):
            access_periods_process(today=day)
            access_periods_process(today=day)  # the task may run more than once a day
        application.refresh_from_db()
        reminders = _reminders(application)
        if day < end - timedelta(days=30):
            assert not reminders.exists(), day
        else:
            assert reminders.count() == 1, day
        if day <= end:
            assert application.status == ApplicationStatus.APPROVED, day
            assert not _expired_rows(application).exists()
        else:
            assert application.status == ApplicationStatus.ACCESS_ENDED, day
    reminder = _reminders(application).get()
    assert reminder.to == sorted([application.lead.email, "co@example.org"])
    assert end.strftime("%-d %B %Y") in reminder.subject
    assert "in 30 days" in reminder.body
    notice = AccessNotice.objects.get(application=application, kind=AccessNoticeKind.REMINDER_30_DAYS)
    assert notice.sent_at.date() <= timezone.now().date()
    # ONS: exactly one access.expired, delivered (by email in the test settings), sent once.
    row = _expired_rows(application).get()
    assert row.status == OnsNotificationStatus.DELIVERED
    assert row.payload["type"] == "access.expired"
    assert row.payload["data"]["application_reference"] == application.reference
    assert row.payload["data"]["access_end"] == end.isoformat()
    ons_mails = [m for m in mail.outbox if "srs-access@ons.example.gov.uk" in m.to]
    assert len([m for m in ons_mails if application.reference in m.subject + m.body]) == 1
    assert AccessNotice.objects.filter(application=application, kind=AccessNoticeKind.ENDED).count() == 1
    event = AuditEvent.objects.get(action=TransparencyAuditAction.ACCESS_ENDED)
    assert event.data["from"] == ApplicationStatus.APPROVED
    assert event.data["to"] == ApplicationStatus.ACCESS_ENDED
    assert QueuedEmail.objects.filter(topic="transparency/access_ended").count() == 1


def test_the_periodic_task_runs_the_same_work(approved, django_capture_on_commit_callbacks, monkeypatch):
    application, _today = approved
    later = application.decision.access_end + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    with django_capture_on_commit_callbacks(execute=True):
        access_periods_task.delay()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCESS_ENDED
    assert _expired_rows(application).count() == 1


def test_nothing_happens_to_a_revoked_or_rejected_application(settings):
    today = timezone.localdate()
    revoked = decided_application(status=ApplicationStatus.REVOKED)
    rejected = decided_application(outcome="rejected")
    for day in (today, revoked.decision.access_end + timedelta(days=1)):
        access_periods_process(today=day)
    for application in (revoked, rejected):
        application.refresh_from_db()
        assert application.status in (ApplicationStatus.REVOKED, ApplicationStatus.REJECTED)
        assert not AccessNotice.objects.filter(application=application).exists()
        assert not _expired_rows(application).exists()


def test_when_ons_cannot_be_told_access_does_not_end_and_the_next_run_retries(approved, settings):
    application, _today = approved
    after = application.decision.access_end + timedelta(days=1)
    settings.ONS_NOTIFY_EMAIL = ""
    result = access_periods_process(today=after)
    assert result["failed"] == [application.reference]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert not AccessNotice.objects.filter(application=application, kind=AccessNoticeKind.ENDED).exists()
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    assert access_periods_process(today=after)["ended"] == [application.reference]
    assert _expired_rows(application).count() == 1


def test_a_second_end_attempt_changes_nothing(approved):
    application, _today = approved
    after = application.decision.access_end + timedelta(days=1)
    assert access_period_end(application=application, today=after) is not None
    assert access_period_end(application=application, today=after) is None
    assert _expired_rows(application).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_end_access_and_notify_once(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = decided_application()
    after = application.decision.access_end + timedelta(days=1)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            access_periods_process(today=after)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCESS_ENDED
    assert _expired_rows(application).count() == 1
    assert AccessNotice.objects.filter(application=application, kind=AccessNoticeKind.ENDED).count() == 1


def test_staff_home_shows_access_periods_ending_soon(client_for, staff, researcher):
    decided_application(access_end=timezone.localdate() + timedelta(days=10))
    decided_application(access_end=timezone.localdate() + timedelta(days=29))
    decided_application()  # ends in a year: not counted
    html = client_for(staff).get("/").content.decode()
    assert "Access periods ending within 30 days" in html
    assert '<span class="badge text-bg-primary rounded-pill">2</span>' in html
    assert "Access periods ending within 30 days" not in client_for(researcher).get("/").content.decode()


def test_reminder_email_is_plain_text_with_the_title_as_typed(settings):
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = decided_application(
        title='Children\'s moves & "stability"', access_end=timezone.localdate() + timedelta(days=12)
    )
    access_periods_process(today=timezone.localdate())
    email = QueuedEmail.objects.get(topic="transparency/access_ending")
    assert 'Children\'s moves & "stability"' in email.body
    assert "&#x27;" not in email.body
    assert "&amp;" not in email.body
    assert "in 12 days" in email.body
    assert email.to == [application.lead.email]
