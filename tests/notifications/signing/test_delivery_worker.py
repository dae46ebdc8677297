"""Acceptance point 4 of issue 18 end to end: a real ``celery worker`` delivers to the local
receiver, which verifies ``v1`` with the shared secret and ``v1a`` with the JWK set it fetched from
/.well-known/jwks.json, using the independent verifier (tests/standard_webhooks_v1a.py)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.enums import QueuedEmailStatus
from core.models import QueuedEmail
from notifications.enums import OnsNotificationStatus
from notifications.models import OnsNotification
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test
from tests.standard_webhooks_v1a import V1aVerificationError, v1a_entries, v1a_verify

from ..conftest import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.xdist_group("celery_worker")]


def _deliver_one(receiver):
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    wait_for(
        lambda: OnsNotification.objects.get(pk=notification.pk).status == OnsNotificationStatus.DELIVERED,
        message="the webhook to be delivered",
    )
    (delivery,) = receiver.for_reference(decision.application.reference)
    return notification, delivery


def test_a_delivered_webhook_carries_a_v1a_that_verifies_with_the_published_key(
    live_celery, receiver, client
):
    key = ons_signing_key_init()
    receiver.jwks = client.get("/.well-known/jwks.json").json()
    notification, delivery = _deliver_one(receiver)
    assert delivery.verified  # v1 with the secret, and v1a with the JWK set
    assert delivery.answered == 200
    assert delivery.v1a_kid == key.kid
    assert delivery.webhook_id == notification.webhook_id
    assert json.loads(delivery.body) == notification.payload


def test_during_a_rotation_s_overlap_the_worker_signs_with_both_keys(live_celery, receiver, client, settings):
    # The same timeline as the worker's settings (the defaults): the rotation was 25 hours ago.
    now = timezone.now()
    old = ons_signing_key_init(now=now - timedelta(days=10))
    new = ons_signing_key_rotate(now=now - timedelta(hours=settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS + 1))
    jwks = client.get("/.well-known/jwks.json").json()
    assert {k["kid"] for k in jwks["keys"]} == {old.kid, new.kid}
    receiver.jwks = jwks
    _, delivery = _deliver_one(receiver)
    assert delivery.verified
    assert len(v1a_entries(delivery.headers)) == 2
    # A receiver that knows only the old key, and one that knows only the new key, both accept it.
    for key in (old, new):
        pinned = {"keys": [k for k in jwks["keys"] if k["kid"] == key.kid]}
        assert v1a_verify(body=delivery.body, headers=delivery.headers, jwks=pinned) == key.kid


def test_a_receiver_that_demands_v1a_refuses_a_webhook_signed_by_an_unpublished_key(
    live_celery, receiver, smtp_sink, client
):
    ons_signing_key_init()
    receiver.jwks = client.get("/.well-known/jwks.json").json()
    ons_signing_key_rotate(compromised=True)  # the receiver's set is now stale: only the old key
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    wait_for(lambda: notification.webhook_id in receiver.ids, message="the attempt")
    (first,) = receiver.deliveries
    assert not first.verified  # v1 was right; v1a by a key the receiver does not know is not
    assert first.answered == 401
    # A 401 fails the notification at once and alerts staff; wait for the worker to finish that.
    wait_for(lambda: OnsNotification.objects.get(pk=notification.pk).status == OnsNotificationStatus.FAILED)
    wait_for(lambda: smtp_sink.to("archive-staff@example.org"), message="the staff alert email")
    wait_for(
        lambda: not QueuedEmail.objects.exclude(status=QueuedEmailStatus.SENT).exists(),
        message="the alert's outbox row to be marked sent",
    )
    with pytest.raises(V1aVerificationError):
        v1a_verify(body=first.body, headers=first.headers, jwks=receiver.jwks)
    # Refetching the set (as a receiver does on an unknown signature) lets it verify.
    assert v1a_verify(
        body=first.body, headers=first.headers, jwks=client.get("/.well-known/jwks.json").json()
    )
