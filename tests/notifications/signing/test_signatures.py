"""Acceptance point 4 of issue 18, in process: the ``webhook-signature`` header carries ``v1`` (the
shared secret, still verified by the standardwebhooks library) and one ``v1a`` per signing key,
which the independent verifier (tests/standard_webhooks_v1a.py) accepts with the keys it fetched
from /.well-known/jwks.json, before, during and after a rotation.

A rotation at T (publish ahead A = 24 h, overlap O = 24 h, retention R = 30 days):

    phase     now in          v1a entries   published      old-only verifier  new-only verifier
    before    (no rotation)   old           old            accepts            -
    next      [T, T+A)        old           new, old       accepts            refuses
    overlap   [T+A, T+A+O)    new, old      new, old       accepts            accepts
    after     [T+A+O, +R)     new           new, old       refuses            accepts
    gone      T+A+O+R on      new           new            refuses            accepts
"""

import base64
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from notifications.enums import OnsAttemptOutcome, OnsChannel
from notifications.models import OnsNotification
from notifications.services import ons_body, ons_notification_send, ons_webhook_headers
from notifications.signing.crypto import SigningKeyUnavailable
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate
from tests.celery_support import WEBHOOK_SECRET
from tests.standard_webhooks_v1a import V1aVerificationError, v1a_entries, v1a_verify

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


@pytest.fixture
def timeline(settings):
    settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS = 24
    settings.ONS_SIGNING_OVERLAP_HOURS = 24
    settings.ONS_SIGNING_RETENTION_DAYS = 30
    return settings


def _notification() -> OnsNotification:
    payload = {"type": "access.approved", "timestamp": "2026-01-01T00:00:00+00:00", "data": {"sequence": 1}}
    return OnsNotification(message_id=uuid.uuid4(), payload=payload)


def _signed(when=None):
    """(body bytes, headers) as the notifier sends them at ``when`` (now by default)."""
    notification = _notification()
    body = ons_body(notification)
    headers = ons_webhook_headers(
        notification=notification, body=body, secret=WEBHOOK_SECRET, when=when or timezone.now()
    )
    return body.encode(), headers


def _jwks(client) -> dict:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def _only(jwks: dict, kid: str) -> dict:
    return {"keys": [k for k in jwks["keys"] if k["kid"] == kid]}


def test_without_a_signing_key_the_header_is_v1_alone(timeline):
    body, headers = _signed()
    assert headers["webhook-signature"].startswith("v1,")
    assert " " not in headers["webhook-signature"]
    assert Webhook(WEBHOOK_SECRET).verify(body, headers)


def test_the_header_is_v1_then_v1a_space_separated_and_both_verify(client, timeline):
    key = ons_signing_key_init()
    body, headers = _signed()
    v1, v1a = headers["webhook-signature"].split(" ")
    assert v1.startswith("v1,")
    assert v1a.startswith("v1a,")
    assert len(base64.b64decode(v1a.removeprefix("v1a,"), validate=True)) == 64
    # v1 as before, with the official library (it skips the v1a entry) ...
    assert Webhook(WEBHOOK_SECRET).verify(body, headers)
    # ... and v1a with the key from the JWK set, by a verifier written from the spec.
    assert v1a_verify(body=body, headers=headers, jwks=_jwks(client)) == key.kid


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, h: (body.replace(b'"sequence":1', b'"sequence":2'), h),
        lambda body, h: (body + b" ", h),
        lambda body, h: (body, {**h, "webhook-id": h["webhook-id"] + "0"}),
        lambda body, h: (body, {**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}),
        lambda body, h: (body, {**h, "webhook-signature": h["webhook-signature"].split(" ")[0]}),
    ],
    ids=["body", "body-whitespace", "id", "timestamp", "v1a-removed"],
)
def test_a_tampered_body_id_or_timestamp_fails_v1a(client, timeline, tamper):
    ons_signing_key_init()
    body, headers = _signed()
    jwks = _jwks(client)
    assert v1a_verify(body=body, headers=headers, jwks=jwks)
    bad_body, bad_headers = tamper(body, headers)
    with pytest.raises(V1aVerificationError):
        v1a_verify(body=bad_body, headers=bad_headers, jwks=jwks)


def test_a_signature_by_a_key_not_in_the_set_fails(client, timeline):
    ons_signing_key_init()
    jwks = _jwks(client)
    other = ons_signing_key_rotate(compromised=True)  # signs alone from now; the first key is withdrawn
    body, headers = _signed()
    with pytest.raises(V1aVerificationError):
        v1a_verify(body=body, headers=headers, jwks=jwks)
    assert v1a_verify(body=body, headers=headers, jwks=_jwks(client)) == other.kid


PHASES = {
    # phase: (hours since the rotation, or None for none; v1a signers; published; old-only; new-only)
    "before": (None, ["old"], ["old"], True, None),
    "next": (1, ["old"], ["new", "old"], True, False),
    "overlap": (24 + 1, ["new", "old"], ["new", "old"], True, True),
    "after": (48 + 1, ["new"], ["new", "old"], False, True),
    "gone": (48 + 30 * 24 + 1, ["new"], ["new"], False, True),
}


@pytest.mark.parametrize("phase", PHASES)
def test_across_a_rotation(client, timeline, phase):
    since, signers, published, old_only_accepts, new_only_accepts = PHASES[phase]
    now = timezone.now()
    rotated_at = now - (since or 0) * H
    old = ons_signing_key_init(now=rotated_at - 100 * 24 * H)
    keys = {"old": old}
    if since is not None:
        keys["new"] = ons_signing_key_rotate(now=rotated_at)
    kids = {k.kid: name for name, k in keys.items()}

    jwks = _jwks(client)  # as a receiver fetches it now
    assert [kids[k["kid"]] for k in jwks["keys"]] == published
    body, headers = _signed(now)
    assert len(v1a_entries(headers)) == len(signers)
    # Each v1a entry verifies with exactly one signer's key, in the order newest first.
    for name, entry in zip(signers, v1a_entries(headers), strict=True):
        one = {**headers, "webhook-signature": entry}
        assert v1a_verify(body=body, headers=one, jwks=_only(jwks, keys[name].kid)) == keys[name].kid
    assert v1a_verify(body=body, headers=headers, jwks=jwks) in {keys[n].kid for n in signers}
    assert Webhook(WEBHOOK_SECRET).verify(body, headers)  # v1 throughout

    # Verifiers that pinned one key (its JWK as published when they took it).
    for name, accepts in (("old", old_only_accepts), ("new", new_only_accepts)):
        if accepts is None:
            continue
        pinned = {"keys": [keys[name].jwk()]}
        if accepts:
            assert v1a_verify(body=body, headers=headers, jwks=pinned) == keys[name].kid
        else:
            with pytest.raises(V1aVerificationError):
                v1a_verify(body=body, headers=headers, jwks=pinned)


def test_a_key_that_cannot_be_unsealed_fails_the_attempt_instead_of_sending_v1_alone(
    settings, timeline, receiver
):
    ons_signing_key_init()
    settings.SECRET_KEY = "a-new-secret-key-without-the-old-one-in-the-fallbacks-" + "x" * 20
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    with pytest.raises(SigningKeyUnavailable):
        _signed()
    notification = _notification()
    notification.channel, notification.target = OnsChannel.WEBHOOK, receiver.url
    result = ons_notification_send(notification)
    assert isinstance(result.error, SigningKeyUnavailable)
    assert result.outcome == OnsAttemptOutcome.RETRY  # retried: restoring the fallback lets it through
    assert receiver.deliveries == []
