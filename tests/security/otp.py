"""Helpers for tests that sign in with a second factor."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_for(user, **fields) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Test app", confirmed=True, **fields)


def totp_code(device_or_key, *, at: float | None = None, step_offset: int = 0) -> str:
    """The code an authenticator app would show now (or at time ``at``) for a device or a hex key."""
    key = device_or_key.bin_key if isinstance(device_or_key, TOTPDevice) else bytes.fromhex(device_or_key)
    totp = TOTP(key, step=30, t0=0, digits=6, drift=step_offset)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"
