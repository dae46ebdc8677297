"""Helpers for time-based one-time codes that touch no database: new secrets, the text an app
needs, and the QR code that carries it (rendered on the server as an SVG data: URI, which the
strict Content-Security-Policy allows as an image)."""

from base64 import b32decode, b32encode
from binascii import unhexlify

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

RECOVERY_CODE_COUNT = 10


def totp_key_new() -> str:
    """A new 160-bit secret, hex-encoded as django-otp stores it."""
    return random_hex(20)


def totp_key_from_base32(secret: str) -> str:
    """The hex form of a base32 secret (as authenticator apps show it)."""
    cleaned = "".join(secret.split()).upper()
    cleaned += "=" * (-len(cleaned) % 8)
    return b32decode(cleaned).hex()


def totp_key_base32(key: str) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_provisioning_uri(*, user, key: str) -> str:
    return TOTPDevice(user=user, key=key).config_url


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
