"""The audit log for staff: search by actor, action, target and date; CSV export (itself audited)."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.enums import CoreAuditAction
from core.models import AuditEvent
from core.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/staff/audit-log/"
EXPORT = "/staff/audit-log/export.csv"


def make_event(*, actor=None, action="tests.thing.done", target=None, data=None, when=None):
    if when is None:
        return audit_record(actor=actor, action=action, target=target, data=data)
    # created_at is auto_now_add and the table refuses UPDATE: insert an old event directly.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (created_at, actor_id, actor_email, action, target_type, target_id,"
            " target_repr, data, ip_address) VALUES (%s, %s, %s, %s, '', '', '', '{}', NULL) RETURNING id",
            [when, getattr(actor, "pk", None), getattr(actor, "email", ""), action],
        )
        return AuditEvent.objects.get(pk=cursor.fetchone()[0])


def test_staff_open_the_audit_log_from_the_nav(client_for, staff):
    client = client_for(staff)
    home = client.get(reverse("core:home")).content.decode()
    assert f'href="{URL}"' in home
    assert reverse("core:audit_log") == URL
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("fixture", ["researcher", "member", "chair"])
def test_only_staff_see_the_audit_log(client_for, request, fixture):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).url.startswith(reverse("accounts:login"))
    assert client.get(EXPORT).url.startswith(reverse("accounts:login"))


def test_search_by_actor_action_target_and_date(client_for, staff, researcher, member):
    make_event(actor=researcher, action="applications.application.submitted", target=researcher)
    make_event(actor=member, action="panel.vote.cast", target=member)
    make_event(actor=None, action="notifications.ons.delivered")
    client = client_for(staff)

    def actions(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return {e.action for e in response.context["events"]}

    assert actions(actor=researcher.email[:8]) >= {"applications.application.submitted"}
    assert "panel.vote.cast" not in actions(actor=researcher.email)
    assert actions(action="panel.vote") == {"panel.vote.cast"}
    assert actions(target=member.email) == {"panel.vote.cast"}
    assert "applications.application.submitted" in actions(target="accounts.user")
    today = timezone.localdate()
    assert "panel.vote.cast" in actions(date_from=today.isoformat(), date_to=today.isoformat())
    assert actions(date_to=(today - timedelta(days=1)).isoformat()) == set()


def test_a_date_range_selects_older_events(client_for, staff, researcher):
    old = make_event(actor=researcher, action="tests.long.ago", when=timezone.now() - timedelta(days=40))
    client = client_for(staff)
    day = timezone.localtime(old.created_at).date()
    found = client.get(URL, {"date_from": day.isoformat(), "date_to": day.isoformat()}).context["events"]
    assert [e.pk for e in found] == [old.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "not-a-date"},
        {"date_to": "2026-13-45"},
        {"actor": "x" * 5000},
        {"target": "\x00"},
        {"action": "<script>alert(1)</script>"},
        {"page": "999"},
        {"page": "abc"},
    ],
)
def test_bad_search_input_gets_a_message_not_an_error(client_for, staff, params):
    response = client_for(staff).get(URL, params)
    assert response.status_code in (200, 404)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_page_costs_the_same_queries_for_few_and_many_events(client_for, staff, researcher):
    client = client_for(staff)
    for _ in range(3):
        make_event(actor=researcher, target=researcher, data={"a": 1})
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(80):
        make_event(actor=researcher, target=researcher, data={"a": 1})
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["events"]) == 50
    assert len(many) == len(few)


def test_export_gives_the_filtered_events_as_csv_and_is_audited(client_for, staff, researcher, member):
    make_event(actor=researcher, action="applications.application.submitted", target=researcher)
    make_event(actor=member, action="panel.vote.cast", data={"before": "a", "after": "b"})
    make_event(actor=member, action="panel.vote.cast", data={"note": '=HYPERLINK("http://evil")'})
    client = client_for(staff)
    page = client.get(URL, {"action": "panel.vote"}).content.decode()
    assert f'href="{EXPORT}?action=panel.vote"' in page
    response = client.get(EXPORT, {"action": "panel.vote"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "actor", "action"]
    assert [r[2] for r in rows[1:]] == ["panel.vote.cast", "panel.vote.cast"]
    assert all(r[1] == member.email for r in rows[1:])
    exported = AuditEvent.objects.get(action=CoreAuditAction.AUDIT_LOG_EXPORTED)
    assert exported.actor == staff
    assert exported.data == {"filters": {"action": "panel.vote"}, "rows": 2}


def test_export_neutralises_spreadsheet_formulas(client_for, staff):
    make_event(action="=cmd|' /C calc'!A0", data={})
    rows = list(
        csv.reader(
            io.StringIO(b"".join(client_for(staff).get(EXPORT, {"action": "cmd"}).streaming_content).decode())
        )
    )
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


def test_export_refuses_a_bad_search_with_a_message(client_for, staff):
    response = client_for(staff).get(EXPORT, {"date_from": "yesterday-ish"})
    assert response.status_code == 400
    assert "date" in response.content.decode().lower()
    assert not AuditEvent.objects.filter(action=CoreAuditAction.AUDIT_LOG_EXPORTED).exists()
