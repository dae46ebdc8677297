"""Staff screens: the log with its filter, a notification's detail, resend, revoke, the home page
count and the failed-notification banner."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.enums import ApplicationStatus
from notifications.enums import OnsChannel, OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
Status = OnsNotificationStatus


@pytest.fixture(autouse=True)
def _ons(settings):
    settings.ONS_WEBHOOK_URL = "http://127.0.0.1:9/ons"
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = ""


def _failed(notification: OnsNotification, error: str = "HTTP 400") -> OnsNotification:
    OnsNotification.objects.filter(pk=notification.pk).update(
        status=Status.FAILED, attempts=1, last_error=error, last_status_code=400, failed_at=timezone.now()
    )
    notification.refresh_from_db()
    return notification


def test_log_is_for_staff_only(client, client_for, staff, researcher, chair):
    url = reverse("notifications:log")
    assert client.get(url).status_code == 302
    assert client_for(researcher).get(url).status_code == 403
    assert client_for(chair).get(url).status_code == 403
    assert client_for(staff).get(url).status_code == 200


def test_log_shows_status_attempts_error_and_filters_by_status(client_for, staff):
    delivered = decision_record_for_test(application=OnsApplicationFactory())
    failed = decision_record_for_test(application=OnsApplicationFactory())
    OnsNotification.objects.filter(decision=delivered).update(status=Status.DELIVERED, attempts=1)
    _failed(OnsNotification.objects.get(decision=failed), error="HTTP 400: unknown dataset")
    page = client_for(staff).get(reverse("notifications:log")).content.decode()
    assert delivered.application.reference in page
    assert "unknown dataset" in page
    filtered = client_for(staff).get(reverse("notifications:log"), {"status": "failed"}).content.decode()
    assert failed.application.reference in filtered
    assert delivered.application.reference not in filtered
    bad = client_for(staff).get(reverse("notifications:log"), {"status": "nonsense"})
    assert bad.status_code == 200  # an unknown filter shows everything, never a 500


def test_log_query_count_does_not_grow_with_rows(client_for, staff):
    client = client_for(staff)
    decision_record_for_test(application=OnsApplicationFactory(team=False))
    client.get(reverse("notifications:log"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("notifications:log"))
    for _ in range(12):
        decision_record_for_test(application=OnsApplicationFactory(team=False))
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("notifications:log"))
    assert len(response.context["notifications"]) == 13
    assert len(large) == len(small)


def test_detail_shows_payload_as_sent_and_attempts(client_for, staff):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    page = client_for(staff).get(reverse("notifications:detail", args=[notification.pk])).content.decode()
    assert notification.webhook_id in page
    assert "application_reference" in page
    assert decision.application.reference in page
    assert client_for(staff).get(reverse("notifications:detail", args=[999999])).status_code == 404


def test_resend_from_the_detail_page_is_audited_and_queued(
    client_for, staff, django_capture_on_commit_callbacks
):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = _failed(OnsNotification.objects.get(decision=decision))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(staff).post(reverse("notifications:resend", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert len(callbacks) == 1


def test_resend_of_a_delivered_notification_is_a_message_not_an_error(client_for, staff):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    OnsNotification.objects.filter(pk=notification.pk).update(status=Status.DELIVERED)
    response = client_for(staff).post(reverse("notifications:resend", args=[notification.pk]), follow=True)
    assert "Only a failed notification can be sent again" in response.content.decode()


def test_resend_is_refused_to_non_staff(client_for, researcher):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = _failed(OnsNotification.objects.get(decision=decision))
    assert (
        client_for(researcher).post(reverse("notifications:resend", args=[notification.pk])).status_code
        == 403
    )


def test_revoke_form_revokes_an_approved_application(client_for, staff):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    response = client_for(staff).post(
        reverse("notifications:revoke"), {"application_reference": application.reference, "reason": "Breach."}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVOKED
    assert OnsNotification.objects.filter(application=application, event_type="access.revoked").count() == 1


def test_revoke_form_explains_a_refusal_for_a_rejected_application(client_for, staff):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application, outcome=DecisionOutcome.REJECTED)
    response = client_for(staff).post(
        reverse("notifications:revoke"), {"application_reference": application.reference, "reason": "Oops."}
    )
    assert response.status_code == 200
    assert "was rejected" in response.content.decode()
    unknown = client_for(staff).post(
        reverse("notifications:revoke"), {"application_reference": "APP-NOPE", "reason": "x"}
    )
    assert "No application has this reference" in unknown.content.decode()


def test_home_shows_staff_the_pending_and_failed_counts(client_for, staff):
    decision_record_for_test(application=OnsApplicationFactory())
    failed = decision_record_for_test(application=OnsApplicationFactory())
    _failed(OnsNotification.objects.get(decision=failed))
    actions = client_for(staff).get(reverse("core:home")).context["actions"]
    by_title = {a.title: a for a in actions}
    assert by_title["ONS notifications failed"].count == 1
    assert by_title["ONS notifications failed"].urgent
    assert by_title["ONS notifications waiting"].count == 1


def test_failed_banner_for_staff_only_and_free_for_others(client_for, staff, researcher):
    failed = decision_record_for_test(application=OnsApplicationFactory())
    _failed(OnsNotification.objects.get(decision=failed, channel=OnsChannel.WEBHOOK))
    assert 'id="ons-failed-banner"' in client_for(staff).get("/").content.decode()
    researcher_client = client_for(researcher)
    researcher_client.get("/")
    with CaptureQueriesContext(connection) as queries:
        page = researcher_client.get("/").content.decode()
    assert 'id="ons-failed-banner"' not in page
    assert not [q for q in queries.captured_queries if "notifications_onsnotification" in q["sql"]]
