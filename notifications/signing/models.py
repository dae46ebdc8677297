"""The keys that sign the ONS webhook (``v1a``). A key's state at any moment follows from its
timestamps, all written when it is created or a rotation schedules its end, so nothing has to run
at the moment a key starts or stops signing (no cron, no beat task)."""

import base64
from datetime import datetime

from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel

from . import crypto
from .enums import OnsSigningKeyState

State = OnsSigningKeyState


class OnsSigningKeyQuerySet(models.QuerySet):
    def signing_at(self, when: datetime) -> "OnsSigningKeyQuerySet":
        """Keys that sign a webhook sent at ``when``: activated, not yet retired."""
        return self.filter(Q(retired_at__isnull=True) | Q(retired_at__gt=when), activated_at__lte=when)

    def published_at(self, when: datetime) -> "OnsSigningKeyQuerySet":
        """Keys in the JWK set at ``when``: published, not yet withdrawn."""
        return self.filter(
            Q(unpublished_at__isnull=True) | Q(unpublished_at__gt=when), published_at__lte=when
        )


class OnsSigningKey(TimeStampedModel):
    """One Ed25519 key pair. ``public_key`` is the base64 of the raw 32-byte public key; the
    private key is kept only sealed (AES-256-GCM under a key derived from SECRET_KEY, bound to the
    ``kid``: ``crypto.seal``), never shown, never logged.

    Timeline: published from ``published_at`` (in the JWK set), signs from ``activated_at`` until
    ``retired_at``, leaves the JWK set at ``unpublished_at``. A key without ``retired_at`` signs
    until a rotation sets it."""

    kid = models.CharField(max_length=64, unique=True, help_text="The RFC 7638 JWK thumbprint.")
    public_key = models.CharField(max_length=44, help_text="Base64 of the raw 32-byte Ed25519 public key.")
    private_key_sealed = models.BinaryField(editable=False)
    published_at = models.DateTimeField(help_text="In the JWK set from this moment.")
    activated_at = models.DateTimeField(help_text="Signs webhooks from this moment.")
    retired_at = models.DateTimeField(null=True, blank=True, help_text="Signs no webhook from this moment.")
    unpublished_at = models.DateTimeField(
        null=True, blank=True, help_text="Out of the JWK set from this moment."
    )

    objects = OnsSigningKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-activated_at", "-id"]
        constraints = [
            # A key is published before it signs, and it stops signing before it is unpublished:
            # whatever a webhook carries, the JWK set has the key for it.
            models.CheckConstraint(
                condition=Q(activated_at__gte=F("published_at")), name="ons_signing_key_published_first"
            ),
            models.CheckConstraint(
                condition=Q(unpublished_at__isnull=True)
                | Q(retired_at__isnull=False, unpublished_at__gte=F("retired_at")),
                name="ons_signing_key_retired_before_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"ONS signing key {self.kid}"

    @property
    def public_bytes(self) -> bytes:
        return base64.b64decode(self.public_key)

    @property
    def public_key_text(self) -> str:
        """``whpk_...``: the Standard Webhooks form of the public key."""
        return crypto.public_key_text(self.public_bytes)

    def jwk(self) -> dict:
        return crypto.jwk(public=self.public_bytes, kid=self.kid)

    def private_key(self):
        """The Ed25519 private key, unsealed for one signature (raises SigningKeyUnavailable)."""
        return crypto.private_key_load(crypto.unseal(sealed=self.private_key_sealed, kid=self.kid))

    def signs_at(self, when: datetime) -> bool:
        return self.activated_at <= when and (self.retired_at is None or when < self.retired_at)

    def is_published_at(self, when: datetime) -> bool:
        return self.published_at <= when and (self.unpublished_at is None or when < self.unpublished_at)

    def state_at(self, when: datetime) -> str:
        """next -> active -> retiring -> retired -> withdrawn, from the timestamps alone (the
        queryset methods ``signing_at`` and ``published_at`` say the same in SQL)."""
        if self.signs_at(when):
            return State.ACTIVE if self.retired_at is None else State.RETIRING
        if not self.is_published_at(when):
            return State.WITHDRAWN
        return State.NEXT if when < self.activated_at else State.RETIRED
