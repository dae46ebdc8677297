"""An independent Standard Webhooks ``v1a`` verifier, written from the specification
(standard-webhooks/standard-webhooks, spec/standard-webhooks.md) and RFC 7517/8037 alone: it uses
none of the portal's signing code (notifications/signing/) and not the standardwebhooks library
(which verifies ``v1`` only), just ``cryptography``'s Ed25519 public key.

- The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``, the body as received.
- ``webhook-signature`` is a space-delimited list of ``<version>,<base64 signature>``; entries of
  other versions (``v1``) are skipped; "try to verify each signature until one matches".
- The keys come from a JWK set: ``kty`` OKP, ``crv`` Ed25519, ``x`` the base64url (unpadded) raw
  public key. The header names no key, so each trusted key is tried.
- The timestamp must be within a tolerance of the verifier's clock (replay protection).
"""

import base64
import binascii
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TOLERANCE_SECONDS = 5 * 60


class V1aVerificationError(Exception):
    pass


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def trusted_keys(jwks: dict) -> dict[str, Ed25519PublicKey]:
    """kid -> public key for each Ed25519 signing key of a JWK set (others are ignored)."""
    keys = {}
    for entry in jwks.get("keys", []):
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519" or entry.get("use", "sig") != "sig":
            continue
        raw = _b64url_decode(entry["x"])
        if len(raw) != 32:
            continue
        keys[entry.get("kid", entry["x"])] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def v1a_verify(
    *,
    body: bytes,
    headers: dict,
    jwks: dict,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> str:
    """The kid of the first trusted key whose ``v1a`` signature matches; raises
    V1aVerificationError otherwise."""
    headers = {name.lower(): value for name, value in headers.items()}
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise V1aVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature.")
    if not timestamp.isdigit():
        raise V1aVerificationError("webhook-timestamp is not an integer.")
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        raise V1aVerificationError("webhook-timestamp is outside the tolerance.")
    keys = trusted_keys(jwks)
    content = f"{msg_id}.{timestamp}.".encode() + body
    for entry in signatures.split(" "):
        version, _, encoded = entry.partition(",")
        if version != "v1a":
            continue
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(signature) != 64:
            continue
        for kid, key in keys.items():
            try:
                key.verify(signature, content)
            except InvalidSignature:
                continue
            return kid
    raise V1aVerificationError("No v1a signature matches a trusted key.")


def v1a_entries(headers: dict) -> list[str]:
    """The v1a entries of a webhook-signature header."""
    value = {name.lower(): v for name, v in headers.items()}["webhook-signature"]
    return [entry for entry in value.split(" ") if entry.startswith("v1a,")]
