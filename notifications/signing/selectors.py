"""Reads of the ONS signing keys: which sign a webhook sent at a moment, which the JWK set lists."""

from datetime import datetime

from .models import OnsSigningKey


def ons_signing_keys_signing(*, at: datetime) -> list[OnsSigningKey]:
    """The keys that sign a webhook sent at ``at``, newest first: one, or two during a rotation's
    overlap (one query)."""
    return list(OnsSigningKey.objects.signing_at(at).order_by("-activated_at", "-id"))


def ons_signing_keys_published(*, at: datetime) -> list[OnsSigningKey]:
    """The keys in the JWK set at ``at`` (next, active, retiring, recently retired), newest first."""
    return list(OnsSigningKey.objects.published_at(at).order_by("-published_at", "-id"))


def ons_jwks(*, at: datetime) -> dict:
    """The JWK set (RFC 7517 section 5) of the keys published at ``at``."""
    return {"keys": [key.jwk() for key in ons_signing_keys_published(at=at)]}
