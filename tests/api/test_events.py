"""Issue 18, acceptance 3: replaying /api/v1/events?after=0 reproduces exactly the ids and bodies
the receiver got by push (the real HTTP receiver of tests/celery_support.py, the real delivery
service), page by page, and each body validates against its schema in the document's webhooks."""

import json

import jsonschema
import pytest

from notifications.enums import OnsChannel, OnsEventType
from notifications.models import OnsNotification
from notifications.services import ons_notification_deliver
from panel.enums import DecisionOutcome
from panel.services import application_revoke
from tests.celery_support import WEBHOOK_SECRET
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def ons(settings, receiver):
    """Both channels configured (the email copy too): the API gives the webhook's rows."""
    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    settings.API_EVENTS_SETTLE_SECONDS = 0
    return settings


def _events_recorded(staff) -> None:
    approved = OnsApplicationFactory()
    decision_record_for_test(application=approved, conditions="Outputs are checked before release.")
    decision_record_for_test(application=OnsApplicationFactory(), outcome=DecisionOutcome.REJECTED)
    decision_record_for_test(application=OnsApplicationFactory())
    application_revoke(application=approved, actor=staff, reason="A breach of the terms.")


def _replay(api, after: int = 0) -> list[dict]:
    events = []
    while True:
        page = api.get("/api/v1/events", {"after": after})
        assert page.status_code == 200, page.content
        body = page.json()
        events += body["events"]
        assert body["next_after"] >= after
        after = body["next_after"]
        if not body["has_more"]:
            return events


def test_acceptance_3_the_replay_gives_exactly_the_ids_and_bodies_pushed(
    ons, receiver, api, staff, monkeypatch
):
    _events_recorded(staff)
    rows = OnsNotification.objects.filter(channel=OnsChannel.WEBHOOK).order_by("pk")
    assert OnsNotification.objects.filter(channel=OnsChannel.EMAIL).count() == rows.count() == 4
    for row in rows:
        ons_notification_deliver(notification_id=row.pk)
    pushed = [(delivery.webhook_id, json.loads(delivery.body)) for delivery in receiver.receipts]
    assert len(pushed) == 4

    monkeypatch.setattr("api.selectors.PAGE_SIZE", 3)  # two pages
    replayed = [(event["webhook_id"], event["body"]) for event in _replay(api, after=0)]

    assert replayed == pushed
    assert [body["type"] for _id, body in replayed] == [
        OnsEventType.APPROVED,
        OnsEventType.REJECTED,
        OnsEventType.APPROVED,
        OnsEventType.REVOKED,
    ]


def test_a_receiver_that_missed_the_end_replays_from_the_last_id_it_saw(ons, receiver, api, staff):
    _events_recorded(staff)
    everything = _replay(api)
    seen = everything[1]["id"]
    assert _replay(api, after=seen) == everything[2:]
    assert _replay(api, after=everything[-1]["id"]) == []
    assert [event["id"] for event in everything] == sorted(event["id"] for event in everything)


def test_without_a_webhook_the_replay_gives_the_email_copys_rows(settings, api):
    settings.ONS_WEBHOOK_URL = ""
    settings.API_EVENTS_SETTLE_SECONDS = 0
    decision_record_for_test(application=OnsApplicationFactory())
    (event,) = _replay(api)
    row = OnsNotification.objects.get()
    assert row.channel == OnsChannel.EMAIL
    assert (event["webhook_id"], event["body"]) == (row.webhook_id, row.payload)


def test_an_event_still_settling_is_held_back(settings, api):
    settings.API_EVENTS_SETTLE_SECONDS = 60
    decision_record_for_test(application=OnsApplicationFactory())
    assert _replay(api) == []


def test_every_replayed_body_validates_against_its_webhook_schema_in_the_document(ons, client, api, staff):
    _events_recorded(staff)
    webhooks = client.get("/api/v1/openapi.json").json()["webhooks"]
    for event in _replay(api):
        schema = webhooks[event["type"]]["post"]["requestBody"]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
            event["body"]
        )
