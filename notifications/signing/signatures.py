"""The ``webhook-signature`` header of an ONS webhook: the shared-secret ``v1`` and one ``v1a`` per
signing key, space-delimited as the Standard Webhooks specification lists them."""

from datetime import datetime

from . import crypto
from .selectors import ons_signing_keys_signing


def ons_webhook_signature(*, v1: str, msg_id: str, when: datetime, body: str) -> str:
    """``v1,<hmac> v1a,<signature by key 1> [v1a,<signature by key 2>]``: ``when`` is the attempt's
    moment, which both decides the keys (the one active, or both during a rotation's overlap) and
    gives the signed timestamp, the same integer seconds as the ``webhook-timestamp`` header. With
    no signing key, ``v1`` alone (``notifications.W002`` says so)."""
    timestamp = str(int(when.timestamp()))
    entries = [
        crypto.v1a_sign(private_key=key.private_key(), msg_id=msg_id, timestamp=timestamp, body=body)
        for key in ons_signing_keys_signing(at=when)
    ]
    return " ".join([v1, *entries])
