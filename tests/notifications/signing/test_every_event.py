"""Every webhook of every event type carries ``v1a``: the events added on main after the series was
written (access.amended, access.extended, access.closed, access.suspended, access.resumed) are sent
through the same ``ons_webhook_headers`` as the first four. Each event is built by the services that
send it (tests/notifications/test_contract.py) and sent once to the local receiver, which demands
``v1`` with the shared secret and a ``v1a`` by the key it fetched from /.well-known/jwks.json."""

import json

import pytest

from notifications.enums import OnsAttemptOutcome, OnsChannel, OnsEventType
from notifications.models import OnsNotification
from notifications.services import ons_notification_send
from notifications.signing.services import ons_signing_key_init
from tests.celery_support import WEBHOOK_SECRET
from tests.standard_webhooks_v1a import v1a_entries

from ..test_contract import _every_kind_of_body

pytestmark = pytest.mark.django_db


def test_every_webhook_of_every_event_type_carries_a_v1a_that_verifies(settings, staff, receiver, client):
    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    key = ons_signing_key_init()
    receiver.jwks = client.get("/.well-known/jwks.json").json()
    _every_kind_of_body(staff)
    rows = list(OnsNotification.objects.filter(channel=OnsChannel.WEBHOOK).order_by("pk"))
    assert {row.event_type for row in rows} == set(OnsEventType)

    for row in rows:
        result = ons_notification_send(row)
        assert result.outcome == OnsAttemptOutcome.DELIVERED, (row.event_type, result)

    sent = {delivery.webhook_id: delivery for delivery in receiver.deliveries}
    assert sorted(sent) == sorted(row.webhook_id for row in rows)
    for row in rows:
        delivery = sent[row.webhook_id]
        assert delivery.verified, row.event_type  # v1 with the secret and v1a with the JWK set
        assert delivery.v1a_kid == key.kid
        assert len(v1a_entries(delivery.headers)) == 1
        assert json.loads(delivery.body)["type"] == row.event_type
