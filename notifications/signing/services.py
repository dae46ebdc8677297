"""Every write to the ONS signing keys: the first key, a rotation, an emergency rotation. Each writes
the whole timeline of what it changes at once (so the states follow from the clock) and audits it.

A rotation at T, with A = ONS_SIGNING_PUBLISH_AHEAD_HOURS, O = ONS_SIGNING_OVERLAP_HOURS and
R = ONS_SIGNING_RETENTION_DAYS:

    new key   published at T (next)  ->  signs from T+A (active)
    old keys  sign alone until T+A, beside the new key until T+A+O (retiring), then stop (retired)
              and stay in the JWK set until T+A+O+R (withdrawn after)

so a receiver that fetched the JWK set at any time after T verifies every webhook, and one that
pinned the old key alone keeps verifying until T+A+O. A compromised key cannot wait for that:
``compromised=True`` signs with the new key alone from T and withdraws every other key at T.
"""

import base64
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.errors import InvalidTransition
from core.services import audit_record

from . import crypto
from .enums import OnsSigningAuditAction, OnsSigningKeyState
from .models import OnsSigningKey

State = OnsSigningKeyState


def ons_signing_timeline() -> tuple[timedelta, timedelta, timedelta]:
    """(publish ahead, overlap, retention) from settings."""
    return (
        timedelta(hours=settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS),
        timedelta(hours=settings.ONS_SIGNING_OVERLAP_HOURS),
        timedelta(days=settings.ONS_SIGNING_RETENTION_DAYS),
    )


def _key_create(*, published_at: datetime, activated_at: datetime, actor, via: str) -> OnsSigningKey:
    private, public = crypto.keypair_generate()
    kid = crypto.jwk_thumbprint(public)
    key = OnsSigningKey(
        kid=kid,
        public_key=base64.b64encode(public).decode(),
        private_key_sealed=crypto.seal(private=private, kid=kid),
        published_at=published_at,
        activated_at=activated_at,
    )
    key.full_clean()
    key.save()
    audit_record(
        actor=actor,
        action=OnsSigningAuditAction.CREATED,
        target=key,
        data={
            "kid": kid,
            "public_key": key.public_key_text,
            "published_at": published_at.isoformat(),
            "activated_at": activated_at.isoformat(),
            "via": via,
        },
    )
    return key


#: PostgreSQL advisory lock number: one change of the signing keys at a time (two deployments running
#: ``--init`` at once make one first key, not two). SQLite writes one transaction at a time anyway.
_KEYS_LOCK = int.from_bytes(b"onskeys", "big")


def _locked_keys(now: datetime) -> list[OnsSigningKey]:
    """Every key not yet withdrawn, with the keys locked against a concurrent change."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KEYS_LOCK])
    keys = list(OnsSigningKey.objects.select_for_update().order_by("pk"))
    return [key for key in keys if key.unpublished_at is None or key.unpublished_at > now]


@transaction.atomic
def ons_signing_key_init(*, actor=None, now: datetime | None = None, via: str = "") -> OnsSigningKey | None:
    """The first key, published and signing at once; None (and nothing changes) when a key is
    already signing or about to. Safe to run on every deployment."""
    now = now or timezone.now()
    keys = _locked_keys(now)
    if any(key.state_at(now) in {State.NEXT, State.ACTIVE, State.RETIRING} for key in keys):
        return None
    return _key_create(published_at=now, activated_at=now, actor=actor, via=via or "init")


@transaction.atomic
def ons_signing_key_rotate(
    *, actor=None, compromised: bool = False, now: datetime | None = None, via: str = ""
) -> OnsSigningKey:
    """Publish a new key now and schedule the old ones' end (module docstring). With no key signing,
    the new key signs at once (there is nothing to overlap). A rotation already under way (a key
    published but not yet signing) is refused, unless ``compromised``."""
    now = now or timezone.now()
    ahead, overlap, retention = ons_signing_timeline()
    keys = _locked_keys(now)
    if compromised:
        key = _key_create(published_at=now, activated_at=now, actor=actor, via=via or "rotate --compromised")
        for old in keys:
            old.retired_at = min(old.retired_at or now, now)
            old.unpublished_at = now
            old.save(update_fields=["retired_at", "unpublished_at", "updated_at"])
            audit_record(
                actor=actor,
                action=OnsSigningAuditAction.WITHDRAWN,
                target=old,
                data={"kid": old.kid, "withdrawn_at": now.isoformat(), "replaced_by": key.kid},
            )
        return key
    pending = [key for key in keys if key.state_at(now) == State.NEXT]
    if pending:
        raise InvalidTransition(
            f"A rotation is already under way: key {pending[0].kid} starts signing at "
            f"{pending[0].activated_at.isoformat()}. Rotate again after that, or rotate with "
            "--compromised if a key must stop signing now."
        )
    in_service = [key for key in keys if key.retired_at is None and key.signs_at(now)]
    if not in_service:
        return _key_create(published_at=now, activated_at=now, actor=actor, via=via or "rotate")
    key = _key_create(published_at=now, activated_at=now + ahead, actor=actor, via=via or "rotate")
    retired_at = key.activated_at + overlap
    for old in in_service:
        old.retired_at = retired_at
        old.unpublished_at = retired_at + retention
        old.save(update_fields=["retired_at", "unpublished_at", "updated_at"])
        audit_record(
            actor=actor,
            action=OnsSigningAuditAction.RETIREMENT_SCHEDULED,
            target=old,
            data={
                "kid": old.kid,
                "retired_at": old.retired_at.isoformat(),
                "unpublished_at": old.unpublished_at.isoformat(),
                "replaced_by": key.kid,
            },
        )
    return key
