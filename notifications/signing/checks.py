"""Configuration checks of the v1a signatures. The one that reads the keys is a database check (run
by ``migrate`` and ``check --database default``); a database not yet migrated is not an error."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone

from .crypto import SigningKeyUnavailable
from .enums import SIGNING_STATES, OnsSigningKeyState
from .models import OnsSigningKey


@register(Tags.database)
def ons_signing_keys_check(app_configs=None, databases=None, **kwargs):
    """W101: a webhook is configured but no key signs (v1 only). E101: a key that signs, or is about
    to, cannot be unsealed (SECRET_KEY changed)."""
    if not databases:
        return []
    now = timezone.now()
    try:
        keys = [
            key
            for key in OnsSigningKey.objects.order_by("pk")
            if key.state_at(now) in {*SIGNING_STATES, OnsSigningKeyState.NEXT}
        ]
    except DatabaseError:
        return []  # not migrated yet
    errors = []
    if settings.ONS_WEBHOOK_URL and not any(key.signs_at(now) for key in keys):
        errors.append(
            Warning(
                "No ONS signing key is active, so webhooks carry the shared-secret v1 signature only "
                "(no v1a) and /.well-known/jwks.json lists no key to verify with.",
                hint="Create the first key: python manage.py ons_signing_key_rotate --init",
                id="notifications.W101",
            )
        )
    for key in keys:
        try:
            key.private_key()
        except SigningKeyUnavailable as exc:
            errors.append(
                Error(
                    str(exc),
                    hint="Put the SECRET_KEY it was sealed with back in SECRET_KEY_FALLBACKS, or rotate "
                    "with --compromised to replace it.",
                    id="notifications.E101",
                )
            )
    return errors


@register(Tags.compatibility)
def ons_signing_timeline_check(app_configs=None, **kwargs):
    """W102: the old key stops signing before every cached JWK set has the new one (a receiver that
    cached the set just before a rotation holds it ONS_JWKS_MAX_AGE_SECONDS; the old key signs for
    the publish-ahead and overlap periods after the rotation)."""
    old_key_signs = (settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS + settings.ONS_SIGNING_OVERLAP_HOURS) * 3600
    if old_key_signs <= settings.ONS_JWKS_MAX_AGE_SECONDS:
        return [
            Warning(
                "After a rotation the old ONS signing key stops signing before a receiver's cached JWK "
                "set is sure to have the new key: ONS_SIGNING_PUBLISH_AHEAD_HOURS + "
                "ONS_SIGNING_OVERLAP_HOURS should exceed ONS_JWKS_MAX_AGE_SECONDS by far.",
                hint="Lengthen the overlap or shorten the JWK set's max-age.",
                id="notifications.W102",
            )
        ]
    return []
