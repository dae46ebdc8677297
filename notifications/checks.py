"""Configuration checks: ONS must be reachable on at least one channel, and a webhook must be signed."""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility)
def ons_channels_check(app_configs, **kwargs):
    errors = []
    if not settings.ONS_WEBHOOK_URL and not settings.ONS_NOTIFY_EMAIL:
        errors.append(
            Error(
                "No ONS notification channel is configured, so decisions could not be recorded.",
                hint="Set ONS_WEBHOOK_URL and ONS_WEBHOOK_SECRET, or ONS_NOTIFY_EMAIL.",
                id="notifications.E001",
            )
        )
    if settings.ONS_WEBHOOK_URL:
        secret = settings.ONS_WEBHOOK_SECRET.removeprefix("whsec_")
        try:
            valid = bool(secret) and bool(base64.b64decode(secret + "==", validate=False))
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            errors.append(
                Error(
                    "ONS_WEBHOOK_URL is set but ONS_WEBHOOK_SECRET is missing or not base64.",
                    hint='A Standard Webhooks secret: "whsec_" and the base64 of 24 to 64 random bytes.',
                    id="notifications.E002",
                )
            )
    lease = settings.ONS_LEASE_SECONDS
    if lease <= settings.ONS_WEBHOOK_CONNECT_TIMEOUT + settings.ONS_WEBHOOK_TIMEOUT + 10:
        errors.append(
            Warning(
                "ONS_LEASE_SECONDS should exceed one delivery attempt (ONS_WEBHOOK_CONNECT_TIMEOUT + "
                "ONS_WEBHOOK_TIMEOUT + 10 s): a slow attempt may be sent a second time (ONS drops the "
                "duplicate by its webhook-id).",
                id="notifications.W001",
            )
        )
    return errors
